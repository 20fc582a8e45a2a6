"""The email that answers the sender of an inbound message, built so the reply routes back.

From ``system.notifications_address``, To the message's sender, subject ``Re: <subject>``,
``In-Reply-To``/``References`` the message's own Message-ID (the sender's mail client
threads it), ``Reply-To`` the signed ``updates+a<message id>...@domain`` address of
:func:`inboxwatch.tokens.make_answer_token`, and a Message-ID recorded in the outbox (kind
``answer``), so the sender's reply is recognised by its token or, when the token was lost,
by its references (:func:`inboxwatch.reply.find_answered_message`).
"""

from __future__ import annotations

from sqlmodel import Session

from inboxwatch.config import SystemConfig
from inboxwatch.errors import InboxwatchError
from inboxwatch.lookups import ANSWER_KIND
from inboxwatch.notify._compose import build_email, check_address
from inboxwatch.notify._outbox import queue_email
from inboxwatch.sanitize import clean, clean_line
from inboxwatch.tokens import ReplyKeys, load_reply_secret, make_answer_token, reply_address_for
from inboxwatch_storage.tables import Message, Outbox

__all__ = ["ANSWER_KIND", "QUOTED_LINES", "queue_answer_email"]

QUOTED_LINES = 40  # of the message's text, quoted below the answer


class AnswerProblem(InboxwatchError):
    """The answer cannot be emailed as asked."""


def queue_answer_email(session: Session, message: Message, text: str, *, subject: str,
                       system: SystemConfig, secret: bytes | ReplyKeys | None = None
                       ) -> Outbox:
    """Queue the answer to ``message``'s sender in the caller's transaction; flushes only.
    Raises a one-line :class:`InboxwatchError` (nothing queued) for a sender address that
    cannot be mailed or a missing reply-token secret."""
    assert message.id is not None
    to = check_address(message.from_addr, f"message {message.id}'s sender")
    if secret is None:
        secret = load_reply_secret(system=system)
    if not secret:
        raise AnswerProblem("no reply-token secret: run `inboxwatch init` first, so the "
                            "sender's reply can route back")
    reply_to = reply_address_for(system.reply_address, make_answer_token(message.id, secret))
    email = build_email(sender=system.notifications_address, to=[to],
                        subject=subject, kind=ANSWER_KIND,
                        body=_body(message, text), reply_to=reply_to,
                        in_reply_to=message.message_id or None)
    return queue_email(session, email, kind=ANSWER_KIND, message_pk=message.id)


def _body(message: Message, text: str) -> str:
    quoted = clean(message.body_text, max_chars=20_000).splitlines()[:QUOTED_LINES]
    who = clean_line(message.from_name or message.from_addr, max_chars=100)
    when = f"{message.received_at:%Y-%m-%d %H:%M}"
    lines = [clean(text).rstrip(), "", f"On {when}, {who} wrote:",
             *(f"> {line}".rstrip() for line in quoted)]
    return "\n".join(lines) + "\n"
