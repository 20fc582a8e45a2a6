"""End to end, as a person would: ``inboxwatch demo`` in a real terminal (tmux), keys in,
screen captured, effects checked in the store.

Runs on its own tmux server socket and kills only that server. Skips loudly when tmux is
missing (fails instead when ``INBOXWATCH_REQUIRE_TMUX=1``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch.demo import build_demo_store, demo_db_url
from inboxwatch.identity import current_login
from inboxwatch_storage.tables import AuditEntry, ClassifierFeedback, User
from tests.conftest import require_env
from tests.tui_support import add_staff, import_mail

HOSTILE = Path(__file__).parent / "data" / "hostile"
TMUX = shutil.which("tmux")

pytestmark = [pytest.mark.tmux, pytest.mark.skipif(
    TMUX is None and not require_env("INBOXWATCH_REQUIRE_TMUX"),
    reason="tmux is not installed: the end-to-end terminal test did NOT run "
           "(apt-get install tmux)")]


class Terminal:
    """One tmux server and session of our own, 120x40."""

    def __init__(self, command: str, env: dict[str, str]) -> None:
        assert TMUX is not None, "tmux is required (INBOXWATCH_REQUIRE_TMUX=1)"
        self.socket = f"inboxwatch-test-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        self._tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", "e2e",
                   f"env {exports} {command}; sleep 30")

    def _tmux(self, *args: str) -> str:
        done = subprocess.run([TMUX or "tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=20, check=False)
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "e2e")

    def keys(self, *keys: str, pause: float = 0.4) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "e2e", key)
            time.sleep(pause)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "e2e", "-l", text)
        time.sleep(0.4)

    def wait_for(self, needle: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if needle in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never appeared; the screen was:\n{shown}")
            time.sleep(0.2)

    def buffers(self) -> str:
        return self._tmux("list-buffers")

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def demo_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {
        "XDG_DATA_HOME": os.environ["XDG_DATA_HOME"],
        "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"],
        "PYTHON_KEYRING_BACKEND": os.environ.get("PYTHON_KEYRING_BACKEND", ""),
        "TERM": "xterm-256color",
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    }
    yield env


def _demo_store() -> Engine:
    """The store `inboxwatch demo` opens, with the OS login as one of its operators (the
    demo may already have made it the first admin)."""
    engine, _ = build_demo_store(demo_db_url())
    with Session(engine) as session:
        has_operator = session.exec(select(User).where(User.login == current_login())).first()
    if has_operator is None:
        add_staff(engine, current_login(), "operator")
    return engine


def test_triage_the_demo_store_in_a_real_terminal(demo_env: dict[str, str]) -> None:
    engine = _demo_store()
    import_mail(engine, sorted(HOSTILE.glob("*.eml")))  # and some hostile mail
    inboxwatch = shutil.which("inboxwatch", path=demo_env["PATH"]) or "inboxwatch"
    term = Terminal(f"{inboxwatch} demo", demo_env)
    try:
        first = term.wait_for("Status")
        assert "READ-ONLY" not in first
        term.keys("j", "j")
        term.keys("3")
        term.wait_for("Marked 1 message(s) closed")
        term.keys("d")
        term.wait_for("Delete 1 message(s)?")
        term.keys("s")
        term.wait_for("Deleted 1 message(s) as spam")
        term.keys("/")
        term.type("invoice")
        term.keys("Enter")
        shown = term.wait_for("search='invoice'")
        assert "Subject" in shown
        term.keys("Escape", pause=1.0)
        term.keys("w")
        term.wait_for("Inbound Message Watcher")
        term.wait_for("Arrivals per hour")
        term.keys("Escape", pause=1.0)
        term.keys("?")
        term.wait_for("Remap keys in the config file")
        term.keys("Escape", pause=1.0)
        term.keys("q")
        time.sleep(1.5)
        after = term.screen()
        assert "Status" not in after or "sleep" in after  # the app has exited
        # no message could write the terminal's clipboard (OSC 52 would fill a tmux buffer)
        assert term.buffers().strip() == ""
    finally:
        term.close()
    with Session(engine) as session:
        actions = session.exec(select(AuditEntry.action)).all()
        labels = session.exec(select(ClassifierFeedback.label)).all()
    assert "mark" in actions and "delete" in actions
    assert "spam" in labels


def test_keys_typed_with_the_slash_land_in_the_search_box(demo_env: dict[str, str]) -> None:
    """``/2026`` (and ``/closed``) arriving in one write, as over a stalled SSH link: every
    key after the slash is search text, none fires an action. Then 250 new messages arrive
    above the cursor: it stays on its message."""
    engine = _demo_store()
    with Session(engine) as session:
        audited = len(session.exec(select(AuditEntry.id)).all())
    inboxwatch = shutil.which("inboxwatch", path=demo_env["PATH"]) or "inboxwatch"
    term = Terminal(f"{inboxwatch} demo", demo_env)
    try:
        term.wait_for("Status")
        for text in ("/2026", "/closed", "/3d", "/a/b"):
            term.type(text)  # one send-keys: one write to the terminal
            time.sleep(0.6)
            shown = term.screen()
            # the search box is a line of its own holding exactly the typed text
            assert any(row.strip() == text[1:] for row in shown.splitlines()), shown
            assert "Create case" not in shown and "Delete 1 message" not in shown
            term.keys("Escape", pause=0.8)
        with Session(engine) as session:
            assert len(session.exec(select(AuditEntry.id)).all()) == audited, \
                "a key typed after / changed a message"

        term.keys("j", "j", "j")
        shown = term.wait_for("Message:")
        line = next(x for x in shown.splitlines() if "Subject:" in x)
        burst = [
            (f"From: burst{i}@example.org\r\nTo: help@helpdesk.example.com\r\n"
             f"Subject: Burst message {i}\r\nMessage-ID: <burst{i}@example.org>\r\n"
             f"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\nhello {i}\r\n").encode()
            for i in range(250)]
        from inboxwatch.demo import DEMO_CONTEXT
        from inboxwatch.ingest import RawMail, ingest

        ingest(engine, DEMO_CONTEXT, [RawMail(raw) for raw in burst], workers=1)
        term.wait_for("New mail arrived", timeout=15)
        time.sleep(0.5)
        after = term.screen()
        assert line in after, f"the detail pane moved off its message:\n{after}"
        term.keys("q")
    finally:
        term.close()


def test_a_store_locked_for_40_seconds_neither_freezes_nor_kills_the_app(
        demo_env: dict[str, str]) -> None:
    """Another program holds ``BEGIN IMMEDIATE`` for 40 s, longer than the store's real
    30-s busy timeout: the key that writes waits and says so, the cursor keeps moving, and
    the write lands once the lock goes, with no traceback."""
    import sqlite3

    engine = _demo_store()
    with Session(engine) as session:
        marks = len(session.exec(select(AuditEntry.id).where(AuditEntry.action == "mark")).all())
    inboxwatch = shutil.which("inboxwatch", path=demo_env["PATH"]) or "inboxwatch"
    term = Terminal(f"{inboxwatch} demo", demo_env)
    blocker = sqlite3.connect(demo_db_url().removeprefix("sqlite:///"), isolation_level=None)
    try:
        term.wait_for("Status")
        blocker.execute("BEGIN IMMEDIATE")
        held = time.monotonic()
        term.keys("3")
        term.wait_for("Waiting to save", timeout=10)
        # Still reading: the cursor moves and the detail pane follows.
        before = next(x for x in term.screen().splitlines() if "Subject:" in x)
        term.keys("j", "j")
        moved = term.wait_for("Subject:")
        assert before not in moved, "the app froze while the store was locked"
        assert time.monotonic() - held < 30, "the keys took the lock's time to answer"
        time.sleep(max(0.0, 40 - (time.monotonic() - held)))
        blocker.execute("COMMIT")
        term.wait_for("Marked 1 message(s) closed", timeout=20)
        shown = term.screen()
        assert "Traceback" not in shown and "Status" in shown
        term.keys("q")
    finally:
        if blocker.in_transaction:
            blocker.execute("ROLLBACK")
        blocker.close()
        term.close()
    with Session(engine) as session:
        assert len(session.exec(select(AuditEntry.id).where(
            AuditEntry.action == "mark")).all()) == marks + 1
