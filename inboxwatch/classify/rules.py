"""Auto-generated mail: the one rule table for bounces, auto-replies and loops.

:data:`AUTO_RULES` is the union of what Zammad, Request Tracker, osTicket, FreeScout and
Znuny check before they let mail open or update a ticket, plus our own loop markers. Every
row is data: where to look, a case-insensitive pattern, the category it votes for and how
strongly. :func:`match_auto` reads the table; it never raises and is linear in the size of
the headers it looks at.

Why weights and not first-match: the signals overlap. An RFC 3834 auto-reply is sent with a
null Return-Path, exactly like a bounce, and a DSN carries ``Auto-Submitted: auto-replied``
exactly like a vacation answer. Each category sums the weights of its rows that fired, and
the larger sum wins (a tie goes to ``bounce``, the one that needs a person, when a decisive
bounce row fired). A single weak
row (``Precedence: bulk``) is enough to call mail auto-generated; that is what the help-desk
systems above do, because answering such mail is how mail loops start. Rows marked not
``decisive`` (bounce wording in the body, an attached original) only count together: a
customer quoting an error message must not vanish into ``bounce`` on that alone.
"""

from __future__ import annotations

import re
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
MAX_BODY_CHARS = 5_000  # bounce texts say what they are at the top


class Where(Enum):
    """Which part of the message a rule looks at."""

    HEADER = "header"  # the named header is present and its value matches
    SENDER_LOCALPART = "sender"  # the local part of From (or Sender) matches
    FROM_LOCALPART = "from"  # the local part of From alone (Sender is a list's, on lists)
    RETURN_PATH = "return_path"  # the (last) Return-Path; "" is the null path <>
    CONTENT_TYPE = "content_type"  # the top-level Content-Type header value
    PART_TYPE = "part_type"  # the content type of any MIME part
    SUBJECT = "subject"
    BODY = "body"  # the start of the body text
    PART_OR_ATTACHMENT = "attachment"  # content type of any attachment


@dataclass(frozen=True, slots=True)
class AutoRule:
    rule: str  # stable id, shown in explanations
    category: str  # bounce | auto_reply
    where: Where
    pattern: str  # regular expression, matched case-insensitively with re.search
    header: str = ""  # for Where.HEADER
    weight: int = 1  # 1 weak hint, 2 clear marker, 3 unambiguous structure
    source: str = ""  # who checks this (documentation; not used by the matcher)
    decisive: bool = True  # False: supporting evidence, cannot make mail auto-generated alone
    # Body rules: literals at least one of which every match holds. A body with none of them
    # is not searched: "in" finds a literal far faster than the regex engine scans.
    needles: tuple[str, ...] = ()
    group: str = ""  # of the rows of one group, only the first that matches counts


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
             r"^(mailer[-_.]?daemon|mail[-_.]?daemon|mail[-_.]delivery[-_.]"
             r"(system|subsystem))$", weight=2, source="RT, osTicket, FreeScout, Znuny"),
    AutoRule("postmaster_sender", BOUNCE, Where.SENDER_LOCALPART, r"^post[-_.]?master$",
             weight=2, source="RT, FreeScout, Znuny"),
    AutoRule("null_return_path", BOUNCE, Where.RETURN_PATH, r"^$", weight=1,
             source="RFC 5321 4.5.5; osTicket, Zammad"),
    AutoRule("bounce_subject", BOUNCE, Where.SUBJECT,
             r"^\s*(undeliver(able|ed)|undelivered mail|delivery (status notification|"
             r"failure|has failed|notification|report)|returned mail|mail delivery "
             r"(failed|failure|system|subsystem)|failure notice|non[- ]?delivery|"
             r"nondeliverable|message not delivered|could not send message|"
             r"(mail|message) (returned|delivery failed)|warning: could not send|"
             r"delayed mail|unzustellbar|non remis|non recapitabile|onbestelbaar|"
             r"недоставленное|не доставлено|メールエラー|配信できません|送信できません|"
             r"退信|未送达)",
             weight=2, source="FreeScout, Znuny"),
    # The wording of bounces written as text, one row per mail server (the first that
    # matches speaks for the body: one body is one piece of supporting evidence), then the
    # generic wording and status codes of the rest. Supporting only: a client may paste a
    # bounce into a question.
    *(AutoRule(f"bounce_text_{mta}", BOUNCE, Where.BODY, pattern, weight=1, decisive=False,
               source=f"{name} bounce text", needles=needles, group="bounce_text")
      for mta, name, pattern, needles in (
        ("qmail", "qmail",
         r"this is the qmail-send program|i'm afraid i (wasn't|was not) able to deliver",
         ("qmail-send", "able to deliver")),
        ("postfix", "Postfix",
         r"this is the mail system at host|i'm sorry to have to inform you that your message",
         ("mail system at host", "sorry to have to inform you")),
        ("exim", "Exim",
         r"this message was created automatically by mail delivery software|a message that "
         r"you (have )?sent could not be delivered to one or more",
         ("mail delivery software", "could not be delivered to one or more")),
        ("sendmail", "Sendmail",
         r"the original message was received at|-{3,} ?the following addresses had "
         r"(permanent fatal|delivery) (errors|problems)|-{3,} ?transcript of session follows",
         ("original message was received at", "the following addresses had",
          "transcript of session follows")),
        ("exchange", "Exchange and Microsoft 365",
         r"delivery has failed to these recipients or (groups|distribution lists)|did not "
         r"reach the following recipient|did not reach some or all of the intended "
         r"recipients|the following recipient\(s\) cannot be reached",
         ("delivery has failed to these", "did not reach", "cannot be reached")),
        ("gmail", "Gmail",
         r"delivery to the following recipients? failed permanently|technical details of "
         r"(permanent|temporary) failure",
         ("failed permanently", "technical details of")),
        ("yahoo", "Yahoo",
         r"sorry, we were unable to deliver your message to the following address",
         ("unable to deliver your message",)),
        ("notes", "Lotus Notes and Domino",
         r"was not delivered to:|not listed in (the )?(domino|public name & address book)|"
         r"-{3,} failure reasons -{3,}",
         ("was not delivered to:", "not listed in ", "failure reasons")),
        ("groupwise", "GroupWise",
         r"the message that you sent was undeliverable to the following|message status - "
         r"undeliverable",
         ("undeliverable to the following", "message status - undeliverable")),
        ("courier", "Courier",
         r"running the courier mail server", ("courier mail server",)),
        ("generic", "other mail servers",
         r"could not be delivered to|(was|were|has) not been delivered|"
         r"delivery to the following recipients? (failed|has failed|was unsuccessful)|"
         r"permanent fatal errors?|undeliverable to the following|"
         r"message could not be delivered|"
         r"^\s*(final-recipient|diagnostic-code|action: failed)|"
         r"\b[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b",
         ("deliver", "permanent fatal error", "final-recipient", "diagnostic-code",
          "action: failed", " 4.", " 5.", "-4.", "-5.")),
      )),
    # A mailing list's robot refusing a post from someone not subscribed (fml, Mailman,
    # majordomo): the post was not delivered, like a bounce.
    AutoRule("list_rejection", BOUNCE, Where.SUBJECT,
             r"^\s*(you .{1,100}? (are|is) not (a )?member\b|not a member of |only (list )?"
             r"members (can|may) post)", weight=2, source="fml, Mailman, majordomo"),
    AutoRule("returned_original", BOUNCE, Where.PART_OR_ATTACHMENT,
             r"^(message/rfc822|text/rfc822-headers?|message/rfc822-headers)$", weight=1,
             decisive=False, source="the returned message of a bounce"),
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
    AutoRule("list_robot_sender", AUTO_REPLY, Where.FROM_LOCALPART,
             r"-(request|owner|admin|bounces?)$", weight=1,
             source="mailing-list robots (Mailman, fml, majordomo)"),
    # Precedence: list is a person's post through a list (inboxwatch/classify/lists.py).
    AutoRule("precedence", AUTO_REPLY, Where.HEADER, r"^\s*(auto_reply|bulk|junk)\b",
             header="Precedence", weight=1, source="RT, Zammad, osTicket, FreeScout, Znuny"),
    AutoRule("x_precedence", AUTO_REPLY, Where.HEADER, r"^\s*(auto_reply|bulk|junk)\b",
             header="X-Precedence", weight=1, source="FreeScout, Znuny"),
    AutoRule("feedback_report", AUTO_REPLY, Where.CONTENT_TYPE,
             r"multipart/report.*report-type\s*=\s*\"?feedback-report", weight=3,
             source="RFC 5965 (ARF)"),
    AutoRule("feedback_report_part", AUTO_REPLY, Where.PART_TYPE, r"^message/feedback-report$",
             weight=3, source="RFC 5965 (ARF)"),
    AutoRule("complaint_subject", AUTO_REPLY, Where.SUBJECT,
             r"^\s*(complaint about message from|abuse report|fbl report)", weight=2,
             source="Microsoft JMRP feedback loop reports"),
    AutoRule("vacation_subject", AUTO_REPLY, Where.SUBJECT,
             r"^\s*(auto(matic|matische|matisch)?[ _-]?(reply|response|antwort|antwoord|"
             r"svar)|out of (the )?office|abwesenheitsnotiz|abwesend|"
             r"r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|"
             r"autosvar|fuera de la oficina|absence|on (vacation|holiday|leave)|"
             r"vacation (reply|notice|message))",
             weight=2, source="Zammad, FreeScout, Znuny"),
)


def _compile(rule: AutoRule) -> re.Pattern[str]:
    """Body rules are written in lower case and run on the lower-cased body without
    IGNORECASE: the same matches, in half the time on a long body."""
    if rule.where is Where.BODY:
        assert not re.search(r"(?<!\\)[A-Z]", rule.pattern), f"{rule.rule}: write it lower-case"
        return re.compile(rule.pattern)
    return re.compile(rule.pattern, re.IGNORECASE)


_LABELS = {Where.HEADER: "", Where.SENDER_LOCALPART: "From", Where.FROM_LOCALPART: "From",
           Where.RETURN_PATH: "Return-Path", Where.CONTENT_TYPE: "Content-Type",
           Where.PART_TYPE: "MIME part", Where.SUBJECT: "Subject", Where.BODY: "body",
           Where.PART_OR_ATTACHMENT: "attachment"}
# Each rule with its compiled pattern and the label its evidence is shown with: made once,
# as match_auto runs every rule on every message.
_PLAN = tuple((rule, _compile(rule), rule.header if rule.where is Where.HEADER
               else _LABELS[rule.where]) for rule in AUTO_RULES)


@dataclass(frozen=True, slots=True)
class AutoMatch:
    """The verdict of :func:`match_auto`: a category (or None) and the rows that fired."""

    category: str | None
    hits: tuple[RuleHit, ...]
    strength: int = 0  # summed weight of the rows that voted for the category

    @property
    def strong(self) -> bool:
        """More than one weak hint: junk scoring does not override the category then."""
        return self.strength >= 2


def _targets(parsed: ParsedMessage) -> dict[Where, list[str]]:
    """The values the rules of each target but headers look at (made once a message; a
    header rule reads its own header)."""
    senders = [a.email.partition("@")[0] for a in (parsed.from_addr, parsed.sender)
               if a is not None]
    return {
        Where.SUBJECT: [parsed.subject],
        Where.BODY: [parsed.text[:MAX_BODY_CHARS]],
        Where.SENDER_LOCALPART: senders,
        Where.FROM_LOCALPART: senders[:1] if parsed.from_addr is not None else [],
        Where.RETURN_PATH: [] if parsed.return_path is None else [parsed.return_path],
        Where.CONTENT_TYPE: [parsed.header("Content-Type") or ""],
        Where.PART_TYPE: list(dict.fromkeys(parsed.parts)),
        Where.PART_OR_ATTACHMENT: list(dict.fromkeys(a.content_type
                                                     for a in parsed.attachments[:50])),
    }


def _evidence(rule: AutoRule, pattern: re.Pattern[str], value: str,
              lowered: str = "") -> str | None:
    """What ``rule`` shows when it matches ``value`` (the value; for the body, the matched
    text, found in ``lowered``, the body lower-cased), or None when it does not match."""
    if rule.where is not Where.BODY:
        return value if pattern.search(value[:MAX_VALUE_CHARS]) else None
    if rule.needles and not any(needle in lowered for needle in rule.needles):
        return None  # no match can be there (see AutoRule.needles)
    found = pattern.search(lowered)
    if found is None:
        return None
    if len(lowered) != len(value):  # lower-casing moved the offsets: show what matched
        return found.group(0)
    return value[found.start():found.end()]  # the body's own spelling


def match_auto(parsed: ParsedMessage, *, loop_header: str = "X-Inboxwatch-Loop") -> AutoMatch:
    """Apply :data:`AUTO_RULES` (and our own loop header) to a parsed message."""
    hits: list[RuleHit] = []
    weights = {BOUNCE: 0, AUTO_REPLY: 0}
    loop_values = parsed.header_all(loop_header)
    if loop_values:
        hits.append(RuleHit("auto", "loop",
                            f"{loop_header}: {loop_values[0][:200]} (our own mail came back)"))
        weights[AUTO_REPLY] += 10
    decisive = bool(hits)
    decisive_bounce = False
    targets = _targets(parsed)
    # Body rules are compiled for lower-cased text (see _compile): lower-cased once, for
    # every body row.
    lowered_body = targets[Where.BODY][0].lower()
    groups: set[str] = set()
    for rule, pattern, label in _PLAN:
        if rule.group and rule.group in groups:
            continue
        where = rule.where
        for value in parsed.header_all(rule.header) if where is Where.HEADER else targets[where]:
            shown = _evidence(rule, pattern, value,
                              lowered_body if where is Where.BODY else "")
            if shown is not None:
                shown = shown[:200] or "<>"
                hits.append(RuleHit("auto", rule.rule, f"{label}: {shown.strip()}"))
                weights[rule.category] += rule.weight
                decisive = decisive or rule.decisive
                decisive_bounce = decisive_bounce or (rule.decisive and rule.category == BOUNCE)
                if rule.group:
                    groups.add(rule.group)
                break
    if not hits or (not decisive and max(weights.values()) < 2):
        return AutoMatch(None, ())
    # A tie goes to bounce only on real bounce evidence, not on an attached original alone.
    bounce_wins = weights[BOUNCE] > weights[AUTO_REPLY] or (
        weights[BOUNCE] == weights[AUTO_REPLY] and decisive_bounce)
    category = BOUNCE if bounce_wins else AUTO_REPLY
    return AutoMatch(category, tuple(hits), weights[category])


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
