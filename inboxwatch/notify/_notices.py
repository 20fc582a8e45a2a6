"""The New Inbound Message Notice, and the digest that replaces a flood of them.

:func:`queue_new_message_notice` runs in the ingest transaction right after a message is
stored, so the notice exists exactly when the message does. The rules, in order, as data:
:data:`NOTICE_RULES` says why a message gets no notice.

Flood control: while fewer than ``system.digest_threshold`` notices (individual notices plus
messages already summarised in digests) were queued within the last
``system.digest_window_minutes``, each message gets its own notice. Beyond that, messages
join one *digest* email that collects for one window and is then sent as a single summary;
the digest keeps one Message-ID while it grows (it is rebuilt in place until it is due).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from inboxwatch.analysis import LOOP_HEADER
from inboxwatch.config import SystemConfig
from inboxwatch.notify._compose import build_email, check_address
from inboxwatch.notify._outbox import queue_email
from inboxwatch.notify._templates import TemplateProblem, load_notice_templates, render_pair
from inboxwatch.sanitize import clean
from inboxwatch_storage.tables import Message, Outbox, utcnow

__all__ = [
    "NOTICE_RULES",
    "check_notice_settings",
    "notice_context",
    "queue_new_message_notice",
]

log = logging.getLogger(__name__)

EXCERPT_CHARS = 1000
DIGEST_LIST_LIMIT = 50

_Rule = Callable[[Message, SystemConfig, Sequence[tuple[str, str]]], bool]

# (rule id, why no notice is sent, predicate): the first that holds suppresses the notice.
NOTICE_RULES: tuple[tuple[str, str, _Rule], ...] = (
    ("notices_off", "system.notices is false", lambda m, s, h: not s.notices),
    ("no_general_address", "system.general_address is not set",
     lambda m, s, h: not s.general_address),
    ("not_inbound", "only inbound messages need a person",
     lambda m, s, h: m.disposition != "inbound"),
    ("skipped_category", "its category is in system.notice_skip_categories",
     lambda m, s, h: m.category in s.notice_skip_categories),
    ("list_notices_off", "it came through a mailing list and system.list_notices is false",
     lambda m, s, h: not s.list_notices and any(e.get("rule") == "mailing_list"
                                                for e in m.explanation)),
    ("our_own_mail", f"it carries our {LOOP_HEADER} header",
     lambda m, s, h: any(k.lower() == LOOP_HEADER.lower() for k, _ in h)),
    ("deleted", "it was deleted", lambda m, s, h: m.deleted_at is not None),
)


def check_notice_settings(system: SystemConfig) -> None:
    """Fail with one clear line if notices are on but cannot be built (addresses, templates)."""
    if not system.notices or not system.general_address:
        return
    check_address(system.notifications_address, "system.notifications_address")
    check_address(system.general_address, "system.general_address")
    for cc in system.notice_cc:
        check_address(cc, "system.notice_cc")
    if system.digest_threshold < 1 or system.digest_window_minutes < 1:
        raise TemplateProblem("system.digest_threshold and system.digest_window_minutes "
                              "must be at least 1")
    load_notice_templates(system)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def notice_context(message: Message) -> dict[str, Any]:
    """The ``message`` variable of a notice template: plain values, never ORM objects."""
    received = _aware(message.received_at).strftime("%Y-%m-%d %H:%M UTC")
    return {
        "id": message.id, "message_id": message.message_id or "",
        "from_addr": message.from_addr, "from_name": message.from_name,
        "to": list(message.to_addrs), "cc": list(message.cc_addrs),
        "subject": message.subject, "received_at": received,
        "disposition": message.disposition, "status": message.status,
        "reason": message.reason, "category": message.category,
        "attachments": message.attachment_count, "case_id": message.case_id,
        "excerpt": clean(message.body_text, max_chars=EXCERPT_CHARS).strip(),
    }


def suppressed_by(message: Message, system: SystemConfig,
                  headers: Sequence[tuple[str, str]] = ()) -> str | None:
    """The id of the first :data:`NOTICE_RULES` row that suppresses a notice, or None."""
    for rule_id, _why, applies in NOTICE_RULES:
        if applies(message, system, headers):
            return rule_id
    return None


def queue_new_message_notice(session: Session, message: Message, system: SystemConfig, *,
                             headers: Sequence[tuple[str, str]] = (),
                             now: datetime | None = None) -> Outbox | None:
    """Queue the notice (or add ``message`` to the open digest) in the caller's transaction.

    Returns the outbox row the message went into, or None when a rule suppresses it.
    """
    if suppressed_by(message, system, headers) is not None:
        return None
    assert message.id is not None and system.general_address
    now = now or utcnow()
    window = timedelta(minutes=system.digest_window_minutes)
    if _recent_notice_count(session, now - window) >= system.digest_threshold:
        return _add_to_digest(session, message, system, now, window)
    templates = load_notice_templates(system)
    try:
        subject, body = render_pair(templates.notice_subject, templates.notice_body,
                                    {"message": notice_context(message)},
                                    templates.sources[:2])
    except TemplateProblem as exc:
        # Checked at load against a sample; a message that still breaks the template must
        # not stall ingest: it gets the shipped wording instead, and the log says why.
        log.warning("notice template failed for message %s, using the default: %s",
                    message.id, exc)
        defaults = load_notice_templates(SystemConfig())
        subject, body = render_pair(defaults.notice_subject, defaults.notice_body,
                                    {"message": notice_context(message)},
                                    defaults.sources[:2])
    email = build_email(sender=system.notifications_address, to=[system.general_address],
                        cc=system.notice_cc, subject=subject, body=body, kind="notice",
                        auto_submitted=True)
    return queue_email(session, email, kind="notice", message_pk=message.id)


def _recent_notice_count(session: Session, since: datetime) -> int:
    rows = session.exec(select(Outbox.kind, Outbox.message_pks).where(
        col(Outbox.kind).in_(("notice", "digest")), col(Outbox.created_at) >= since)).all()
    return sum(1 if kind == "notice" else len(pks or []) for kind, pks in rows)


def _add_to_digest(session: Session, message: Message, system: SystemConfig, now: datetime,
                   window: timedelta) -> Outbox:
    assert message.id is not None and system.general_address
    digest = session.exec(select(Outbox).where(
        Outbox.kind == "digest", Outbox.status == "pending", Outbox.attempts == 0,
        col(Outbox.next_attempt_at) > now).order_by(col(Outbox.id).desc())).first()
    pks = [*(digest.message_pks if digest else []), message.id]
    # Only the newest DIGEST_LIST_LIMIT are listed, so rebuilding the digest for each new
    # message of a flood of thousands stays cheap.
    listed = pks[-DIGEST_LIST_LIMIT:]
    messages = list(session.exec(select(Message).where(col(Message.id).in_(listed))
                                 .order_by(col(Message.id))).all())
    templates = load_notice_templates(system)
    subject, body = render_pair(
        templates.digest_subject, templates.digest_body,
        {"messages": [notice_context(m) for m in messages], "count": len(pks),
         "more": len(pks) - len(messages), "window_minutes": system.digest_window_minutes},
        templates.sources[2:])
    email = build_email(sender=system.notifications_address, to=[system.general_address],
                        cc=system.notice_cc, subject=subject, body=body, kind="digest",
                        auto_submitted=True,
                        message_id=digest.message_id if digest else None)
    if digest is None:
        return queue_email(session, email, kind="digest", message_pks=pks,
                           send_after=now + window)
    digest.raw = email.raw
    digest.message_pks = pks  # a new list, so the JSON column is seen as changed
    session.add(digest)
    session.flush()
    return digest
