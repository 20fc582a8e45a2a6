"""Fit the shipped rule weights, content multiplier, bias and junk threshold.

    python bench/fit_weights.py ../shared/corpora

Every junk and ham message under the path (labels from folder names, as ``inboxwatch eval``
reads them) is analysed once; its content points come from a content model trained without
it (inboxwatch/crossval.py's inner folds), and the weights are fitted to those and to the
rules each message fired (inboxwatch/classify/weights.py). The committed
``inboxwatch/classify/weights.json`` is this script's output on ``../shared/corpora``; it
prints what moved from the points written in the rule table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inboxwatch import crossval
from inboxwatch.classify.weights import WEIGHTS_PATH, written_weights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args()
    samples = crossval.load_samples(args.corpus)
    weights = crossval.fit_weights(samples)
    weights.save(args.out)
    written = written_weights()
    print(f"fitted to {weights.fitted_on} messages: content x{weights.content:g}, "
          f"bias {weights.bias:g}, junk from {weights.threshold:g} points")
    for rule, points in sorted(weights.points.items()):
        before = written.points.get(rule, 0.0)
        if abs(points - before) >= 0.05:
            print(f"  {rule:<24} {before:5.2f} -> {points:5.2f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
