"""Train the shipped classifier on every labelled message: the content model and the rule
weights.

    python bench/train_classifier.py ../shared/corpora bench/training

Labels come from folder names, as ``inboxwatch eval`` reads them (inboxwatch/crossval.py:
``spam``/``phish``/``junk`` junk, ``ham`` ham; bounces and the rest are not trained on).
``bench/training/helpdesk-ham`` is client mail to a help desk written for this project
(bench/training/README.md): the public corpora's wanted mail is mailing lists.
Writes ``inboxwatch/classify/model.json.gz`` (token counts of every junk and ham message,
tokens seen in at least two kept; the SHA-256 prefixes of what it learned from, so
``eval --held-out`` can leave those out of other corpora) and
``inboxwatch/classify/weights.json`` (rule weights, bias and junk threshold, fitted with
each message's content points from a model that did not learn it). Both committed files
are this script's output on ``../shared/corpora`` and ``bench/training``.

The figures that say how well it does are not measured on what it learned: they are
``inboxwatch eval --cv 5 --by-source`` (each split trains its own) and
bench/bench_spamassassin.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inboxwatch import crossval
from inboxwatch.classify.model import MODEL_PATH
from inboxwatch.classify.weights import WEIGHTS_PATH, written_weights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--weights", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args()

    started = time.perf_counter()
    samples = crossval.load_samples(args.corpus)
    learned = [s for s in samples if s.truth in (crossval.JUNK, crossval.HAM)]
    model = crossval.train(learned)
    model.trained = frozenset(s.key for s in learned)
    model.trained_on = tuple(sorted({s.source for s in learned}))
    model.save(args.model)
    print(f"model: {model.spam_docs} junk, {model.ham_docs} ham from "
          f"{', '.join(model.trained_on)}; {len(model.counts)} tokens (seen in >= "
          f"{crossval.MIN_DOCS} messages); {args.model.stat().st_size} bytes")

    weights = crossval.fit_weights(samples)
    weights.save(args.weights)
    written = written_weights()
    print(f"weights: fitted to {weights.fitted_on} messages, bias {weights.bias:g}, junk "
          f"from {weights.threshold:g} points")
    for rule, points in sorted(weights.points.items()):
        before = written.points.get(rule, 0.0)
        if abs(points - before) >= 0.05:
            print(f"  {rule:<24} {before:5.2f} -> {points:5.2f}")
    print(f"{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
