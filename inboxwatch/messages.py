"""The read services over inbound mail: lists, counts, one message, its raw bytes.

The CLI's ``messages`` and ``show`` and the TUI's list and detail pane read through these
functions, and each checks ``view_inbound_messages`` first: a client, or any login whose
roles lack it, reads nothing (:class:`~inboxwatch.errors.PermissionDenied`, exit 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from sqlmodel import Session, col, select

from inboxwatch.audit import AuditInfo, audit_trail
from inboxwatch.errors import NotFound
from inboxwatch.explain import RuleHit, hits_from_json
from inboxwatch.roles import VIEW_INBOUND_MESSAGES, Actor
from inboxwatch_storage.queries import (
    MessageFilter,
    MessageRow,
    attachments_of,
    count_messages,
    get_blob,
    list_messages,
    position_of,
    versions_matching,
)
from inboxwatch_storage.tables import Message, Outbox, RawCapture

__all__ = ["AttachmentInfo", "Delivery", "MessageDetail", "count_inbound", "deliveries_of",
           "list_inbound", "message_detail", "position_inbound", "raw_message",
           "versions_inbound", "MessageHistory", "Notice", "message_history"]

PHISHING_WARNING = ("Suspected phishing: do not open links or attachments, do not reply "
                    "with credentials.")
UNKNOWN_SENDER_WARNING = ("The sender is not an active user: check who this is before "
                          "acting on it.")


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    id: int
    position: int
    filename: str
    original_filename: str
    content_type: str
    size: int
    sha256: str
    inline: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "filename": self.filename, "content_type": self.content_type,
                "size": self.size, "sha256": self.sha256, "inline": self.inline}


@dataclass(frozen=True, slots=True)
class Delivery:
    """One arrival of a message: the same mail delivered to two of our addresses or
    mailboxes is one item with two deliveries."""

    mailbox: str | None
    source: str
    origin: str | None
    delivered_to: str
    arrived_at: datetime

    def label(self) -> str:
        where = f"mailbox {self.mailbox}" if self.mailbox else (self.origin or self.source)
        return f"{where} (to {self.delivered_to or 'unknown'}) at " \
            f"{self.arrived_at:%Y-%m-%d %H:%M}"

    def to_json(self) -> dict[str, Any]:
        return {"mailbox": self.mailbox, "source": self.source, "origin": self.origin,
                "delivered_to": self.delivered_to, "arrived_at": self.arrived_at.isoformat()}


@dataclass(frozen=True, slots=True)
class MessageDetail:
    id: int
    message_id: str | None
    sha256: str
    mailbox: str | None
    from_addr: str
    from_name: str
    to_addrs: list[str]
    cc_addrs: list[str]
    reply_to: str | None
    subject: str
    received_at: datetime
    sent_at: datetime | None
    disposition: str
    status: str
    reason: str
    category: str
    spam_score: float
    case_id: int | None
    case_update_id: int | None
    body_text: str
    links: list[dict[str, str]]
    auth_results: dict[str, str]
    defects: list[str]
    malformed: bool
    header_only: bool
    size: int
    deleted: bool
    explanation: list[RuleHit]
    attachments: list[AttachmentInfo] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    version: int = 1  # what an action on it says it saw: ID@VERSION (compare-and-set)

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.category == "phishing":
            out.append(PHISHING_WARNING)
        if self.reason == "unknown_sender":
            out.append(UNKNOWN_SENDER_WARNING)
        if self.malformed:
            out.append("This message could not be fully parsed: " + "; ".join(self.defects[:3]))
        if self.header_only:
            out.append(f"Only the headers were fetched: the message is {self.size} bytes, over "
                       "the mailbox's max_message_bytes; it is still on the server.")
        return out

    def summary_fields(self) -> list[tuple[str, str]]:
        sender = f"{self.from_name} <{self.from_addr}>" if self.from_name else self.from_addr
        rows = [
            ("Message", f"{self.id} (version {self.version})"),
            ("From", sender),
            ("To", ", ".join(self.to_addrs)),
        ]
        if self.cc_addrs:
            rows.append(("Cc", ", ".join(self.cc_addrs)))
        if self.reply_to:
            rows.append(("Reply-To", self.reply_to))
        rows += [
            ("Subject", self.subject),
            ("Date", self.sent_at.isoformat() if self.sent_at else "(none)"),
            ("Received", self.received_at.isoformat()),
            ("Status", f"{self.status} ({self.disposition})"),
            ("Reason", self.reason or "-"),
            ("Category", f"{self.category} (spam score {self.spam_score:.1f})"),
            ("Case", f"#{self.case_id}" if self.case_id else "-"),
            ("Message-ID", self.message_id or "(none)"),
            *([("Arrived", "; ".join(d.label() for d in self.deliveries))]
              if len(self.deliveries) > 1 else []),
            ("SHA-256", self.sha256),
        ]
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "message_id": self.message_id, "sha256": self.sha256,
            "mailbox": self.mailbox, "from_addr": self.from_addr, "from_name": self.from_name,
            "to": self.to_addrs, "cc": self.cc_addrs, "reply_to": self.reply_to,
            "subject": self.subject, "received_at": self.received_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "disposition": self.disposition, "status": self.status, "reason": self.reason,
            "category": self.category, "spam_score": self.spam_score,
            "case_id": self.case_id, "case_update_id": self.case_update_id,
            "attachments": len(self.attachments),
            "attachment_list": [a.to_json() for a in self.attachments],
            "explanation": [h.to_json() for h in self.explanation],
            "auth_results": self.auth_results, "links": self.links,
            "defects": self.defects, "malformed": self.malformed,
            "header_only": self.header_only, "size": self.size, "deleted": self.deleted,
            "warnings": self.warnings, "body": self.body_text,
            "deliveries": [d.to_json() for d in self.deliveries],
            "version": self.version,
        }


def list_inbound(session: Session, actor: Actor, flt: MessageFilter, *, offset: int = 0,
                 limit: int = 50, sort: str = "received", descending: bool = True,
                 ) -> list[MessageRow]:
    """One page of the messages matching ``flt`` (needs ``view_inbound_messages``)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    return list_messages(session, flt, offset=offset, limit=limit, sort=sort,
                         descending=descending)


def position_inbound(session: Session, actor: Actor, flt: MessageFilter, message_pk: int, *,
                     sort: str = "received", descending: bool = True) -> int | None:
    """Where a message is in the list for ``flt`` (needs ``view_inbound_messages``)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    return position_of(session, flt, message_pk, sort=sort, descending=descending)


def versions_inbound(session: Session, actor: Actor, flt: MessageFilter, *,
                     limit: int) -> dict[int, int]:
    """Id -> version of the messages matching ``flt``, for a bulk action by filter (needs
    ``view_inbound_messages``: an action may only be aimed at mail its actor may see)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    return versions_matching(session, flt, limit=limit)


def count_inbound(session: Session, actor: Actor, flt: MessageFilter) -> int:
    """How many messages match ``flt`` (needs ``view_inbound_messages``)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    return count_messages(session, flt)


def raw_message(session: Session, actor: Actor, message_pk: int) -> bytes:
    """The original bytes of a message (needs ``view_inbound_messages``)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    m = session.get(Message, message_pk)
    if m is None:
        raise NotFound(f"message {message_pk} does not exist")
    raw = get_blob(session, m.sha256)
    if raw is None:
        raise NotFound(f"message {message_pk}: raw bytes missing from the store")
    return raw


def message_detail(session: Session, actor: Actor, message_pk: int) -> MessageDetail | None:
    """One message in full, or None if it does not exist (needs ``view_inbound_messages``)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    m = session.get(Message, message_pk)
    if m is None or m.id is None:
        return None
    return MessageDetail(
        id=m.id, message_id=m.message_id, sha256=m.sha256, mailbox=m.mailbox,
        from_addr=m.from_addr, from_name=m.from_name, to_addrs=list(m.to_addrs),
        cc_addrs=list(m.cc_addrs), reply_to=m.reply_to, subject=m.subject,
        received_at=m.received_at, sent_at=m.sent_at, disposition=m.disposition,
        status=m.status, reason=m.reason, category=m.category, spam_score=m.spam_score,
        case_id=m.case_id, case_update_id=m.case_update_id, body_text=m.body_text,
        links=list(m.links), auth_results=dict(m.auth_results), defects=list(m.defects),
        malformed=m.malformed, header_only=m.header_only, size=m.size,
        deleted=m.deleted_at is not None, explanation=hits_from_json(m.explanation),
        attachments=[
            AttachmentInfo(a.id or 0, a.position, a.filename, a.original_filename,
                           a.content_type, a.size, a.sha256, a.inline)
            for a in attachments_of(session, m.id)
        ],
        deliveries=deliveries_of(session, m.id),
        version=m.version,
    )


MAX_DELIVERIES = 50


def deliveries_of(session: Session, message_pk: int) -> list[Delivery]:
    """Where a message arrived: each capture stored as it, with the address it was
    delivered to (Delivered-To, else X-Original-To, else To of that copy)."""
    captures = session.exec(select(RawCapture).where(RawCapture.message_pk == message_pk)
                            .order_by(col(RawCapture.id)).limit(MAX_DELIVERIES)).all()
    out = []
    for cap in captures:
        raw = get_blob(session, cap.sha256) or b""
        head = raw[:65536].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        headers = BytesHeaderParser(policy=compat32).parsebytes(head + b"\n\n")
        to = next((str(headers[name]) for name in ("Delivered-To", "X-Original-To", "To")
                   if headers[name]), "")
        out.append(Delivery(cap.mailbox, cap.source, cap.origin, " ".join(to.split())[:300],
                            cap.received_at or cap.captured_at))
    return out


@dataclass(frozen=True, slots=True)
class Notice:
    """An email inboxwatch queued about a message (a New Inbound Message Notice, a digest),
    and how its delivery went."""

    kind: str
    recipients: tuple[str, ...]
    status: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class MessageHistory:
    """Everything that happened to a message: how it was routed, every action on it (who,
    what, when), every email sent about it."""

    message_pk: int
    explanation: list[RuleHit]
    audit: list[AuditInfo]
    notices: list[Notice]


def message_history(session: Session, actor: Actor, message_pk: int) -> MessageHistory:
    """A message's history (needs ``view_inbound_messages``), oldest action first."""
    actor.require(VIEW_INBOUND_MESSAGES)
    m = session.get(Message, message_pk)
    if m is None:
        raise NotFound(f"message {message_pk} does not exist")
    entries = list(reversed(audit_trail(session, message_pk=message_pk, limit=500)))
    outbox = session.exec(select(Outbox).where(Outbox.message_pk == message_pk)
                          .order_by(col(Outbox.id))).all()
    notices = [Notice(o.kind, tuple(o.recipients), o.status, o.created_at, o.sent_at,
                      o.last_error) for o in outbox]
    return MessageHistory(message_pk, hits_from_json(m.explanation), entries, notices)
