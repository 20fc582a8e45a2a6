"""The outbox: email is queued in the action's own transaction and delivered later.

Queueing (:func:`queue_email`) only adds an :class:`~inboxwatch_storage.tables.Outbox` row
through the caller's session, so an email exists exactly when the action that caused it
committed, and an SMTP outage loses nothing. :func:`deliver_pending` sends what is due.

Delivery states: ``pending`` -> ``sending`` -> ``sent`` (or back to ``pending`` with an
exponential backoff, or ``failed`` after a permanent refusal or :data:`MAX_ATTEMPTS`).

**Delivery guarantee, honestly stated: at-least-once, with a fixed Message-ID.** A row is
claimed (``sending``, committed) before it is handed to SMTP and marked ``sent`` right after
the server accepted it. The only window for a duplicate is a crash (or lost connection)
after the server accepted the DATA and before that commit: the row then stays ``sending``
until its in-flight lease (:data:`IN_FLIGHT_SECONDS`) runs out and is sent again, with the
same bytes and the same Message-ID, so the copy is recognisable (mail clients and our own
reply routing treat both as one email). We chose this over at-most-once because a lost
case-update email to a client is worse than a recognisable duplicate. Two ``outbox send``
processes never send the same row: the claim is a conditional UPDATE.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from inboxwatch.config import Config
from inboxwatch.errors import InboxwatchError
from inboxwatch.notify._compose import OutgoingEmail
from inboxwatch.notify._smtp import SmtpSession, describe
from inboxwatch.roles import VIEW_INBOUND_MESSAGES, Actor
from inboxwatch_storage.tables import Outbox, utcnow

__all__ = [
    "IN_FLIGHT_SECONDS",
    "MAX_ATTEMPTS",
    "DeliveryReport",
    "OutboxRow",
    "backoff",
    "deliver_pending",
    "list_outbox",
    "queue_email",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BASE_DELAY_SECONDS = 60
MAX_DELAY_SECONDS = 6 * 3600
IN_FLIGHT_SECONDS = 600


class NoSmtpConfigured(InboxwatchError):
    """Emails are queued but the config has no ``[smtp]`` section."""


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1, 2, 4 ... min, max 6 h."""
    exponent = max(0, min(attempts - 1, 20))
    return timedelta(seconds=min(BASE_DELAY_SECONDS * 2 ** exponent, MAX_DELAY_SECONDS))


def queue_email(session: Session, email: OutgoingEmail, *, kind: str,
                case_update_id: int | None = None, message_pk: int | None = None,
                message_pks: Sequence[int] = (), send_after: datetime | None = None) -> Outbox:
    """Add ``email`` to the outbox in the caller's transaction (flushed, not committed)."""
    row = Outbox(kind=kind, message_id=email.message_id, sender=email.sender,
                 recipients=list(email.recipients), raw=email.raw, status="pending",
                 next_attempt_at=send_after or utcnow(), case_update_id=case_update_id,
                 message_pk=message_pk, message_pks=list(message_pks))
    session.add(row)
    session.flush()
    return row


@dataclass(slots=True)
class DeliveryReport:
    """What one :func:`deliver_pending` run did."""

    sent: int = 0
    deferred: int = 0  # failed this time, will be retried
    failed: int = 0  # given up: permanent refusal or too many attempts
    still_queued: int = 0  # pending or in flight after this run
    error: str | None = None  # why the server could not be used at all, if so
    error_exit_code: int = 0  # the exit code of that error (3 login refused, 4 unreachable)
    sent_message_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "deferred": self.deferred, "failed": self.failed,
                "still_queued": self.still_queued, "error": self.error,
                "sent_message_ids": list(self.sent_message_ids)}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _due(session: Session, now: datetime, limit: int) -> list[int]:
    stmt = select(Outbox.id).where(col(Outbox.status).in_(("pending", "sending")),
                                   col(Outbox.next_attempt_at) <= now) \
        .order_by(col(Outbox.next_attempt_at), col(Outbox.id)).limit(limit)
    return [i for i in session.exec(stmt).all() if i is not None]


def deliver_pending(engine: Engine, config: Config, *, now: datetime | None = None,
                    limit: int = 500) -> DeliveryReport:
    """Send every due outbox row over one SMTP session; record each outcome at once.

    An unreachable server or refused login is recorded on every due row (attempt counted,
    backoff applied, ``last_error`` set) and returned in ``report.error``; nothing raises for
    an outage. A missing ``[smtp]`` section raises :class:`NoSmtpConfigured` when mail waits.
    """
    now = now or utcnow()
    report = DeliveryReport()
    with Session(engine) as session:
        due = _due(session, now, limit)
    if due and config.smtp is None:
        raise NoSmtpConfigured(f"{len(due)} email(s) wait in the outbox but the config has no "
                               "[smtp] section; add one and run `inboxwatch outbox send`")
    if due and config.smtp is not None:
        try:
            with SmtpSession(config.smtp) as smtp:
                _send_rows(engine, smtp, due, now, report)
        except InboxwatchError as exc:  # unreachable, login refused, no secret
            report.error = str(exc)
            report.error_exit_code = exc.exit_code
            _record_outage(engine, due, now, report.error)
            report.deferred += len(due)
    with Session(engine) as session:
        report.still_queued = len(session.exec(select(Outbox.id).where(
            col(Outbox.status).in_(("pending", "sending")))).all())
    return report


def _claim(engine: Engine, row_id: int, now: datetime) -> Outbox | None:
    """Mark one due row in flight; None if another sender got it first."""
    with Session(engine) as session:
        result = session.exec(
            update(Outbox)
            .where(col(Outbox.id) == row_id, col(Outbox.status).in_(("pending", "sending")),
                   col(Outbox.next_attempt_at) <= now)
            .values(status="sending", attempts=col(Outbox.attempts) + 1,
                    next_attempt_at=now + timedelta(seconds=IN_FLIGHT_SECONDS)))
        if result.rowcount != 1:
            session.rollback()
            return None
        session.commit()
        row = session.get(Outbox, row_id)
        if row is not None:
            session.expunge(row)
        return row


def _send_rows(engine: Engine, smtp: SmtpSession, due: list[int], now: datetime,
               report: DeliveryReport) -> None:
    for row_id in due:
        row = _claim(engine, row_id, now)
        if row is None:
            continue
        try:
            smtp.send(row.sender, list(row.recipients), row.raw)
        except smtplib.SMTPRecipientsRefused as exc:
            permanent = all(code >= 500 for code, _ in exc.recipients.values())
            _record_failure(engine, row, now, smtp.scrub(describe(exc)), permanent, report)
        except smtplib.SMTPResponseException as exc:
            _record_failure(engine, row, now, smtp.scrub(describe(exc)),
                            exc.smtp_code >= 500, report)
            if isinstance(exc, smtplib.SMTPSenderRefused) or exc.smtp_code == 421:
                break  # the session is no good for the rest
        except (OSError, smtplib.SMTPException) as exc:
            # Connection lost mid-send: we cannot know whether the server accepted it.
            _record_failure(engine, row, now, smtp.scrub(describe(exc)), False, report)
            break
        else:
            with Session(engine) as session:
                fresh = session.get(Outbox, row_id)
                if fresh is not None:
                    fresh.status = "sent"
                    fresh.sent_at = utcnow()
                    fresh.last_error = None
                    session.add(fresh)
                    session.commit()
            report.sent += 1
            report.sent_message_ids.append(row.message_id)


def _record_failure(engine: Engine, row: Outbox, now: datetime, error: str, permanent: bool,
                    report: DeliveryReport) -> None:
    with Session(engine) as session:
        fresh = session.get(Outbox, row.id)
        if fresh is None:
            return
        fresh.last_error = error
        if permanent or fresh.attempts >= MAX_ATTEMPTS:
            fresh.status = "failed"
            report.failed += 1
        else:
            fresh.status = "pending"
            fresh.next_attempt_at = now + backoff(fresh.attempts)
            report.deferred += 1
        session.add(fresh)
        session.commit()
    log.warning("outbox %s (%s): %s", row.id, row.kind, error)


def _record_outage(engine: Engine, due: list[int], now: datetime, error: str) -> None:
    with Session(engine) as session:
        for row in session.exec(select(Outbox).where(col(Outbox.id).in_(due))).all():
            if row.status not in ("pending", "sending") or _aware(row.next_attempt_at) > now:
                continue
            row.attempts += 1
            row.last_error = error
            row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
            row.next_attempt_at = now + backoff(row.attempts)
            session.add(row)
        session.commit()


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """What ``outbox list`` shows of one queued email (never its bytes)."""

    id: int
    kind: str
    status: str
    message_id: str
    recipients: list[str]
    subject: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    case_update_id: int | None
    message_pk: int | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status,
                "message_id": self.message_id, "recipients": self.recipients,
                "subject": self.subject, "attempts": self.attempts,
                "next_attempt_at": self.next_attempt_at.isoformat(),
                "created_at": self.created_at.isoformat(),
                "sent_at": self.sent_at.isoformat() if self.sent_at else None,
                "last_error": self.last_error, "case_update_id": self.case_update_id,
                "message_pk": self.message_pk}


def _subject_of(raw: bytes) -> str:
    from email import message_from_bytes
    from email.policy import default

    head = raw.split(b"\r\n\r\n", 1)[0]
    value = message_from_bytes(head + b"\r\n\r\n", policy=default).get("Subject", "")
    return str(value)


def list_outbox(session: Session, actor: Actor, *, status: str | None = None,
                limit: int = 100) -> list[OutboxRow]:
    """The newest outbox rows first, optionally of one status (needs
    ``view_inbound_messages``: the outbox holds what was written to clients)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    stmt = select(Outbox).order_by(col(Outbox.id).desc()).limit(limit)
    if status:
        stmt = stmt.where(Outbox.status == status)
    return [OutboxRow(id=r.id or 0, kind=r.kind, status=r.status, message_id=r.message_id,
                      recipients=list(r.recipients), subject=_subject_of(r.raw),
                      attempts=r.attempts, next_attempt_at=_aware(r.next_attempt_at),
                      created_at=_aware(r.created_at),
                      sent_at=_aware(r.sent_at) if r.sent_at else None,
                      last_error=r.last_error, case_update_id=r.case_update_id,
                      message_pk=r.message_pk)
            for r in session.exec(stmt).all()]
