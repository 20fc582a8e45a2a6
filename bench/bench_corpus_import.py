"""Import every file under a corpus directory through the real pipeline and report.

Usage: python bench/bench_corpus_import.py [CORPUS_DIR] [--workers N]

Proves that every file imports without a traceback (malformed ones stored and flagged) and
prints the throughput of the two ingest stages: raw capture (bytes committed) and processing
(parse, route, classify, store). Uses a fresh SQLite store in a temporary directory.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlmodel import Session, func, select

from inboxwatch.ingest import capture, process_pending
from inboxwatch.route import RoutingContext
from inboxwatch.sources import Skipped, iter_mail
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import Message

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    items = list(iter_mail([args.corpus]))
    mails = [m for m in items if not isinstance(m, Skipped)]
    skipped = [m for m in items if isinstance(m, Skipped)]
    total_bytes = sum(len(m.raw) for m in mails)
    ctx = RoutingContext(reply_address="updates@helpdesk.example.com",
                         notifications_address="notify@helpdesk.example.com",
                         own_domains=("helpdesk.example.com",))
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(f"sqlite:///{tmp}/bench.db")
        t0 = time.perf_counter()
        captured = 0
        for start in range(0, len(mails), 500):
            with Session(engine) as session:
                captured += capture(session, mails[start:start + 500]).captured
                session.commit()
        t1 = time.perf_counter()
        report = process_pending(engine, ctx, workers=args.workers)
        t2 = time.perf_counter()
        with Session(engine) as session:
            stored = session.exec(select(func.count()).select_from(Message)).one()
            flagged = session.exec(select(func.count()).select_from(Message)
                                   .where(Message.malformed)).one()
            categories = Counter(session.exec(select(Message.category)).all())
    print(f"corpus: {args.corpus}")
    print(f"files read: {len(mails)} ({total_bytes / 1e6:.1f} MB); skipped {len(skipped)}")
    print(f"captured: {captured} (distinct bytes) in {t1 - t0:.2f}s = "
          f"{captured / (t1 - t0):.0f} msg/s")
    print(f"processed: {report.stored} stored, {report.duplicates} duplicates in "
          f"{t2 - t1:.2f}s = {captured / (t2 - t1):.0f} msg/s")
    print(f"end to end: {captured / (t2 - t0):.0f} msg/s")
    print(f"messages in store: {stored}; flagged malformed: {flagged}")
    print("categories: " + ", ".join(f"{k} {v}" for k, v in categories.most_common()))
    for s in skipped:
        print(f"skipped {s.path}: {s.why}")


if __name__ == "__main__":
    main()
