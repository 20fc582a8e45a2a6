"""Snapshots of the list, the detail pane, the Watcher, a small terminal and each dialog.

Times are pinned (messages one hour apart, a fixed clock) and cursor blinking is switched
off, so a snapshot changes only when what the operator sees changes. Update them with
``pytest tests/test_tui_snapshots.py --snapshot-update`` after checking the new pictures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from inboxwatch import triage
from inboxwatch.users import resolve_actor
from inboxwatch_storage.tables import Message
from inboxwatch_tui.app import InboxwatchApp
from tests.tui_support import (
    EXAMPLES,
    OPERATOR,
    add_staff,
    import_mail,
    make_app,
    pin_times,
    pin_verdicts,
)

pytestmark = pytest.mark.tui  # runs the Textual app


SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Blinking cursors make screenshots depend on timing: freeze them on."""
    original_input, original_area = Input.on_mount, TextArea.on_mount

    def still_input(self: Input) -> None:
        self.cursor_blink = False
        original_input(self)

    def still_area(self: TextArea) -> None:
        self.cursor_blink = False
        original_area(self)

    monkeypatch.setattr(Input, "on_mount", still_input)
    monkeypatch.setattr(TextArea, "on_mount", still_area)
    yield


@pytest.fixture
def app(engine: Engine) -> InboxwatchApp:
    import_mail(engine, [EXAMPLES])
    add_staff(engine, OPERATOR, "operator")
    pin_times(engine)
    pin_verdicts(engine)
    return make_app(engine, poll_seconds=3600)


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _with_attachments(app: InboxwatchApp) -> int:
    with Session(app.engine) as session:
        pk = session.exec(select(Message.id).where(Message.attachment_count > 0,
                                                   Message.from_addr != "")
                          .order_by(Message.id)).first()
    assert pk is not None
    return pk


def _goto(pk: int) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        screen = pilot.app.screen
        while screen.list.current_pk != pk:  # type: ignore[attr-defined]
            await pilot.press("j")
        await _settle(pilot)
    return run_before


def test_list_and_detail(snap_compare: Any, app: InboxwatchApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle)


def test_an_80x24_terminal_keeps_a_useful_subject(snap_compare: Any,
                                                  app: InboxwatchApp) -> None:
    """The columns that matter least give way; a tagged row and the cursor row each carry a
    glyph, not only a colour (under NO_COLOR too)."""
    async def tag_one(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("space")
        await _settle(pilot)
    assert snap_compare(app, terminal_size=(80, 24), run_before=tag_one)


def test_detail_focused_after_enter(snap_compare: Any, app: InboxwatchApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_goto(_with_attachments(app)),
                        press=["enter"])


def test_watcher_dashboard(snap_compare: Any, app: InboxwatchApp) -> None:
    async def open_watcher(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("w")
        await _settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_watcher)


def test_small_terminal(snap_compare: Any, app: InboxwatchApp) -> None:
    assert snap_compare(app, terminal_size=(60, 15), run_before=_settle)


@pytest.mark.parametrize("keys", [["m"], ["d"], ["question_mark"], ["r"], ["H"], ["c"],
                                  ["a"]], ids=["mark", "delete", "help", "raw", "headers",
                                               "create_case", "attachments"])
def test_dialogs(snap_compare: Any, app: InboxwatchApp, keys: list[str]) -> None:
    async def open_dialog(pilot: Pilot[Any]) -> None:
        await _goto(_with_attachments(app))(pilot)
        await pilot.press(*keys)
        await _settle(pilot)
        for field in pilot.app.screen.query("#save-dir"):
            assert isinstance(field, Input)
            field.value = "~/saved-attachments"  # the default is the working directory
        await pilot.pause()
    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog)


def test_find_case_dialog(snap_compare: Any, app: InboxwatchApp) -> None:
    pk = _with_attachments(app)
    with Session(app.engine) as session:
        triage.create_case(session, resolve_actor(session, login=OPERATOR), from_message=pk,
                           title="Printer on floor 3")

    async def open_picker(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("f", *"printer")
        await _settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_picker)


def test_case_update_dialog(snap_compare: Any, app: InboxwatchApp) -> None:
    pk = _with_attachments(app)
    with Session(app.engine) as session:
        actor = resolve_actor(session, login=OPERATOR)
        case = triage.create_case(session, actor, from_message=pk, title="Printer on floor 3")
        other = session.exec(select(Message.id).where(Message.id != pk,
                                                      Message.from_addr != "")
                             .order_by(Message.id)).first()
        assert other is not None
        triage.link_case(session, actor, other, case.number)

    async def open_editor(pilot: Pilot[Any]) -> None:
        await _goto(other)(pilot)
        await pilot.press("u")
        await _settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_editor)
