"""Routing step 4: which case update does this message answer, and may it attach itself?

Three ways to find the case update, tried in order (docs/product.md "Routing", step 4):

(a) ``token`` — a signed reply token in a recipient address (To, Cc, Delivered-To,
    X-Original-To, Envelope-To): ``updates+<token>@domain``, verified with the installation's
    secret (:mod:`inboxwatch.tokens`). A token whose signature does not hold is recorded as
    evidence and otherwise ignored: it is never trusted.
(b) ``references`` — ``In-Reply-To``/``References`` naming the Message-ID of one of our
    case-update emails (``CaseUpdate.outbound_message_id``, ``Outbox.message_id``).
(c) ``subject_tag`` — ``[Case #N]`` in the subject, trusted only when the sender is case N's
    client or a participant: a number in a stranger's subject never hijacks a case.

A reply to our **answer** to an inbound message (:mod:`inboxwatch.answers`) is found the
same two ways, by its answer token or by references to the answer's Message-ID
(:func:`find_answered_message`): when the answered message has since been linked to a case,
it is routed as a reply to that case (below); otherwise it is inbound ``reply_to_answer``,
owned by the operator who answered, its explanation naming the answered message.

Then the sender and the message decide (the outcomes of :data:`OUTCOMES`):

- sender not an active user -> inbound, ``unknown_sender``, case pre-linked;
- active, but not the case's client, a participant or staff (trust is per case: the client
  of another case is a stranger here) -> inbound, ``not_on_case``, case pre-linked;
- active, but unrelated -> inbound, ``unrelated_to_case``, case pre-linked;
- active and related -> **auto case update** (disposition ``case_update``, closed), created in
  the store step (:func:`inboxwatch.ingest.process_pending`).

**Relatedness** (:func:`is_related`): a message is related when its ``In-Reply-To`` or
``References`` name one of our Message-IDs for that case, or when its subject, after
stripping reply/forward prefixes (:data:`REPLY_PREFIXES`) and ``[Case #N]`` tags, matches the
case update's subject or the case title: equal, one containing the other (at least
:data:`MIN_CONTAINED_CHARS` characters), or sharing most of their words (:func:`word_overlap`
at least :data:`MIN_WORD_OVERLAP`). An empty subject with no reference is unrelated: a
client who writes to the reply address about something new needs a person to decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import getaddresses

from sqlmodel import Session, col, select

from inboxwatch.analysis import Analysis, Decision, RoutingContext
from inboxwatch.explain import RuleHit
from inboxwatch.lookups import BatchLookups, referenced_ids
from inboxwatch.parse import ParsedMessage
from inboxwatch.tokens import find_reply_tokens
from inboxwatch_storage.tables import (
    AuditEntry,
    Case,
    CaseParticipant,
    CaseUpdate,
    Message,
    User,
    UserEmail,
    UserRole,
)

__all__ = [
    "OUTCOMES",
    "RECIPIENT_HEADERS",
    "REPLY_PREFIXES",
    "AnsweredMessage",
    "ReplyMatch",
    "find_answered_message",
    "find_reply_target",
    "is_related",
    "normalize_subject",
    "referenced_ids",
    "route_reply",
    "word_overlap",
]

RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
# Reply and forward prefixes of common mail clients and languages, compared case-insensitively.
REPLY_PREFIXES = ("re", "fw", "fwd", "aw", "sv", "wg", "antw", "vs", "vl", "tr", "rif",
                  "odp", "ref", "res", "enc", "r")
MIN_CONTAINED_CHARS = 8
MIN_WORD_OVERLAP = 0.6
_STOPWORDS = frozenset(
    "the and for you your our with from this that are was were have has not but about into "
    "der die das und den dem des ein eine mit von fur och att som med les des une pour".split())

# outcome -> (disposition, status, reason, rule id) for a matched message.
OUTCOMES: dict[str, tuple[str, str, str, str]] = {
    "unknown_sender": ("inbound", "awaiting_review", "unknown_sender", "unknown_sender"),
    "not_on_case": ("inbound", "awaiting_review", "not_on_case", "not_on_case"),
    "unrelated": ("inbound", "awaiting_review", "unrelated_to_case", "unrelated_to_case"),
    "related": ("case_update", "closed", "", "auto_case_update"),
}

_PREFIX_RE = re.compile(
    r"^\s*(?:(?:" + "|".join(sorted(REPLY_PREFIXES, key=len, reverse=True))
    + r")\s*(?:\[\d{1,4}\]|\(\d{1,4}\))?\s*[:\uff1a]\s*)", re.IGNORECASE)
_CASE_TAG_RE = re.compile(r"\[\s*case\s*#?\s*(\d{1,9})\s*\]", re.IGNORECASE)
_WORD_RE = re.compile(r"\w{3,}")
MAX_SUBJECT_CHARS = 2000  # a 100 KB subject is compared on its start only: bounded time


@dataclass(frozen=True, slots=True)
class ReplyMatch:
    """The case (and, when known, the case update) a message answers, and how we know."""

    case_id: int
    case_update_id: int | None
    via: str  # token | references | subject_tag | answered_case
    evidence: str


@dataclass(frozen=True, slots=True)
class AnsweredMessage:
    """The inbound message whose answer this message replies to, and how we know."""

    message_pk: int
    case_id: int | None  # the case the answered message is linked to now, if any
    answered_by: int | None  # the user id of the operator who answered
    via: str  # answer_token | answer_references
    evidence: str


def normalize_subject(subject: str) -> str:
    """Lower-cased subject without reply/forward prefixes, ``[Case #N]`` tags and extra space."""
    text = subject[:MAX_SUBJECT_CHARS]
    text = _CASE_TAG_RE.sub(" ", text)
    while True:
        stripped = _PREFIX_RE.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return " ".join(text.casefold().split())


def word_overlap(a: str, b: str) -> float:
    """Shared significant words as a share of the shorter subject's (0.0 when either is empty)."""
    wa = {w for w in _WORD_RE.findall(a) if w not in _STOPWORDS}
    wb = {w for w in _WORD_RE.findall(b) if w not in _STOPWORDS}
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def _subjects_related(subject: str, reference: str) -> str | None:
    """Why ``subject`` relates to ``reference`` (both raw), or None."""
    ns, nr = normalize_subject(subject), normalize_subject(reference)
    if not ns or not nr:
        return None
    if ns == nr:
        return "same subject"
    shorter, longer = sorted((ns, nr), key=len)
    if len(shorter) >= MIN_CONTAINED_CHARS and shorter in longer:
        return "subject contains the other"
    overlap = word_overlap(ns, nr)
    if overlap >= MIN_WORD_OVERLAP:
        return f"subjects share {overlap:.0%} of their words"
    return None


def is_related(session: Session, parsed: ParsedMessage, match: ReplyMatch) -> tuple[bool, str]:
    """Whether the message looks related to the matched case update, and why (or why not)."""
    ours = _our_message_ids_for_case(session, match.case_id)
    referenced = [mid for mid in referenced_ids(parsed) if mid in ours]
    if referenced:
        return True, f"references our Message-ID {referenced[0]}"
    candidates: list[str] = []
    if match.case_update_id is not None:
        update = session.get(CaseUpdate, match.case_update_id)
        if update is not None and update.subject:
            candidates.append(update.subject)
    case = session.get(Case, match.case_id)
    if case is not None:
        candidates.append(case.title)
    for reference in candidates:
        why = _subjects_related(parsed.subject, reference)
        if why:
            return True, f"{why}: {normalize_subject(reference)[:80]!r}"
    shown = normalize_subject(parsed.subject)[:80] or "(empty)"
    return False, f"no reference to our Message-IDs and subject {shown!r} unrelated to the case"


def _our_message_ids_for_case(session: Session, case_id: int) -> set[str]:
    rows = session.exec(select(CaseUpdate.outbound_message_id).where(
        CaseUpdate.case_id == case_id, col(CaseUpdate.outbound_message_id).is_not(None))).all()
    return {r for r in rows if r}


def _recipient_addresses(parsed: ParsedMessage) -> list[str]:
    found = [a.email for a in parsed.recipients]
    for name in RECIPIENT_HEADERS[2:]:
        found += [addr for _, addr in getaddresses(parsed.header_all(name)[:5]) if addr]
    return found


def find_reply_target(session: Session, parsed: ParsedMessage, ctx: RoutingContext,
                      hits: list[RuleHit], lookups: BatchLookups) -> ReplyMatch | None:
    """Steps 4(a)-(c): the case update this answers, or None. Appends evidence to ``hits``.

    ``lookups`` hold which Message-IDs of the batch are our case-update emails."""
    # (a) a signed token in a recipient address
    for token in find_reply_tokens(_recipient_addresses(parsed), ctx.reply_address,
                                   ctx.reply_secret):
        if token.answered_message is not None:
            continue  # an answer's token: find_answered_message
        if not token.valid:
            hits.append(RuleHit("route", "reply_token_invalid",
                                f"{token.address}: signature does not verify; not trusted"))
            continue
        assert token.case_update_id is not None
        update = session.get(CaseUpdate, token.case_update_id)
        if update is None:
            hits.append(RuleHit("route", "reply_token_unknown_update",
                                f"{token.address}: case update {token.case_update_id} "
                                "no longer exists"))
            continue
        return ReplyMatch(update.case_id, update.id, "token",
                          f"signed reply token for case update {update.id} in {token.address}")
    # (b) In-Reply-To / References naming one of our case-update emails
    referenced = referenced_ids(parsed)
    if referenced:
        by_update, by_outbox = lookups.case_emails, lookups.outbox_emails
        # Our case-update emails by their own record first; the outbox only when none is.
        by_id = {mid: by_update[mid] for mid in referenced if mid in by_update} or \
            {mid: by_outbox[mid] for mid in referenced if mid in by_outbox}
        for mid in referenced:
            if mid in by_id:
                update_id, case_id = by_id[mid]
                return ReplyMatch(case_id, update_id, "references",
                                  f"In-Reply-To/References name our Message-ID {mid} "
                                  f"(case update {update_id})")
    # (c) a [Case #N] tag, from that case's client or a participant only
    tag = _CASE_TAG_RE.search(parsed.subject[:MAX_SUBJECT_CHARS])
    if tag is not None:
        case_id = int(tag.group(1))
        sender = parsed.from_addr.email if parsed.from_addr else ""
        if _is_client_or_participant(session, case_id, sender):
            latest = session.exec(select(CaseUpdate.id).where(CaseUpdate.case_id == case_id)
                                  .order_by(col(CaseUpdate.emailed).desc(),
                                            col(CaseUpdate.id).desc())).first()
            return ReplyMatch(case_id, latest, "subject_tag",
                              f"subject tag [Case #{case_id}] from the case's client or a "
                              f"participant ({sender})")
        hits.append(RuleHit("route", "case_tag_untrusted",
                            f"subject tag [Case #{case_id}] ignored: {sender or 'the sender'} "
                            "is not that case's client or a participant"))
    return None


def find_answered_message(session: Session, parsed: ParsedMessage, ctx: RoutingContext,
                          hits: list[RuleHit], lookups: BatchLookups
                          ) -> AnsweredMessage | None:
    """The inbound message whose answer (:mod:`inboxwatch.answers`) this replies to: by a
    signed answer token in a recipient address, else by In-Reply-To/References naming the
    answer's Message-ID; None if neither. Appends evidence to ``hits``."""
    for token in find_reply_tokens(_recipient_addresses(parsed), ctx.reply_address,
                                   ctx.reply_secret):
        if token.answered_message is None:
            continue
        if not token.valid:
            hits.append(RuleHit("route", "reply_token_invalid",
                                f"{token.address}: signature does not verify; not trusted"))
            continue
        found = _answered(session, token.answered_message, "answer_token",
                          f"signed answer token in {token.address}")
        if found is not None:
            return found
        hits.append(RuleHit("route", "reply_token_unknown_message",
                            f"{token.address}: message {token.answered_message} no longer "
                            "exists"))
    for mid in referenced_ids(parsed):
        pk = lookups.answer_emails.get(mid)
        if pk is not None:
            found = _answered(session, pk, "answer_references",
                              f"In-Reply-To/References name our answer {mid}")
            if found is not None:
                return found
    return None


def _answered(session: Session, pk: int, via: str, evidence: str) -> AnsweredMessage | None:
    m = session.get(Message, pk)
    if m is None:
        return None
    by = session.exec(select(AuditEntry.actor_id, AuditEntry.actor).where(
        AuditEntry.message_pk == pk, AuditEntry.action == "answer")
        .order_by(col(AuditEntry.id).desc())).first()
    who = f" (answered by {by[1]})" if by is not None else ""
    return AnsweredMessage(pk, m.case_id, by[0] if by is not None else None, via,
                           f"{evidence}: a reply to our answer to message {pk}{who}")


def _is_client_or_participant(session: Session, case_id: int, email: str) -> bool:
    if not email:
        return False
    user_id = session.exec(select(UserEmail.user_id).where(
        UserEmail.email == email.lower())).first()
    if user_id is None:
        return False
    case = session.get(Case, case_id)
    if case is None:
        return False
    return case.client_id == user_id or \
        session.get(CaseParticipant, (case_id, user_id)) is not None


STAFF_ROLES = ("admin", "operator", "viewer")


def _standing(session: Session, user: User, case_id: int) -> str | None:
    """What ``user`` is to the case: "the client", "a participant", "staff"; None when
    nothing (per-case trust: an active client of another case is a stranger here)."""
    assert user.id is not None
    case = session.get(Case, case_id)
    if case is not None and case.client_id == user.id:
        return "the client"
    if session.get(CaseParticipant, (case_id, user.id)) is not None:
        return "a participant"
    staff = session.exec(select(UserRole.role).where(
        UserRole.user_id == user.id, col(UserRole.role).in_(STAFF_ROLES))).first()
    return "staff" if staff is not None else None


def _active_user(session: Session, email: str) -> User | None:
    if not email:
        return None
    user = session.exec(select(User).join(UserEmail, col(UserEmail.user_id) == col(User.id))
                        .where(UserEmail.email == email.lower())).first()
    return user if user is not None and user.active else None


def route_reply(session: Session, analysis: Analysis, ctx: RoutingContext,
                decision: Decision, lookups: BatchLookups) -> bool:
    """Apply step 4 to ``decision``; True when it decided (the later steps are skipped).

    Auto-generated mail (bounces, auto-replies, loops) is never turned into a case update,
    even when it carries a valid token: step 3 decides those.
    """
    if analysis.auto_category is not None:
        return False
    parsed = analysis.parsed
    match = find_reply_target(session, parsed, ctx, decision.explanation, lookups)
    if match is None:
        answered = find_answered_message(session, parsed, ctx, decision.explanation, lookups)
        if answered is None:
            return False
        decision.explanation.append(RuleHit("route", f"reply_via_{answered.via}",
                                            answered.evidence))
        if answered.case_id is None:
            decision.disposition, decision.status = "inbound", "awaiting_review"
            decision.reason = "reply_to_answer"
            decision.owner_id = answered.answered_by
            decision.explanation.append(RuleHit(
                "route", "reply_to_answer",
                f"message {answered.message_pk} is not linked to a case: this reply waits "
                "for review" + (" with the operator who answered" if answered.answered_by
                                 is not None else "")))
            return True
        match = ReplyMatch(answered.case_id, None, "answered_case",
                           f"message {answered.message_pk} is linked to case "
                           f"#{answered.case_id} since it was answered")
    decision.explanation.append(RuleHit("route", f"reply_via_{match.via}", match.evidence))
    decision.case_id = match.case_id
    decision.case_update_id = match.case_update_id
    sender = parsed.from_addr.email if parsed.from_addr else ""
    user = _active_user(session, sender)
    if user is None:
        outcome = "unknown_sender"
        evidence = f"{sender or 'no sender'} is not an active user; case #{match.case_id} " \
                   "pre-linked"
    elif (who := _standing(session, user, match.case_id)) is None:
        outcome = "not_on_case"
        evidence = (f"{sender} ({user.name}) is an active user but not case "
                    f"#{match.case_id}'s client, a participant or staff: not trusted with "
                    f"this case; case #{match.case_id} pre-linked (add them as a participant "
                    f"and their replies attach)")
    else:
        decision.explanation.append(RuleHit("route", "sender_on_case",
                                            f"{sender} is {who} of case #{match.case_id}"))
        related, evidence = is_related(session, parsed, match)
        outcome = "related" if related else "unrelated"
        if not related:
            evidence += f"; case #{match.case_id} pre-linked"
    decision.disposition, decision.status, decision.reason, rule = OUTCOMES[outcome]
    decision.explanation.append(RuleHit("route", rule, evidence))
    return True
