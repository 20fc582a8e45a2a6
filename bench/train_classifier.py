"""Train the content classifier from a labelled corpus directory and write the model.

    python bench/train_classifier.py ../shared/corpora/spamassassin

The corpus has one folder per label; folders named in ``--spam`` are spam, those in
``--ham`` are ham (defaults fit the SpamAssassin public corpus). Only the deterministic
training share of each folder (``inboxwatch.classify.model.in_training_split``) is used, so
``inboxwatch eval --held-out`` can report figures on mail the model has never seen; pass
``--all`` to train on everything. The committed ``inboxwatch/classify/model.json.gz`` is
this script's output on ``../shared/corpora/spamassassin`` with the defaults.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from inboxwatch.classify.model import (
    MODEL_PATH,
    TokenModel,
    in_training_split,
    message_tokens,
    training_key,
)
from inboxwatch.parse import parse_message

MIN_DOCS = 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--spam", nargs="+", default=["spam"])
    parser.add_argument("--ham", nargs="+", default=["ham", "hard-ham"])
    parser.add_argument("--all", action="store_true", help="train on every file, no hold-out")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()

    model = TokenModel()
    trained: set[str] = set()
    started = time.perf_counter()
    for label, is_spam in [*((s, True) for s in args.spam), *((h, False) for h in args.ham)]:
        folder = args.corpus / label
        if not folder.is_dir():
            print(f"no folder {folder}", file=sys.stderr)
            return 2
        used = 0
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name.startswith(("LICENSE", ".")):
                continue
            if not args.all and not in_training_split(path.name):
                continue
            raw = path.read_bytes()
            model.learn(message_tokens(parse_message(raw)), is_spam=is_spam)
            trained.add(training_key(raw))
            used += 1
        print(f"{label}: {used} messages ({'spam' if is_spam else 'ham'})")
    if not args.all:
        model.trained_on = (*args.spam, *args.ham)
        model.trained = frozenset(trained)
    pruned = model.prune(MIN_DOCS)
    pruned.save(args.out)
    print(f"{len(model.counts)} tokens, {len(pruned.counts)} kept (seen in >= {MIN_DOCS} "
          f"messages); {pruned.spam_docs} spam, {pruned.ham_docs} ham; "
          f"{args.out.stat().st_size} bytes; {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
