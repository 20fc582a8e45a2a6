"""The Inbound Message Watcher: counts, the oldest awaiting message, arrivals per hour."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Sparkline, Static

from inboxwatch.watch import WatchSnapshot, format_age
from inboxwatch_storage.tables import CATEGORY_VALUES, STATUS_VALUES
from inboxwatch_tui.render import CATEGORY_BADGES, STATUS_LABELS, row_cells
from inboxwatch_tui.services import StoreReader
from inboxwatch_tui.widgets.key_bar import KeyBar

__all__ = ["WatcherScreen", "read_snapshot"]

REFRESH_SECONDS = 2.0
NEWEST_SHOWN = 8


def read_snapshot(reader: StoreReader, now: datetime | None = None) -> WatchSnapshot:
    """The same snapshot ``inboxwatch watch`` shows, read off the UI thread."""
    return reader.snapshot(now, NEWEST_SHOWN)


def _counts_text(title: str, counts: dict[str, int], order: tuple[str, ...],
                 labels: dict[str, tuple[str, str]]) -> Text:
    out = Text(f"{title}\n", style="bold underline")
    for key in order:
        label, style = labels.get(key, (key, ""))
        out.append(f"{label:>10} ", style=style)
        out.append(f"{counts.get(key, 0):>7}\n")
    return out


def _hour_bars(per_hour: tuple[int, ...], now: datetime) -> Text:
    out = Text("Arrivals per hour, last 24 h (oldest left)\n", style="bold underline")
    peak = max(per_hour) if per_hour else 0
    levels = " ▁▂▃▄▅▆▇█"
    bars = "".join(levels[0 if peak == 0 else min(8, round(8 * n / peak))] for n in per_hour)
    out.append(bars + "\n", style="cyan")
    out.append(f"total {sum(per_hour)}, peak {peak}/h, now {now:%H:%M} UTC\n", style="dim")
    return out


class WatcherScreen(Screen[None]):
    """The dashboard; refreshes itself every couple of seconds while shown."""

    BINDINGS = [
        Binding("escape,w", "app.pop_screen", "Back to list", id="watcher.back"),
        Binding("ctrl+r", "refresh", "Refresh", id="watcher.refresh"),
    ]

    def __init__(self, reader: StoreReader) -> None:
        super().__init__()
        self.reader = reader
        self.snapshot: WatchSnapshot | None = None
        self._shown: tuple[object, ...] = ()
        self._reading = False

    def compose(self) -> ComposeResult:
        yield Static(Text("Inbound Message Watcher", style="bold"), id="watcher-title")
        with Horizontal(id="watcher-counts"):
            yield Static(id="watcher-status")
            yield Static(id="watcher-category")
            yield Static(id="watcher-oldest")
        with Vertical(id="watcher-chart"):
            yield Static(id="watcher-hours")
            yield Sparkline([0] * 24, id="watcher-sparkline")
        yield Static(id="watcher-newest")
        yield KeyBar()

    def on_mount(self) -> None:
        self.action_refresh()
        self.set_interval(REFRESH_SECONDS, self.action_refresh)

    def action_refresh(self) -> None:
        # One read at a time: on a big store the first read can outlast the refresh
        # interval, and starting another (or cancelling it for another) would read forever.
        if not self._reading:
            self._reading = True
            self._read()

    @work(thread=True, group="watcher")
    def _read(self) -> None:
        clock = getattr(self.app, "clock", None)
        try:
            snapshot = read_snapshot(self.reader, clock() if callable(clock) else None)
        finally:
            self._reading = False
        self.app.call_from_thread(self.show_snapshot, snapshot)

    def show_snapshot(self, snap: WatchSnapshot) -> None:
        # What the screen shows moves by the minute at most when the store is idle: redraw
        # only when it would look different (an idle watcher then costs a change check).
        shown = (tuple(snap.by_status.items()), tuple(snap.by_category.items()),
                 format_age(snap.oldest_awaiting_age), snap.newest, snap.arrivals_per_hour,
                 snap.taken_at.replace(second=0, microsecond=0))
        if self.snapshot is not None and shown == self._shown:
            self.snapshot = snap
            return
        self._shown = shown
        self.snapshot = snap
        self.query_one("#watcher-status", Static).update(
            _counts_text("By status", snap.by_status, STATUS_VALUES, STATUS_LABELS))
        self.query_one("#watcher-category", Static).update(
            _counts_text("By category", snap.by_category, CATEGORY_VALUES, CATEGORY_BADGES))
        oldest = Text("Oldest awaiting review\n", style="bold underline")
        age = snap.oldest_awaiting_age
        oldest.append(format_age(age) if age is not None else "nothing awaiting review",
                      style="bold yellow")
        oldest.append(f"\n\nInbound live: {sum(snap.by_status.values())}")
        self.query_one("#watcher-oldest", Static).update(oldest)
        self.query_one("#watcher-hours", Static).update(
            _hour_bars(snap.arrivals_per_hour, snap.taken_at))
        self.query_one("#watcher-sparkline", Sparkline).data = [
            float(n) for n in snap.arrivals_per_hour]
        newest = Text("Newest arrivals\n", style="bold underline")
        for row in snap.newest:
            cells = row_cells(row, now=snap.taken_at)
            newest.append_text(Text(" ").join([cells[6], cells[1], cells[2], cells[4],
                                                cells[5]]))
            newest.append("\n")
        if not snap.newest:
            newest.append("no mail yet\n", style="dim")
        self.query_one("#watcher-newest", Static).update(newest)
