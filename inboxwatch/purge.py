"""The purge: deleted messages removed for good once past the retention period
(``inboxwatch purge``, and ``run`` once a day with ``system.retention_days``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import update as sql_update
from sqlmodel import Session, col, select

from inboxwatch.audit import message_snapshot, record_audit
from inboxwatch.errors import UsageError
from inboxwatch.roles import DELETE_INBOUND_MESSAGE, Actor
from inboxwatch.users import transaction
from inboxwatch_storage.tables import (
    Blob,
    CaseFile,
    CaseUpdate,
    ClassifierFeedback,
    Message,
    MessageAttachment,
    Outbox,
    RawCapture,
)

__all__ = ["DEFAULT_RETENTION_DAYS", "PurgeReport", "purge"]

DEFAULT_RETENTION_DAYS = 30


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What :func:`purge` removed for good."""

    purged: tuple[int, ...]
    cutoff: datetime

    def to_json(self) -> dict[str, Any]:
        return {"purged": list(self.purged), "count": len(self.purged),
                "cutoff": self.cutoff.isoformat()}


def purge(session: Session, actor: Actor, *, older_than_days: int = DEFAULT_RETENTION_DAYS,
          now: datetime | None = None) -> PurgeReport:
    """Remove for good the messages soft-deleted more than ``older_than_days`` ago (needs
    ``delete_inbound_message``).

    Gone: the message row, its attachment rows, its capture-journal rows, and every blob
    that nothing else uses. Kept: the audit entries (one more per purged message), what
    operators taught the classifier with it (the lesson keeps its tokens), case files
    copied from it (their bytes too), case updates made from it. Messages that are not
    deleted are never touched.
    """
    actor.require(DELETE_INBOUND_MESSAGE)
    if older_than_days < 0:
        raise UsageError("--older-than must be 0 days or more")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    with transaction(session):
        doomed = list(session.exec(select(Message).where(
            col(Message.deleted_at).is_not(None), col(Message.deleted_at) <= cutoff)).all())
        ids = [m.id for m in doomed if m.id is not None]
        if not ids:
            return PurgeReport((), cutoff)
        shas = {m.sha256 for m in doomed}
        shas |= set(session.exec(select(MessageAttachment.sha256).where(
            col(MessageAttachment.message_pk).in_(ids))).all())
        for m in doomed:
            record_audit(session, actor, "purge", message_pk=m.id, case_id=m.case_id,
                         before=message_snapshot(m), after={"purged": True},
                         detail=f"deleted {m.deleted_at}; {m.from_addr} | {m.subject[:200]}")
        session.execute(sql_update(CaseFile).where(col(CaseFile.source_message_pk).in_(ids))
                        .values(source_message_pk=None, source_attachment_id=None))
        session.execute(sql_update(Outbox).where(col(Outbox.message_pk).in_(ids))
                        .values(message_pk=None))
        session.execute(sql_update(RawCapture).where(col(RawCapture.message_pk).in_(ids))
                        .values(message_pk=None))
        session.execute(sql_delete(RawCapture).where(col(RawCapture.sha256).in_(
            [m.sha256 for m in doomed])))
        session.execute(sql_update(ClassifierFeedback).where(
            col(ClassifierFeedback.message_pk).in_(ids)).values(message_pk=None))
        session.execute(sql_delete(MessageAttachment).where(
            col(MessageAttachment.message_pk).in_(ids)))
        session.execute(sql_update(CaseUpdate).where(col(CaseUpdate.source_message_pk)
                                                     .in_(ids)).values(source_message_pk=None))
        for m in doomed:
            session.delete(m)
        session.flush()
        for sha in shas:
            if not _blob_in_use(session, sha):
                session.execute(sql_delete(Blob).where(col(Blob.sha256) == sha))
        report = PurgeReport(tuple(sorted(ids)), cutoff)
    return report


def _blob_in_use(session: Session, sha256: str) -> bool:
    for column in (Message.sha256, MessageAttachment.sha256, CaseFile.sha256,
                   RawCapture.sha256):
        if session.exec(select(column).where(column == sha256).limit(1)).first() is not None:
            return True
    return False
