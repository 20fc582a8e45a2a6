"""Hostile mail cannot reach the terminal as control sequences, nor run as markup.

Each screen is rendered the way the app writes it to a terminal (the compositor's full
update, as :meth:`textual.app.App._display` renders it). What remains after removing the
sequences Textual itself emits (SGR colours and cursor moves) must hold no ESC, no C1
control, no BEL: whatever a message carried (OSC 52 clipboard writes, OSC 8 links,
``ESC[2J``, C1 CSI, bidi overrides) was dropped before it reached a widget.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch.attachments import save_attachments
from inboxwatch.roles import SYSTEM_ACTOR
from inboxwatch_storage.tables import Message, MessageAttachment
from inboxwatch_tui.app import InboxwatchApp
from inboxwatch_tui.render import BODY_DISPLAY_LIMIT
from inboxwatch_tui.screens.triage import TriageScreen
from tests.tui_support import OPERATOR, add_staff, import_mail, make_app, pilot_test, settle

pytestmark = pytest.mark.tui  # runs the Textual app


HOSTILE = Path(__file__).parent / "data" / "hostile"
# What Textual writes on its own: SGR styles, cursor positioning, synchronized output mode.
TEXTUAL_SEQUENCES = re.compile(r"\x1b\[[0-9;:]*m|\x1b\[\d+;\d+H|\x1b\[\d*[ABCDG]"
                               r"|\x1b\[\?2026[hl]")
FORBIDDEN = re.compile("[\x1b\x07\x80-\x9f\u202a-\u202e\u2066-\u2069\u200b]")


def terminal_output(app: InboxwatchApp) -> str:
    """The bytes (as text) the app would write for a full repaint of the current screen."""
    update = app.screen._compositor.render_update(full=True)
    assert update is not None
    return update.render_segments(app.console)


def assert_safe(app: InboxwatchApp, where: str) -> str:
    written = terminal_output(app)
    leftover = TEXTUAL_SEQUENCES.sub("", written)
    bad = FORBIDDEN.search(leftover)
    assert bad is None, (f"{where}: {bad.group()!r} reached the terminal near "
                         f"{leftover[max(0, bad.start() - 40):bad.end() + 40]!r}")
    return leftover


@pytest.fixture
def hostile_store(engine: Engine) -> Engine:
    import_mail(engine, sorted(HOSTILE.glob("*.eml")))
    add_staff(engine, OPERATOR, "operator")
    return engine


def test_fixtures_are_all_stored(hostile_store: Engine) -> None:
    with Session(hostile_store) as session:
        assert len(session.exec(select(Message.id)).all()) == len(list(HOSTILE.glob("*.eml")))


@pilot_test
async def test_every_screen_is_free_of_message_controls(hostile_store: Engine) -> None:
    app = make_app(hostile_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        seen = ""
        for i in range(screen.list.total):
            await settle(app, pilot)
            seen += assert_safe(app, f"list+detail row {i}")
            for key, name in (("r", "raw"), ("H", "headers"), ("c", "case form"),
                              ("a", "attachments")):
                await pilot.press(key)
                await settle(app, pilot)
                if app.screen is not screen:
                    seen += assert_safe(app, f"{name} of row {i}")
                    await pilot.press("escape")
                    await settle(app, pilot)
            assert app.screen is screen and app.is_running
            await pilot.press("j")
        await pilot.press("w")
        await settle(app, pilot)
        seen += assert_safe(app, "watcher")
        await pilot.press("escape", "question_mark")
        await settle(app, pilot)
        seen += assert_safe(app, "help")
    # markup-like text is shown literally, not interpreted, and did not quit the app
    assert "[@click=app.quit]" in seen
    assert "Re: [/] invoice" in seen
    assert "[bold red]Admin[/]" in seen or "[bold red]Admin" in seen


@pilot_test
async def test_ten_thousand_character_subject_is_shown_cut(hostile_store: Engine) -> None:
    app = make_app(hostile_store, poll_seconds=60)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        long_row = next(r for r in screen.list.rows_loaded if len(r.subject) > 5000)
        while screen.list.current_pk != long_row.id:
            await pilot.press("j")
        await settle(app, pilot)
        assert app.is_running
        assert_safe(app, "long subject")


@pilot_test
async def test_huge_body_is_cut_and_says_so(engine: Engine, tmp_path: Path) -> None:
    big = tmp_path / "big.eml"
    line = b"0123456789 abcdefghij " * 4 + b"\r\n"
    big.write_bytes(b"From: Big <big@example.org>\r\nTo: helpdesk@helpdesk.example.com\r\n"
                    b"Subject: big body\r\nMessage-ID: <big@example.org>\r\n\r\n"
                    + line * (3 * BODY_DISPLAY_LIMIT // len(line)))
    import_mail(engine, [big])
    add_staff(engine, OPERATOR, "operator")
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        assert "body cut: showing 200,000 of" in screen.detail.text.plain


def test_hostile_attachment_names_save_inside_the_directory(hostile_store: Engine,
                                                            tmp_path: Path) -> None:
    tmp_path = tmp_path / "saved"
    tmp_path.mkdir()
    with Session(hostile_store) as session:
        ids = [a.id for a in session.exec(select(MessageAttachment)).all()
               if a.id is not None]
        assert len(ids) >= 9
        saved = save_attachments(session, SYSTEM_ACTOR, ids, tmp_path)
    for item in saved:
        assert item.path.parent == tmp_path.resolve()
        assert not FORBIDDEN.search(item.path.name)
        assert not item.path.name.startswith(".")
    assert len({s.path for s in saved}) == len(saved) == len(list(tmp_path.iterdir()))


@pilot_test
async def test_the_check_catches_unsanitised_text() -> None:
    """A negative control: text that skipped the sanitiser is caught by :func:`assert_safe`."""
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Unsafe(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(Text("a\x1b]52;c;eA==\x07b \x9b2J c \u202e d"))

    app = Unsafe()
    async with app.run_test() as pilot:
        await pilot.pause()
        with pytest.raises(AssertionError, match="reached the terminal"):
            assert_safe(app, "unsafe")  # type: ignore[arg-type]
