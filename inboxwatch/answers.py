"""Answer the sender of an inbound message by email, through the outbox.

Not every message deserves a case: "which address do I send invoices to?" wants a one-line
answer. :func:`answer_sender` queues that answer in the same transaction as its audit entry
(an answer is never sent twice, or without a trace): From the notifications address, To the
sender, ``Re:`` the subject, threaded on the message's Message-ID, with a ``Reply-To`` that
carries a signed answer token (:mod:`inboxwatch.notify._answer`).

When the sender replies, routing recognises the reply by that token or by its references
(:func:`inboxwatch.reply.find_answered_message`): if the answered message has since been
linked to a case, the reply is routed as a reply to that case; otherwise it arrives in the
queue as ``reply_to_answer``, owned by the operator who answered, with a line naming the
message it answers.

The answer is compare-and-set like every triage action: two operators who answer the same
message at once cannot both send; the second is refused with who answered, and when. The
answering operator takes the message when nobody has it, and may set its status at once
(``--status closed``: answered and done).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session

from inboxwatch.audit import message_snapshot, record_audit
from inboxwatch.config import SystemConfig, load_config, resolve_config_path
from inboxwatch.errors import UsageError
from inboxwatch.roles import CREATE_CASE_UPDATE, MODIFY_INBOUND_MESSAGE_STATUS, Actor
from inboxwatch.sanitize import clean_line
from inboxwatch.tokens import ReplyKeys
from inboxwatch.triage import inbound_message, set_status
from inboxwatch.users import transaction
from inboxwatch_storage.tables import STATUS_VALUES, Message

__all__ = ["NOT_ANSWERED", "Answered", "answer_sender", "answer_subject"]

MAX_ANSWER_CHARS = 100_000
# Categories whose sender is a machine or a forgery: answering would send backscatter.
NOT_ANSWERED = {
    "spam": "is spam: its sender address is likely forged (mark it not spam first)",
    "phishing": "is phishing: never answer it (mark it not spam first if it is not)",
    "bounce": "is a bounce: a mail server sent it, nobody reads the answer",
    "auto_reply": "is an automatic reply: nobody reads the answer",
    "malformed": "could not be read whole: check its sender in the raw source first",
}


@dataclass(frozen=True, slots=True)
class Answered:
    """What :func:`answer_sender` queued."""

    message_pk: int
    outbox_id: int
    to: str
    subject: str
    version: int  # of the message after the answer (it changed: answered, maybe taken)
    status: str

    def line(self) -> str:
        return (f"message {self.message_pk}: answer to {self.to} queued (outbox "
                f"{self.outbox_id}, {self.subject!r}); status {self.status}")


def answer_sender(session: Session, actor: Actor, message_pk: int, text: str, *,
                  seen: int | None = None, status: str | None = None,
                  system: SystemConfig | None = None,
                  secret: bytes | ReplyKeys | None = None) -> Answered:
    """Email ``text`` to the sender of inbound message ``message_pk`` (needs
    ``modify_inbound_message_status`` and ``create_case_update``: it writes to a client).

    ``seen`` is the message's version the operator read (None: as it is now); ``status``
    sets its status in the same transaction. ``system`` is the ``[system]`` configuration
    (None: read the config file). Refused, with nothing queued, for an empty text, a
    deleted or changed message, a machine's or junk sender (:data:`NOT_ANSWERED`), a
    sender that is one of our own addresses, or a missing reply-token secret.
    """
    from inboxwatch.notify._answer import queue_answer_email

    actor.require(MODIFY_INBOUND_MESSAGE_STATUS)
    actor.require(CREATE_CASE_UPDATE)
    if not text.strip():
        raise UsageError("an answer needs some text")
    if len(text) > MAX_ANSWER_CHARS:
        raise UsageError(f"an answer is at most {MAX_ANSWER_CHARS:,} characters")
    if status is not None and status not in STATUS_VALUES:
        raise UsageError(f"unknown status {status!r} (one of {', '.join(STATUS_VALUES)})")
    if system is None:
        system = load_config(resolve_config_path(None)).system
    with transaction(session):
        m = inbound_message(session, message_pk, seen)
        _check_answerable(m, system)
        before = message_snapshot(m)
        subject = answer_subject(m.subject)
        row = queue_answer_email(session, m, text, subject=subject, system=system,
                                 secret=secret)
        if m.owner_id is None and actor.user_id is not None:
            m.owner_id = actor.user_id
        if status is not None:
            set_status(m, status)
        # The answer changes the message even when nothing above did: a colleague who read
        # it before must not answer it a second time.
        flag_modified(m, "owner_id")
        session.add(m)
        session.flush()
        to = row.recipients[0]
        assert m.id is not None and row.id is not None
        record_audit(session, actor, "answer", message_pk=m.id, case_id=m.case_id,
                     before=before, after=message_snapshot(m),
                     detail=f"answered {to}: {subject!r} (outbox {row.id})")
        return Answered(m.id, row.id, to, subject, m.version, m.status)


def answer_subject(subject: str) -> str:
    """``Re: <subject>``, without stacking a second ``Re:``."""
    line = clean_line(subject, max_chars=180) or "(no subject)"
    return line if line[:3].casefold() == "re:" else f"Re: {line}"


def _check_answerable(m: Message, system: SystemConfig) -> None:
    why = NOT_ANSWERED.get(m.category)
    if why is not None:
        raise UsageError(f"message {m.id} {why}; nothing was sent")
    sender = (m.from_addr or "").strip().lower()
    if not sender:
        raise UsageError(f"message {m.id} has no sender address to answer; nothing was sent")
    ours = {a.lower() for a in (system.notifications_address, system.reply_address,
                                system.general_address or "") if a}
    local, _, domain = sender.rpartition("@")
    base = f"{local.split('+', 1)[0]}@{domain}"
    if sender in ours or base in ours:
        raise UsageError(f"message {m.id} is from our own address {sender}: answering it "
                         "would mail ourselves; nothing was sent")

