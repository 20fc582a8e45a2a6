"""The Inbound Message Watcher: a live summary of the store for a tmux pane.

:func:`take_snapshot` reads what the watcher shows (counts by status and by category, the
age of the oldest message awaiting review, the newest arrivals, arrivals per hour over the
last 24 hours) into a frozen :class:`WatchSnapshot`; the TUI's dashboard can use the same
snapshot. :func:`render_snapshot` turns one into a rich renderable in which every string
that came from a message is sanitised and plain :class:`~rich.text.Text`, never markup.
:func:`run_watch` refreshes it with :class:`rich.live.Live` every few seconds, or prints one
frame (``--once``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from inboxwatch.roles import VIEW_INBOUND_MESSAGES, Actor
from inboxwatch.sanitize import clean_line, shorten
from inboxwatch_storage.activity import StoreSignature, store_signature
from inboxwatch_storage.queries import MessageFilter, MessageRow, counts_by, list_messages
from inboxwatch_storage.tables import CATEGORY_VALUES, STATUS_VALUES, Message

__all__ = ["SnapshotCache", "WatchSnapshot", "format_age", "render_snapshot", "run_watch", "take_snapshot"]

NEWEST_ARRIVALS = 8
SPARK_BARS = " ▁▂▃▄▅▆▇█"
STATUS_STYLES = {"awaiting_review": "yellow", "needs_attention": "bold red", "closed": "green"}


@dataclass(frozen=True, slots=True)
class WatchSnapshot:
    """What the watcher shows, read at ``taken_at`` (inbound, not deleted messages)."""

    taken_at: datetime
    by_status: dict[str, int]
    by_category: dict[str, int]
    oldest_awaiting_at: datetime | None
    newest: tuple[MessageRow, ...]
    arrivals_per_hour: tuple[int, ...]  # 24 buckets, oldest hour first

    @property
    def oldest_awaiting_age(self) -> timedelta | None:
        if self.oldest_awaiting_at is None:
            return None
        return self.taken_at - _aware(self.oldest_awaiting_at)

    def to_json(self) -> dict[str, Any]:
        age = self.oldest_awaiting_age
        return {
            "taken_at": self.taken_at.isoformat(), "by_status": self.by_status,
            "by_category": self.by_category,
            "oldest_awaiting_at": self.oldest_awaiting_at.isoformat()
            if self.oldest_awaiting_at else None,
            "oldest_awaiting_seconds": int(age.total_seconds()) if age is not None else None,
            "newest": [r.to_json() for r in self.newest],
            "arrivals_per_hour": list(self.arrivals_per_hour),
        }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def take_snapshot(session: Session, actor: Actor, *, now: datetime | None = None,
                  newest: int = NEWEST_ARRIVALS) -> WatchSnapshot:
    """Read one snapshot: a handful of indexed aggregate queries, fast on a large store
    (needs ``view_inbound_messages``)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    now = now or datetime.now(UTC)
    by_status = {s: 0 for s in STATUS_VALUES} | counts_by(session, "status")
    by_category = {c: 0 for c in CATEGORY_VALUES} | counts_by(session, "category")
    live = (col(Message.deleted_at).is_(None), Message.disposition == "inbound")
    oldest = session.exec(select(func.min(Message.received_at)).where(
        *live, Message.status == "awaiting_review")).one()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
    received = session.exec(select(Message.received_at).where(
        *live, col(Message.received_at) >= start)).all()
    buckets = [0] * 24
    for at in received:
        index = int((_aware(at) - start).total_seconds() // 3600)
        if 0 <= index < 24:
            buckets[index] += 1
    rows = list_messages(session, MessageFilter(disposition="inbound"), limit=newest)
    return WatchSnapshot(now, by_status, by_category, oldest, tuple(rows), tuple(buckets))


class SnapshotCache:
    """A watcher's snapshots, read again only when the store changed or the hour turned.

    A live watcher redraws every few seconds; the counts behind it group the whole message
    table, which costs in proportion to the store (a second and more at 1M). Between
    changes nothing but the clock moves, so the idle cost is the store's change check (two
    primary-key maxima, :func:`~inboxwatch_storage.activity.store_signature`) and a redraw
    with the ages moved on. Permission is checked on every call, cached or not."""

    def __init__(self) -> None:
        self._key: tuple[StoreSignature, datetime, int] | None = None
        self._snapshot: WatchSnapshot | None = None
        self.reads = 0  # full reads made (what a test or a benchmark counts)

    def get(self, session: Session, actor: Actor, *, now: datetime | None = None,
            newest: int = NEWEST_ARRIVALS) -> WatchSnapshot:
        actor.require(VIEW_INBOUND_MESSAGES)
        now = now or datetime.now(UTC)
        key = (store_signature(session), now.replace(minute=0, second=0, microsecond=0),
               newest)
        if self._snapshot is not None and key == self._key:
            return replace(self._snapshot, taken_at=now)
        self._snapshot = take_snapshot(session, actor, now=now, newest=newest)
        self._key = key
        self.reads += 1
        return self._snapshot


def format_age(age: timedelta | None) -> str:
    """``3d 4h``, ``2h 05m``, ``7m``, ``just now``; ``-`` when there is nothing."""
    if age is None:
        return "-"
    seconds = max(0, int(age.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m" if minutes else "just now"


def sparkline(values: tuple[int, ...]) -> str:
    top = max(values, default=0)
    if top == 0:
        return SPARK_BARS[0] * len(values)
    return "".join(SPARK_BARS[round(v / top * (len(SPARK_BARS) - 1))] for v in values)


def render_snapshot(snapshot: WatchSnapshot, *, title: str = "inboxwatch") -> RenderableType:
    """One frame: counts, oldest awaiting age, arrivals sparkline, newest arrivals."""
    head = Text(f"{title} · {snapshot.taken_at.astimezone().strftime('%Y-%m-%d %H:%M:%S')}",
                style="bold")
    status = Text()
    for name in STATUS_VALUES:
        status.append(f"{name} ", style="dim")
        status.append(str(snapshot.by_status.get(name, 0)), style=STATUS_STYLES.get(name, ""))
        status.append("   ")
    status.append("oldest awaiting ", style="dim")
    status.append(format_age(snapshot.oldest_awaiting_age), style="bold")
    categories = Text()
    for name, count in sorted(snapshot.by_category.items(), key=lambda kv: (-kv[1], kv[0])):
        if count:
            categories.append(f"{clean_line(name)} ", style="dim")
            categories.append(f"{count}   ")
    arrivals = Text("arrivals/h (24h) ", style="dim")
    arrivals.append(sparkline(snapshot.arrivals_per_hour))
    arrivals.append(f"  {sum(snapshot.arrivals_per_hour)} total")
    table = Table(box=None, pad_edge=False, expand=True, show_header=True,
                  header_style="dim")
    table.add_column("ID", justify="right", no_wrap=True)
    table.add_column("Age", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Category", no_wrap=True)
    table.add_column("From", no_wrap=True, overflow="ellipsis", max_width=30)
    table.add_column("Subject", no_wrap=True, overflow="ellipsis", ratio=1)
    for row in snapshot.newest:
        table.add_row(
            Text(str(row.id)),
            Text(format_age(snapshot.taken_at - _aware(row.received_at))),
            Text(row.status, style=STATUS_STYLES.get(row.status, "")),
            Text(clean_line(row.category)),
            Text(shorten(clean_line(row.from_addr, max_chars=400), 40)),
            Text(shorten(clean_line(row.subject, max_chars=500), 200)),
        )
    if not snapshot.newest:
        table.add_row(Text(""), Text(""), Text("no inbound messages yet", style="dim"),
                      Text(""), Text(""), Text(""))
    return Group(head, status, categories or Text("no categories yet", style="dim"),
                 arrivals, Text(""), table)


def run_watch(engine: Engine, actor: Actor, console: Console, *, interval: float = 5.0, once: bool = False,
              frames: int | None = None, sleep: Callable[[float], None] = time.sleep) -> int:
    """Show the watcher until interrupted (``once``: print one frame and return).

    ``frames`` stops after that many refreshes (for tests and scripts). Each refresh opens a
    fresh session, so it sees what the poller committed since.
    """

    cache = SnapshotCache()

    def frame() -> RenderableType:
        with Session(engine) as session:
            return render_snapshot(cache.get(session, actor))

    if once:
        console.print(frame())
        return 0
    shown = 0
    with Live(frame(), console=console, refresh_per_second=4, screen=False,
              transient=False) as live:
        while frames is None or shown < frames:
            sleep(interval)
            live.update(frame())
            shown += 1
    return 0
