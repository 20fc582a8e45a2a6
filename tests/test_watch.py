"""``inboxwatch watch``: the snapshot it shows, terminal safety, one frame with --once."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import Session

from inboxwatch.cli import main
from inboxwatch.roles import SYSTEM_ACTOR
from inboxwatch.route import RoutingContext
from inboxwatch.watch import format_age, render_snapshot, run_watch, take_snapshot
from tests.triage_support import PDF_QUESTION, PLAIN_QUESTION, import_examples

HOSTILE = "42-hostile-terminal-escapes-and-markup.eml"
PHISHING = "27-phishing-display-name-spoof.eml"


def test_snapshot_counts_and_oldest(engine: Engine, routing: RoutingContext) -> None:
    import_examples(engine, routing, PLAIN_QUESTION, PDF_QUESTION, PHISHING)
    with Session(engine) as session:
        snap = take_snapshot(session, SYSTEM_ACTOR)
        assert sum(snap.by_status.values()) == 3
        assert set(snap.by_status) >= {"awaiting_review", "needs_attention", "closed"}
        assert sum(snap.by_category.values()) == 3
        assert [r.subject for r in snap.newest][-1].startswith("VPN")  # oldest arrival last
        assert snap.oldest_awaiting_at is not None
        later = take_snapshot(session, SYSTEM_ACTOR, now=snap.taken_at + timedelta(hours=2))
        assert later.oldest_awaiting_age == snap.oldest_awaiting_age + timedelta(hours=2)  # type: ignore[operator]
        assert len(snap.arrivals_per_hour) == 24
        assert snap.to_json()["oldest_awaiting_seconds"] >= 0


def test_arrivals_per_hour(engine: Engine, routing: RoutingContext) -> None:
    import_examples(engine, routing, PLAIN_QUESTION)
    with Session(engine) as session:
        received = take_snapshot(session, SYSTEM_ACTOR).newest[0].received_at.replace(tzinfo=UTC)
        snap = take_snapshot(session, SYSTEM_ACTOR, now=received + timedelta(minutes=5))
        assert snap.arrivals_per_hour[-1] == 1 and sum(snap.arrivals_per_hour) == 1


def test_hostile_subject_renders_as_plain_text(engine: Engine, routing: RoutingContext) -> None:
    import_examples(engine, routing, HOSTILE)
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=True, color_system=None)
    with Session(engine) as session:
        console.print(render_snapshot(take_snapshot(session, SYSTEM_ACTOR)))
    text = buffer.getvalue()
    assert "[@click=app.quit]" in text and "[bold red]URGENT" in text  # shown, not interpreted
    assert "\x1b]" not in text and "\u202e" not in text


def test_once_prints_one_frame(engine: Engine, db_url: str, routing: RoutingContext,
                               monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    import_examples(engine, routing, PLAIN_QUESTION)
    monkeypatch.setattr("inboxwatch.identity.current_login", lambda: "ada")
    main(["--db", db_url, "--config", str(tmp_path / "c.toml"), "init"])
    capsys.readouterr()
    assert main(["--db", db_url, "watch", "--once"]) == 0
    out = capsys.readouterr().out
    assert "awaiting_review 1" in out and "oldest awaiting" in out and "VPN" in out


def test_live_refreshes(engine: Engine, routing: RoutingContext) -> None:
    import_examples(engine, routing, PLAIN_QUESTION)
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, force_terminal=False)
    naps: list[float] = []
    assert run_watch(engine, SYSTEM_ACTOR, console, interval=2.0, frames=3, sleep=naps.append) == 0
    assert naps == [2.0, 2.0, 2.0] and "VPN" in buffer.getvalue()


@pytest.mark.parametrize("seconds, shown", [(None, "-"), (5, "just now"), (125, "2m"),
                                             (3 * 3600 + 300, "3h 05m"),
                                             (2 * 86400 + 7200, "2d 2h")])
def test_format_age(seconds: int | None, shown: str) -> None:
    assert format_age(None if seconds is None else timedelta(seconds=seconds)) == shown


def test_empty_store(engine: Engine) -> None:
    with Session(engine) as session:
        snap = take_snapshot(session, SYSTEM_ACTOR, now=datetime.now(UTC))
    buffer = io.StringIO()
    Console(file=buffer, width=100).print(render_snapshot(snap))
    assert "no inbound messages yet" in buffer.getvalue()


def test_an_idle_store_is_read_once_and_a_change_reads_it_again(
        engine: Engine, routing: RoutingContext) -> None:
    """The watcher's figures are read again only when the store changed (a new message, an
    audited action) or the hour turned; between, only the clock moves."""
    from inboxwatch import triage
    from inboxwatch.users import add_user, resolve_actor
    from inboxwatch.watch import SnapshotCache

    ids = import_examples(engine, routing, PLAIN_QUESTION, PDF_QUESTION)
    cache = SnapshotCache()
    t0 = datetime(2026, 12, 3, 10, 5, tzinfo=UTC)
    with Session(engine) as session:
        first = cache.get(session, SYSTEM_ACTOR, now=t0)
        again = cache.get(session, SYSTEM_ACTOR, now=t0 + timedelta(minutes=20))
        assert cache.reads == 1
        assert again.taken_at == t0 + timedelta(minutes=20)
        assert again.oldest_awaiting_age == first.oldest_awaiting_age + timedelta(minutes=20)  # type: ignore[operator]
        add_user(session, SYSTEM_ACTOR, "op@helpdesk.example.com", name="Op", login="op",
                 roles=("operator",))
        triage.mark(session, resolve_actor(session, login="op"), ids[PLAIN_QUESTION],
                    "closed")
        changed = cache.get(session, SYSTEM_ACTOR, now=t0 + timedelta(minutes=21))
        assert cache.reads == 2 and changed.by_status["closed"] == 1
        cache.get(session, SYSTEM_ACTOR, now=t0 + timedelta(hours=1))  # the hour turned
        assert cache.reads == 3
