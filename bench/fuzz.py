"""The fuzzing harness on a large budget (not a test): mutated corpus mail through the
whole pipeline into a fresh store, one message at a time, and the figures.

Seeds are ../shared/corpora (when present) and examples/mail; mutations are those of
tests/fuzzing.py (byte flips, 8-bit and surrogate bytes in headers, truncation, header
floods, deep MIME nesting, huge parts, bad charsets, link storms). Every input must be
stored (a duplicate of an earlier one counts as handled), none may take over 5 s.

Usage: ``python bench/fuzz.py [--count N] [--seed S] [--seeds N]``; prints inputs,
stored, flagged malformed, quarantined, the slowest input and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inboxwatch.ingest import RawMail, ingest
from inboxwatch.route import RoutingContext
from inboxwatch_storage import open_engine
from tests.fuzzing import MUTATORS, mutations, seed_mail

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
LIMIT_SECONDS = 5.0


@dataclass
class Figures:
    inputs: int = 0
    stored: int = 0
    duplicates: int = 0
    malformed: int = 0
    quarantined: int = 0
    slowest: tuple[float, str] = (0.0, "")
    failed: list[str] = field(default_factory=list)
    over_limit: list[str] = field(default_factory=list)


def run(count: int, seed: int, seeds: int) -> Figures:
    sources = seed_mail([CORPORA, ROOT / "examples" / "mail"], seeds)
    ctx = RoutingContext(reply_address="updates@helpdesk.example.com",
                         notifications_address="notify@helpdesk.example.com",
                         own_domains=("helpdesk.example.com",))
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="inboxwatch-fuzz-") as tmp:
        engine = open_engine(f"sqlite:///{Path(tmp) / 'fuzz.db'}")
        for name, mutator, s, raw in mutations(sources, count, mutators=tuple(MUTATORS),
                                               seed=seed):
            figures.inputs += 1
            where = f"{Path(name).name} {mutator} seed {s}"
            started = time.monotonic()
            try:
                report = ingest(engine, ctx, [RawMail(raw=raw, origin=where)], workers=1)
            except Exception as exc:
                figures.failed.append(f"{where}: {exc!r}"[:300])
                continue
            took = time.monotonic() - started
            if took > figures.slowest[0]:
                figures.slowest = (took, where)
            if took > LIMIT_SECONDS:
                figures.over_limit.append(f"{where}: {took:.2f} s")
            figures.stored += report.stored
            figures.duplicates += report.duplicates
            figures.malformed += report.malformed
            figures.quarantined += report.quarantined
        engine.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000, help="mutated inputs")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--seeds", type=int, default=400, help="corpus messages to mutate")
    args = parser.parse_args()
    started = time.monotonic()
    f = run(args.count, args.seed, args.seeds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"inputs {f.inputs}, stored {f.stored}, duplicates {f.duplicates}, flagged "
          f"malformed {f.malformed}, quarantined {f.quarantined}, failed {len(f.failed)}, "
          f"over {LIMIT_SECONDS:g} s {len(f.over_limit)}")
    print(f"slowest {f.slowest[0]:.2f} s ({f.slowest[1]}); peak RSS {peak:.0f} MB; "
          f"wall time {time.monotonic() - started:.0f} s")
    for line in f.failed[:20] + f.over_limit[:20]:
        print("  " + line)
    return 1 if f.failed or f.over_limit else 0


if __name__ == "__main__":
    sys.exit(main())
