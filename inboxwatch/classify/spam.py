"""Spam, phishing and marketing: a score in points, a verdict, and the evidence for both.

Two kinds of evidence are added up, SpamAssassin style:

* :data:`SPAM_RULES` — one row per check (upstream verdicts, Authentication-Results
  failures, deceptive links, display-name spoofing of our own domains or of well-known
  brands, risky attachments, credential-lure phrases), each with its points and whether it
  is *phishing* evidence (deception aimed at credentials or money) rather than junk. Classic
  SpamAssassin-style rows (shouting subjects, markup-heavy HTML-only bodies, removal
  instructions outside a list, forged dates and mailers, ratware, random senders) carry the
  junk signal independently of vocabulary.
* the content classifier (:mod:`inboxwatch.classify.model`), whose indicator in ``[0, 1]``
  becomes points by :func:`content_points`; its middle range is "unsure" and can never make
  a message junk on its own.

:func:`verdict` turns the sum into a category: ``phishing`` when the message scores as junk
and enough of the score is phishing evidence (or the phishing evidence alone is damning),
``spam`` when it scores as junk otherwise, ``marketing`` for bulk mail that is not junk
(:data:`BULK_RULES`). Nothing here deletes anything; the category only sorts and alerts.

The pure half (:func:`collect_evidence`) runs in worker processes; :func:`verdict` is cheap
and is re-run by routing when operator feedback has changed the classifier since.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from inboxwatch.classify.model import ContentScore, TokenModel, message_tokens, registered_domain
from inboxwatch.explain import RuleHit
from inboxwatch.parse import ParsedMessage

__all__ = [
    "BULK_RULES",
    "PHISHING_ALONE",
    "PHISHING_SHARE",
    "SPAM_RULES",
    "SPAM_THRESHOLD",
    "GuardedAlternation",
    "GuardedPattern",
    "SpamEvidence",
    "SpamRule",
    "SpamVerdict",
    "collect_evidence",
    "content_points",
    "verdict",
]

SPAM_THRESHOLD = 5.0  # points at which a message is junk (spam or phishing)
PHISHING_SHARE = 3.0  # junk with at least this many phishing points is phishing
PHISHING_ALONE = 6.0  # phishing points that make a message phishing whatever else it says
MAX_SCANNED_CHARS = 50_000

RISKY_EXTENSIONS = frozenset({
    "exe", "scr", "js", "jse", "vbs", "vbe", "bat", "cmd", "ps1", "jar", "iso", "img",
    "lnk", "hta", "msi", "com", "pif", "cpl", "wsf", "reg", "vhd", "one",
})
MACRO_EXTENSIONS = frozenset({"docm", "xlsm", "pptm", "dotm", "xltm", "xlam", "ppsm"})
DOCUMENT_EXTENSIONS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "txt", "jpg", "jpeg",
                                 "png", "gif", "zip", "rar", "html", "htm", "rtf", "csv"})

# Brands phishing pretends to be, and the registered domains they really send from.
IMPERSONATED_BRANDS: dict[str, tuple[str, ...]] = {
    "paypal": ("paypal.com",),
    "apple": ("apple.com", "icloud.com"),
    "icloud": ("apple.com", "icloud.com"),
    "microsoft": ("microsoft.com", "office.com", "outlook.com", "live.com", "office365.com"),
    "office 365": ("microsoft.com", "office.com", "office365.com"),
    "outlook": ("microsoft.com", "outlook.com", "office.com"),
    "onedrive": ("microsoft.com", "onedrive.com"),
    "sharepoint": ("microsoft.com", "sharepoint.com"),
    "netflix": ("netflix.com",),
    "amazon": ("amazon.com", "amazon.co.uk", "amazon.de", "amazonses.com"),
    "docusign": ("docusign.net", "docusign.com"),
    "dropbox": ("dropbox.com",),
    "dhl": ("dhl.com", "dhl.de"),
    "fedex": ("fedex.com",),
    "usps": ("usps.com", "usps.gov"),
    "wells fargo": ("wellsfargo.com",),
    "bank of america": ("bankofamerica.com", "bofa.com"),
    "chase": ("chase.com",),
    "coinbase": ("coinbase.com",),
    "binance": ("binance.com",),
    "metamask": ("metamask.io",),
    "facebook": ("facebook.com", "facebookmail.com", "meta.com"),
    "instagram": ("instagram.com", "mail.instagram.com"),
    "linkedin": ("linkedin.com",),
    "google": ("google.com", "gmail.com", "youtube.com"),
    "american express": ("americanexpress.com", "aexp.com"),
    "norton": ("norton.com", "nortonlifelock.com"),
    "mcafee": ("mcafee.com",),
    "ledger": ("ledger.com",),
    "trezor": ("trezor.io",),
    "stellar": ("stellar.org",),
    "trust wallet": ("trustwallet.com",),
    "blockchain": ("blockchain.com",),
    "postnl": ("postnl.nl",),
    "webmail": (),
    "mail administrator": (),
    "it support": (),
    "help desk": (),
}
_BRAND_RE = re.compile(r"\b(" + "|".join(re.escape(b) for b in IMPERSONATED_BRANDS) + r")\b",
                       re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class GuardedPattern:
    """A regular expression, and literals ("needles") at least one of which is part of
    every match it can make.

    A pattern that does not start with a literal is tried by the regex engine at almost
    every position of the text; ``in`` finds a literal many times faster, and most mail
    holds none of the needles. Then the search is skipped with the answer it would have
    given (no match); otherwise the pattern runs as written, so what it finds is unchanged.
    The needles are tested against the pattern (every generated match holds one) in
    ``tests/test_classify_spam.py``.
    """

    pattern: str
    needles: tuple[str, ...] = ()  # none: always searched
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        assert all(self.needles), f"{self.pattern}: an empty needle is in every text"
        object.__setattr__(self, "compiled", re.compile(self.pattern))

    def search(self, text: str) -> re.Match[str] | None:
        if not self.needles:
            return self.compiled.search(text)
        for needle in self.needles:
            if needle in text:
                return self.compiled.search(text)
        return None


@dataclass(frozen=True, slots=True)
class GuardedAlternation:
    """``a|b|...``, each alternative searched on its own: the same match, far faster when
    the alternatives share no first literal.

    Such an alternation is tried by the regex engine at every position where any
    alternative could start (for a dozen words, nearly every letter of the text); an
    alternative alone starts with a literal the engine skips ahead to, or is skipped by
    its needles. The alternation's match is the leftmost, and of those starting at one
    position the first alternative's: the earliest start of the separate searches, the
    earlier alternative on a tie.
    """

    alternatives: tuple[GuardedPattern, ...]

    def search(self, text: str) -> re.Match[str] | None:
        first: re.Match[str] | None = None
        for alternative in self.alternatives:
            found = alternative.search(text)
            if found is not None and (first is None or found.start() < first.start()):
                first = found
        return first


# Phrases that ask the reader to hand over credentials or act on a threat to an account.
# Matched against lower-cased text: IGNORECASE defeats the regex engine's literal-prefix
# search and made these the costliest step of classification. A pattern that starts with a
# literal needs no needles: the engine's own prefix search is as fast as "in".
CREDENTIAL_LURES: tuple[GuardedPattern, ...] = (
    GuardedPattern(r"verify your (account|identity|email|information|details)"),
    GuardedPattern(r"confirm your (account|identity|email|information|details|password)"),
    GuardedPattern(r"(account|mailbox|access) (has been |was |will be )?(suspended|locked|"
                   r"limited|disabled|restricted|deactivated|terminated|closed|on hold)",
                   ("account ", "mailbox ", "access ")),
    GuardedPattern(r"unusual (sign[- ]?in|login|activity)"),
    GuardedPattern(r"(suspicious|unauthori[sz]ed) (activity|login|sign[- ]?in|access|"
                   r"transaction)", ("suspicious ", "unauthori")),
    GuardedPattern(r"update your (payment|billing|account|card)"),
    GuardedPattern(r"password (will )?(expire|expires|expired)"),
    GuardedPattern(r"mailbox (is )?(full|quota|storage)"),
    GuardedPattern(r"storage (is )?(full|quota)"),
    GuardedPattern(r"click (here|below|the link) to (verify|confirm|login|log in|sign in|"
                   r"restore|unlock|reactivate|update|validate)"),
    GuardedPattern(r"(reset|validate|re-?activate) your (password|account)",
                   ("your password", "your account")),
    GuardedPattern(r"(failed|pending|held) (delivery|payment|messages)",
                   (" delivery", " payment", " messages")),
    GuardedPattern(r"your (package|parcel|shipment) (could not|couldn't|cannot) be delivered"),
    GuardedPattern(r"security (alert|notice|warning)"),
    GuardedPattern(r"within (24|48|72) hours"),
    GuardedPattern(r"(seed|recovery|secret|mnemonic) (phrase|words)", (" phrase", " words")),
    GuardedPattern(r"wallet (has been |was |is )?(suspended|locked|disabled|compromised|"
                   r"deactivated)"),
    GuardedPattern(r"(claim|receive|withdraw) your (reward|prize|bonus|funds|bitcoin|btc|"
                   r"crypto)", ("claim your ", "receive your ", "withdraw your ")),
    GuardedPattern(r"you ha(ve|s) (won|been selected)"),
    GuardedPattern(r"withdrawal (error|failed|pending)"),
)
# Hosts where anyone can publish a page in minutes: where credential forms are hosted.
ABUSED_LINK_HOSTS: tuple[str, ...] = (
    "bit.ly", "tinyurl.com", "is.gd", "cutt.ly", "rebrand.ly", "t.ly", "shorturl.at",
    "ipfs.io", "web.app", "firebaseapp.com", "firebasestorage.googleapis.com", "r2.dev",
    "pages.dev", "workers.dev", "storage.googleapis.com", "blob.core.windows.net",
    "forms.gle", "sites.google.com", "000webhostapp.com", "weebly.com", "wixsite.com",
    "ngrok.io", "ngrok-free.app", "glitch.me", "repl.co", "herokuapp.com", "vercel.app",
    "netlify.app", "github.io", "typedream.app", "webflow.io", "square.site", "godaddysites.com",
)
_ABUSED_HOSTS = frozenset(ABUSED_LINK_HOSTS)
_EMOJI_RE = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2764]")
_LOOKS_LIKE_URL_RE = re.compile(r"^(https?://)?([a-z0-9-]+\.)+[a-z]{2,}(/\S*)?$", re.IGNORECASE)
_HOST_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//([^/?#:\s]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SpamRule:
    rule: str  # stable id, shown in explanations
    points: float
    phishing: bool  # evidence of deception aimed at credentials or money
    check: Callable[[ParsedMessage, tuple[str, ...]], str | None]  # -> evidence or None
    description: str


def _upstream_flag(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    value = p.header("X-Spam-Flag")
    return f"X-Spam-Flag: {value[:100]}" if value and value.strip().lower() == "yes" else None


def _upstream_status(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    value = p.header("X-Spam-Status")
    return f"X-Spam-Status: {value[:150]}" if value and re.match(r"\s*yes\b", value, re.I) \
        else None


def _exchange_scl(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    value = p.header("X-MS-Exchange-Organization-SCL")
    if value and re.fullmatch(r"\s*[5-9]\s*", value):
        return f"X-MS-Exchange-Organization-SCL: {value.strip()} (5-9: spam)"
    return None


def _auth(method: str, results: str) -> Callable[[ParsedMessage, tuple[str, ...]], str | None]:
    pattern = re.compile(rf"\b{method}\s*=\s*({results})\b", re.IGNORECASE)

    def check(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
        for value in p.header_all("Authentication-Results")[:5]:
            found = pattern.search(value[:4000])
            if found:
                return f"Authentication-Results: {found.group(0)}"
        return None

    return check


def _host(url: str) -> str | None:
    found = _HOST_RE.match(url.strip())
    return found.group(1).lower().rstrip(".") if found else None


def _link_mismatch(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    for link in p.links[:200]:
        text = link.text.strip().rstrip("/.")
        if not _LOOKS_LIKE_URL_RE.match(text):
            continue
        shown = _host(text if "//" in text else "//" + text)
        target = _host(link.href)
        if shown and target and registered_domain(shown) != registered_domain(target):
            return f"link text {text[:80]!r} goes to {target[:80]}"
    return None


def _ip_link(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    for link in p.links[:200]:
        host = _host(link.href)
        if host and re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", host):
            return f"link to a bare IP address: {link.href[:100]}"
    return None


def _own_domain_spoof(p: ParsedMessage, own_domains: tuple[str, ...]) -> str | None:
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


def _brand_impersonation(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    if p.from_addr is None:
        return None
    found = _BRAND_RE.search(p.from_addr.name[:300])
    if not found:
        return None
    brand = found.group(1).lower()
    sender_domain = registered_domain(p.from_addr.email.rpartition("@")[2])
    if sender_domain in IMPERSONATED_BRANDS[brand] or brand.replace(" ", "") in sender_domain:
        return None
    return f"From name {p.from_addr.name[:80]!r} claims {brand}, sent from {sender_domain}"


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


def _abused_host(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    for link in p.links[:200]:
        host = _host(link.href)
        if host and _is_abused_host(host):
            return f"link to a free hosting or shortener service: {host[:100]}"
    return None


_ADDRESS_RE = re.compile(r"[\w.+-]+@([\w-]+(\.[\w-]+)+)")


def _name_is_other_address(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
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


def _emoji_sender(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    if p.from_addr is not None and _EMOJI_RE.search(p.from_addr.name[:300]):
        return f"From name {p.from_addr.name[:80]!r} carries emoji"
    return None


def _obfuscated_subject(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    subject = p.subject[:300].strip()
    if " " not in subject and re.fullmatch(r"\w+([_.]+\w+){3,}", subject) \
            and re.search(r"[a-z]", subject, re.I):
        return f"Subject words joined by punctuation: {subject[:80]!r}"
    return None


_SEVEN_DIGITS_RE = re.compile(r"\d{7,}")
_NINE_DIGITS_RE = re.compile(r"\d{9,}")


def _numeric_sender(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    if p.from_addr is None:
        return None
    local = p.from_addr.email.partition("@")[0]
    name = p.from_addr.name
    if _SEVEN_DIGITS_RE.search(local) or _NINE_DIGITS_RE.search(name):
        return f"sender looks generated: {p.from_addr.name[:60]!r} <{p.from_addr.email[:80]}>"
    return None


def _extensions(filename: str) -> list[str]:
    return [part.lower() for part in filename.split(".")[1:]]


def _risky_attachment(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    for att in p.attachments[:50]:
        exts = _extensions(att.original_filename or att.filename)
        if exts and exts[-1] in RISKY_EXTENSIONS:
            return f"attachment {att.filename[:80]!r} is an executable or script"
    return None


def _double_extension(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    for att in p.attachments[:50]:
        exts = _extensions(att.original_filename or att.filename)
        if len(exts) >= 2 and exts[-2] in DOCUMENT_EXTENSIONS and exts[-1] in RISKY_EXTENSIONS:
            return f"attachment {att.filename[:80]!r} hides its type behind a double extension"
    return None


def _macro_document(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    for att in p.attachments[:50]:
        exts = _extensions(att.original_filename or att.filename)
        if exts and exts[-1] in MACRO_EXTENSIONS:
            return f"attachment {att.filename[:80]!r} is a macro-enabled document"
    return None


class _LowerCased:
    """The lower-cased text that several rules search, made once per message.

    Lower-casing the body is a pass over up to 50,000 characters, and six rules asked for
    it. The views of the last message are kept, keyed by the very string objects they were
    made from: strings are immutable, so the same objects give the same views, whatever
    became of the message object since.
    """

    __slots__ = ("_lures", "body", "html", "made_from")

    def __init__(self, p: ParsedMessage) -> None:
        self.made_from = (p.subject, p.text, p.html)
        self.body = p.text[:MAX_SCANNED_CHARS].lower()
        self.html = p.html[:MAX_SCANNED_CHARS].lower() if p.html is not None else ""
        self._lures: list[str] | None = None

    def with_subject(self, subject: str) -> str:
        """``f"{subject}\\n{body}".lower()``: the same string, as lower-casing never looks
        across a line break (only final sigma depends on its neighbours, and stops there)."""
        return f"{subject.lower()}\n{self.body}"

    def lures(self) -> list[str]:
        """The lure phrases in subject and body; two rules ask."""
        if self._lures is None:
            text = self.with_subject(self.made_from[0][:1000])
            self._lures = [m.group(0) for lure in CREDENTIAL_LURES if (m := lure.search(text))]
        return self._lures


_last_lower_cased: _LowerCased | None = None


def _lower_cased(p: ParsedMessage) -> _LowerCased:
    global _last_lower_cased
    views = _last_lower_cased
    if views is not None:
        subject, text, html = views.made_from
        if subject is p.subject and text is p.text and html is p.html:
            return views
    views = _last_lower_cased = _LowerCased(p)
    return views


def _lures(p: ParsedMessage) -> list[str]:
    return _lower_cased(p).lures()


def _credential_lure(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    found = _lures(p)
    return f"asks to act on an account: {found[0][:60]!r}" if found else None


def _credential_lures(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    found = _lures(p)
    if len(found) >= 2:
        return "several account threats: " + "; ".join(repr(f[:60]) for f in found[1:4])
    return None


# -- the 2002-era junk signal, independent of vocabulary (SpamAssassin's classic rules) --

# Mass-mailing programs that name themselves in X-Mailer (SpamAssassin's RATWARE rules).
BULK_MAILERS: tuple[str, ...] = (
    "advanced mass sender", "aureate group mail", "bulk mailer", "dynamic mailer",
    "ehoosend", "emailer platinum", "group mail", "jixing", "mail bomber", "mailking",
    "mass mailer", "massmail", "send-safe", "stealth mailer", "worldmerge", "extractor",
    "direct email", "floodgate", "e-mail sender", "express mailer",
)
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


def _subject_shouts(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    subject = p.subject[:300]
    letters = "".join(filter(str.isalpha, subject))
    if not letters.isascii():
        letters = "".join(filter(str.isascii, letters))
    if len(letters) >= 12 and sum(map(str.isupper, letters)) / len(letters) >= 0.8:
        return f"Subject mostly upper-case: {subject[:80]!r}"
    return None


_SUBJECT_HYPE_RE = re.compile(r"!{3,}|\${2,}|!.*!|[$€£]\s?\d")


def _subject_hype(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    subject = p.subject[:300]
    if _SUBJECT_HYPE_RE.search(subject):
        return f"Subject shouts or names money: {subject[:80]!r}"
    return None


def _html_shouts(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    if p.html is None or "text/plain" in p.parts:
        return None
    html = p.html[:MAX_SCANNED_CHARS]
    lowered = _lower_cased(p).html
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


def _removal_text(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    if p.header_all("List-Id") or p.header_all("List-Unsubscribe"):
        return None  # a real list says so in headers, and unsubscribing is its business
    found = _REMOVAL_RE.search(_lower_cased(p).body)
    return f"removal instructions outside a mailing list: {found.group(0)[:60]!r}" \
        if found else None


def _click_here(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    found = _CLICK_HERE_RE.search(_lower_cased(p).body)
    return f"{found.group(0)!r}" if found else None


def _money_urgency(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    text = _lower_cased(p).with_subject(p.subject[:300])
    money = _MONEY_RE.search(text)
    urgency = _URGENCY_RE.search(text) if money else None
    if money and urgency:
        return f"money {money.group(0)[:30]!r} with urgency {urgency.group(0)[:40]!r}"
    return None


_ZONE_RE = re.compile(r"([+-])(\d\d)(\d\d)\s*(\(.*\))?\s*$")


def _bad_date(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    value = p.header("Date")
    if value is None:
        return "no Date header"
    zone = _ZONE_RE.search(value.strip())
    if zone and (int(zone.group(2)) > 14 or int(zone.group(3)) >= 60):
        return f"Date with an impossible time zone: {value[:60]!r}"
    if p.date is None:
        return f"Date not a date: {value[:60]!r}"
    return None


def _no_message_id(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    return None if p.header("Message-ID") else "no Message-ID header"


def _bulk_mailer(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    value = p.header("X-Mailer")
    if value is None:
        return None
    if _BULK_MAILER_RE.search(value[:200].lower()) or (
            " " not in value.strip() and _NOISE_MAILER_RE.fullmatch(value.strip())
            and re.search(r"[a-z]", value) and re.search(r"[A-Z].*[A-Z]", value)):
        return f"X-Mailer: {value[:80]}"
    return None


def _forged_outlook_html(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
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


def _random_sender(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    # The raw headers: the parsed addresses are lower-cased, and case is the tell here.
    for name in ("From", "Return-Path"):
        for found in _MAILBOX_RE.finditer((p.header(name) or "")[:500]):
            if _random_local_part(found.group(0)):
                return f"{name} mailbox looks random: {found.group(0)[:70]}"
    return None


def _mass_recipients(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    count = len(p.recipients)
    return f"{count} visible recipients" if count >= 20 else None


def _html_attachment(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    for att in p.attachments[:50]:
        exts = _extensions(att.original_filename or att.filename)
        if exts and exts[-1] in {"htm", "html", "shtml", "xhtml", "svg"}:
            return f"attachment {att.filename[:80]!r} is a web page"
    return None


def _html_form(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    html = _lower_cased(p).html
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


def _mixed_script(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    name = p.from_addr.name if p.from_addr else ""
    for where, text in (("From name", name[:300]), ("Subject", p.subject[:300])):
        for word in _SCRIPT_WORD_RE.findall(text):
            if _LATIN_RE.search(word) and _LOOKALIKE_RE.search(word):
                return f"{where} word {word[:40]!r} mixes Latin with look-alike letters"
    return None


def _hidden_text(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    if _INVISIBLE_RE.search(f"{p.subject[:300]}\n{p.text[:MAX_SCANNED_CHARS]}"):
        return "zero-width or soft-hyphen characters hidden between letters"
    if p.html is None or "text/plain" in p.parts:
        return None  # only HTML-only mail hides its text from the reader
    found = _HIDDEN_HTML_RE.search(_lower_cased(p).html)
    return f"HTML hides text from the reader: {found.group(0)[:40]!r}" if found else None


def _punycode_link(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    for link in p.links[:200]:
        host = _host(link.href)
        if host and any(label.startswith("xn--") for label in host.split(".")):
            return f"link to an internationalised (punycode) host: {host[:80]}"
    return None


FREEMAIL_DOMAINS = frozenset({
    "hotmail.com", "yahoo.com", "aol.com", "msn.com", "gmail.com", "outlook.com",
    "mail.ru", "bk.ru", "list.ru", "inbox.ru", "yandex.ru", "juno.com", "excite.com",
    "lycos.com", "netscape.net", "usa.net", "163.com", "126.com", "sina.com", "qq.com",
    "gmx.com", "gmx.net", "web.de", "live.com", "yahoo.co.uk", "rediffmail.com",
})


def _freemail_reply_to(p: ParsedMessage, _: tuple[str, ...]) -> str | None:
    if p.from_addr is None or not p.reply_to:
        return None
    sender = registered_domain(p.from_addr.email.rpartition("@")[2])
    for addr in p.reply_to[:5]:
        domain = registered_domain(addr.email.rpartition("@")[2])
        if domain in FREEMAIL_DOMAINS and domain != sender:
            return f"replies go to {addr.email[:80]}, a free-mail address, not {sender}"
    return None


SPAM_RULES: tuple[SpamRule, ...] = (
    SpamRule("upstream_spam_flag", 6.0, False, _upstream_flag,
             "an upstream filter flagged it (X-Spam-Flag: YES)"),
    SpamRule("upstream_spam_status", 6.0, False, _upstream_status,
             "an upstream filter scored it as spam (X-Spam-Status: Yes)"),
    SpamRule("upstream_exchange_scl", 4.0, False, _exchange_scl,
             "Exchange Online rated it spam (spam confidence level 5-9)"),
    SpamRule("compauth_fail", 3.0, False, _auth("compauth", "fail"),
             "Microsoft's composite authentication found the sender not authentic"),
    SpamRule("spf_fail", 2.0, False, _auth("spf", "fail|softfail|permerror"),
             "the sending server is not allowed to send for the envelope domain"),
    SpamRule("dkim_fail", 1.5, False, _auth("dkim", "fail|permerror"),
             "a DKIM signature does not verify"),
    SpamRule("dmarc_fail", 4.0, True, _auth("dmarc", "fail|permerror"),
             "the From domain is not authenticated: likely forged"),
    SpamRule("link_text_mismatch", 3.5, True, _link_mismatch,
             "a link shows one address and goes to another"),
    SpamRule("ip_address_link", 2.0, True, _ip_link, "a link goes to a bare IP address"),
    SpamRule("own_domain_spoof", 6.0, True, _own_domain_spoof,
             "the display name claims our own domain, the address is elsewhere"),
    SpamRule("brand_impersonation", 3.0, True, _brand_impersonation,
             "the display name claims a well-known brand the address does not belong to"),
    SpamRule("risky_attachment", 4.0, True, _risky_attachment,
             "an attachment is an executable, script or disk image"),
    SpamRule("double_extension", 3.0, True, _double_extension,
             "an attachment name hides an executable behind a document extension"),
    SpamRule("macro_document", 3.0, True, _macro_document,
             "an attachment is a macro-enabled Office document"),
    SpamRule("credential_lure", 2.0, True, _credential_lure,
             "the text urges the reader to act on an account or credentials"),
    SpamRule("credential_lures", 2.0, True, _credential_lures,
             "more than one such urge"),
    SpamRule("abused_link_host", 2.0, True, _abused_host,
             "a link goes to a shortener or free hosting, where credential forms live"),
    SpamRule("name_is_other_address", 2.5, True, _name_is_other_address,
             "the display name is an address at another domain than the sender's"),
    SpamRule("emoji_sender_name", 1.5, False, _emoji_sender,
             "the display name carries emoji, as bulk junk does"),
    SpamRule("obfuscated_subject", 2.0, False, _obfuscated_subject,
             "the subject joins words with punctuation to dodge filters"),
    SpamRule("generated_sender", 1.0, False, _numeric_sender,
             "the sender's address or name is a long run of digits"),
    SpamRule("subject_shouts", 1.0, False, _subject_shouts,
             "the subject is mostly upper-case"),
    SpamRule("subject_hype", 1.0, False, _subject_hype,
             "the subject has !!!, $$$ or a money amount"),
    SpamRule("html_shouts", 1.5, False, _html_shouts,
             "HTML-only, dressed in font and colour markup or images rather than text"),
    SpamRule("removal_instructions", 1.5, False, _removal_text,
             "tells the reader how to be removed, without being a mailing list"),
    SpamRule("click_here", 0.5, False, _click_here, "says \"click here\""),
    SpamRule("money_urgency", 1.5, False, _money_urgency,
             "names money and presses for action"),
    SpamRule("bad_date", 1.5, False, _bad_date,
             "the Date header is missing or impossible: forged"),
    SpamRule("no_message_id", 1.0, False, _no_message_id,
             "there is no Message-ID, which every real mail program adds"),
    SpamRule("bulk_mailer", 2.0, False, _bulk_mailer,
             "X-Mailer names a mass-mailing program, or is random noise"),
    SpamRule("forged_outlook_html", 1.5, False, _forged_outlook_html,
             "claims Outlook, which never sends HTML without a plain-text part"),
    SpamRule("random_sender", 1.5, False, _random_sender,
             "the sender's mailbox name is random letters and digits"),
    SpamRule("mass_recipients", 1.5, False, _mass_recipients,
             "addressed openly to a crowd of recipients"),
    SpamRule("html_attachment", 2.0, True, _html_attachment,
             "an attachment is a web page (or SVG): a local copy of a credential form"),
    SpamRule("html_form", 2.0, True, _html_form,
             "the message itself is a form that asks for credentials"),
    SpamRule("mixed_script", 2.0, True, _mixed_script,
             "a word in the sender name or subject mixes Latin with look-alike letters"),
    SpamRule("hidden_text", 1.5, False, _hidden_text,
             "text hidden from the reader, to feed filters words the reader never sees"),
    SpamRule("punycode_link", 1.5, True, _punycode_link,
             "a link goes to a punycode host, where look-alike domains live"),
    SpamRule("freemail_reply_to", 1.0, False, _freemail_reply_to,
             "replies go to a free-mail address at another domain than the sender's"),
)


@dataclass(frozen=True, slots=True)
class BulkRule:
    rule: str
    header: str
    pattern: str  # case-insensitive; "." = present


# Bulk senders (newsletters, campaigns): marketing, unless the mail is junk. A discussion
# list (List-Post) is not marketing, even though it has List-Unsubscribe.
BULK_RULES: tuple[BulkRule, ...] = (
    BulkRule("list_unsubscribe", "List-Unsubscribe", r"."),
    BulkRule("one_click_unsubscribe", "List-Unsubscribe-Post", r"one-click"),
    BulkRule("precedence_bulk", "Precedence", r"^\s*bulk\b"),
    BulkRule("campaign_header", "X-Campaign", r"."),
    BulkRule("campaign_id", "X-CampaignID", r"."),
    BulkRule("mailchimp", "X-MC-User", r"."),
    BulkRule("feedback_id", "Feedback-ID", r"."),
)
_BULK_RES = tuple(re.compile(r.pattern, re.IGNORECASE) for r in BULK_RULES)


@dataclass(frozen=True, slots=True)
class SpamEvidence:
    """What the pure analysis found; picklable. :func:`verdict` turns it into a category."""

    rule_hits: tuple[RuleHit, ...] = ()
    phishing_points: float = 0.0
    bulk_hits: tuple[RuleHit, ...] = ()
    tokens: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class SpamVerdict:
    category: str | None  # spam | phishing | marketing | None
    score: float
    hits: tuple[RuleHit, ...]


def collect_evidence(parsed: ParsedMessage, own_domains: tuple[str, ...] = ()) -> SpamEvidence:
    """Run every rule of :data:`SPAM_RULES` and :data:`BULK_RULES`, and extract tokens."""
    hits: list[RuleHit] = []
    phishing = 0.0
    for rule in SPAM_RULES:
        evidence = rule.check(parsed, own_domains)
        if evidence is not None:
            hits.append(RuleHit("spam", rule.rule, evidence, rule.points))
            phishing += rule.points if rule.phishing else 0.0
    bulk: list[RuleHit] = []
    if not parsed.header_all("List-Post"):
        for brule, pattern in zip(BULK_RULES, _BULK_RES, strict=True):
            value = parsed.header(brule.header)
            if value is not None and pattern.search(value[:1000]):
                bulk.append(RuleHit("spam", brule.rule, f"{brule.header}: {value[:120]}"))
    return SpamEvidence(tuple(hits), phishing, tuple(bulk), message_tokens(parsed))


FULL_CONFIDENCE_CLUES = 10  # a verdict resting on fewer indicative tokens counts less
HAM_CUTOFF = 0.05  # below: the classifier says ham (a little below zero points)
SPAM_CUTOFF = 0.6  # from here: the classifier says spam (the junk threshold and more)
UNSURE_POINTS = 4.0  # the most an "unsure" indicator adds: never junk without a rule


def content_points(indicator: float, clue_count: int = FULL_CONFIDENCE_CLUES) -> float:
    """The classifier's share of the score, in SpamBayes' three bands: below
    :data:`HAM_CUTOFF` ham (down to -1), from :data:`SPAM_CUTOFF` spam (the junk threshold,
    rising to 12), and between them "unsure" — up to :data:`UNSURE_POINTS`, so content alone
    never makes unsure mail junk: a model trained on 2002 mail reads today's "locked out of
    my account" as half spam, and only rule evidence may tip it over. Capped both ways: the
    model must not talk away an authentication failure, nor drown the rules. A spam verdict
    from a short message with few known words is scaled down."""
    if indicator < HAM_CUTOFF:
        points = max(-1.0, (indicator - HAM_CUTOFF) / HAM_CUTOFF)
    elif indicator < SPAM_CUTOFF:
        points = UNSURE_POINTS * (indicator - HAM_CUTOFF) / (SPAM_CUTOFF - HAM_CUTOFF)
    else:
        points = min(12.0, SPAM_THRESHOLD + (indicator - SPAM_CUTOFF) * 7.0 / 0.3)
    if points > 0:
        points *= min(1.0, clue_count / FULL_CONFIDENCE_CLUES)
    return points


def verdict(evidence: SpamEvidence, model: TokenModel) -> SpamVerdict:
    """Score the evidence with ``model`` and decide the category (see module docstring)."""
    content: ContentScore = model.score(evidence.tokens)
    points = round(content_points(content.indicator, content.clue_count), 2)
    clues = ", ".join(f"{t}={p}" for t, p in content.clues[:5]) or "no known words"
    hits = [*evidence.rule_hits,
            RuleHit("spam", "content_classifier",
                    f"indicator {content.indicator:.3f} from {content.clue_count} clues: "
                    f"{clues}", points)]
    score = round(sum(h.score for h in hits), 2)
    category: str | None = None
    if evidence.phishing_points >= PHISHING_ALONE or (
            score >= SPAM_THRESHOLD and evidence.phishing_points >= PHISHING_SHARE):
        category = "phishing"
    elif score >= SPAM_THRESHOLD:
        category = "spam"
    elif evidence.bulk_hits:
        category = "marketing"
        hits.extend(evidence.bulk_hits)
    return SpamVerdict(category, score, tuple(hits))
