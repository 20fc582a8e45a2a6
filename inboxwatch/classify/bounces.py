"""What a bounce says: which recipient failed, with which status, in whose words.

A bounce (routing step 3, :mod:`inboxwatch.classify.rules`) is worth a person's time only
when they can see at once whose address failed and why. :func:`bounce_details` reads, in
order of trust:

1. the RFC 3464 delivery-status report (``Final-Recipient``, ``Status``, ``Action``,
   ``Diagnostic-Code``), which every standard DSN carries;
2. ``X-Failed-Recipients`` (Exim and others);
3. the rows of :data:`BOUNCE_TEXTS`: the wording of the mail servers that write their
   bounces as text (Postfix, Exim, qmail, Sendmail, Exchange and Microsoft 365, Gmail,
   Yahoo, Lotus Notes/Domino, GroupWise and a generic ``<address>: ... 5.x.x`` line), each
   row ours to explain, matched on the start of the body only.

The status (``5.1.1``) and SMTP code (``550``) come from the report or from the text next to
the recipient. Pure: runs in the parser's worker processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inboxwatch.parse import ParsedMessage

__all__ = ["BOUNCE_TEXTS", "BounceDetails", "BounceText", "bounce_details"]

MAX_SCANNED_CHARS = 8_000  # bounce texts name the recipient near the top
_ADDRESS = r"[^\s<>()\[\]\"',;:@]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}"
_STATUS_RE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_CODE_RE = re.compile(r"(?<![\d.])([45]\d\d)(?![\d.])")
_ADDRESS_RE = re.compile(_ADDRESS)


@dataclass(frozen=True, slots=True)
class BounceText:
    """One mail server's way of saying which recipient failed: ``pattern`` captures the
    address as group ``rcpt`` and, where it says why, group ``why``."""

    rule: str
    mta: str
    pattern: re.Pattern[str]


def _text(rule: str, mta: str, pattern: str) -> BounceText:
    return BounceText(rule, mta, re.compile(pattern, re.IGNORECASE | re.MULTILINE))


BOUNCE_TEXTS: tuple[BounceText, ...] = (
    # before Postfix: the address alone on its line, the reason below it
    _text("qmail", "qmail",
          rf"^<(?P<rcpt>{_ADDRESS})>:\n(?P<why>[^\n]+)"),
    _text("postfix", "Postfix",
          rf"^\s*<(?P<rcpt>{_ADDRESS})>(?:\s*\(expanded from <[^>]*>\))?:\s*"
          r"(?P<why>[^\n]*(?:\n {2,}[^\n]+){0,3})"),
    _text("exim", "Exim",
          rf"^ {{2}}(?P<rcpt>{_ADDRESS})\n\s+(?P<why>(?:SMTP error|host |retry |all relevant|"
          r"Unrouteable|mailbox|[45]\d\d)[^\n]*)"),
    _text("sendmail", "Sendmail",
          rf"-{{3,}}\s*The following addresses? had permanent fatal errors\s*-{{3,}}\s*\n"
          rf"\s*(?:>>>\s*)?<?(?P<rcpt>{_ADDRESS})>?(?P<why>[^\n]*)"),
    _text("exchange", "Exchange / Microsoft 365",
          rf"(?:Delivery has failed to these recipients or groups:|Your message to)\s*\n?\s*"
          rf"(?:[^\n<]*<)?(?P<rcpt>{_ADDRESS})>?(?P<why>[^\n]*)"),
    _text("gmail", "Gmail",
          rf"(?:wasn't|was not|couldn't be|could not be) delivered to\s+<?(?P<rcpt>{_ADDRESS})"
          r">?\s+because\s+(?P<why>[^\n]*)"),
    _text("unable_to_deliver", "Yahoo, Symantec MessageLabs",
          rf"unable to deliver your message to the following address(?:es)?[.:]?\s*\n\s*"
          rf"\n?\s*<?(?P<rcpt>{_ADDRESS})>?:?\s*(?:\n\s*\n?\s*Reason:\s*)?"
          r"(?P<why>[^\n]*)"),
    _text("exchange2003", "Exchange 2000/2003",
          rf"did not reach the following recipient\(s\):\s*\n\s*\n?\s*(?P<rcpt>{_ADDRESS})"
          r"[^\n]*\n\s+(?P<why>[^\n]*)"),
    _text("failed_address", "Exim-like (GMX, 1&1 and others)",
          rf"following address(?:es)?\s+failed:\s*\n\s*\n?\s*\"?<?(?P<rcpt>{_ADDRESS})>?\"?:?"
          r"\s*\n(?P<why>[^\n]*(?:\n[^\n-][^\n]*){0,3})"),
    _text("notes", "Lotus Notes / Domino",
          rf"was not delivered to:\s*\n\s*\n?\s*(?P<rcpt>{_ADDRESS})\s*\n\s*(?:because:\s*)?"
          r"(?P<why>[^\n]*)"),
    _text("notes_reasons", "Lotus Notes / Domino",
          rf"-{{3,}}\s*Failure Reasons\s*-{{3,}}\s*\n(?:\s*\n)?(?P<why>[^\n]*)\n\s*"
          rf"(?P<rcpt>{_ADDRESS})"),
    _text("groupwise", "GroupWise",
          rf"(?P<rcpt>{_ADDRESS})\s*\(Mail\)?\s*(?P<why>(?:Undeliverable|Unknown user)[^\n]*)"),
    _text("generic", "any mail server",
          rf"<?(?P<rcpt>{_ADDRESS})>?[^\n]{{0,40}}?(?:\.\.\.|:|-)\s*(?P<why>[^\n]*"
          r"\b(?:[45]\d\d|[45]\.\d{1,3}\.\d{1,3})\b[^\n]*)"),
)


@dataclass(frozen=True, slots=True)
class BounceDetails:
    """Who failed and why, and where that was read."""

    recipients: tuple[str, ...]
    status: str  # "5.1.1", or "" when not said
    code: str  # SMTP reply code ("550"), or ""
    why: str  # the server's words, shortened
    source: str  # "delivery-status report", "X-Failed-Recipients" or a BOUNCE_TEXTS row

    def line(self) -> str:
        said = ", ".join(self.recipients[:5]) + (
            f" and {len(self.recipients) - 5} more" if len(self.recipients) > 5 else "")
        parts = [f"failed recipient {said}"]
        if self.status or self.code:
            parts.append(f"status {' '.join(x for x in (self.code, self.status) if x)}"
                         + (" (permanent)" if (self.status or self.code)[:1] == "5" else
                            " (temporary)" if (self.status or self.code)[:1] == "4" else ""))
        if self.why:
            parts.append(repr(self.why[:160]))
        return "; ".join(parts) + f" (from the {self.source})"


def bounce_details(parsed: ParsedMessage) -> BounceDetails | None:
    """The failed recipients of a bounce and why, or None when nothing says."""
    return _from_report(parsed) or _from_header(parsed) or _from_text(parsed)


def _from_report(parsed: ParsedMessage) -> BounceDetails | None:
    recipients: list[str] = []
    status = code = why = ""
    for block in parsed.delivery_status:
        rcpt = block.get("final-recipient") or block.get("original-recipient")
        if not rcpt:
            continue
        action = block.get("action", "failed").lower()
        if action not in ("failed", "delayed"):
            continue  # delivered, relayed, expanded: not a failure
        address = rcpt.split(";", 1)[-1].strip().strip("<>")
        if address and address not in recipients:
            recipients.append(address[:320])
        diagnostic = block.get("diagnostic-code", "").split(";", 1)[-1].strip()
        if not status:
            found = _STATUS_RE.search(block.get("status", ""))
            status = found.group(1) if found else ""
        if not why and diagnostic:
            why = diagnostic
            found_code = _CODE_RE.search(diagnostic)
            code = found_code.group(1) if found_code else ""
    if not recipients:
        return None
    return BounceDetails(tuple(recipients), status, code, why[:300], "delivery-status report")


def _from_header(parsed: ParsedMessage) -> BounceDetails | None:
    addresses = [a for value in parsed.header_all("X-Failed-Recipients")[:3]
                 for a in _ADDRESS_RE.findall(value[:2000])]
    if not addresses:
        return None
    status, code = _codes(parsed.text[:MAX_SCANNED_CHARS])
    return BounceDetails(tuple(dict.fromkeys(addresses)), status, code, "",
                         "X-Failed-Recipients header")


def _from_text(parsed: ParsedMessage) -> BounceDetails | None:
    text = parsed.text[:MAX_SCANNED_CHARS].replace("\r\n", "\n")
    ours = {a.email.lower() for a in parsed.recipients}
    if parsed.from_addr is not None:
        ours.add(parsed.from_addr.email.lower())
    for row in BOUNCE_TEXTS:
        for found in row.pattern.finditer(text):
            rcpt = found.group("rcpt")
            if rcpt.lower() in ours:
                continue  # the bounce's own addressee, not the failed one
            why = " ".join((found.group("why") or "").split())
            status, code = _codes(why) if why else ("", "")
            if not status and not code:
                status, code = _codes(text[found.start():found.start() + 600])
            return BounceDetails((rcpt,), status, code, why[:300],
                                 f"{row.mta} bounce text (row {row.rule})")
    return None


def _codes(text: str) -> tuple[str, str]:
    status = _STATUS_RE.search(text)
    code = _CODE_RE.search(text)
    return (status.group(1) if status else "", code.group(1) if code else "")
