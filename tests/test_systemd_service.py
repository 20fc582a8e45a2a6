"""``run`` as systemd runs it: Type=notify (READY, WATCHDOG, STOPPING over $NOTIFY_SOCKET),
log lines for the journal ($JOURNAL_STREAM: priority prefix, no timestamp of our own), quiet
libraries, and the daily purge."""

from __future__ import annotations

import io
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from inboxwatch.logs import JournalFormatter, configure_logging, stderr_is_journal
from inboxwatch.sdnotify import notify, watchdog_seconds
from inboxwatch_storage.tables import Message, utcnow
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, make_message, write_config

INBOXWATCH = [sys.executable, "-c", "from inboxwatch.cli import entry_point; entry_point()"]


def _listener(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    return sock


def _received(sock: socket.socket) -> list[str]:
    out: list[str] = []
    while True:
        try:
            out.append(sock.recv(4096).decode())
        except TimeoutError:
            return out


def test_notify_sends_to_a_path_or_an_abstract_socket(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False  # not under systemd: nothing, no error
    path = str(tmp_path / "notify")
    with _listener(path) as sock:
        monkeypatch.setenv("NOTIFY_SOCKET", path)
        assert notify("READY=1", "STATUS=watching 1 mailbox(es)\nsecond line")
        assert _received(sock) == ["READY=1\nSTATUS=watching 1 mailbox(es) second line"]
    name = f"inboxwatch-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(1)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert notify("WATCHDOG=1")
        assert sock.recv(100) == b"WATCHDOG=1"
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert notify("READY=1") is False  # a missing socket is not an error


def test_watchdog_interval_is_for_this_process_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "120000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert watchdog_seconds() == 120.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog_seconds() == 120.0
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert watchdog_seconds() is None
    monkeypatch.setenv("WATCHDOG_USEC", "nonsense")
    assert watchdog_seconds() is None


def test_journal_lines_carry_a_priority_and_no_timestamp(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    record = logging.LogRecord("inboxwatch.sync", logging.WARNING, __file__, 1,
                               "support: %s", ("fetch failed",), None)
    assert JournalFormatter().format(record) == "<4>inboxwatch.sync: support: fetch failed"
    record.levelno, record.levelname = logging.ERROR, "ERROR"
    assert JournalFormatter().format(record).startswith("<3>")
    with (tmp_path / "stream").open("w") as stream:
        info = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
        assert stderr_is_journal(stream)
        monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino + 1}")
        assert not stderr_is_journal(stream)  # stderr was redirected: not the journal
    monkeypatch.delenv("JOURNAL_STREAM")
    assert not stderr_is_journal(io.StringIO())


@pytest.mark.parametrize(("verbosity", "service", "own_info", "library_info"), [
    (0, False, False, False),  # a command: warnings only
    (0, True, True, False),  # run: its own INFO lines, libraries quiet
    (1, False, True, False),
    (1, True, True, False),
    (2, False, True, True),  # -vv: everything
])
def test_log_levels(verbosity: int, service: bool, own_info: bool, library_info: bool) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.level, list(root.handlers), logging.getLogger("inboxwatch").level)
    try:
        configure_logging(verbosity, service=service, stream=stream)
        logging.getLogger("inboxwatch.sync").info("own info")
        logging.getLogger("apscheduler.executors.default").info("library info")
        logging.getLogger("imapclient").warning("library warning")
        text = stream.getvalue()
        assert ("own info" in text) is own_info
        assert ("library info" in text) is library_info
        assert "library warning" in text
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        logging.getLogger("inboxwatch").setLevel(saved[2])


@pytest.mark.dovecot
@pytest.mark.subprocess
def test_run_under_a_systemd_like_supervisor(dovecot: Dovecot, tmp_path: Path,
                                             db_url: str) -> None:
    """READY once scheduled, WATCHDOG pings, journal-style lines, STOPPING on SIGTERM."""
    user = dovecot.new_user()
    dovecot.append(user, [make_message(1, tag=user)])
    config = write_config(tmp_path / "c.toml", dovecot, user, interval_seconds=1, idle=False)
    notify_path = str(tmp_path / "notify")
    read_end, write_end = os.pipe()
    info = os.fstat(write_end)
    env = {**os.environ, "IW_TEST_IMAP_PW": DEFAULT_PASSWORD, "NOTIFY_SOCKET": notify_path,
           "WATCHDOG_USEC": "3000000", "JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino}"}
    with _listener(notify_path) as sock:
        service = subprocess.Popen([*INBOXWATCH, "--config", str(config), "--db", db_url,
                                    "run"], stdout=subprocess.DEVNULL, stderr=write_end,
                                   env=env)
        os.close(write_end)
        messages: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and \
                sum(m == "WATCHDOG=1" for m in messages) < 3:
            messages += _received(sock)
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0
        messages += _received(sock)
    with os.fdopen(read_end) as stderr:
        lines = stderr.read().splitlines()
    assert messages[0].startswith("READY=1\nSTATUS=watching 1 mailbox(es): support")
    assert sum(m == "WATCHDOG=1" for m in messages) >= 3  # every second (3 s / 3)
    assert messages[-1] == "STOPPING=1"
    assert lines and all(line.startswith(("<6>", "<4>", "<3>")) for line in lines), lines
    assert any(line.startswith("<6>inboxwatch.sync: support: 1 new") for line in lines), lines
    assert not any("apscheduler" in line for line in lines), lines
    assert not any(line[3:7].isdigit() for line in lines)  # no timestamp of our own
    # one line per poll that stored something, not one per pass (about ten passes ran)
    assert sum(": 0 new" in line for line in lines) == 0


def test_the_daily_purge_removes_what_is_past_retention(db_url: str) -> None:
    from dataclasses import replace

    from inboxwatch.config import Config
    from inboxwatch.ingest import RawMail, ingest
    from inboxwatch.roles import SYSTEM_ACTOR
    from inboxwatch.route import RoutingContext
    from inboxwatch.scheduler import WorkerService
    from inboxwatch_storage import open_engine

    engine = open_engine(db_url)
    ctx = RoutingContext(reply_address="updates@helpdesk.example.com",
                         notifications_address="notify@helpdesk.example.com")
    report = ingest(engine, ctx, [RawMail(raw=make_message(n, tag="purge"), origin=str(n))
                                  for n in range(3)], workers=1)
    old, recent, kept = report.message_ids
    with Session(engine) as session:
        for pk, days in ((old, 8), (recent, 2)):
            m = session.get(Message, pk)
            assert m is not None
            m.deleted_at = utcnow() - timedelta(days=days)
            session.add(m)
        session.commit()
    base = Config()
    config = replace(base, system=replace(base.system, retention_days=7))
    WorkerService(config, engine, ctx, mailboxes=[], purge_actor=SYSTEM_ACTOR)._purge()
    with Session(engine) as session:
        left = set(session.exec(select(Message.id)).all())
    assert left == {recent, kept}
    engine.dispose()
