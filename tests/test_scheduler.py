"""``inboxwatch run`` against a real Dovecot: IDLE push within 2 s, reconnects after
``doveadm kick`` (in IDLE and mid-fetch), polling fallback without IDLE, clean SIGTERM."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from inboxwatch.config import load_config
from inboxwatch.route import RoutingContext
from inboxwatch.scheduler import Backoff, WorkerService
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import MailboxState, Message, RawCapture
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, make_message, write_config

INBOXWATCH = [sys.executable, "-c", "from inboxwatch.cli import entry_point; entry_point()"]


def _count(engine: object, model: type) -> int:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``condition()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _mode(engine: object, name: str) -> str | None:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    with Session(engine) as session:
        state = session.get(MailboxState, name)
        return state.mode if state and state.last_success_at else None


@pytest.fixture
def service_process(tmp_path: Path, db_url: str) -> Iterator[Callable[[Path], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    logs = []

    def start(config: Path) -> subprocess.Popen[bytes]:
        env = {**os.environ, "IW_TEST_IMAP_PW": DEFAULT_PASSWORD}
        log = (tmp_path / "run.log").open("wb")
        logs.append(log)
        proc = subprocess.Popen(
            [*INBOXWATCH, "--config", str(config), "--db", db_url,
             "-v", "run"], stdout=log, stderr=subprocess.STDOUT, env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for log in logs:
        log.close()


def test_run_idles_reconnects_after_kicks_and_stops_on_sigterm(
        dovecot: Dovecot, tmp_path: Path, db_url: str,
        service_process: Callable[[Path], subprocess.Popen[bytes]]) -> None:
    user = dovecot.new_user()
    dovecot.append(user, (make_message(i, tag=user) for i in range(5)))
    config = write_config(tmp_path / "c.toml", dovecot, user, interval_seconds=2,
                          batch_size=5)
    engine = open_engine(db_url)
    proc = service_process(config)
    _wait_for(lambda: _count(engine, Message) == 5 and _mode(engine, "support") == "idle",
              30, "the initial sync and IDLE")
    time.sleep(0.5)
    status = subprocess.run([*INBOXWATCH, "--config", str(config), "--db", db_url, "--json",
                             "status"], capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stdout + status.stderr
    assert '"mode": "idle"' in status.stdout

    # Mail appended while idling is stored within 2 s.
    latencies = []
    for n in range(5, 8):
        dovecot.append(user, [make_message(n, tag=user)])
        latencies.append(_wait_for(lambda n=n: _count(engine, Message) == n + 1, 10,
                                   f"message {n} pushed by IDLE"))
    assert max(latencies) < 2.0, latencies

    # Kicked while in IDLE: reconnects by itself and stores what arrives afterwards.
    dovecot.kick(user)
    time.sleep(0.3)
    dovecot.append(user, [make_message(8, tag=user)])
    _wait_for(lambda: _count(engine, Message) == 9, 15, "a message after the IDLE kick")

    # Kicked in the middle of a fetch (batches of 5 of 400 messages).
    dovecot.append(user, (make_message(n, tag=user) for n in range(9, 409)))
    _wait_for(lambda: 9 < _count(engine, RawCapture) < 300, 20, "the fetch to be under way")
    dovecot.kick(user)
    _wait_for(lambda: _count(engine, Message) == 409, 60, "all 409 messages after the kick")
    dovecot.append(user, [make_message(409, tag=user)])
    _wait_for(lambda: _count(engine, Message) == 410, 15, "a message after the mid-fetch kick")
    with Session(engine) as session:
        shas = session.exec(select(Message.sha256)).all()
    assert len(set(shas)) == 410

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    engine.dispose()
    log = (tmp_path / "run.log").read_text()
    assert "reconnecting" in log
    assert DEFAULT_PASSWORD not in log
    assert "Traceback" not in log


def test_server_without_idle_falls_back_to_polling(
        dovecot_no_idle: Dovecot, tmp_path: Path, engine: object,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    user = dovecot_no_idle.new_user()
    dovecot_no_idle.append(user, (make_message(i, tag=user) for i in range(3)))
    config = load_config(write_config(tmp_path / "c.toml", dovecot_no_idle, user,
                                      interval_seconds=1))
    service = WorkerService(config, engine, RoutingContext())
    thread = threading.Thread(target=service.run_until_stopped)
    with caplog.at_level("INFO"):
        thread.start()
        try:
            _wait_for(lambda: _count(engine, Message) == 3, 20, "the first sync")
            dovecot_no_idle.append(user, [make_message(3, tag=user)])
            _wait_for(lambda: _count(engine, Message) == 4, 10, "a polled message")
            assert _mode(engine, "support") == "poll"
        finally:
            service.stop_event.set()
            thread.join(20)
    assert not thread.is_alive()
    assert "does not support IDLE; polling every 1s" in caplog.text


def test_several_mailboxes_at_once(dovecot: Dovecot, tmp_path: Path, engine: object,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    first, second = dovecot.new_user(), dovecot.new_user()
    dovecot.append(first, (make_message(i, tag=first) for i in range(4)))
    dovecot.append(second, (make_message(i, tag=second) for i in range(6)))
    config = load_config(write_config(tmp_path / "c.toml", dovecot, first, name="one",
                                      mailboxes=f"""
[[mailbox]]
name = "two"
host = "{dovecot.host}"
port = {dovecot.plain_port}
security = "plain"
username = "{second}"
password_env = "IW_TEST_IMAP_PW"
idle = false
interval_seconds = 1
"""))
    service = WorkerService(config, engine, RoutingContext())
    thread = threading.Thread(target=service.run_until_stopped)
    thread.start()
    try:
        _wait_for(lambda: _count(engine, Message) == 10, 20, "both mailboxes")
        dovecot.append(second, [make_message(6, tag=second)])
        dovecot.append(first, [make_message(4, tag=first)])
        _wait_for(lambda: _count(engine, Message) == 12, 10, "new mail in both")
        assert _mode(engine, "one") == "idle" and _mode(engine, "two") == "poll"
    finally:
        service.stop_event.set()
        thread.join(20)
    assert not thread.is_alive()


def test_backoff_grows_exponentially_with_jitter_and_resets() -> None:
    backoff = Backoff(base=1.0, cap=30.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [min(30.0, 2.0 ** n) for n in range(8)]
    assert all(1.0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) > 4  # jittered, not a fixed ladder
    assert max(delays[5:]) > 4.0  # and it grows
    backoff.reset()
    assert backoff.next_delay() == 1.0


def test_mail_that_arrives_during_a_batch_is_not_left_for_the_next_renewal(
        dovecot: Dovecot, tmp_path: Path, db_url: str,
        service_process: Callable[[Path], subprocess.Popen[bytes]]) -> None:
    """5 messages appended while a 1,000-message batch is fetched: stored within 2 s of the
    batch's end (they waited up to 10 minutes for the IDLE renewal before)."""
    user = dovecot.new_user()
    dovecot.append(user, (make_message(i, tag=user, size=3000) for i in range(1000)))
    config = write_config(tmp_path / "c.toml", dovecot, user, interval_seconds=60,
                          batch_size=50)
    engine = open_engine(db_url)
    service_process(config)
    _wait_for(lambda: 50 <= _count(engine, RawCapture) < 700, 60, "the batch under way")
    dovecot.append(user, (make_message(n, tag=user) for n in range(1000, 1005)))
    _wait_for(lambda: _count(engine, Message) >= 1000, 120, "the batch to be stored")
    batch_end = time.monotonic()
    _wait_for(lambda: _count(engine, Message) == 1005, 60, "the 5 that came during it")
    late = time.monotonic() - batch_end
    print(f"stored {late:.2f} s after the batch's end")
    assert late < 2.0
    engine.dispose()


@pytest.mark.slow
def test_a_silent_network_is_noticed_and_mail_behind_it_stored(
        dovecot: Dovecot, tmp_path: Path, db_url: str,
        service_process: Callable[[Path], subprocess.Popen[bytes]]) -> None:
    """The connection black-holed while run idles (packets dropped, no RST): run notices
    by its NOOP check, reconnects once the network is back, and stores the mail appended
    meanwhile within 60 s of that (642 s before); status says DOWN while it is out."""
    from tests.blackhole import Proxy

    user = dovecot.new_user()
    dovecot.append(user, [make_message(0, tag=user)])
    proxy = Proxy((dovecot.host, dovecot.plain_port))
    config = write_config(tmp_path / "c.toml", dovecot, user, interval_seconds=2,
                          timeout_seconds=10, port=proxy.port)
    engine = open_engine(db_url)
    try:
        service_process(config)
        _wait_for(lambda: _count(engine, Message) == 1 and _mode(engine, "support") == "idle",
                  30, "the initial sync and IDLE")
        proxy.black_hole()
        dovecot.append(user, [make_message(1, tag=user)])  # behind the silent connection

        def down() -> bool:
            done = subprocess.run([*INBOXWATCH, "--config", str(config), "--db", db_url,
                                   "status"], capture_output=True, text=True, timeout=60)
            return done.returncode == 1 and "support: DOWN" in done.stdout

        noticed = _wait_for(down, 60, "status to say DOWN")
        print(f"noticed the silent connection {noticed:.1f} s after it went silent")
        assert _count(engine, Message) == 1
        proxy.restore()
        back = _wait_for(lambda: _count(engine, Message) == 2, 60,
                         "the message once the network is back")
        print(f"stored {back:.1f} s after the network came back")
    finally:
        proxy.close()
        engine.dispose()
