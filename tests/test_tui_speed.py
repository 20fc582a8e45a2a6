"""What keeps the triage app fast on a big store, each claim checked where it is made.

The figures themselves come from ``bench/bench_tui.py`` on 100,000 messages; these tests pin
the mechanisms behind them on the example store, so a change that brings the cost back
(every row re-rendered per key, a screen reflow per message shown, a thread per key held,
SQL on the UI thread for a new view) fails here instead of only in a benchmark.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from textual import events
from textual.screen import Screen

import inboxwatch_tui.widgets.detail as detail_module
import inboxwatch_tui.widgets.message_list as list_module
from inboxwatch_storage.queries import MessageFilter, count_messages
from inboxwatch_tui.screens.modals import HelpScreen
from inboxwatch_tui.screens.triage import TriageScreen
from inboxwatch_tui.services import StoreReader
from inboxwatch_tui.widgets.key_bar import KeyBar
from inboxwatch_tui.widgets.message_list import MessageList, column_widths
from tests.tui_support import (
    VIEWER,
    make_app,
    pilot_test,
    seed_example_store,
    settle,
    triage_screen,
)

pytestmark = pytest.mark.tui  # runs the Textual app


SIZE = (120, 40)


@pytest.fixture
def store(engine: Engine) -> Engine:
    return seed_example_store(engine)


def test_the_subject_column_takes_what_the_others_leave() -> None:
    keys = [key for key, _, _ in list_module.COLUMNS]
    subject = keys.index("subject")
    wide, standard = column_widths(200), column_widths(120)
    assert wide[subject] - standard[subject] == 80  # nothing narrowed at 120 or wider
    assert [w for i, w in enumerate(wide) if i != subject] == \
        [w for i, w in enumerate(standard) if i != subject]
    # 80x24: a useful subject; what a message is (status, category) and who sent it stay.
    at80 = dict(zip(keys, column_widths(80), strict=True))
    assert at80["subject"] >= list_module.WANTED_SUBJECT_WIDTH
    assert at80["status"] and at80["category"] and at80["sender"] and at80["sel"]
    at60 = dict(zip(keys, column_widths(60), strict=True))
    assert at60["subject"] >= list_module.MIN_SUBJECT_WIDTH and at60["status"]


@pilot_test
async def test_moving_the_cursor_renders_only_the_rows_it_leaves_and_reaches(
        store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered: list[int] = []
    original = list_module.row_cells

    def counting(row: Any, **kwargs: Any) -> Any:
        rendered.append(row.id)
        return original(row, **kwargs)

    monkeypatch.setattr(list_module, "row_cells", counting)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        visible = lst.scrollable_content_region.height - 1
        assert len(rendered) >= visible  # the first paint drew every row on the screen
        rendered.clear()
        presses = visible + 5  # past the bottom: the list scrolls
        for _ in range(presses):
            await pilot.press("j")
        await settle(app, pilot)
        assert lst.cursor_row == presses
        # each key draws the row the cursor leaves and the one it reaches; rows scrolled
        # into view are drawn once; every other row's line is reused from the cache
        assert len(rendered) <= 2 * presses + 5


@pilot_test
async def test_showing_a_message_repaints_the_pane_without_a_screen_layout(
        store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    layouts: list[str] = []
    original = Screen._refresh_layout

    def counting(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        layouts.append(type(self).__name__)
        original(self, *args, **kwargs)

    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        regions = (screen.list.region, screen.detail.region)
        monkeypatch.setattr(Screen, "_refresh_layout", counting)
        for _ in range(3):
            await pilot.press("j")
            await settle(app, pilot)
            assert screen.detail.detail is not None
            assert screen.detail.detail.id == screen.list.current_pk
            assert screen.detail.lines  # wrapped and shown
        assert layouts == []
        assert (screen.list.region, screen.detail.region) == regions


@pilot_test
async def test_holding_j_reads_only_the_message_the_cursor_stops_on(
        store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[int] = []
    original = StoreReader.detail

    def counting(self: StoreReader, message_pk: int) -> Any:
        read.append(message_pk)
        return original(self, message_pk)

    monkeypatch.setattr(StoreReader, "detail", counting)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        read.clear()
        for _ in range(8):  # faster than the settle delay: a key-repeat burst
            app.post_message(events.Key("j", "j"))
        await settle(app, pilot)
        await pilot.pause(detail_module.SETTLE_SECONDS * 2)
        await settle(app, pilot)
        assert screen.list.cursor_row == 8
        assert read == [screen.list.current_pk]
        assert screen.detail.detail is not None
        assert screen.detail.detail.id == screen.list.current_pk


@pilot_test
async def test_a_big_view_shows_its_first_page_then_its_exact_count(
        store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(list_module, "PAGE_SIZE", 5)
    announced: list[bool] = []
    original = MessageList.ViewLoaded.__init__

    def recording(self: MessageList.ViewLoaded, view: Any, counted: bool) -> None:
        announced.append(counted)
        original(self, view, counted)

    monkeypatch.setattr(MessageList.ViewLoaded, "__init__", recording)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        await pilot.press("s")  # awaiting_review: more than a page of the example mail
        await settle(app, pilot)
        with Session(store) as session:
            expected = count_messages(session, MessageFilter(status="awaiting_review"))
        assert expected > 5
        assert announced == [False, True]  # rows first, then the count
        assert lst.counted and lst.total == expected
        assert all(r.status == "awaiting_review" for r in lst.rows_loaded)
        status = str(triage_screen(app).query_one("#status-line").render())
        assert f"1/{expected}" in status and "counting" not in status
        await pilot.press("G")  # the window jumps to the real end
        await settle(app, pilot)
        assert lst.position == expected == lst.base + len(lst.rows_loaded)
        assert lst.current_row is not None and lst.current_row.status == "awaiting_review"
        await pilot.press("g")
        await settle(app, pilot)
        assert lst.position == 1 and lst.base == 0


@pilot_test
async def test_a_stale_view_never_replaces_a_newer_one(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        await pilot.press("s", "s", "s")  # awaiting -> attention -> closed, no waiting
        await settle(app, pilot)
        assert lst.view.flt.status == "closed"
        assert all(r.status == "closed" for r in lst.rows_loaded)
        with Session(store) as session:
            assert lst.total == count_messages(session, MessageFilter(status="closed"))


@pilot_test
async def test_the_search_field_opens_over_the_status_line_moving_nothing(
        store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        regions = (screen.list.region, screen.detail.region)
        search = screen.query_one("#search")
        await pilot.press("slash")
        await pilot.pause()
        assert search.display and search.has_focus
        assert search.region == screen.query_one("#status-line").region
        assert (screen.list.region, screen.detail.region) == regions
        await pilot.press("escape")
        await pilot.pause()
        assert not search.display and screen.list.has_focus
        assert (screen.list.region, screen.detail.region) == regions


@pilot_test
async def test_page_keys_and_clicks_move_the_cursor(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        lst = screen.list
        visible = lst.scrollable_content_region.height - 1
        await pilot.press("pagedown")
        assert lst.cursor_row == visible
        await pilot.press("pageup")
        assert lst.cursor_row == 0
        await pilot.click(MessageList, offset=(30, 4))  # header on line 0: row 3
        await settle(app, pilot)
        assert lst.cursor_row == 3
        assert screen.detail.detail is not None
        assert screen.detail.detail.id == lst.current_pk
        await pilot.click(MessageList, offset=(30, 4))  # again: read it
        await pilot.pause()
        assert screen.detail.has_focus


@pilot_test
async def test_key_bar_shows_what_is_allowed_and_clicks_press_keys(store: Engine) -> None:
    app = make_app(store, login=VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = triage_screen(app).query_one(KeyBar)
        hints = {h.description: h for h in bar.hints}
        assert not hints["Mark"].enabled and not hints["Delete"].enabled
        assert hints["Search"].enabled and hints["Help"].enabled
        assert bar.palette is not None and bar.palette.description == "palette"
        text = str(bar.render())
        assert "Mark" in text and "palette" in text
        await pilot.click(KeyBar, offset=(hints["Mark"].start + 1, 0))  # disabled: nothing
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)
        await pilot.click(KeyBar, offset=(hints["Help"].start + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


@pilot_test
async def test_a_search_without_matches_empties_the_list_then_says_so(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        await pilot.press("slash", *"zzznomatch", "enter")
        await settle(app, pilot)
        assert screen.list.total == 0 and screen.list.counted
        assert screen.detail.detail is None
        assert "no messages" in str(screen.query_one("#status-line").render())
        assert [n.message for n in app._notifications] == ["No message matches that search."]
