"""The identity check for refactors: what the pipeline stores, as one digest (not a test).

Imports N (default 10,000) corpus messages from ../shared/corpora into a fresh SQLite store
through ``capture`` and ``process_pending`` with one worker (so row ids are deterministic),
then writes every row of every table, in primary-key order, as JSON lines, leaving out the
clock columns (``*_at`` but ``sent_at``, the mail's own Date). It prints the row count of each
table and the SHA-256 of the whole dump. Two trees that store the same rows print the same
digest; ``--dump FILE`` keeps the dump so that two runs can be compared with ``diff``.

Usage: ``python bench/store_digest.py [--count N] [--dump FILE]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_imap import ROUTING, corpus_messages


def _value(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    if isinstance(value, int | float | str | bool | list | dict | type(None)):
        return value
    return str(value)


def dump_store(url: str) -> list[str]:
    """Every row of every table as a JSON line, clock columns left out."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    lines: list[str] = []
    with engine.connect() as connection:
        inspector = inspect(connection)
        for table in sorted(inspector.get_table_names()):
            columns = [c["name"] for c in inspector.get_columns(table)
                       if not (c["name"].endswith("_at") and c["name"] != "sent_at")]
            keys = inspector.get_pk_constraint(table).get("constrained_columns") or columns[:1]
            order = ", ".join(f'"{k}"' for k in keys) if keys else "1"
            names = ", ".join(f'"{c}"' for c in columns)
            rows = connection.execute(text(f'SELECT {names} FROM "{table}" ORDER BY {order}'))
            for row in rows:
                record = {c: _value(v) for c, v in zip(columns, row, strict=True)}
                lines.append(json.dumps({"table": table, **record}, sort_keys=True))
    engine.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--dump", type=Path, help="write the JSON-lines dump here")
    args = parser.parse_args()

    from sqlmodel import Session

    from inboxwatch.ingest import RawMail, capture, process_pending
    from inboxwatch_storage import open_engine

    raws, files = corpus_messages(args.count)
    mails = [RawMail(raw, origin=str(n)) for n, raw in enumerate(raws)]
    with tempfile.TemporaryDirectory(prefix="inboxwatch-digest-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'digest.db'}"
        engine = open_engine(url)
        with Session(engine) as session:
            capture(session, mails)
            session.commit()
        report = process_pending(engine, ROUTING, workers=1)
        engine.dispose()
        lines = dump_store(url)
    counts: dict[str, int] = {}
    for line in lines:
        table = json.loads(line)["table"]
        counts[table] = counts.get(table, 0) + 1
    if args.dump:
        args.dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    print(f"{report.stored} of {args.count} messages stored ({files} distinct corpus files)")
    print("rows: " + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))
    print(f"digest {digest}")


if __name__ == "__main__":
    main()
