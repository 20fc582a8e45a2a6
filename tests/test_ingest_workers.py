"""The parser worker processes never outlive the process that owns them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # runs inboxwatch or tools in other processes


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def test_workers_die_with_a_killed_importer(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    body = "word " * 4000
    for i in range(3000):
        (mail / f"{i}.eml").write_text(
            f"From: a{i}@example.com\nSubject: message {i}\nMessage-ID: <{i}@example.com>\n\n"
            f"{body}\n")
    code = "import sys; from inboxwatch.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--db", f"sqlite:///{tmp_path / 's.db'}", "import",
         str(mail), "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = [c for c in _children(proc.pid) if _is_worker(c)]
    assert proc.poll() is None, "the import ended before its workers could be observed"
    assert len(workers) >= 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{w}") for w in workers):
        time.sleep(0.2)
    assert not [w for w in workers if os.path.exists(f"/proc/{w}")]


def test_pool_outlives_the_thread_that_started_it(tmp_path: Path) -> None:
    """``inboxwatch run`` processes each poll on a thread of its own: the worker pool one poll
    started must still serve the next (it once died with the first poll's thread)."""
    import threading

    from sqlmodel import Session

    from inboxwatch.ingest import INLINE_THRESHOLD, RawMail, capture, process_pending
    from inboxwatch.route import RoutingContext
    from inboxwatch.workers import shutdown_pool
    from inboxwatch_storage import open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 's.db'}")
    routing = RoutingContext(own_domains=("helpdesk.example.com",))
    stored: list[int] = []

    def one_poll(start: int) -> None:
        with Session(engine) as session:
            capture(session, [
                RawMail(f"From: c{n}@example.org\r\nSubject: poll {n}\r\n"
                        f"Message-ID: <p{n}@example.org>\r\n\r\nbody {n}\r\n".encode(),
                        origin=f"{n}.eml")
                for n in range(start, start + INLINE_THRESHOLD + 10)])
            session.commit()
        stored.append(process_pending(engine, routing, workers=2).stored)

    try:
        for start in (0, 1000):
            thread = threading.Thread(target=one_poll, args=(start,))
            thread.start()
            thread.join()
            time.sleep(1.0)  # long enough for a worker tied to that thread to be gone
    finally:
        shutdown_pool()
        engine.dispose()
    assert stored == [INLINE_THRESHOLD + 10] * 2


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone (or going) meanwhile
        return False


def _messages(start: int, count: int) -> list[bytes]:
    return [f"From: c{n}@example.org\r\nSubject: batch {n}\r\n"
            f"Message-ID: <b{n}@example.org>\r\n\r\nbody {n}\r\n".encode()
            for n in range(start, start + count)]


def test_workers_store_their_batches_and_a_dead_worker_is_replaced(tmp_path: Path) -> None:
    """A backlog is analysed and stored by the workers (every capture once, in batches that
    take turns); when a worker is killed, the next run starts new workers instead of failing
    with a broken pool."""
    from sqlmodel import Session, func, select

    from inboxwatch import workers
    from inboxwatch.ingest import RawMail, capture, process_pending
    from inboxwatch.route import RoutingContext
    from inboxwatch.workers import shutdown_pool
    from inboxwatch_storage import open_engine
    from inboxwatch_storage.tables import Message, RawCapture

    engine = open_engine(f"sqlite:///{tmp_path / 's.db'}")
    routing = RoutingContext(own_domains=("helpdesk.example.com",))

    def backlog(start: int, count: int) -> int:
        with Session(engine) as session:
            capture(session, [RawMail(raw, origin=f"{start}-{i}")
                              for i, raw in enumerate(_messages(start, count))])
            session.commit()
        return process_pending(engine, routing, workers=2, batch_size=100).stored

    try:
        assert backlog(0, 450) == 450
        pool = workers._POOL
        assert pool is not None
        victim = next(iter(pool._processes))  # type: ignore[attr-defined]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _is_worker(victim):
            time.sleep(0.05)
        while time.monotonic() < deadline and not getattr(pool, "_broken", False):
            time.sleep(0.05)  # until the pool has noticed the death
        assert backlog(1000, 300) == 300
        assert workers._POOL is not pool
    finally:
        shutdown_pool()
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Message)).one() == 750
        assert not session.exec(select(RawCapture.id).where(
            RawCapture.processed_at == None)).all()  # noqa: E711
    engine.dispose()


def test_a_worker_logs_through_this_process(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from inboxwatch.workers import pool, shutdown_pool

    caplog.set_level(logging.INFO)
    try:
        pool(2).submit(logging.getLogger("inboxwatch.probe").warning,
                        "from a worker").result(timeout=60)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not [
                r for r in caplog.records if r.name == "inboxwatch.probe"]:
            time.sleep(0.05)
    finally:
        shutdown_pool()
    record = next(r for r in caplog.records if r.name == "inboxwatch.probe")
    assert record.getMessage() == "from a worker" and record.process != os.getpid()
