"""A cheap fingerprint of the store, polled by live views to notice new mail and changes.

It must cost the same at a million messages as at a thousand, since every open TUI asks
for it every two seconds. Two primary-key maxima do: the newest message (new mail, and a
reprocessed placeholder replaced by its message) and the newest audit entry. Every change
to a stored message is an audited service action (a status, a link, a delete, an owner, an
auto case update, a purge), so the audit log doubles as the change log. (The fingerprint
this replaces also took a count of deleted messages and the newest status change: the
latter has no index, and scanned the whole table: 0.8 s a poll at 1M.)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from inboxwatch_storage.tables import AuditEntry, Message

__all__ = ["StoreSignature", "store_signature"]


@dataclass(frozen=True, slots=True)
class StoreSignature:
    """The newest message and the newest audit entry: changes when mail arrives or an
    operator (or the system, for an auto case update) changes a message."""

    max_id: int
    last_audit: int = 0


def store_signature(session: Session) -> StoreSignature:
    """Two indexed maxima (each one B-tree descent), cheap enough to poll every couple of
    seconds on any size of store."""
    max_id = session.execute(select(func.max(Message.id))).scalar_one()
    last_audit = session.execute(select(func.max(AuditEntry.id))).scalar_one()
    return StoreSignature(int(max_id or 0), int(last_audit or 0))
