"""IMAP worker benchmark against a real Dovecot on loopback (not a test; prints figures).

APPENDs N (default 10,000) mixed corpus messages from ../shared/corpora (cycled when there
are fewer files, each made unique by an ``X-Bench-Seq`` header) to a private Dovecot, then
measures in the same run:

1. a raw imapclient batched fetch of the folder (``BODY.PEEK[]``, 200 UIDs a command);
2. raw capture: ``sync_folder`` alone, committing every batch to a fresh SQLite store;
3. the full pipeline: ``poll_mailbox`` (capture + parse + route + classify + store) into a
   fresh store, and its ratio to (1);
4. the cost of a ``poll`` with nothing new on that folder (median of 5, ms);
5. new-mail-to-stored latency under IDLE with ``inboxwatch run``'s service (median, max, ms).

Usage: ``python bench/bench_imap.py [--count N] [--workers W]``. Needs dovecot and root (the
test server stores mail as uid 65534), like the tests.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session, func, select

from inboxwatch.config import load_config
from inboxwatch.imap import connect
from inboxwatch.route import RoutingContext
from inboxwatch.scheduler import WorkerService
from inboxwatch.sync import poll_mailbox, sync_folder
from inboxwatch.workers import shutdown_pool
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import Message
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, free_port, write_config

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
ROUTING = RoutingContext(reply_address="updates@helpdesk.example.com",
                         notifications_address="notify@helpdesk.example.com",
                         own_domains=("helpdesk.example.com",))


def corpus_messages(count: int) -> tuple[list[bytes], int]:
    files = sorted(p for p in CORPORA.rglob("*") if p.is_file() and p.suffix in (".eml", ".txt"))
    if not files:
        raise SystemExit(f"no corpus under {CORPORA}")
    raws = [p.read_bytes() for p in files]
    out = []
    for n, raw in zip(range(count), itertools.cycle(raws), strict=False):
        cycle = n // len(raws)
        if cycle:
            # A copy gets a Message-ID of its own, or routing would file it as the same
            # mail delivered again (one item, no new message) and the figures would be of
            # duplicates.
            raw = _MESSAGE_ID.sub(rb"\1<copy" + str(cycle).encode() + rb".", raw, count=1)
        out.append(f"X-Bench-Seq: {n}\r\n".encode() + raw)
    return out, len(files)


_MESSAGE_ID = re.compile(rb"(?im)^(message-id:[ \t]*)<")


def raw_fetch(server: Dovecot, user: str, *, trace: bool = True) -> tuple[int, int, float]:
    """imapclient's batched fetch; ``trace=False`` turns off the imaplib protocol trace that
    imapclient switches on (as ``inboxwatch.imap.connect`` does)."""
    imap = server.client(user)
    if not trace:
        imap._imap.debug = 0
    try:
        imap.select_folder("INBOX", readonly=True)
        started = time.perf_counter()
        uids = imap.search(["ALL"])
        total_bytes = 0
        for i in range(0, len(uids), 200):
            data = imap.fetch(uids[i:i + 200], [b"BODY.PEEK[]"])
            total_bytes += sum(len(d[b"BODY[]"]) for d in data.values())
        return len(uids), total_bytes, time.perf_counter() - started
    finally:
        imap.logout()


def start_pool(workers: int | None) -> None:
    """Start every parser worker before timing (the pool starts them one by one, as needed)."""
    from inboxwatch import workers as parser_workers

    pool = parser_workers.pool(workers or parser_workers.default_workers())
    for future in [pool.submit(time.sleep, 0.2) for _ in range(workers or os.cpu_count() or 1)]:
        future.result()


def process_cpu() -> float:
    times = os.times()
    return times.user + times.system


def pool_cpu() -> float | None:
    """CPU seconds used so far by the parser workers (Linux: from /proc), or None."""
    from inboxwatch import workers

    pool = workers._POOL
    pids = list(getattr(pool, "_processes", None) or {})
    total = 0.0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return total


def count_messages(engine: object) -> int:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Message)).one())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--idle-samples", type=int, default=10)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="inboxwatch-bench-"))
    root.chmod(0o755)  # Dovecot's unprivileged processes must reach their files below it
    server = Dovecot(root=root / "dovecot", plain_port=free_port(), tls_port=free_port(),
                     cert_file=root / "dovecot" / "cert.pem")
    server.root.mkdir()
    server.start()
    os.environ["IW_TEST_IMAP_PW"] = DEFAULT_PASSWORD
    try:
        user = server.new_user()
        messages, files = corpus_messages(args.count)
        size = sum(len(m) for m in messages)
        t0 = time.perf_counter()
        server.append(user, messages)
        print(f"appended {len(messages)} messages ({size / 1e6:.1f} MB, {files} corpus files "
              f"cycled) in {time.perf_counter() - t0:.1f}s")
        del messages
        config = write_config(root / "c.toml", server, user, after_ingest="keep")
        mailbox = load_config(config).mailboxes[0]

        n, nbytes, secs = raw_fetch(server, user)
        raw_rate = n / secs
        print(f"raw imapclient batched fetch: {n} msgs, {nbytes / 1e6:.1f} MB in {secs:.2f}s "
              f"= {raw_rate:,.0f} msg/s")
        n, nbytes, secs = raw_fetch(server, user, trace=False)
        print(f"  the same with imaplib's protocol trace off: {n / secs:,.0f} msg/s")

        engine = open_engine(f"sqlite:///{root / 'capture.db'}")
        t0 = time.perf_counter()
        with connect(mailbox) as conn:
            report = sync_folder(conn, engine)
        secs = time.perf_counter() - t0
        print(f"raw capture (fetch + commit, no parsing): {report.captured} in {secs:.2f}s = "
              f"{report.captured / secs:,.0f} msg/s (goal 5,000)")
        engine.dispose()

        engine = open_engine(f"sqlite:///{root / 'full.db'}")
        start_pool(args.workers)
        cpu0, workers0 = process_cpu(), pool_cpu()
        t0 = time.perf_counter()
        result = poll_mailbox(mailbox, engine, ROUTING, workers=args.workers)
        secs = time.perf_counter() - t0
        cpu1, workers1 = process_cpu(), pool_cpu()
        stored = result.ingest.stored if result.ingest else 0
        full_rate = stored / secs
        print(f"full pipeline poll (fetch, parse, route, classify, store): {stored} in "
              f"{secs:.2f}s = {full_rate:,.0f} msg/s (goal 1,600); "
              f"{full_rate / raw_rate:.2f} x the raw fetch")
        if stored and workers1 is not None and workers0 is not None:
            print(f"  CPU a message: polling process {(cpu1 - cpu0) / stored * 1000:.2f} ms, "
                  f"parser workers {(workers1 - workers0) / stored * 1000:.2f} ms")
        if result.error:
            print(f"  error: {result.error}")

        empty = []
        for _ in range(5):
            t0 = time.perf_counter()
            again = poll_mailbox(mailbox, engine, ROUTING, workers=args.workers)
            empty.append((time.perf_counter() - t0) * 1000)
            assert again.sync is not None and again.sync.new == 0
        print(f"poll with nothing new on {n} messages: median {statistics.median(empty):.0f} ms "
              f"(min {min(empty):.0f}, max {max(empty):.0f})")

        idle_config = load_config(write_config(root / "i.toml", server, user,
                                               after_ingest="keep", interval_seconds=60))
        service = WorkerService(idle_config, engine, ROUTING)
        thread = threading.Thread(target=service.run_until_stopped)
        thread.start()
        try:
            time.sleep(2.0)
            latencies = []
            for k in range(args.idle_samples):
                before = count_messages(engine)
                raw = (f"From: a{k}@example.org\r\nTo: support@helpdesk.example.com\r\n"
                       f"Subject: idle {k}\r\nMessage-ID: <idle-{k}-{time.time_ns()}@b>\r\n\r\n"
                       "hello\r\n").encode()
                t0 = time.perf_counter()
                server.append(user, [raw])
                while count_messages(engine) == before:
                    if time.perf_counter() - t0 > 30:
                        raise SystemExit("IDLE latency: message not stored within 30 s")
                    time.sleep(0.005)
                latencies.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.3)
        finally:
            service.stop_event.set()
            thread.join(30)
        print(f"new mail to stored under IDLE: median {statistics.median(latencies):.0f} ms, "
              f"max {max(latencies):.0f} ms over {len(latencies)} (Dovecot notifies ~500 ms "
              "after APPEND)")
        engine.dispose()
    finally:
        shutdown_pool()
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"machine: {os.cpu_count()} cores, shared with other work: figures measured under load")


if __name__ == "__main__":
    main()
