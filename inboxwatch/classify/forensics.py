"""Header forensics: what the headers say about how a message was really sent.

A mail program writes its headers in its own way, and every server on the way adds a
Received line with its own clock. Ratware imitates the look of a real program and forges
the sender, but rarely all of it consistently. Each check here is a row of
:data:`~inboxwatch.classify.spam.SPAM_RULES` (registered there, in this order); each reads
headers only, so it holds whatever language the message is written in.

- a Microsoft mail program that writes ``X-MSMail-Priority`` always writes
  ``X-MimeOLE`` with it; ratware copying the look writes the one without the other;
- an ``X-Priority`` with no mail program named at all (no X-Mailer, no User-Agent);
- a Date hours after the time the last server on the way received the message: the
  sender's clock, or a forged date meant to sort the message to the top;
- From a big free-mail provider, yet no Received line of that provider: the sender's
  address is forged (mail through a mailing list is left alone: the list re-sends it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime

from inboxwatch.parse import ParsedMessage

__all__ = ["FORGED_FREEMAIL_PROVIDERS", "FUTURE_HOURS", "forged_freemail", "future_date",
           "header_check", "mua_imitation", "priority_without_mailer", "received_time"]

FUTURE_HOURS = 3  # a Date this many hours after the last server's clock is not clock drift

# The providers whose own servers always write a Received line naming them.
FORGED_FREEMAIL_PROVIDERS = {
    "hotmail.com": "hotmail", "msn.com": "hotmail", "outlook.com": "outlook",
    "live.com": "outlook", "yahoo.com": "yahoo", "yahoo.co.uk": "yahoo", "aol.com": "aol",
    "gmail.com": "google", "excite.com": "excite", "lycos.com": "lycos", "juno.com": "juno",
}
_LIST_HEADERS = ("List-Id", "List-Post", "Mailing-List", "X-Mailing-List", "X-BeenThere")
_FROM_DOMAIN_RE = re.compile(r"@([a-z0-9.-]+)")


HeaderCheck = Callable[[ParsedMessage], str | None]


def header_check(check: HeaderCheck) -> Callable[[ParsedMessage, object], str | None]:
    """``check`` as a row of the spam rule table calls it (it needs no message scan)."""
    def run(p: ParsedMessage, scan: object) -> str | None:
        return check(p)
    return run


def mua_imitation(p: ParsedMessage) -> str | None:
    priority = p.header("X-MSMail-Priority")
    if priority is not None and p.header("X-MimeOLE") is None:
        return f"X-MSMail-Priority: {priority[:40]} without the X-MimeOLE Microsoft writes"
    return None


def priority_without_mailer(p: ParsedMessage) -> str | None:
    priority = p.header("X-Priority")
    if priority is not None and p.header("X-Mailer") is None and \
            p.header("User-Agent") is None:
        return f"X-Priority: {priority[:40]}, but no mail program named"
    return None


def received_time(received: str) -> datetime | None:
    """The time a Received line was written (after its last ';'), or None."""
    _, semicolon, stamp = received.rpartition(";")
    if not semicolon:
        return None
    try:
        when = parsedate_to_datetime(stamp.strip()[:80])
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


def future_date(p: ParsedMessage) -> str | None:
    received = p.header_all("Received")
    if not received or p.date is None or p.date.tzinfo is None:
        return None
    last = received_time(received[0])
    if last is None:
        return None
    hours = (p.date - last).total_seconds() / 3600
    if hours >= FUTURE_HOURS:
        return f"Date is {hours:.0f} hours after the last server received it"
    return None


def forged_freemail(p: ParsedMessage) -> str | None:
    if any(p.header(name) for name in _LIST_HEADERS):
        return None
    found = _FROM_DOMAIN_RE.search((p.header("From") or "")[:300].lower())
    provider = FORGED_FREEMAIL_PROVIDERS.get(found.group(1)) if found else None
    received = p.header_all("Received")
    if provider is None or not received:
        return None
    # The "from ... by ..." part: where each hop says it came from and who took it.
    if any(provider in line.partition(";")[0].lower() for line in received[:20]):
        return None
    return (f"From {found.group(1) if found else ''}, but none of the {len(received)} "
            f"Received lines passed through {provider}")
