"""Cheap aggregates over the message table for live views (the TUI list and Watcher).

Polled every couple of seconds, so each is one query over indexed columns or over one day
of arrivals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.tables import Message

__all__ = ["StoreSignature", "arrivals_by_hour", "oldest_received_at", "store_signature"]


@dataclass(frozen=True, slots=True)
class StoreSignature:
    """A cheap fingerprint of the message table: it changes when mail arrives or changes."""

    max_id: int
    live: int
    last_change: datetime | None
    last_delete: datetime | None


def store_signature(session: Session) -> StoreSignature:
    """Four aggregates over indexed columns: cheap enough to poll every couple of seconds."""
    stmt = select(func.max(Message.id), func.count(col(Message.deleted_at)),
                  func.max(Message.status_changed_at), func.max(Message.deleted_at))
    max_id, deleted, changed, removed = session.execute(stmt).one()
    return StoreSignature(int(max_id or 0), int(deleted or 0), changed, removed)


def oldest_received_at(session: Session, *, status: str = "awaiting_review",
                       disposition: str = "inbound") -> datetime | None:
    """When the oldest live message with ``status`` arrived (None: there is none)."""
    stmt = select(func.min(Message.received_at)).where(
        Message.status == status, Message.disposition == disposition,
        col(Message.deleted_at).is_(None))
    value = session.execute(stmt).scalar_one_or_none()
    return value if isinstance(value, datetime) else None


def arrivals_by_hour(session: Session, now: datetime, *, hours: int = 24) -> list[int]:
    """Messages received in each of the last ``hours`` hours, oldest hour first."""
    since = now - timedelta(hours=hours)
    stmt = select(Message.received_at).where(col(Message.received_at) > since)
    buckets = [0] * hours
    naive_now = now.replace(tzinfo=None)
    for (received,) in session.execute(stmt).all():
        received = received.replace(tzinfo=None) if received.tzinfo else received
        age_hours = int((naive_now - received).total_seconds() // 3600)
        if 0 <= age_hours < hours:
            buckets[hours - 1 - age_hours] += 1
    return buckets
