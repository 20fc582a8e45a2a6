"""A cheap fingerprint of the message table, polled by live views to notice new mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from inboxwatch_storage.tables import AuditEntry, Message

__all__ = ["StoreSignature", "store_signature"]


@dataclass(frozen=True, slots=True)
class StoreSignature:
    """A cheap fingerprint of the message table: it changes when mail arrives or changes."""

    max_id: int
    live: int
    last_change: datetime | None
    last_delete: datetime | None
    last_audit: int = 0  # every operator action is audited: a link, a note, a participant


def store_signature(session: Session) -> StoreSignature:
    """Five aggregates over indexed columns: cheap enough to poll every couple of seconds.
    The newest audit entry catches what leaves the message's status alone (a case linked by
    a colleague); a status change, a delete and new mail are seen without it too."""
    stmt = select(func.max(Message.id), func.count(col(Message.deleted_at)),
                  func.max(Message.status_changed_at), func.max(Message.deleted_at))
    max_id, deleted, changed, removed = session.execute(stmt).one()
    last_audit = session.execute(select(func.max(AuditEntry.id))).scalar_one()
    return StoreSignature(int(max_id or 0), int(deleted or 0), changed, removed,
                          int(last_audit or 0))
