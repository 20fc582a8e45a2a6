"""The inboxwatch schema: one SQLModel table per concept of docs/product.md.

Conventions: every timestamp is UTC; enumerations are short strings (their allowed values are
the ``*_VALUES`` tuples below, checked by the domain, not by the database, so adding a value
needs no migration); JSON columns hold lists/dicts written by the domain. Raw mail and
attachment bytes live once in :class:`Blob`, keyed by SHA-256, in the same database as the
rows that point at them, so a message and its bytes commit in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "AuditEntry",
    "Blob",
    "Case",
    "CaseFile",
    "CaseParticipant",
    "CaseUpdate",
    "CaseUpdateFile",
    "ClassifierFeedback",
    "MailboxLease",
    "MailboxState",
    "Message",
    "MessageAttachment",
    "Outbox",
    "Permission",
    "RawCapture",
    "Role",
    "RolePermission",
    "SyncCheckpoint",
    "UnfetchedMessage",
    "User",
    "UserEmail",
    "UserRole",
    "utcnow",
]

DISPOSITION_VALUES = ("inbound", "case_update")
STATUS_VALUES = ("awaiting_review", "needs_attention", "closed")
REASON_VALUES = ("direct_to_system", "unknown_sender", "not_on_case", "unrelated_to_case",
                 "malformed", "auto_generated", "reply_to_answer", "")
CATEGORY_VALUES = ("normal", "malformed", "bounce", "auto_reply", "spam", "phishing",
                   "marketing")
OUTBOX_STATUS_VALUES = ("pending", "sending", "sent", "failed")  # Outbox.status


def utcnow() -> datetime:
    return datetime.now(UTC)


class Blob(SQLModel, table=True):
    """Content-addressed bytes: raw messages, attachments, case files. Stored once."""

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SyncCheckpoint(SQLModel, table=True):
    """How far one mailbox folder has been captured: UIDVALIDITY and the last UID stored."""

    __table_args__ = (UniqueConstraint("mailbox", "folder"),)
    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(max_length=200)
    folder: str = Field(max_length=500)
    uidvalidity: int
    last_uid: int = 0
    # Highest UID whose after_ingest action (seen/move) was applied on the server; a crash
    # between commit and flagging leaves it below last_uid and the next poll catches up.
    applied_uid: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class UnfetchedMessage(SQLModel, table=True):
    """A message the server listed but would not give us; retried on every poll until it is
    stored or gone. Its server copy is never flagged or moved."""

    __table_args__ = (UniqueConstraint("mailbox", "folder", "uidvalidity", "uid"),)
    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(max_length=200, index=True)
    folder: str = Field(max_length=500)
    uidvalidity: int
    uid: int
    size: int = 0
    error: str = Field(default="", sa_column=Column(Text, nullable=False))
    attempts: int = 1
    first_seen_at: datetime = Field(default_factory=utcnow)
    last_attempt_at: datetime = Field(default_factory=utcnow)


class MailboxState(SQLModel, table=True):
    """The heartbeat of one configured mailbox, written by ``poll``/``run``, read by ``status``."""

    mailbox: str = Field(primary_key=True, max_length=200)
    interval_seconds: int = 60
    mode: str = Field(default="poll", max_length=20)  # poll | idle
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_error_at: datetime | None = None
    # auth (the server refused the login) | unreachable | error; None after a success
    last_error_kind: str | None = Field(default=None, max_length=20)
    messages_stored: int = 0
    heartbeat_at: datetime | None = None
    host: str | None = Field(default=None, max_length=255)
    pid: int | None = None


class MailboxLease(SQLModel, table=True):
    """One poller per mailbox at a time, across processes and hosts: a renewable lease."""

    mailbox: str = Field(primary_key=True, max_length=200)
    owner: str = Field(max_length=255)
    acquired_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class RawCapture(SQLModel, table=True):
    """The journal of raw mail as it arrived, committed before the server copy is touched.

    A capture is turned into a :class:`Message` by the ingest pipeline (parse, route,
    classify); ``processed_at`` is set in the same transaction. A crash in between leaves the
    capture to be processed on the next run: nothing is fetched twice, nothing is lost.
    """

    __table_args__ = (
        UniqueConstraint("mailbox", "folder", "uidvalidity", "uid"),
        Index("ix_rawcapture_pending", "processed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=20)  # imap | import
    mailbox: str | None = Field(default=None, max_length=200)
    folder: str | None = Field(default=None, max_length=500)
    uidvalidity: int | None = None
    uid: int | None = None
    origin: str | None = Field(default=None, sa_column=Column(Text))  # file path for imports
    sha256: str = Field(foreign_key="blob.sha256", max_length=64, index=True)
    size: int
    header_only: bool = False  # over max_message_bytes: only the header block was fetched
    received_at: datetime | None = None  # IMAP INTERNALDATE, when the server gave one
    captured_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None
    message_pk: int | None = Field(default=None, foreign_key="message.id")
    # Quarantine: why processing this capture failed, and how often. A quarantined capture
    # is processed (its message is a malformed placeholder) and `inboxwatch reprocess`
    # tries it again; one whose placeholder could not be stored either is skipped after
    # MAX_ATTEMPTS (inboxwatch.ingest).
    error: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = 0


# Bumped by every ORM update of a message, and each UPDATE checks it (SQLAlchemy's
# version_id_col): an action carries the version the operator saw and is refused, with
# who changed what, when the message has changed since (inboxwatch.triage).
_MESSAGE_VERSION = Column("version", Integer, nullable=False, default=1, server_default="1")


class Message(SQLModel, table=True):
    """Every email ever fetched or imported, stored once (unique by raw SHA-256)."""

    # The list's default view (live messages, newest first) reads this index in order and
    # stops after one page, instead of sorting the whole table: 100,000 messages open fast.
    # The counts by status and by category (a filter's total, the watcher) read these
    # alone, without a row: 14 ms instead of 2.6 s for a third of 1M messages.
    __table_args__ = (Index("ix_message_live_received", "deleted_at", "received_at", "id"),
                      Index("ix_message_status_live", "status", "deleted_at", "disposition"),
                      Index("ix_message_category_live", "category", "deleted_at",
                            "disposition"))
    __mapper_args__ = {"version_id_col": _MESSAGE_VERSION}

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(foreign_key="blob.sha256", max_length=64, unique=True)
    message_id: str | None = Field(default=None, max_length=1000, index=True)
    mailbox: str | None = Field(default=None, max_length=200)
    source: str = Field(default="import", max_length=20)
    received_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None
    from_addr: str = Field(default="", max_length=320, index=True)
    from_name: str = Field(default="", max_length=500)
    to_addrs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cc_addrs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reply_to: str | None = Field(default=None, max_length=320)
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    in_reply_to: str | None = Field(default=None, sa_column=Column(Text))
    references: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    has_html: bool = False
    links: list[dict[str, str]] = Field(default_factory=list,
                                        sa_column=Column(JSON, nullable=False))
    auth_results: dict[str, str] = Field(default_factory=dict,
                                         sa_column=Column(JSON, nullable=False))
    size: int = 0
    attachment_count: int = 0
    disposition: str = Field(default="inbound", max_length=20, index=True)
    status: str = Field(default="awaiting_review", max_length=20, index=True)
    reason: str = Field(default="", max_length=30)
    category: str = Field(default="normal", max_length=20, index=True)
    spam_score: float = 0.0
    explanation: list[dict[str, Any]] = Field(default_factory=list,
                                              sa_column=Column(JSON, nullable=False))
    defects: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    malformed: bool = False
    header_only: bool = False
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    case_update_id: int | None = Field(default=None, foreign_key="caseupdate.id")
    deleted_at: datetime | None = Field(default=None, index=True)
    deleted_by: int | None = Field(default=None, foreign_key="user.id")
    deleted_label: str | None = Field(default=None, max_length=20)  # spam | phishing | None
    status_changed_at: datetime | None = None
    version: int = Field(default=1, sa_column=_MESSAGE_VERSION)
    # Who is working on it (take / hand over; a user id); None: nobody yet. No foreign key:
    # adding one to a SQLite table rebuilds it, and the rebuild would drop its search
    # triggers.
    owner_id: int | None = Field(default=None, index=True)


class MessageAttachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="message.id", index=True)
    position: int
    filename: str = Field(max_length=255)  # sanitised
    original_filename: str = Field(default="", sa_column=Column(Text, nullable=False))
    content_type: str = Field(max_length=255)
    size: int
    sha256: str = Field(foreign_key="blob.sha256", max_length=64)
    inline: bool = False
    content_id: str | None = Field(default=None, max_length=1000)


class User(SQLModel, table=True):
    """A person: staff or client. Identified by email addresses and, for staff, an OS login."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    login: str | None = Field(default=None, max_length=100, unique=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class UserEmail(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    email: str = Field(max_length=320, unique=True)  # lower-cased


class Role(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=50)
    description: str = Field(default="", max_length=300)


class Permission(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=60)


class RolePermission(SQLModel, table=True):
    role: str = Field(foreign_key="role.name", primary_key=True, max_length=50)
    permission: str = Field(foreign_key="permission.name", primary_key=True, max_length=60)


class UserRole(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    role: str = Field(foreign_key="role.name", primary_key=True, max_length=50)


class Case(SQLModel, table=True):
    """A case; its ``id`` is the case number shown to people (``[Case #N]``)."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    client_id: int = Field(foreign_key="user.id", index=True)
    status: str = Field(default="open", max_length=20)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int | None = Field(default=None, foreign_key="user.id")


class CaseParticipant(SQLModel, table=True):
    case_id: int = Field(foreign_key="case.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True)


class CaseFile(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("case_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    name: str = Field(max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=255)
    size: int
    sha256: str = Field(foreign_key="blob.sha256", max_length=64)
    source_message_pk: int | None = Field(default=None, foreign_key="message.id")
    source_attachment_id: int | None = Field(default=None, foreign_key="messageattachment.id")
    created_at: datetime = Field(default_factory=utcnow)


class CaseUpdate(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    # The message this update was made from. No foreign key: message.case_update_id points
    # the other way, and a cycle of foreign keys cannot be created or dropped in order.
    source_message_pk: int | None = Field(default=None, index=True)
    emailed: bool = False
    outbound_message_id: str | None = Field(default=None, max_length=1000, unique=True)
    reply_address: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, sa_column=Column(Text))


class CaseUpdateFile(SQLModel, table=True):
    case_update_id: int = Field(foreign_key="caseupdate.id", primary_key=True)
    case_file_id: int = Field(foreign_key="casefile.id", primary_key=True)


class AuditEntry(SQLModel, table=True):
    """Who did what, when, with the status before and after. Never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = Field(max_length=320)  # email or login at the time, kept if the user goes
    action: str = Field(max_length=50)
    message_pk: int | None = Field(default=None, index=True)
    case_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


class Outbox(SQLModel, table=True):
    """Email queued in the same transaction as the action that caused it.

    ``message_id`` doubles as the registry of our outbound Message-IDs that reply routing and
    loop detection match against.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)  # notice | digest | case_update
    message_id: str = Field(max_length=1000, unique=True)
    sender: str = Field(max_length=320)
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default="pending", max_length=20, index=True)  # pending|sending|sent|failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    case_update_id: int | None = Field(default=None, foreign_key="caseupdate.id")
    message_pk: int | None = Field(default=None, foreign_key="message.id")
    # The messages a digest notice summarises (a notice names its one message in message_pk).
    message_pks: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ClassifierFeedback(SQLModel, table=True):
    """An operator's verdict on a message, which the content classifier learns from: the
    message's tokens as they were taught, so the lesson outlives the message's purge
    (``message_pk`` is then NULL)."""

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int | None = Field(default=None, foreign_key="message.id", index=True)
    label: str = Field(max_length=20)  # spam | phishing | ham
    created_at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    tokens: list[str] = Field(default_factory=list,
                              sa_column=Column(JSON, nullable=False, server_default="[]"))
