"""A cheap fingerprint of the message table, polled by live views to notice new mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from inboxwatch_storage.tables import Message

__all__ = ["StoreSignature", "store_signature"]


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
