"""Two operators on one queue: two app instances on one store file (Pilot), and another
program holding the store's write lock.

What must hold: a colleague's change shows in the other app within the change poll, row
and detail; an action on a message a colleague changed since it was read is refused with a
line saying who changed what; typed text survives that refusal; a held write lock neither
freezes nor closes the app; tag by filter, delete as spam, undo brings all of them back
with the lesson withdrawn.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from inboxwatch_storage.tables import ClassifierFeedback, Message
from inboxwatch_tui.screens.modals import CaseForm
from tests.tui_support import (
    OPERATOR,
    add_staff,
    make_app,
    pilot_test,
    seed_example_store,
    settle,
    stored_message,
    triage_screen,
)

pytestmark = pytest.mark.tui

SIZE = (120, 40)
COLLEAGUE = "bob"
POLL = 0.2  # the change poll of both apps (the default is 2 s)


@pytest.fixture
def store(engine: Engine) -> Engine:
    seed_example_store(engine)
    add_staff(engine, COLLEAGUE, "operator")
    return engine


_message = stored_message


async def _until(pilot: object, ok: object, seconds: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ok():  # type: ignore[operator]
            return True
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    return bool(ok())  # type: ignore[operator]


def _notices(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


@pilot_test
async def test_a_colleagues_change_shows_and_a_stale_action_is_refused(store: Engine) -> None:
    mine, theirs = (make_app(store, OPERATOR, poll_seconds=POLL),
                    make_app(store, COLLEAGUE, poll_seconds=POLL))
    async with mine.run_test(size=SIZE) as me, theirs.run_test(size=SIZE) as colleague:
        await settle(mine, me)
        await settle(theirs, colleague)
        pk = triage_screen(mine).list.current_pk
        assert pk is not None and triage_screen(theirs).list.current_pk == pk
        await me.press("space")  # I tag it: version 1 is what I saw
        await me.press("k")
        # The colleague closes it.
        await colleague.press("3")
        await settle(theirs, colleague)
        assert _message(store, pk).status == "closed"

        # Within the poll, my row and my detail both say closed.
        screen = triage_screen(mine)
        assert await _until(me, lambda: screen.list.current_row is not None
                            and screen.list.current_row.status == "closed"
                            and screen.detail.detail is not None
                            and screen.detail.detail.status == "closed")

        # My action on the tagged (stale) message is refused, whole, with who and what.
        await me.press("2")
        await settle(mine, me)
        assert _message(store, pk).status == "closed"
        line = _notices(mine)[-1]
        assert f"message {pk} was changed by {COLLEAGUE}@helpdesk.example.com" in line
        assert "status awaiting_review → closed" in line and "nothing was done" in line

        # Acting on what is shown now (no tag: the row as it is) goes through.
        await me.press("escape", "2")
        await settle(mine, me)
        assert _message(store, pk).status == "needs_attention"


@pilot_test
async def test_typed_text_survives_a_colleagues_change(store: Engine) -> None:
    mine, theirs = make_app(store, OPERATOR), make_app(store, COLLEAGUE)
    async with mine.run_test(size=SIZE) as me, theirs.run_test(size=SIZE) as colleague:
        await settle(mine, me)
        await settle(theirs, colleague)
        await me.press("j")
        await colleague.press("j")
        await settle(mine, me)
        await settle(theirs, colleague)
        pk = triage_screen(mine).list.current_pk
        assert pk is not None and pk == triage_screen(theirs).list.current_pk
        await me.press("c")
        form = mine.screen
        assert isinstance(form, CaseForm)
        await me.press("end", *"  (typed by me)")
        typed = form.query_one("#case-title").value  # type: ignore[attr-defined]
        assert typed.endswith("(typed by me)")
        # Meanwhile the colleague deletes it.
        await colleague.press("d", "y")
        await settle(theirs, colleague)
        await me.press("ctrl+s")
        await settle(mine, me)
        assert mine.screen is form, "the form closed although nothing was saved"
        assert form.query_one("#case-title").value == typed  # type: ignore[attr-defined]
        assert "was changed by bob" in _notices(mine)[-1]
        assert _message(store, pk).case_id is None


@pilot_test
async def test_a_held_write_lock_neither_freezes_nor_closes_the_app(
        store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program holds BEGIN IMMEDIATE; the app keeps moving, says it is waiting,
    and saves once the lock goes. (The store's busy timeout is cut to 1 s so the retry path
    runs; the proof with 40 s and the real 30-s timeout is the tmux test.)"""
    from inboxwatch_tui import writes

    monkeypatch.setattr(writes, "WAIT_NOTICE_SECONDS", 0.2)
    url = str(store.url)
    path = url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    release = threading.Timer(3.0, lambda: blocker.execute("COMMIT"))
    try:
        monkeypatch.setenv("INBOXWATCH_BUSY_TIMEOUT_SECONDS", "1")
        from inboxwatch_storage import open_engine

        engine = open_engine(url)
        app = make_app(engine, OPERATOR)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = triage_screen(app)
            pk = screen.list.current_pk
            assert pk is not None
            release.start()
            await pilot.press("3")  # blocked by the lock: must not block the UI
            started = time.monotonic()
            await pilot.press("j", "j", "k")  # the UI still moves
            assert time.monotonic() - started < 1.0
            assert screen.list.position == 2
            assert await _until(pilot, lambda: any("Waiting to save" in n
                                                   for n in _notices(app)), 3.0)
            assert await _until(pilot, lambda: _message(store, pk).status == "closed", 8.0)
            await settle(app, pilot)
            assert app.is_running
        engine.dispose()
    finally:
        release.cancel()
        try:
            blocker.execute("COMMIT")
        except sqlite3.OperationalError:
            pass
        blocker.close()


@pilot_test
async def test_tag_by_filter_delete_as_spam_undo(store: Engine) -> None:
    """20 messages found by a search: T tags all of them (the tags kept across a filter
    change); d s deletes them as spam; z brings all 20 back, their categories and the
    lessons undone; nothing else changed."""
    from inboxwatch.demo import DEMO_CONTEXT
    from inboxwatch.ingest import RawMail, ingest

    ingest(store, DEMO_CONTEXT, [RawMail(
        (f"From: promo{i}@deals.example\r\nTo: help@helpdesk.example.com\r\n"
         f"Subject: Zorblax offer {i}\r\nMessage-ID: <zorblax{i}@deals.example>\r\n"
         f"Date: Tue, 01 Dec 2026 10:{i:02d}:00 +0000\r\n\r\nBuy zorblax now {i}\r\n")
        .encode()) for i in range(20)], workers=1)
    with Session(store) as session:
        before = {m.id: (m.category, m.status) for m in session.exec(select(Message)).all()}
        burst = set(session.exec(select(Message.id).where(
            col(Message.subject).startswith("Zorblax"))).all())
    assert len(burst) == 20 and len(before) > 20
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        await pilot.press("slash", *"zorblax", "enter")
        await settle(app, pilot)
        await pilot.press("T")
        tagged = dict(screen.list.selected)
        assert set(tagged) == burst
        await pilot.press("s")  # a filter change keeps the tags
        await settle(app, pilot)
        assert screen.list.selected == tagged
        await pilot.press("s", "s", "s")  # back to all statuses
        await settle(app, pilot)
        await pilot.press("d", "s")
        await settle(app, pilot)
        with Session(store) as session:
            deleted = set(session.exec(select(Message.id).where(
                col(Message.deleted_at).is_not(None))).all())
            lessons = session.exec(select(func.count()).select_from(ClassifierFeedback)).one()
        assert (deleted, lessons) == (burst, 20)
        await pilot.press("z")
        await settle(app, pilot)
        with Session(store) as session:
            after = {m.id: (m.category, m.status) for m in session.exec(select(Message)).all()}
            live = session.exec(select(func.count()).select_from(Message).where(
                col(Message.deleted_at).is_(None))).one()
            lessons = session.exec(select(func.count()).select_from(ClassifierFeedback)).one()
        assert after == before and live == len(before)
        assert lessons == 0
        assert "Undone" in _notices(app)[-1]


@pilot_test
async def test_take_hand_over_and_the_owner_filters(store: Engine) -> None:
    """i takes the message (the Owner column and y's "mine" show it), I hands it to a
    colleague, whose "mine" then lists it; a second take on what was seen before the
    first is refused with who took it."""
    mine, theirs = (make_app(store, OPERATOR, poll_seconds=POLL),
                    make_app(store, COLLEAGUE, poll_seconds=POLL))
    async with mine.run_test(size=SIZE) as me, theirs.run_test(size=SIZE) as colleague:
        await settle(mine, me)
        await settle(theirs, colleague)
        screen, other = triage_screen(mine), triage_screen(theirs)
        pk = screen.list.current_pk
        assert pk is not None
        await colleague.press("space")  # bob tags it as it is now (nobody's)
        await me.press("i")
        await settle(mine, me)
        m = _message(store, pk)
        assert m.owner_id is not None
        assert screen.list.current_row is not None
        assert screen.list.owners[m.owner_id] == OPERATOR
        await me.press("y")  # mine
        await settle(mine, me)
        assert [r.id for r in screen.list.rows_loaded] == [pk]
        await colleague.press("i")  # bob's take of the version he tagged: refused
        await settle(theirs, colleague)
        assert f"was changed by {OPERATOR}@helpdesk.example.com" in _notices(theirs)[-1]
        assert _message(store, pk).owner_id == m.owner_id

        await me.press("I")
        await settle(mine, me)
        await me.press(*COLLEAGUE, "enter")
        await settle(mine, me)
        handed = _message(store, pk)
        assert handed.owner_id != m.owner_id and handed.owner_id is not None
        assert screen.list.rows_loaded == []  # no longer mine
        await colleague.press("escape", "y")
        await settle(theirs, colleague)
        assert [r.id for r in other.list.rows_loaded] == [pk]
        await colleague.press("y")  # unassigned: every other message
        await settle(theirs, colleague)
        assert pk not in [r.id for r in other.list.rows_loaded]
        assert other.list.rows_loaded


@pilot_test
async def test_trash_undelete_not_spam_history_and_case_view(store: Engine) -> None:
    from inboxwatch_tui.screens.modals import TextViewer

    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        pk = screen.list.current_pk
        assert pk is not None
        await pilot.press("d", "s")  # delete as spam
        await settle(app, pilot)
        await pilot.press("D")  # the trash
        await settle(app, pilot)
        assert [r.id for r in screen.list.rows_loaded] == [pk]
        await pilot.press("U")
        await settle(app, pilot)
        assert _message(store, pk).deleted_at is None
        await pilot.press("D")
        await settle(app, pilot)
        while screen.list.current_pk != pk:
            await pilot.press("j")
        await pilot.press("exclamation_mark")
        await settle(app, pilot)
        assert _message(store, pk).category == "normal"
        with Session(store) as session:
            labels = session.exec(select(ClassifierFeedback.label)).all()
        assert list(labels) == ["ham"]  # the spam lesson withdrawn, ham taught

        await pilot.press("h")
        await settle(app, pilot)
        viewer = app.screen
        assert isinstance(viewer, TextViewer)
        shown = viewer.body.plain
        for action in ("delete", "undelete", "mark not spam"):
            assert action in shown
        assert "How it was routed" in shown
        await pilot.press("escape")
        await pilot.press("C")
        await settle(app, pilot)
        assert "not linked to a case" in _notices(app)[-1]
        await pilot.press("c", "ctrl+s")  # make a case from it, then view it
        await settle(app, pilot)
        await pilot.press("C")
        await settle(app, pilot)
        assert isinstance(app.screen, TextViewer)
        assert "Case #" in app.screen.body.plain


@pilot_test
async def test_answer_the_sender_from_the_tui(store: Engine) -> None:
    from inboxwatch.tokens import ensure_reply_secret
    from inboxwatch_storage.tables import Outbox
    from inboxwatch_tui.screens.modals import AnswerEditor

    ensure_reply_secret()  # as `init` does
    mine, theirs = make_app(store, OPERATOR), make_app(store, COLLEAGUE)
    async with mine.run_test(size=SIZE) as me, theirs.run_test(size=SIZE) as colleague:
        await settle(mine, me)
        await settle(theirs, colleague)
        pk = triage_screen(mine).list.current_pk
        assert pk is not None and pk == triage_screen(theirs).list.current_pk
        await me.press("R")
        form = mine.screen
        assert isinstance(form, AnswerEditor)
        await me.press(*"It is fixed now.")
        # The colleague answers the same message first: mine is refused, my text stays.
        await colleague.press("R", *"On it.", "ctrl+s")
        await settle(theirs, colleague)
        assert theirs.screen is not form and not isinstance(theirs.screen, AnswerEditor)
        await me.press("ctrl+s")
        await settle(mine, me)
        assert mine.screen is form, "the form closed although nothing was sent"
        assert form.query_one("#answer-text").text == "It is fixed now."  # type: ignore[attr-defined]
        assert "was changed by bob" in _notices(mine)[-1]
        assert "answered" in _notices(mine)[-1]  # what the colleague did
        with Session(store) as s:
            [row] = s.exec(select(Outbox).where(Outbox.kind == "answer")).all()
        assert row.message_pk == pk and b"On it." in row.raw

        # Esc asks before throwing the text away; the next message is answered and closed.
        await me.press("escape", "y")
        await me.press("j")
        await settle(mine, me)
        other = triage_screen(mine).list.current_pk
        await me.press("R", *"Thanks, noted.", "tab", "space", "ctrl+s")
        await settle(mine, me)
        assert not isinstance(mine.screen, AnswerEditor)
        assert "queued" in _notices(mine)[-1]
        assert other is not None and _message(store, other).status == "closed"
        with Session(store) as s:
            assert s.exec(select(func.count()).select_from(Outbox).where(
                Outbox.kind == "answer")).one() == 2
