"""The Inbound Message Watcher: counts, the oldest awaiting message, arrivals per hour."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from sqlalchemy import Engine
from sqlmodel import Session
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static

from storage.activity import arrivals_by_hour, oldest_received_at
from storage.queries import MessageFilter, MessageRow, counts_by, list_messages
from storage.tables import CATEGORY_VALUES, STATUS_VALUES
from tui.render import CATEGORY_BADGES, STATUS_LABELS, row_cells

__all__ = ["WatcherScreen", "WatcherSnapshot", "read_snapshot", "render_age"]

REFRESH_SECONDS = 2.0
NEWEST_SHOWN = 8


class WatcherSnapshot:
    """Everything the dashboard shows, read in one go (off the UI thread)."""

    def __init__(self, *, by_status: dict[str, int], by_category: dict[str, int],
                 oldest_awaiting: datetime | None, newest: list[MessageRow],
                 per_hour: list[int], now: datetime) -> None:
        self.by_status = by_status
        self.by_category = by_category
        self.oldest_awaiting = oldest_awaiting
        self.newest = newest
        self.per_hour = per_hour
        self.now = now


def read_snapshot(engine: Engine, now: datetime | None = None) -> WatcherSnapshot:
    now = now or datetime.now(UTC)
    with Session(engine) as session:
        return WatcherSnapshot(
            by_status=counts_by(session, "status"),
            by_category=counts_by(session, "category"),
            oldest_awaiting=oldest_received_at(session),
            newest=list_messages(session, MessageFilter(), limit=NEWEST_SHOWN),
            per_hour=arrivals_by_hour(session, now),
            now=now,
        )


def render_age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "nothing awaiting review"
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    seconds = max(0, int((now - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def _counts_text(title: str, counts: dict[str, int], order: tuple[str, ...],
                 labels: dict[str, tuple[str, str]]) -> Text:
    out = Text(f"{title}\n", style="bold underline")
    for key in order:
        label, style = labels.get(key, (key, ""))
        out.append(f"{label:>10} ", style=style)
        out.append(f"{counts.get(key, 0):>7}\n")
    return out


def _hour_bars(per_hour: list[int], now: datetime) -> Text:
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

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.snapshot: WatcherSnapshot | None = None

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
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh()
        self.set_interval(REFRESH_SECONDS, self.action_refresh)

    def action_refresh(self) -> None:
        self._read()

    @work(thread=True, exclusive=True, group="watcher")
    def _read(self) -> None:
        clock = getattr(self.app, "clock", None)
        snapshot = read_snapshot(self.engine, clock() if callable(clock) else None)
        self.app.call_from_thread(self.show_snapshot, snapshot)

    def show_snapshot(self, snap: WatcherSnapshot) -> None:
        self.snapshot = snap
        self.query_one("#watcher-status", Static).update(
            _counts_text("By status", snap.by_status, STATUS_VALUES, STATUS_LABELS))
        self.query_one("#watcher-category", Static).update(
            _counts_text("By category", snap.by_category, CATEGORY_VALUES, CATEGORY_BADGES))
        oldest = Text("Oldest awaiting review\n", style="bold underline")
        oldest.append(render_age(snap.oldest_awaiting, snap.now), style="bold yellow")
        oldest.append(f"\n\nInbound live: {sum(snap.by_status.values())}")
        self.query_one("#watcher-oldest", Static).update(oldest)
        self.query_one("#watcher-hours", Static).update(_hour_bars(snap.per_hour, snap.now))
        self.query_one("#watcher-sparkline", Sparkline).data = [float(n) for n in snap.per_hour]
        newest = Text("Newest arrivals\n", style="bold underline")
        for row in snap.newest:
            cells = row_cells(row, now=snap.now)
            newest.append_text(Text(" ").join([cells[6], cells[1], cells[2], cells[4],
                                                cells[5]]))
            newest.append("\n")
        if not snap.newest:
            newest.append("no mail yet\n", style="dim")
        self.query_one("#watcher-newest", Static).update(newest)
