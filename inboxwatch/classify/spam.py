"""The spam and phishing checks: one row of :data:`SPAM_RULES` per check, each declared by
the ``@spam_rule`` line above it (its id, points, whether it is phishing evidence, and what
it means).

The rows cover upstream verdicts, Authentication-Results failures, deceptive links,
display-name spoofing of our own domains or of well-known brands, risky attachments and
credential-lure phrases (*phishing* evidence: deception aimed at credentials or money), and
the classic SpamAssassin-style junk signal that holds whatever the vocabulary (shouting
subjects, markup-heavy HTML-only bodies, removal instructions outside a list, forged dates
and mailers, ratware, random senders). A check reads the message and its
:class:`MessageScan` (the lower-cased texts several checks search, made once per message)
and returns its evidence or None. The word lists are data in
:mod:`inboxwatch.classify.lexicon`; the points become a verdict in
:mod:`inboxwatch.classify.verdict`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from inboxwatch.classify import forensics
from inboxwatch.classify.guards import GuardedAlternation, GuardedPattern
from inboxwatch.classify.lexicon import (
    ABUSED_LINK_HOSTS,
    ADVANCE_FEE_MARKS,
    ADVANCE_FEE_OFFERS,
    BULK_MAILERS,
    CLICK_TRACKERS,
    CREDENTIAL_LURES,
    DOCUMENT_EXTENSIONS,
    FREEMAIL_DOMAINS,
    IMPERSONATED_BRANDS,
    INCOME_PITCH_MARKS,
    MACRO_EXTENSIONS,
    RISKY_EXTENSIONS,
)
from inboxwatch.classify.lists import trusted_auth_results
from inboxwatch.classify.model import registered_domain
from inboxwatch.parse import ParsedMessage

__all__ = ["SPAM_RULES", "UPSTREAM_VERDICTS", "Check", "MessageScan", "SpamRule", "spam_rule"]
MAX_SCANNED_CHARS = 50_000
# A brand of two words is also written as one ("TrustWallet", "WellsFargo"); a role
# ("help desk", "it support") only as two: "Helpdesk" is many a real team's name.
_BRAND_RE = re.compile(r"\b(" + "|".join(
    re.escape(b).replace(r"\ ", " ?") if domains else re.escape(b)
    for b, domains in IMPERSONATED_BRANDS.items()) + r")\b", re.IGNORECASE)
_BRANDS_UNSPACED = {b.replace(" ", ""): b for b in IMPERSONATED_BRANDS}
_ABUSED_HOSTS = frozenset(ABUSED_LINK_HOSTS)
_EMOJI_RE = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2764]")
_LOOKS_LIKE_URL_RE = re.compile(r"^(https?://)?([a-z0-9-]+\.)+[a-z]{2,}(/\S*)?$", re.IGNORECASE)
_HOST_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//([^/?#:\s]+)", re.IGNORECASE)


# A check: the message (and its scan) -> the evidence that the rule fires, or None.
Check = Callable[[ParsedMessage, "MessageScan"], str | None]


@dataclass(frozen=True, slots=True)
class SpamRule:
    rule: str  # stable id, shown in explanations
    points: float
    phishing: bool  # evidence of deception aimed at credentials or money
    check: Check  # -> evidence or None
    description: str


# The rule table, in the order the checks are defined below: each check is registered by
# the @spam_rule line above it, with its id, points, kind and what it means. The order is
# the order of the hits in an explanation.
_RULES: list[SpamRule] = []


def spam_rule(rule: str, points: float, description: str, *, phishing: bool = False,
              ) -> Callable[[Check], Check]:
    """Register the decorated check as the row ``rule`` of :data:`SPAM_RULES`."""
    def register(check: Check) -> Check:
        assert all(r.rule != rule for r in _RULES), f"spam rule {rule} registered twice"
        _RULES.append(SpamRule(rule, points, phishing, check, description))
        return check
    return register


UPSTREAM_VERDICTS = frozenset({"upstream_spam_flag", "upstream_spam_status",
                               "upstream_exchange_scl"})
"""The rules that repeat another filter's verdict rather than read the message."""


@spam_rule("upstream_spam_flag", 6.0,
           "an upstream filter flagged it (X-Spam-Flag: YES)")
def _upstream_flag(p: ParsedMessage, scan: MessageScan) -> str | None:
    value = p.header("X-Spam-Flag")
    return f"X-Spam-Flag: {value[:100]}" if value and value.strip().lower() == "yes" else None


@spam_rule("upstream_spam_status", 6.0,
           "an upstream filter scored it as spam (X-Spam-Status: Yes)")
def _upstream_status(p: ParsedMessage, scan: MessageScan) -> str | None:
    value = p.header("X-Spam-Status")
    return f"X-Spam-Status: {value[:150]}" if value and re.match(r"\s*yes\b", value, re.I) \
        else None


@spam_rule("upstream_exchange_scl", 4.0,
           "Exchange Online rated it spam (spam confidence level 5-9)")
def _exchange_scl(p: ParsedMessage, scan: MessageScan) -> str | None:
    value = p.header("X-MS-Exchange-Organization-SCL")
    if value and re.fullmatch(r"\s*[5-9]\s*", value):
        return f"X-MS-Exchange-Organization-SCL: {value.strip()} (5-9: spam)"
    return None


def _auth(method: str, results: str) -> Check:
    pattern = re.compile(rf"\b{method}\s*=\s*({results})\b", re.IGNORECASE)

    def check(p: ParsedMessage, scan: MessageScan) -> str | None:
        for authserv, value in scan.trusted_results[:5]:
            found = pattern.search(value[:4000])
            if found:
                return f"Authentication-Results of {authserv[:80]}: {found.group(0)}"
        return None

    return check


@spam_rule("auth_results_untrusted", 0.0,
           "Authentication-Results written by a server other than ours: not believed")
def _auth_untrusted(p: ParsedMessage, scan: MessageScan) -> str | None:
    ignored = scan.untrusted_ids
    if not ignored:
        return None
    believed = sorted({i for i, _ in scan.trusted_results}) or ["none"]
    return (f"ignored the results of {', '.join(i[:80] for i in ignored[:3])}; believed: "
            f"{', '.join(believed)} (system.trusted_authserv_ids)")


spam_rule("compauth_fail", 3.0,
          "Microsoft's composite authentication found the sender not authentic")(
    _auth("compauth", "fail"))
spam_rule("spf_fail", 2.0,
          "the sending server is not allowed to send for the envelope domain")(
    _auth("spf", "fail|softfail|permerror"))
spam_rule("dkim_fail", 1.5,
          "a DKIM signature does not verify")(
    _auth("dkim", "fail|permerror"))
spam_rule("dmarc_fail", 4.0, phishing=True, description=
          "the From domain is not authenticated: likely forged")(
    _auth("dmarc", "fail|permerror"))


def _host(url: str) -> str | None:
    found = _HOST_RE.match(url.strip())
    return found.group(1).lower().rstrip(".") if found else None


@spam_rule("link_text_mismatch", 3.5, phishing=True, description=
           "a link shows one address and goes to another (not the sender's own click "
           "tracking)")
def _link_mismatch(p: ParsedMessage, scan: MessageScan) -> str | None:
    sender = registered_domain(p.from_addr.email.rpartition("@")[2]) if p.from_addr else ""
    newsletter = bool(p.header_all("List-Unsubscribe"))
    for link in p.links[:200]:
        text = link.text.strip().rstrip("/.")
        if not _LOOKS_LIKE_URL_RE.match(text):
            continue
        shown = _host(text if "//" in text else "//" + text)
        target = _host(link.href)
        if not shown or not target:
            continue
        goes_to = registered_domain(target)
        if registered_domain(shown) == goes_to:
            continue
        if goes_to == sender or (newsletter and goes_to in CLICK_TRACKERS):
            continue  # the sender counts the click, then sends the reader on: tracking
        return f"link text {text[:80]!r} goes to {target[:80]}"
    return None


@spam_rule("ip_address_link", 2.0, phishing=True, description=
           "a link goes to a bare IP address")
def _ip_link(p: ParsedMessage, scan: MessageScan) -> str | None:
    for link in p.links[:200]:
        host = _host(link.href)
        if host and re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", host):
            return f"link to a bare IP address: {link.href[:100]}"
    return None


@spam_rule("own_domain_spoof", 6.0, phishing=True, description=
           "the display name claims our own domain, the address is elsewhere")
def _own_domain_spoof(p: ParsedMessage, scan: MessageScan) -> str | None:
    own_domains = scan.own_domains
    if p.from_addr is None or not own_domains:
        return None
    sender_domain = p.from_addr.email.rpartition("@")[2]
    if any(sender_domain == d or sender_domain.endswith("." + d) for d in own_domains):
        return None
    name = p.from_addr.name.lower()
    for domain in own_domains:
        if domain.lower() in name:
            return f"From name {p.from_addr.name[:80]!r} claims {domain}, address is " \
                   f"{p.from_addr.email[:80]}"
    return None


@spam_rule("brand_impersonation", 3.0, phishing=True, description=
           "the display name claims a well-known brand the address does not belong to")
def _brand_impersonation(p: ParsedMessage, scan: MessageScan) -> str | None:
    if p.from_addr is None:
        return None
    found = _BRAND_RE.search(p.from_addr.name[:300].replace("_", " "))
    if not found:
        return None
    brand = _BRANDS_UNSPACED[found.group(1).lower().replace(" ", "")]
    sender_domain = registered_domain(p.from_addr.email.rpartition("@")[2])
    if sender_domain in IMPERSONATED_BRANDS[brand] or brand.replace(" ", "") in sender_domain:
        return None
    return f"From name {p.from_addr.name[:80]!r} claims {brand}, sent from {sender_domain}"


def _extensions(filename: str) -> list[str]:
    return [part.lower() for part in filename.split(".")[1:]]


@spam_rule("risky_attachment", 4.0, phishing=True, description=
           "an attachment is an executable, script or disk image")
def _risky_attachment(p: ParsedMessage, scan: MessageScan) -> str | None:
    for att in p.attachments[:50]:
        exts = _extensions(att.original_filename or att.filename)
        if exts and exts[-1] in RISKY_EXTENSIONS:
            return f"attachment {att.filename[:80]!r} is an executable or script"
    return None


@spam_rule("double_extension", 3.0, phishing=True, description=
           "an attachment name hides an executable behind a document extension")
def _double_extension(p: ParsedMessage, scan: MessageScan) -> str | None:
    for att in p.attachments[:50]:
        exts = _extensions(att.original_filename or att.filename)
        if len(exts) >= 2 and exts[-2] in DOCUMENT_EXTENSIONS and exts[-1] in RISKY_EXTENSIONS:
            return f"attachment {att.filename[:80]!r} hides its type behind a double extension"
    return None


@spam_rule("macro_document", 3.0, phishing=True, description=
           "an attachment is a macro-enabled Office document")
def _macro_document(p: ParsedMessage, scan: MessageScan) -> str | None:
    for att in p.attachments[:50]:
        exts = _extensions(att.original_filename or att.filename)
        if exts and exts[-1] in MACRO_EXTENSIONS:
            return f"attachment {att.filename[:80]!r} is a macro-enabled document"
    return None


class MessageScan:
    """One message as the checks read it: the parsed message, our own domains, and the
    lower-cased texts several checks search, each made on first use and once per message
    (lower-casing the body is a pass over up to 50,000 characters, and six checks ask)."""

    __slots__ = ("_auth", "_body", "_html", "_lures", "_prose", "own_domains", "parsed",
                 "trusted_ids")

    def __init__(self, parsed: ParsedMessage, own_domains: tuple[str, ...] = (),
                 trusted_ids: tuple[str, ...] = ()) -> None:
        self.parsed = parsed
        self.own_domains = own_domains
        self.trusted_ids = tuple(i.lower() for i in trusted_ids)
        self._auth: tuple[list[tuple[str, str]], list[str]] | None = None
        self._body: str | None = None
        self._html: str | None = None
        self._lures: list[str] | None = None
        self._prose: str | None = None

    @property
    def trusted_results(self) -> list[tuple[str, str]]:
        """(authserv-id, header) of the Authentication-Results to believe
        (:func:`~inboxwatch.classify.lists.trusted_auth_results`)."""
        return self._auth_split()[0]

    @property
    def untrusted_ids(self) -> list[str]:
        """The authserv-ids of the Authentication-Results not believed."""
        return self._auth_split()[1]

    def _auth_split(self) -> tuple[list[tuple[str, str]], list[str]]:
        if self._auth is None:
            self._auth = trusted_auth_results(self.parsed, self.trusted_ids)
        return self._auth

    @property
    def body(self) -> str:
        if self._body is None:
            self._body = self.parsed.text[:MAX_SCANNED_CHARS].lower()
        return self._body

    @property
    def html(self) -> str:
        if self._html is None:
            html = self.parsed.html
            self._html = html[:MAX_SCANNED_CHARS].lower() if html is not None else ""
        return self._html

    @property
    def prose(self) -> str:
        """Subject and body lower-cased, every run of white space one space: a phrase
        broken across lines (plain text is wrapped at 72 columns) is found whole."""
        if self._prose is None:
            self._prose = " ".join(self.with_subject(self.parsed.subject[:300]).split())
        return self._prose

    def with_subject(self, subject: str) -> str:
        """``f"{subject}\\n{body}".lower()``: the same string, as lower-casing never looks
        across a line break (only final sigma depends on its neighbours, and stops there)."""
        return f"{subject.lower()}\n{self.body}"

    def lures(self) -> list[str]:
        """The lure phrases in subject and body; two checks ask."""
        if self._lures is None:
            text = self.with_subject(self.parsed.subject[:1000])
            self._lures = [m.group(0) for lure in CREDENTIAL_LURES if (m := lure.search(text))]
        return self._lures


@spam_rule("credential_lure", 2.0, phishing=True, description=
           "the text urges the reader to act on an account or credentials")
def _credential_lure(p: ParsedMessage, scan: MessageScan) -> str | None:
    found = scan.lures()
    return f"asks to act on an account: {found[0][:60]!r}" if found else None


@spam_rule("credential_lures", 2.0, phishing=True, description=
           "more than one such urge")
def _credential_lures(p: ParsedMessage, scan: MessageScan) -> str | None:
    found = scan.lures()
    if len(found) >= 2:
        return "several account threats: " + "; ".join(repr(f[:60]) for f in found[1:4])
    return None


def _marks_found(marks: tuple[tuple[str, GuardedPattern], ...],
                 text: str) -> list[tuple[str, str]]:
    """(mark, the phrase that shows it) of each of ``marks`` that ``text`` holds."""
    return [(mark, m.group(0)) for mark, pattern in marks if (m := pattern.search(text))]


def _marks_shown(found: list[tuple[str, str]], what: str) -> str:
    """The evidence of a rule of marks: how many of ``what``, and the first four."""
    return f"{len(found)} marks of {what}: " + "; ".join(
        f"{mark} ({phrase[:40]!r})" for mark, phrase in found[:4])


ADVANCE_FEE_MIN_MARKS = 3  # one or two are in news and in real estate questions


@spam_rule("advance_fee", 3.0, phishing=True, description=
           "the story of advance-fee fraud: a fortune held abroad and a share of it offered")
def _advance_fee(p: ParsedMessage, scan: MessageScan) -> str | None:
    found = _marks_found(ADVANCE_FEE_MARKS, scan.prose)
    if len(found) < ADVANCE_FEE_MIN_MARKS or not ADVANCE_FEE_OFFERS.intersection(
            mark for mark, _ in found):
        return None
    return _marks_shown(found, "advance-fee fraud")


INCOME_PITCH_MIN_MARKS = 2  # one is in list mail about jobs and money


@spam_rule("income_pitch", 2.0,
           "pitches a money-making scheme: work from home, extra income, be your own boss")
def _income_pitch(p: ParsedMessage, scan: MessageScan) -> str | None:
    found = _marks_found(INCOME_PITCH_MARKS, scan.prose)
    if len(found) < INCOME_PITCH_MIN_MARKS:
        return None
    return _marks_shown(found, "a money-making pitch")


# A cryptocurrency and a windfall told to the reader: the fortune of advance-fee fraud, in
# coins. Not a withdrawal or a balance by itself: a client of an exchange writes "my
# withdrawal of 0.5 BTC has not arrived".
_COIN_RE = GuardedPattern(r"\b(bitcoins?|btc|ethereum|eth|usdt|tether|crypto(currency)?)\b",
                          ("bitcoin", "btc", "eth", "usdt", "tether", "crypto"))
_WINDFALL_RE = GuardedPattern(
    r"has been (funded|credited)|you are now rich|"
    r"(credited|transferred|sent) to your (wallet|account|balance)|"
    r"your (mining|bitcoin|btc|crypto) (balance|profit)",
    ("has been ", "rich", " to your ", "your "))


@spam_rule("crypto_windfall", 2.0, phishing=True, description=
           "tells the reader a sum in cryptocurrency is theirs to collect")
def _crypto_windfall(p: ParsedMessage, scan: MessageScan) -> str | None:
    # Ratware writes words apart with "_" and "." in subjects and file names: those two,
    # short, are read again with spaces (not the whole body, copied for every message).
    names = " ".join(a.filename for a in p.attachments[:5]).replace(".", " ")
    apart = f"{p.subject[:300]} {names}".lower().replace("_", " ")
    text = f"{scan.prose} {apart}"
    coin = _COIN_RE.search(text)
    windfall = _WINDFALL_RE.search(text) if coin else None
    if coin and windfall:
        return f"{coin.group(0)!r} with {windfall.group(0)!r}"
    return None


def _is_abused_host(host: str) -> bool:
    """Whether ``host`` is one of :data:`ABUSED_LINK_HOSTS` or below one. Its own name and
    the name after each of its dots are looked up: "host ends with '.' + h" without a loop
    over the hosts."""
    if host in _ABUSED_HOSTS:
        return True
    dot = host.find(".")
    while dot >= 0:
        if host[dot + 1:] in _ABUSED_HOSTS:
            return True
        dot = host.find(".", dot + 1)
    return False


@spam_rule("abused_link_host", 2.0, phishing=True, description=
           "a link goes to a shortener or free hosting, where credential forms live")
def _abused_host(p: ParsedMessage, scan: MessageScan) -> str | None:
    for link in p.links[:200]:
        host = _host(link.href)
        if host and _is_abused_host(host):
            return f"link to a free hosting or shortener service: {host[:100]}"
    return None


_ADDRESS_RE = re.compile(r"[\w.+-]+@([\w-]+(\.[\w-]+)+)")


@spam_rule("name_is_other_address", 2.5, phishing=True, description=
           "the display name is an address at another domain than the sender's")
def _name_is_other_address(p: ParsedMessage, scan: MessageScan) -> str | None:
    if p.from_addr is None:
        return None
    found = _ADDRESS_RE.search(p.from_addr.name[:300])
    if not found:
        return None
    claimed = registered_domain(found.group(1))
    actual = registered_domain(p.from_addr.email.rpartition("@")[2])
    if claimed == actual:
        return None
    return f"From name shows {found.group(0)[:80]}, address is {p.from_addr.email[:80]}"


@spam_rule("emoji_sender_name", 1.5,
           "the display name carries emoji, as bulk junk does")
def _emoji_sender(p: ParsedMessage, scan: MessageScan) -> str | None:
    if p.from_addr is not None and _EMOJI_RE.search(p.from_addr.name[:300]):
        return f"From name {p.from_addr.name[:80]!r} carries emoji"
    return None


@spam_rule("obfuscated_subject", 2.0,
           "the subject joins words with punctuation to dodge filters")
def _obfuscated_subject(p: ParsedMessage, scan: MessageScan) -> str | None:
    subject = p.subject[:300].strip()
    if " " not in subject and re.fullmatch(r"\w+([_.]+\w+){3,}", subject) \
            and re.search(r"[a-z]", subject, re.I):
        return f"Subject words joined by punctuation: {subject[:80]!r}"
    return None


_SEVEN_DIGITS_RE = re.compile(r"\d{7,}")
_NINE_DIGITS_RE = re.compile(r"\d{9,}")


@spam_rule("generated_sender", 1.0,
           "the sender's address or name is a long run of digits")
def _numeric_sender(p: ParsedMessage, scan: MessageScan) -> str | None:
    if p.from_addr is None:
        return None
    local = p.from_addr.email.partition("@")[0]
    name = p.from_addr.name
    if _SEVEN_DIGITS_RE.search(local) or _NINE_DIGITS_RE.search(name):
        return f"sender looks generated: {p.from_addr.name[:60]!r} <{p.from_addr.email[:80]}>"
    return None


_BULK_MAILER_RE = re.compile("|".join(re.escape(m) for m in BULK_MAILERS))
# A self-respecting mail program names itself with words; ratware puts noise there.
_NOISE_MAILER_RE = re.compile(r"[A-Za-z0-9]{12,}")
# The removal and urgency patterns are searched through most of the text of most mail.
# Every branch starts with a literal character, so the regex engine skips ahead to the
# characters that can start a match: "be X|get X" stands for "(be|get) X", the same tries in
# the same order (only the first match's text is used, never its groups), three times faster.
_LIST_REMOVAL = (r" (taken|deleted|removed) (off|from) (our|this|the|my) "
                 r"((e-?)?mail(ing)?|distribution|contact)? ?(list|database)")
_NOT_WANTED = r" want to (hear from|receive)"
_REMOVAL_RE = GuardedPattern(
    r"to be removed|remove (me|you|yourself|your (e-?mail|name|address))\b|"
    rf"be{_LIST_REMOVAL}|get{_LIST_REMOVAL}|"
    r"u(?<!\wu)nsubscribe\b|o(?<!\wo)pt[- ]?out\b|"  # "\bunsubscribe", as for _MONEY_RE
    rf"don't{_NOT_WANTED}|do not{_NOT_WANTED}|no{_NOT_WANTED}|no longer wish to receive|"
    r"reply with [\"']?remove",
    ("remove", "taken ", "deleted ", "unsubscribe", "opt-out", "opt out", "optout",
     "want to hear from", "want to receive", "no longer wish to receive"))
# "\d(?<!\w\d)" is "\b\d" written so that the pattern starts with a character class, which
# the regex engine can skip ahead to (twice as fast on long text). Searched apart, the "$10"
# branch is tried only at currency signs, and the "10 dollars" branch (run at every digit
# when the two were one pattern) only in text that names a currency.
_MONEY_RE = GuardedAlternation((
    GuardedPattern(r"[$€£]\s?\d[\d,]*(\.\d\d)?", ("$", "€", "£")),
    GuardedPattern(r"\d(?<!\w\d)[\d,]*(\.\d\d)?\s?(dollars|usd|€|£)\b",
                   ("dollars", "usd", "€", "£")),
))
_FREE_MONEY = r" (grant|money|gift|bonus)"
# Searched only in text that names money, which is longer than most; sixteen searches there
# cost a third of what the engine's try of one alternation at every letter did. Each is
# guarded by its literal all the same: most are absent, and "in" rules them out faster.
_URGENCY_RE = GuardedAlternation((
    GuardedPattern(r"act now", ("act now",)),
    GuardedPattern(r"order (now|today)", ("order ",)),
    GuardedPattern(r"limited (time|offer)", ("limited ",)),
    GuardedPattern(r"don'?t (delay|wait|miss)", ("don't ", "dont ")),
    GuardedPattern(r"guarantee(d)?\b", ("guarantee",)),
    GuardedPattern(r"risk[- ]free", ("risk",)),
    GuardedPattern(r"100% (free|satisfied|guaranteed)", ("100% ",)),
    GuardedPattern(r"while supplies last", ("while supplies last",)),
    GuardedPattern(r"call (now|today|toll[- ]free)", ("call ",)),
    GuardedPattern(r"once in a lifetime", ("once in a lifetime",)),
    GuardedPattern(r"no obligation", ("no obligation",)),
    GuardedPattern(r"offer expires", ("offer expires",)),
    GuardedPattern(r"this expires", ("this expires",)),
    GuardedPattern(r"apply (now|today)", ("apply ",)),
    GuardedPattern(f"free{_FREE_MONEY}", ("free ",)),
    GuardedPattern(f"cash{_FREE_MONEY}", ("cash ",)),
))
_CLICK_HERE_RE = GuardedPattern(r"click (here|below|now)\b", ("click ",))
# Run on lower-cased HTML. The font and colour markup is counted one kind at a time: no
# two of these can overlap, so the counts add up to what one alternation would find, and a
# pattern that starts with a word ("color(?<!\wcolor)" is "\bcolor") is found by the regex
# engine's literal-prefix search, four times faster than one alternation on long HTML.
_FONT_TAG_RES = (re.compile(r"<\s*font\b"), re.compile(r"color(?<!\wcolor)\s*[=:]"),
                 re.compile(r"bgcolor(?<!\wbgcolor)\s*="))
_IMG_TAG_RE = re.compile(r"<\s*img\b")
_TAG_RE = re.compile(r"<[^>]{0,2000}>")


@spam_rule("subject_shouts", 1.0,
           "the subject is mostly upper-case")
def _subject_shouts(p: ParsedMessage, scan: MessageScan) -> str | None:
    subject = p.subject[:300]
    letters = "".join(filter(str.isalpha, subject))
    if not letters.isascii():
        letters = "".join(filter(str.isascii, letters))
    if len(letters) >= 12 and sum(map(str.isupper, letters)) / len(letters) >= 0.8:
        return f"Subject mostly upper-case: {subject[:80]!r}"
    return None


_SUBJECT_HYPE_RE = re.compile(r"!{3,}|\${2,}|!.*!|[$€£]\s?\d")


@spam_rule("subject_hype", 1.0,
           "the subject has !!!, $$$ or a money amount")
def _subject_hype(p: ParsedMessage, scan: MessageScan) -> str | None:
    subject = p.subject[:300]
    if _SUBJECT_HYPE_RE.search(subject):
        return f"Subject shouts or names money: {subject[:80]!r}"
    return None


@spam_rule("html_shouts", 1.5,
           "HTML-only, dressed in font and colour markup or images rather than text")
def _html_shouts(p: ParsedMessage, scan: MessageScan) -> str | None:
    if p.html is None or "text/plain" in p.parts:
        return None
    html = p.html[:MAX_SCANNED_CHARS]
    lowered = scan.html
    fonts = sum(len(pattern.findall(lowered)) for pattern in _FONT_TAG_RES)
    images = len(_IMG_TAG_RE.findall(lowered))
    if fonts < 5 and images == 0:
        return None  # the text is only weighed against markup and images
    text_chars = sum(map(len, _TAG_RE.sub(" ", html).split()))
    if fonts >= 15 or (fonts >= 5 and fonts * 100 >= text_chars):
        return f"HTML-only, {fonts} font and colour tags for {text_chars} characters of text"
    if images >= 1 and text_chars < 200 * images:
        return f"HTML-only, {images} images and {text_chars} characters of text"
    return None


@spam_rule("removal_instructions", 1.5,
           "tells the reader how to be removed, without being a mailing list")
def _removal_text(p: ParsedMessage, scan: MessageScan) -> str | None:
    if p.header_all("List-Id") or p.header_all("List-Unsubscribe"):
        return None  # a real list says so in headers, and unsubscribing is its business
    found = _REMOVAL_RE.search(scan.body)
    return f"removal instructions outside a mailing list: {found.group(0)[:60]!r}" \
        if found else None


# A sales pitch's promise (SpamAssassin's MONEY_BACK and BANG_GUAR). Lower-cased text.
_GUARANTEE_RE = GuardedPattern(
    r"money[- ]?back guarantee|100 ?% (satisfaction )?guarantee|satisfaction guaranteed|"
    r"risk[- ]free|guarantee[ds]? ?!", ("guarantee", "risk"))


@spam_rule("guarantee_pitch", 1.0,
           "promises money back, no risk or a guarantee with an exclamation mark")
def _guarantee_pitch(p: ParsedMessage, scan: MessageScan) -> str | None:
    found = _GUARANTEE_RE.search(scan.prose)
    return f"sales promise {found.group(0)[:40]!r}" if found else None


# Consent claimed through someone else: rented address lists say so to look legal. A list
# the reader joined names itself ("you subscribed to ..."), not its "partners".
_PARTNER_CONSENT_RE = GuardedPattern(
    r"(receiv(e|ed|ing) this|opted[- ]in|opt[- ]in|signed up|subscribed|registered|agreed)"
    r"[^.]{0,120}\b(one of )?(our|its|a|an) ((\w+ ){0,2})(partners?|affiliates?|sponsors?)\b",
    ("partner", "affiliate", "sponsor"))


@spam_rule("partner_consent", 1.5,
           "claims the reader agreed to it at a \"partner\" or \"affiliate\": a rented list")
def _partner_consent(p: ParsedMessage, scan: MessageScan) -> str | None:
    found = _PARTNER_CONSENT_RE.search(scan.prose)
    return f"consent claimed through another: {found.group(0)[-80:]!r}" if found else None


@spam_rule("click_here", 0.5,
           "says \"click here\"")
def _click_here(p: ParsedMessage, scan: MessageScan) -> str | None:
    found = _CLICK_HERE_RE.search(scan.body)
    return f"{found.group(0)!r}" if found else None


@spam_rule("money_urgency", 1.5,
           "names money and presses for action")
def _money_urgency(p: ParsedMessage, scan: MessageScan) -> str | None:
    text = scan.with_subject(p.subject[:300])
    money = _MONEY_RE.search(text)
    urgency = _URGENCY_RE.search(text) if money else None
    if money and urgency:
        return f"money {money.group(0)[:30]!r} with urgency {urgency.group(0)[:40]!r}"
    return None


_ZONE_RE = re.compile(r"([+-])(\d\d)(\d\d)\s*(\(.*\))?\s*$")
# Any zone at the end of a Date (a comment after it allowed): numeric, or a name in capitals.
_ANY_ZONE_RE = re.compile(r"(?:[+-]\d{4}|\b[A-Z]{1,5})\s*(?:\([^()]*\))?\s*$")


@spam_rule("bad_date", 1.5,
           "the Date header is missing or impossible: forged")
def _bad_date(p: ParsedMessage, scan: MessageScan) -> str | None:
    value = p.header("Date")
    if value is None:
        return "no Date header"
    zone = _ZONE_RE.search(value.strip())
    if zone and (int(zone.group(2)) > 14 or int(zone.group(3)) >= 60):
        return f"Date with an impossible time zone: {value[:60]!r}"
    if p.date is None:
        return f"Date not a date: {value[:60]!r}"
    return None


@spam_rule("date_without_zone", 1.5,
           "a Date without the time zone every mail program writes: printed by ratware")
def _date_without_zone(p: ParsedMessage, scan: MessageScan) -> str | None:
    """RFC 5322 asks for a numeric zone and every mail program writes one; ratware that
    prints its own dates gets it wrong (``GMT+1``, ``Eastern Daylight Time``, ``01800``, none
    at all: 22 of the 500 SpamAssassin spams, none of its 1,625 ham). A named zone such as
    ``JST`` or ``CET``, which some real servers write, is let through. Its own row, not
    :func:`_bad_date`'s: fitted together, a message with no Date at all (which a test
    script or a device may send) weighed as much as this."""
    value = " ".join((p.header("Date") or "").split())
    if not value or p.date is None or _ANY_ZONE_RE.search(value):
        return None
    return f"Date without a time zone: {value[:60]!r}"


@spam_rule("no_message_id", 1.0,
           "there is no Message-ID, which every real mail program adds")
def _no_message_id(p: ParsedMessage, scan: MessageScan) -> str | None:
    return None if p.header("Message-ID") else "no Message-ID header"


@spam_rule("bulk_mailer", 2.0,
           "X-Mailer names a mass-mailing program, or is random noise")
def _bulk_mailer(p: ParsedMessage, scan: MessageScan) -> str | None:
    value = p.header("X-Mailer")
    if value is None:
        return None
    if _BULK_MAILER_RE.search(value[:200].lower()) or (
            " " not in value.strip() and _NOISE_MAILER_RE.fullmatch(value.strip())
            and re.search(r"[a-z]", value) and re.search(r"[A-Z].*[A-Z]", value)):
        return f"X-Mailer: {value[:80]}"
    return None


@spam_rule("forged_outlook_html", 1.5,
           "claims Outlook, which never sends HTML without a plain-text part")
def _forged_outlook_html(p: ParsedMessage, scan: MessageScan) -> str | None:
    value = p.header("X-Mailer") or ""
    if "outlook" in value[:200].lower() and p.html is not None and "text/plain" not in p.parts:
        return f"X-Mailer: {value[:80]}, but HTML without a plain-text part"
    return None


def _random_local_part(address: str) -> bool:
    local = address.strip().strip("<>").partition("@")[0]
    if not (10 <= len(local) <= 64 and local.isascii() and local.isalnum()):
        return False
    letters = [c for c in local if c.isalpha()]
    changes = sum(a.isupper() != b.isupper() for a, b in pairwise(letters))
    return changes >= 4 and any(c.isdigit() for c in local)


_MAILBOX_RE = re.compile(r"[\w.+=-]{1,64}@")


@spam_rule("random_sender", 1.5,
           "the sender's mailbox name is random letters and digits")
def _random_sender(p: ParsedMessage, scan: MessageScan) -> str | None:
    # The raw headers: the parsed addresses are lower-cased, and case is the tell here.
    for name in ("From", "Return-Path"):
        for found in _MAILBOX_RE.finditer((p.header(name) or "")[:500]):
            if _random_local_part(found.group(0)):
                return f"{name} mailbox looks random: {found.group(0)[:70]}"
    return None


@spam_rule("mass_recipients", 1.5,
           "addressed openly to a crowd of recipients")
def _mass_recipients(p: ParsedMessage, scan: MessageScan) -> str | None:
    count = len(p.recipients)
    return f"{count} visible recipients" if count >= 20 else None


@spam_rule("html_attachment", 2.0, phishing=True, description=
           "an attachment is a web page (or SVG): a local copy of a credential form")
def _html_attachment(p: ParsedMessage, scan: MessageScan) -> str | None:
    for att in p.attachments[:50]:
        exts = _extensions(att.original_filename or att.filename)
        if exts and exts[-1] in {"htm", "html", "shtml", "xhtml", "svg"}:
            return f"attachment {att.filename[:80]!r} is a web page"
    return None


@spam_rule("html_form", 2.0, phishing=True, description=
           "the message itself is a form that asks for credentials")
def _html_form(p: ParsedMessage, scan: MessageScan) -> str | None:
    html = scan.html
    if "<form" in html and re.search(r"<input[^>]{0,300}type\s*=\s*[\"']?(password|email)", html):
        return "the HTML body is a form asking for a password or address"
    return None


_SCRIPT_WORD_RE = re.compile(r"\w{3,}")  # the words whose letters _mixed_script checks
_LATIN_RE = re.compile(r"[A-Za-z]")
_LOOKALIKE_RE = re.compile("[\u0400-\u04FF\u0370-\u03FF]")  # Cyrillic and Greek letters
_INVISIBLE_RE = GuardedPattern(  # every match holds one of the invisible characters
    "[\u200B-\u200D\u2060\uFEFF\u00AD]{3,}|"
    "[\u200B-\u200D\u2060\uFEFF\u00AD]\\w[\u200B-\u200D\u2060\uFEFF\u00AD]",
    ("\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD"))
_HIDDEN_HTML_RE = GuardedPattern(
    r"display\s*:\s*none|font-size\s*:\s*0(px|pt|em)?\s*[;\"']|visibility\s*:\s*hidden",
    ("display", "font-size", "visibility"))


@spam_rule("mixed_script", 2.0, phishing=True, description=
           "a word in the sender name or subject mixes Latin with look-alike letters")
def _mixed_script(p: ParsedMessage, scan: MessageScan) -> str | None:
    name = p.from_addr.name if p.from_addr else ""
    for where, text in (("From name", name[:300]), ("Subject", p.subject[:300])):
        for word in _SCRIPT_WORD_RE.findall(text):
            if _LATIN_RE.search(word) and _LOOKALIKE_RE.search(word):
                return f"{where} word {word[:40]!r} mixes Latin with look-alike letters"
    return None


@spam_rule("hidden_text", 1.5,
           "text hidden from the reader, to feed filters words the reader never sees")
def _hidden_text(p: ParsedMessage, scan: MessageScan) -> str | None:
    if _INVISIBLE_RE.search(f"{p.subject[:300]}\n{p.text[:MAX_SCANNED_CHARS]}"):
        return "zero-width or soft-hyphen characters hidden between letters"
    if p.html is None or "text/plain" in p.parts:
        return None  # only HTML-only mail hides its text from the reader
    found = _HIDDEN_HTML_RE.search(scan.html)
    return f"HTML hides text from the reader: {found.group(0)[:40]!r}" if found else None


@spam_rule("punycode_link", 1.5, phishing=True, description=
           "a link goes to a punycode host, where look-alike domains live")
def _punycode_link(p: ParsedMessage, scan: MessageScan) -> str | None:
    for link in p.links[:200]:
        host = _host(link.href)
        if host and any(label.startswith("xn--") for label in host.split(".")):
            return f"link to an internationalised (punycode) host: {host[:80]}"
    return None


@spam_rule("freemail_reply_to", 1.0,
           "replies go to a free-mail address at another domain than the sender's")
def _freemail_reply_to(p: ParsedMessage, scan: MessageScan) -> str | None:
    if p.from_addr is None or not p.reply_to:
        return None
    sender = registered_domain(p.from_addr.email.rpartition("@")[2])
    for addr in p.reply_to[:5]:
        domain = registered_domain(addr.email.rpartition("@")[2])
        if domain in FREEMAIL_DOMAINS and domain != sender:
            return f"replies go to {addr.email[:80]}, a free-mail address, not {sender}"
    return None


# Header forensics (:mod:`inboxwatch.classify.forensics`): checks of headers alone.
for _rule, _points, _check, _description in forensics.HEADER_RULES:
    spam_rule(_rule, _points, _description)(forensics.header_check(_check))


SPAM_RULES: tuple[SpamRule, ...] = tuple(_RULES)
