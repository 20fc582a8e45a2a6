"""What routing looks up in the store, for a whole batch at once.

Routing a message asks the store a few questions: is this exact mail stored already, is it
one of our own notices (or an answer to one), which of the Message-IDs it refers to are our
case-update emails, and what does the content model with operators' feedback say.
:func:`batch_lookups` answers them for a batch of analyses in a few queries; routing a single
message (tests, re-routing) asks the same function for a batch of one, so there is one code
path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from inboxwatch import classify
from inboxwatch.analysis import Analysis, body_digest
from inboxwatch.parse import ParsedMessage
from inboxwatch_storage.bulk import chunked, stored_message_ids
from inboxwatch_storage.queries import get_blob
from inboxwatch_storage.tables import CaseUpdate, Message, Outbox

__all__ = [
    "delivery_key",
    "same_messages",
    "ANSWER_KIND",
    "MAX_BOUNCED_IDS",
    "MAX_REFERENCES_LOOKED_AT",
    "NOTICE_KINDS",
    "BatchLookups",
    "answer_emails",
    "batch_lookups",
    "case_update_emails",
    "id_forms",
    "notice_candidates",
    "referenced_ids",
]

MAX_BOUNCED_IDS = 20  # Message-IDs of a bounce looked up as our case-update emails
MAX_REFERENCES_LOOKED_AT = 200
NOTICE_KINDS = ("notice", "digest")
ANSWER_KIND = "answer"  # the outbox kind of an answer to a message's sender


@dataclass(slots=True)
class BatchLookups:
    """Lookups for a whole batch, made in a few queries instead of several per message.

    ``stored`` maps the SHA-256 of already-stored messages in the batch to their ids (the
    ingest step adds each message it stores, so in-batch duplicates are caught too);
    ``notice_ids`` are those of the batch's Message-IDs and In-Reply-To ids that are our own
    notices; ``model`` is the content model including operator feedback. ``case_emails``
    and ``outbox_emails`` map the Message-IDs the batch refers to (In-Reply-To, References,
    what a bounce reports on) that are our case-update emails, by
    ``CaseUpdate.outbound_message_id`` and by ``Outbox.message_id``, to (case update id,
    case id). Routing writes no case update before the batch is routed, so these hold for
    the whole batch. ``same_message`` finds one mail delivered again to another address or
    mailbox (:func:`delivery_key`); the ingest step adds the batch's own.
    """

    stored: dict[str, int]
    notice_ids: set[str]
    model: classify.TokenModel
    case_emails: dict[str, tuple[int, int]] = field(default_factory=dict)
    outbox_emails: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Message-ID of one of our answers (inboxwatch.answers) -> the inbound message answered
    answer_emails: dict[str, int] = field(default_factory=dict)
    # (Message-ID, body SHA-256) -> the message already stored from another delivery
    same_message: dict[tuple[str, str], int] = field(default_factory=dict)


def batch_lookups(session: Session, analyses: list[Analysis]) -> BatchLookups:
    """The answers for ``analyses`` (see :class:`BatchLookups`)."""
    stored = stored_message_ids(session, (a.parsed.raw_sha256 for a in analyses))
    ids = sorted({form for a in analyses for form in id_forms(notice_candidates(a.parsed))})
    notice_ids: set[str] = set()
    for chunk in chunked(ids):
        notice_ids.update(session.exec(select(Outbox.message_id).where(
            col(Outbox.message_id).in_(chunk), col(Outbox.kind).in_(NOTICE_KINDS))).all())
    referred = sorted({mid for a in analyses for mid in _referred_ids(a)})
    case_emails, outbox_emails = case_update_emails(session, referred)
    return BatchLookups(stored=stored, notice_ids=notice_ids,
                      model=classify.current_model(session), case_emails=case_emails,
                      outbox_emails=outbox_emails,
                      answer_emails=answer_emails(session, referred),
                      same_message=same_messages(session, analyses))


def delivery_key(analysis: Analysis) -> tuple[str, str] | None:
    """(Message-ID, body SHA-256): what one mail delivered several times has in common."""
    mid = analysis.parsed.message_id
    if not mid or not analysis.body_sha256 or analysis.parsed.malformed:
        return None
    return mid, analysis.body_sha256


def same_messages(session: Session, analyses: list[Analysis]) -> dict[tuple[str, str], int]:
    """Which of the batch's mails are already stored from another delivery: their
    :func:`delivery_key` -> the stored message's id. Messages with one of the batch's
    Message-IDs are few (usually none), so their bodies are hashed from their raw bytes
    here rather than kept in a column."""
    keys = {k for a in analyses if (k := delivery_key(a)) is not None}
    found: dict[tuple[str, str], int] = {}
    for part in chunked(sorted({mid for mid, _ in keys})):
        for pk, mid, sha in session.exec(
                select(Message.id, Message.message_id, Message.sha256)
                .where(col(Message.message_id).in_(part)).order_by(col(Message.id))):
            raw = get_blob(session, sha)
            digest = body_digest(raw) if raw is not None else None
            if mid is not None and digest is not None and pk is not None:
                found.setdefault((mid, digest), pk)
    return {k: v for k, v in found.items() if k in keys}


def _referred_ids(analysis: Analysis) -> list[str]:
    return [*referenced_ids(analysis.parsed),
            *id_forms(analysis.bounced_message_ids[:MAX_BOUNCED_IDS])]


def case_update_emails(session: Session, message_ids: list[str]
                       ) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """Which of ``message_ids`` are our case-update emails: two maps of Message-ID to (case
    update id, case id), by ``CaseUpdate.outbound_message_id`` and by ``Outbox.message_id``."""
    by_update: dict[str, tuple[int, int]] = {}
    by_outbox: dict[str, tuple[int, int]] = {}
    for part in chunked(message_ids):
        for mid, update_id, case_id in session.exec(
                select(CaseUpdate.outbound_message_id, CaseUpdate.id, CaseUpdate.case_id)
                .where(col(CaseUpdate.outbound_message_id).in_(part))
                .order_by(col(CaseUpdate.id))):
            if mid is not None and update_id is not None:
                by_update.setdefault(mid, (update_id, case_id))
        for mid, update_id, case_id in session.exec(
                select(Outbox.message_id, CaseUpdate.id, CaseUpdate.case_id)
                .join(CaseUpdate, col(CaseUpdate.id) == col(Outbox.case_update_id))
                .where(col(Outbox.message_id).in_(part))
                .order_by(col(Outbox.id))):
            if update_id is not None:
                by_outbox.setdefault(mid, (update_id, case_id))
    return by_update, by_outbox


def answer_emails(session: Session, message_ids: list[str]) -> dict[str, int]:
    """Which of ``message_ids`` are our answers to inbound messages: Message-ID -> the
    answered message's id."""
    found: dict[str, int] = {}
    for part in chunked(message_ids):
        for mid, pk in session.exec(select(Outbox.message_id, Outbox.message_pk).where(
                col(Outbox.message_id).in_(part), Outbox.kind == ANSWER_KIND)
                .order_by(col(Outbox.id))):
            if pk is not None:
                found.setdefault(mid, pk)
    return found


def notice_candidates(parsed: ParsedMessage) -> list[str]:
    return [*([parsed.message_id] if parsed.message_id else []), *parsed.in_reply_to[:5]]


def id_forms(message_ids: list[str]) -> list[str]:
    """Each Message-ID with and without its angle brackets: stored either way."""
    return [form for mid in message_ids for form in (mid, mid.strip("<>"))]


def referenced_ids(parsed: ParsedMessage) -> list[str]:
    """In-Reply-To first, then References newest first; bounded."""
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    return list(dict.fromkeys(ids))[:MAX_REFERENCES_LOOKED_AT]
