"""The audit log: who did what, when, with the state before and after.

Every service action (:mod:`inboxwatch.triage`, :mod:`inboxwatch.users`) writes one
:class:`~inboxwatch_storage.tables.AuditEntry` in the same transaction as the change it
records, so an entry exists exactly when the change does. Entries are never deleted, not
even when the message they describe is purged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from inboxwatch.roles import Actor
from inboxwatch_storage.tables import AuditEntry, Message

__all__ = ["AuditInfo", "audit_trail", "message_snapshot", "record_audit"]


def message_snapshot(m: Message) -> dict[str, Any]:
    """The part of a message's state an audit entry records before and after a change."""
    return {"status": m.status, "category": m.category, "case_id": m.case_id,
            "deleted": m.deleted_at is not None, "owner": m.owner_id}


def record_audit(
    session: Session, actor: Actor, action: str, *, message_pk: int | None = None,
    case_id: int | None = None, before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None, detail: str = "",
) -> AuditEntry:
    """Add one audit entry to the session (the caller's transaction commits it)."""
    entry = AuditEntry(
        actor_id=actor.user_id, actor=actor.label[:320], action=action[:50],
        message_pk=message_pk, case_id=case_id, before=dict(before or {}),
        after=dict(after or {}), detail=detail,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True, slots=True)
class AuditInfo:
    """One audit entry as a screen or ``--json`` shows it."""

    id: int
    at: datetime
    actor: str
    action: str
    message_pk: int | None
    case_id: int | None
    before: dict[str, Any]
    after: dict[str, Any]
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor,
                "action": self.action, "message_id": self.message_pk, "case": self.case_id,
                "before": self.before, "after": self.after, "detail": self.detail}


def audit_trail(session: Session, *, message_pk: int | None = None,
                case_id: int | None = None, limit: int = 200) -> list[AuditInfo]:
    """The newest audit entries, optionally only those of one message or one case."""
    stmt = select(AuditEntry)
    if message_pk is not None:
        stmt = stmt.where(AuditEntry.message_pk == message_pk)
    if case_id is not None:
        stmt = stmt.where(AuditEntry.case_id == case_id)
    stmt = stmt.order_by(col(AuditEntry.id).desc()).limit(limit)
    return [
        AuditInfo(e.id or 0, e.at, e.actor, e.action, e.message_pk, e.case_id,
                  dict(e.before), dict(e.after), e.detail)
        for e in session.exec(stmt).all()
    ]
