"""Building the emails we send: checked addresses, fixed Message-IDs, our loop header.

Every email carries ``X-Inboxwatch-Loop`` (so our own mail coming back is recognised) and a
Message-ID chosen here, at queue time, and recorded in the outbox: a re-send after a crash
carries the same Message-ID, so it is recognisable as the same email.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from inboxwatch.analysis import LOOP_HEADER
from inboxwatch.errors import InboxwatchError
from inboxwatch_storage.tables import utcnow

__all__ = [
    "AddressProblem",
    "Attachment",
    "OutgoingEmail",
    "build_email",
    "check_address",
    "new_message_id",
]

# Deliberately plain: one @, no spaces, angle brackets, commas or quotes, a dotted (or
# single-label, e.g. ``localhost``) domain. Anything an operator typed by mistake fails.
_ADDRESS_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


class AddressProblem(InboxwatchError):
    """An address we were asked to send to (or from) is not an email address."""


def check_address(address: str | None, what: str) -> str:
    """``address`` if it is a plain email address; else :class:`AddressProblem` naming ``what``."""
    value = (address or "").strip()
    if not _ADDRESS_RE.match(value) or ".." in value:
        shown = value if len(value) <= 80 else value[:80] + "…"
        raise AddressProblem(f"{what} = {shown!r}: not an email address "
                             "(expected name@domain)")
    return value


def new_message_id(sender: str) -> str:
    """A fresh ``<...@domain>`` Message-ID in the domain of ``sender``."""
    domain = sender.rpartition("@")[2] or "localhost"
    # Short enough that the header is never folded: some MUAs mishandle a folded Message-ID.
    return f"<{secrets.token_hex(12)}.inboxwatch@{domain}>"


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """An email ready for the outbox: envelope and the exact bytes to send."""

    message_id: str
    sender: str
    recipients: list[str]
    raw: bytes


def build_email(*, sender: str, to: Sequence[str], subject: str, body: str, kind: str,
                cc: Sequence[str] = (), reply_to: str | None = None,
                auto_submitted: bool = False, in_reply_to: str | None = None,
                attachments: Sequence[Attachment] = (),
                message_id: str | None = None) -> OutgoingEmail:
    """Compose one email; raises :class:`AddressProblem` before anything is queued.

    ``message_id`` keeps the Message-ID of an email being rebuilt (a growing digest).
    """
    check_address(sender, "system.notifications_address")
    to = [check_address(a, "recipient") for a in to]
    cc = [check_address(a, "system.notice_cc") for a in cc]
    if reply_to is not None:
        check_address(reply_to, "Reply-To")
    message_id = message_id or new_message_id(sender)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg[LOOP_HEADER] = f"{kind}; {sender}"
    if auto_submitted:
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(body)
    for att in attachments:
        maintype, _, subtype = att.content_type.partition("/")
        if not maintype or not subtype or maintype == "multipart":
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(att.data, maintype=maintype, subtype=subtype,
                           filename=att.filename)
    recipients = list(dict.fromkeys([*to, *cc]))
    return OutgoingEmail(message_id=message_id, sender=sender, recipients=recipients,
                         raw=msg.as_bytes(policy=SMTP))
