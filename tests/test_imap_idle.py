"""IDLE handling: what ``idle_wait`` makes of imapclient's answers (unit, with a scripted
client), and IDLE renewal in the service (against Dovecot)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from inboxwatch import scheduler
from inboxwatch.config import MailboxConfig, load_config
from inboxwatch.imap import MailboxConnection
from inboxwatch.route import RoutingContext
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, write_config


class ScriptedClient:
    """Answers ``idle_check`` from a script of (delay, responses); records IDLE commands."""

    normalise_times = True

    def __init__(self, script: list[tuple[float, list[Any]]]) -> None:
        self.script = script
        self.commands: list[str] = []

    def idle(self) -> None:
        self.commands.append("IDLE")

    def idle_done(self) -> tuple[bytes, list[Any]]:
        self.commands.append("DONE")
        return b"", []

    def idle_check(self, timeout: float | None = None) -> list[Any]:
        delay, responses = self.script.pop(0)
        time.sleep(delay)
        return responses


def _conn(script: list[tuple[float, list[Any]]]) -> tuple[MailboxConnection, ScriptedClient]:
    client = ScriptedClient(script)
    mailbox = MailboxConfig(name="support", host="imap.example.com", username="u")
    return MailboxConnection(client, mailbox), client  # type: ignore[arg-type]


@pytest.mark.parametrize(("script", "new_mail", "dead"), [
    ([(0.0, [(3, b"EXISTS")])], True, False),
    ([(0.0, [(1, b"RECENT")])], True, False),
    ([(0.0, [(2, b"FETCH", (b"FLAGS", (b"\\Seen",)))])], False, False),
    ([(0.3, [])], False, False),  # the timeout elapsed: nothing happened
    ([(0.0, [(b"BYE", [b"Server shutting down."])])], False, True),
    ([(0.0, [])], False, True),  # [] instantly after a BYE: imapclient's dead socket
], ids=["exists", "recent", "flag-change", "timeout", "bye", "empty-at-once"])
def test_idle_wait_tells_new_mail_nothing_and_dead_apart(
        script: list[tuple[float, list[Any]]], new_mail: bool, dead: bool) -> None:
    conn, client = _conn(script)
    event = conn.idle_wait(0.3)
    assert (event.new_mail, event.dead) == (new_mail, dead)
    assert client.commands == ["IDLE"]


def test_idle_is_entered_once_and_left_before_other_commands() -> None:
    conn, client = _conn([(0.3, []), (0.3, [])])
    conn.idle_wait(0.3)
    conn.idle_wait(0.3)
    conn.idle_done()
    conn.idle_done()
    assert client.commands == ["IDLE", "DONE"]


def test_service_renews_idle_periodically(dovecot: Dovecot, tmp_path: Path, engine: Engine,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    monkeypatch.setattr(scheduler, "IDLE_RENEW_SECONDS", 1.0)
    renewals: list[float] = []
    original = MailboxConnection.idle_done

    def counting_idle_done(self: MailboxConnection) -> None:
        if self._idling:
            renewals.append(time.monotonic())
        original(self)

    monkeypatch.setattr(MailboxConnection, "idle_done", counting_idle_done)
    user = dovecot.new_user()
    config = load_config(write_config(tmp_path / "c.toml", dovecot, user, interval_seconds=60))
    service = scheduler.WorkerService(config, engine, RoutingContext())
    thread = threading.Thread(target=service.run_until_stopped)
    thread.start()
    try:
        time.sleep(4.5)
    finally:
        service.stop_event.set()
        thread.join(20)
    # IDLE left and re-entered about once a second (and once more when stopping).
    assert 3 <= len(renewals) <= 6, renewals
