"""Shared set-up for the TUI tests: a store with the example mail and an operator."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from inboxwatch.demo import DEMO_CONTEXT
from inboxwatch.ingest import ingest
from inboxwatch.roles import SYSTEM_ACTOR
from inboxwatch.sources import iter_mail
from inboxwatch.users import add_user
from inboxwatch_storage.tables import Message
from inboxwatch_tui.app import InboxwatchApp
from inboxwatch_tui.screens.triage import TriageScreen

EXAMPLES = Path(__file__).parent.parent / "examples" / "mail"
FIXED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OPERATOR = "oper"
VIEWER = "viewer"


def import_mail(engine: Engine, paths: list[Path]) -> None:
    mails = [m for m in iter_mail(paths) if not hasattr(m, "why")]
    ingest(engine, DEMO_CONTEXT, mails, workers=1)  # type: ignore[arg-type]


def add_staff(engine: Engine, login: str, role: str) -> None:
    with Session(engine) as session:
        add_user(session, SYSTEM_ACTOR, f"{login}@helpdesk.example.com", name=login.title(),
                 login=login, roles=(role,))


def pin_times(engine: Engine) -> None:
    """Give every message a fixed arrival time, one hour apart, so screens are stable."""
    with Session(engine) as session:
        ids = session.exec(select(Message.id).order_by(Message.id)).all()
        for i, pk in enumerate(ids):
            session.execute(update(Message).where(Message.id == pk)
                            .values(received_at=FIXED_NOW - timedelta(hours=i + 1)))
        session.commit()


def pin_verdicts(engine: Engine) -> None:
    """Replace the classifier's verdicts with a fixed pattern, so snapshots of the UI do not
    change each time the classifier learns a new rule."""
    categories = ("normal", "spam", "normal", "phishing", "bounce", "normal", "marketing")
    with Session(engine) as session:
        ids = session.exec(select(Message.id).order_by(Message.id)).all()
        for pk in ids:
            assert pk is not None
            category = categories[pk % len(categories)]
            session.execute(update(Message).where(Message.id == pk).values(
                category=category, spam_score=float(pk % 10),
                status="needs_attention" if category == "phishing" else "awaiting_review",
                explanation=[{"step": "route", "rule": "direct_to_system",
                              "evidence": "sent straight to the help desk", "score": 0.0},
                             {"step": "spam", "rule": f"pinned_{category}",
                              "evidence": "a fixed verdict for this test", "score": 1.5}]))
        session.commit()


def seed_example_store(engine: Engine) -> Engine:
    """The example mail, an operator and a viewer, arrival times pinned: the usual store."""
    import_mail(engine, [EXAMPLES])
    add_staff(engine, OPERATOR, "operator")
    add_staff(engine, VIEWER, "viewer")
    pin_times(engine)
    return engine


def stored_message(engine: Engine, pk: int) -> Message:
    """Message ``pk`` as the store has it now (detached from its session)."""
    with Session(engine) as session:
        m = session.get(Message, pk)
        assert m is not None
        session.expunge(m)
        return m


def triage_screen(app: object) -> TriageScreen:
    """The app's current screen, which must be the triage screen."""
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, TriageScreen)
    return screen


def make_app(engine: Engine, login: str = OPERATOR, **kwargs: object) -> InboxwatchApp:
    return InboxwatchApp(engine, login=login, clock=lambda: FIXED_NOW, **kwargs)  # type: ignore[arg-type]


async def settle(app: InboxwatchApp, pilot: object) -> None:
    """Let workers (detail loads, polls) finish and the screen update."""
    await pilot.pause()  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


def pilot_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test in its own event loop (no async pytest plugin needed)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return run
