"""Auto-generated mail: the one rule table for bounces, auto-replies and loops.

:data:`AUTO_RULES` is the union of what Zammad, Request Tracker, osTicket, FreeScout and
Znuny check before they let mail open or update a ticket, plus our own loop markers. Every
row is data: where to look, a case-insensitive pattern, the category it votes for and how
strongly. :func:`match_auto` reads the table; it never raises and is linear in the size of
the headers it looks at.

Why weights and not first-match: the signals overlap. An RFC 3834 auto-reply is sent with a
null Return-Path, exactly like a bounce, and a DSN carries ``Auto-Submitted: auto-replied``
exactly like a vacation answer. Each category sums the weights of its rows that fired, and
the larger sum wins (a tie goes to ``bounce``, the one that needs a person). A single weak
row (``Precedence: bulk``) is enough to call mail auto-generated; that is what the help-desk
systems above do, because answering such mail is how mail loops start.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from inboxwatch.explain import RuleHit
from inboxwatch.parse import ParsedMessage

__all__ = [
    "AUTO_RULES",
    "AutoMatch",
    "AutoRule",
    "Where",
    "bounced_message_ids",
    "match_auto",
]

BOUNCE = "bounce"
AUTO_REPLY = "auto_reply"
MAX_VALUE_CHARS = 2_000  # header values are matched on their start: bounded cost


class Where(Enum):
    """Which part of the message a rule looks at."""

    HEADER = "header"  # the named header is present and its value matches
    SENDER_LOCALPART = "sender"  # the local part of From (or Sender) matches
    RETURN_PATH = "return_path"  # the (last) Return-Path; "" is the null path <>
    CONTENT_TYPE = "content_type"  # the top-level Content-Type header value
    PART_TYPE = "part_type"  # the content type of any MIME part
    SUBJECT = "subject"


@dataclass(frozen=True, slots=True)
class AutoRule:
    rule: str  # stable id, shown in explanations
    category: str  # bounce | auto_reply
    where: Where
    pattern: str  # regular expression, matched case-insensitively with re.search
    header: str = ""  # for Where.HEADER
    weight: int = 1  # 1 weak hint, 2 clear marker, 3 unambiguous structure
    source: str = ""  # who checks this (documentation; not used by the matcher)


# The pattern "." means "present with any value".
AUTO_RULES: tuple[AutoRule, ...] = (
    # -- bounces --------------------------------------------------------------------------
    AutoRule("dsn_report", BOUNCE, Where.CONTENT_TYPE,
             r"multipart/report.*report-type\s*=\s*\"?delivery-status", weight=3,
             source="RFC 3464; RT, Zammad, Znuny"),
    AutoRule("dsn_part", BOUNCE, Where.PART_TYPE, r"^message/(global-)?delivery-status$",
             weight=3, source="RFC 3464/6533"),
    AutoRule("x_failed_recipients", BOUNCE, Where.HEADER, r".", header="X-Failed-Recipients",
             weight=3, source="Exim; Zammad, FreeScout"),
    AutoRule("exchange_ndr", BOUNCE, Where.HEADER, r"true|yes|1",
             header="X-MS-Exchange-Message-Is-Ndr", weight=3, source="Exchange"),
    AutoRule("mailer_daemon_sender", BOUNCE, Where.SENDER_LOCALPART,
             r"^(mailer-daemon|mail-daemon|mailerdaemon)$", weight=2,
             source="RT, osTicket, FreeScout, Znuny"),
    AutoRule("postmaster_sender", BOUNCE, Where.SENDER_LOCALPART, r"^postmaster$", weight=1,
             source="RT, FreeScout, Znuny"),
    AutoRule("null_return_path", BOUNCE, Where.RETURN_PATH, r"^$", weight=1,
             source="RFC 5321 4.5.5; osTicket, Zammad"),
    AutoRule("bounce_subject", BOUNCE, Where.SUBJECT,
             r"^\s*(undeliver(able|ed)|undelivered mail|delivery (status notification|"
             r"failure|has failed|notification|report)|returned mail|mail delivery "
             r"(failed|failure|system|subsystem)|failure notice|non[- ]?delivery|"
             r"nondeliverable|message not delivered|could not send message|"
             r"(mail|message) (returned|delivery failed)|warning: could not send|"
             r"delayed mail|unzustellbar|non remis|non recapitabile|onbestelbaar)",
             weight=2, source="FreeScout, Znuny"),
    # -- auto-replies ---------------------------------------------------------------------
    AutoRule("auto_submitted", AUTO_REPLY, Where.HEADER, r"^\s*(?!no\b)\S",
             header="Auto-Submitted", weight=2, source="RFC 3834; all five"),
    AutoRule("x_autoreply", AUTO_REPLY, Where.HEADER, r".", header="X-Autoreply", weight=2,
             source="Zammad, RT, osTicket, FreeScout"),
    AutoRule("x_autorespond", AUTO_REPLY, Where.HEADER, r".", header="X-Autorespond",
             weight=2, source="Zammad, osTicket, FreeScout"),
    AutoRule("x_autoresponse", AUTO_REPLY, Where.HEADER, r".", header="X-Autoresponse",
             weight=2, source="FreeScout"),
    AutoRule("x_autoreply_from", AUTO_REPLY, Where.HEADER, r".", header="X-AutoReply-From",
             weight=2, source="FreeScout"),
    AutoRule("x_mail_autoreply", AUTO_REPLY, Where.HEADER, r".", header="X-Mail-Autoreply",
             weight=2, source="FreeScout"),
    AutoRule("x_autogenerated", AUTO_REPLY, Where.HEADER, r"reply|forward|group|mirror",
             header="X-Autogenerated", weight=2, source="FreeScout"),
    AutoRule("x_auto_response_suppress", AUTO_REPLY, Where.HEADER,
             r"\b(all|oof|autoreply|dr|rn|nrn)\b", header="X-Auto-Response-Suppress",
             weight=1, source="Exchange; Zammad, FreeScout"),
    AutoRule("exchange_inbox_rules_loop", AUTO_REPLY, Where.HEADER, r".",
             header="X-MS-Exchange-Inbox-Rules-Loop", weight=2, source="Exchange; Zammad"),
    AutoRule("exchange_generated_by_rules", AUTO_REPLY, Where.HEADER,
             r"mailbox rules agent|auto-?reply", header="X-MS-Exchange-Generated-Message-Source",
             weight=2, source="Exchange"),
    AutoRule("precedence", AUTO_REPLY, Where.HEADER, r"^\s*(auto_reply|bulk|junk|list)\b",
             header="Precedence", weight=1, source="RT, Zammad, osTicket, FreeScout, Znuny"),
    AutoRule("x_precedence", AUTO_REPLY, Where.HEADER, r"^\s*(auto_reply|bulk|junk|list)\b",
             header="X-Precedence", weight=1, source="FreeScout, Znuny"),
    AutoRule("feedback_report", AUTO_REPLY, Where.CONTENT_TYPE,
             r"multipart/report.*report-type\s*=\s*\"?feedback-report", weight=3,
             source="RFC 5965 (ARF)"),
    AutoRule("feedback_report_part", AUTO_REPLY, Where.PART_TYPE, r"^message/feedback-report$",
             weight=3, source="RFC 5965 (ARF)"),
    AutoRule("vacation_subject", AUTO_REPLY, Where.SUBJECT,
             r"^\s*(auto(matic|matische|matisch)?[ _-]?(reply|response|antwort|antwoord|"
             r"svar)|out of (the )?office|abwesenheitsnotiz|abwesend|"
             r"r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|"
             r"autosvar|fuera de la oficina|absence|on (vacation|holiday|leave)|"
             r"vacation (reply|notice|message))",
             weight=2, source="Zammad, FreeScout, Znuny"),
)

_COMPILED = tuple(re.compile(r.pattern, re.IGNORECASE) for r in AUTO_RULES)


@dataclass(frozen=True, slots=True)
class AutoMatch:
    """The verdict of :func:`match_auto`: a category (or None) and the rows that fired."""

    category: str | None
    hits: tuple[RuleHit, ...]


def _values(parsed: ParsedMessage, rule: AutoRule) -> list[str]:
    getters: dict[Where, Callable[[], list[str]]] = {
        Where.HEADER: lambda: parsed.header_all(rule.header),
        Where.SENDER_LOCALPART: lambda: [a.email.partition("@")[0] for a in
                                         (parsed.from_addr, parsed.sender) if a is not None],
        Where.RETURN_PATH: lambda: [] if parsed.return_path is None else [parsed.return_path],
        Where.CONTENT_TYPE: lambda: [parsed.header("Content-Type") or ""],
        Where.PART_TYPE: lambda: list(dict.fromkeys(parsed.parts)),
        Where.SUBJECT: lambda: [parsed.subject],
    }
    return getters[rule.where]()


def _label(rule: AutoRule) -> str:
    return {Where.HEADER: rule.header, Where.SENDER_LOCALPART: "From",
            Where.RETURN_PATH: "Return-Path", Where.CONTENT_TYPE: "Content-Type",
            Where.PART_TYPE: "MIME part", Where.SUBJECT: "Subject"}[rule.where]


def match_auto(parsed: ParsedMessage, *, loop_header: str = "X-Inboxwatch-Loop") -> AutoMatch:
    """Apply :data:`AUTO_RULES` (and our own loop header) to a parsed message."""
    hits: list[RuleHit] = []
    weights = {BOUNCE: 0, AUTO_REPLY: 0}
    loop_values = parsed.header_all(loop_header)
    if loop_values:
        hits.append(RuleHit("auto", "loop",
                            f"{loop_header}: {loop_values[0][:200]} (our own mail came back)"))
        weights[AUTO_REPLY] += 10
    for rule, pattern in zip(AUTO_RULES, _COMPILED, strict=True):
        for value in _values(parsed, rule):
            if pattern.search(value[:MAX_VALUE_CHARS]):
                shown = value[:200] if value else "<>"
                hits.append(RuleHit("auto", rule.rule, f"{_label(rule)}: {shown}"))
                weights[rule.category] += rule.weight
                break
    if not hits:
        return AutoMatch(None, ())
    category = BOUNCE if weights[BOUNCE] >= weights[AUTO_REPLY] else AUTO_REPLY
    return AutoMatch(category, tuple(hits))


_MSGID_HEADER_RE = re.compile(rb"^message-id:\s*(<[^<>\s]{1,998}>)", re.IGNORECASE | re.MULTILINE)
_ORIGINAL_PART_TYPES = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers",
                        "message/global", "message/global-headers")


def bounced_message_ids(parsed: ParsedMessage) -> list[str]:
    """Message-IDs of the mail a bounce reports on, most specific first.

    The returned original (``message/rfc822`` or ``text/rfc822-headers`` part of a DSN) names
    it best; MTAs that quote the original in the body (qmail, some Exchange versions) come
    next; In-Reply-To/References last. Bounded: at most a few ids from each place.
    """
    found: list[str] = []
    for att in parsed.attachments[:20]:
        if att.content_type in _ORIGINAL_PART_TYPES:
            found.extend(m.decode("ascii", "replace") for m in
                         _MSGID_HEADER_RE.findall(att.payload[:65536])[:3])
    body = parsed.text[:200_000].encode("utf-8", "replace")
    found.extend(m.decode("ascii", "replace") for m in _MSGID_HEADER_RE.findall(body)[:3])
    found.extend(parsed.in_reply_to[:3])
    found.extend(parsed.references[-5:])
    return list(dict.fromkeys(found))
