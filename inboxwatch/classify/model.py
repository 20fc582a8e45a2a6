"""The token-based content classifier: features from a parsed message, and a Bayesian model.

Features are deliberately robust, so the model generalises beyond the mail it was trained
on: lower-cased words of the subject (prefixed ``s:``) and body text, the registered domains
of link targets (``u:``), a few structural tokens (``x:``: HTML-only body, attachment
extensions, how the subject and addresses look), whether the headers hang together
(``h:``: Message-ID and Reply-To in the sender's domain) and how the HTML is built
(``html:``: tags few wanted messages carry, such as forms and scripts, and hidden text).
Message-unique material — Message-IDs, dates, Received chains, mailing-list headers — is
never a feature, nor what dates the corpora rather than junk: a charset, the MIME type,
the mail program. How sure a verdict is depends on the words: the clue count leaves
structure out, and :attr:`ContentScore.known_share` says how many of the words the model
saw in several ham messages.

The model is Gary Robinson's token probabilities combined with Fisher's chi-squared method,
the scheme SpamBayes proved on real mail: each token's spam probability is estimated from
the fraction of spam and of ham documents containing it (so the class sizes do not skew
it), only the clearly indicative tokens are combined, and the result is an indicator in
``[0, 1]`` that says "unsure" (about 0.5) instead of guessing when evidence conflicts.

A :class:`TokenModel` is plain counts; operator feedback is more counts added on top
(:meth:`TokenModel.with_counts`), so learning never retrains from scratch.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from inboxwatch.parse import ParsedMessage

__all__ = [
    "MODEL_PATH",
    "ContentScore",
    "TokenModel",
    "training_key",
    "message_tokens",
    "registered_domain",
]

MODEL_PATH = Path(__file__).with_name("model.json.gz")

MAX_TEXT_CHARS = 30_000  # enough for every word that matters; bounds the cost per message
MAX_TOKENS = 3_000
MAX_CLUES = 150
MIN_STRENGTH = 0.1  # tokens with |p - 0.5| below this carry no evidence
PRIOR_STRENGTH = 0.45  # Robinson's s: how much an unseen token is pulled towards 0.5
PRIOR_PROBABILITY = 0.5  # Robinson's x
# A word is known from wanted mail when this many ham messages held it. One or two are a
# single writer: the corpora's ham holds Dutch in a few mails written for the project and
# its spam holds Dutch in many, so "voor" and "geen" read as spam, and a Dutch client's
# question was spam at 11.4 points while 58 % of its words counted as known. From 3, 26 %
# do, and it is scaled down like any language the ham never held (bench/bench_eval.py:
# client mail called junk 7 -> 5 of 420, help-desk ham unseen 1 -> 0 of 75; for two Korean
# advertisements of one fold, now 0.02 points under the threshold).
KNOWN_HAM_DOCS = 3

_WORD_RE = re.compile(r"[^\W_][\w'$€£%.-]{1,30}", re.UNICODE)
# _WORD_RE for ASCII text: there "\w" is [A-Za-z0-9_] and no "€" or "£" can occur, so the two
# find the same words; explicit ranges are tested faster than Unicode categories.
_ASCII_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_'$%.-]{1,30}")
# "https?://" case-insensitively, spelt out: with IGNORECASE the regex engine cannot skip
# ahead to an "h". "ſ" (U+017F) is the one other character that IGNORECASE matches to "s".
_URL_RE = re.compile("[hH][tT][tT][pP][sS\u017f]?://([^/\\s\"'<>?#:]{1,253})")
_LOWER_URL_RE = re.compile(r"https?://([^/\s\"'<>?#:]{1,253})")  # for lower-cased ASCII
_NUMBER_RE = re.compile(r"^[\d.,'-]+$")
_MONEY_RE = re.compile(r"^[$€£][\d.,]+$|^[\d.,]+[$€£]$")
_HEX_RE = re.compile(r"^[0-9a-f]{8,}$")
_IP_HOST_RE = re.compile(r"[\d.]+")
_SUBJECT_MONEY_RE = re.compile(r"[$€£]\s?\d|\d\s?[$€£]|\d+%")
_DIGITS_RE = re.compile(r"\d{3,}")
_SECOND_LEVEL = {"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go"}


def _word_feature(found: str) -> str:
    """The feature of a word as ``_WORD_RE`` found it ("": none)."""
    word = found.lower().strip(".-'")
    if len(word) < 2:
        return ""
    # The cheap character tests guard the regular expressions.
    first, last = word[0], word[-1]
    if (first in "$€£" or last in "$€£") and _MONEY_RE.match(word):
        return "$money"
    if (first.isdigit() or first == ",") and _NUMBER_RE.match(word):
        return "#num"
    if len(word) > 24 and not word.isascii():
        return ""  # unspaced scripts (Chinese, Japanese, Thai): no word boundaries to use
    if len(word) > 24 or (len(word) >= 8 and _HEX_RE.match(word)):
        return "#junk"  # ids, hashes, encoded runs: present, not individual
    return found if word == found else word  # one string, not two, in _FEATURES


# found word -> _word_feature(word). Mail is written in a common vocabulary: nearly every
# word of a message has been seen before, and a dictionary lookup is far cheaper than the
# tests. Bounded: started afresh when full (ids and hashes would grow it forever); about
# 110 bytes a word (11 MB when full); 2,465 messages of public corpora hold 62,000 words.
_FEATURES: dict[str, str] = {}
MAX_REMEMBERED_WORDS = 100_000


def _word_tokens(text: str, prefix: str = "") -> set[str]:
    """The distinct word features of ``text``, each distinct word classified once."""
    text = text[:MAX_TEXT_CHARS]
    # Lower-casing the whole text at once is the same as word by word for ASCII (not for
    # every script: "İ" lower-cases to two characters, so other text goes word by word, in
    # _word_feature).
    if text.isascii():
        return _word_features(set(_ASCII_WORD_RE.findall(text.lower())), prefix)
    return _word_features(set(_WORD_RE.findall(text)), prefix)


def _word_features(words: set[str], prefix: str = "") -> set[str]:
    """The features of words found by ``_WORD_RE`` (or ``_ASCII_WORD_RE``)."""
    global _FEATURES
    features = _FEATURES
    new_words = words.difference(features)
    if len(features) + len(new_words) > MAX_REMEMBERED_WORDS:
        # A fresh dictionary, not clear(): another thread may be reading the old one.
        features = _FEATURES = {}
        new_words = words
    for word in new_words:
        features[word] = _word_feature(word)
    tokens = set(map(features.__getitem__, words))
    tokens.discard("")
    return {prefix + t for t in tokens} if prefix else tokens


def registered_domain(host: str) -> str:
    """``www.paypal.com.evil.ru`` -> ``evil.ru``; ``a.b.co.uk`` -> ``b.co.uk`` (heuristic)."""
    labels = [p for p in host.lower().strip(".").split(".") if p]
    if len(labels) <= 2:
        return ".".join(labels)
    if labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def message_tokens(parsed: ParsedMessage) -> frozenset[str]:
    """The set of features of one message (presence, not frequency)."""
    tokens: set[str] = set()
    tokens.update(_word_tokens(parsed.subject[:2000], "s:"))
    body = (parsed.text or "")[:MAX_TEXT_CHARS]
    if body.isascii():
        # Lower-casing ASCII keeps every offset: words and links are both found in the
        # lower-cased body, links by the literal "http" that the regex engine skips ahead
        # to, and a link's host is then cut from the body in its own spelling.
        lowered = body.lower()
        tokens.update(_word_features(set(_ASCII_WORD_RE.findall(lowered))))
        hosts = {body[m.start(1):m.end(1)] for m in _LOWER_URL_RE.finditer(lowered)}
    else:
        tokens.update(_word_tokens(body))
        hosts = set(_URL_RE.findall(body))
    hosts.update(h for link in parsed.links[:200]
                 for h in _URL_RE.findall(link.href[:500]))
    for host in list(hosts)[:100]:
        if _IP_HOST_RE.fullmatch(host):
            tokens.add("x:url_ip_address")
        else:
            tokens.add("u:" + registered_domain(host))
    if parsed.html is not None and not (parsed.text and "text/plain" in parsed.parts):
        tokens.add("x:html_only")
    if parsed.html is not None:
        tokens.add("x:has_html")
    for att in parsed.attachments[:20]:
        ext = att.filename.rpartition(".")[2].lower() if "." in att.filename else "none"
        tokens.add(f"x:attach:{ext[:10]}")
    tokens.update(_shape_tokens(parsed))
    tokens.update(_header_tokens(parsed))
    if parsed.html is not None:
        tokens.update(_html_tokens(parsed.html))
    if len(tokens) > MAX_TOKENS:
        tokens = set(sorted(tokens)[:MAX_TOKENS])
    return frozenset(tokens)


def _shape_tokens(parsed: ParsedMessage) -> set[str]:
    """How the message is dressed, independent of its words."""
    shape: set[str] = set()
    subject = parsed.subject[:300]
    letters = "".join(filter(str.isalpha, subject))
    if len(letters) >= 10 and sum(map(str.isupper, letters)) / len(letters) > 0.7:
        shape.add("x:subject_shouts")
    if "!" in subject:
        shape.add("x:subject_exclaims")
    if _SUBJECT_MONEY_RE.search(subject):
        shape.add("x:subject_money")
    if not parsed.to:
        shape.add("x:no_to")
    elif parsed.from_addr is not None and any(a.email == parsed.from_addr.email
                                                for a in parsed.to):
        shape.add("x:to_self")
    if parsed.from_addr is not None and _DIGITS_RE.search(parsed.from_addr.email):
        shape.add("x:from_digits")
    return shape


_STRUCTURAL = ("h:", "html:", "x:")  # token prefixes of structure, not of words
_UNSEEN = (0, 0)


def _header_tokens(parsed: ParsedMessage) -> set[str]:
    """Whether the headers hang together (``h:``): the Message-ID and Reply-To in the
    sender's domain or elsewhere. Not the mail program's name nor the headers it writes:
    in the corpora those say "2002" (mutt, exmh) against "today" (Outlook's Thread-Index,
    Zimbra), and held out they made easy ham junk more often (one source unseen: 24 ->
    36 of 1,500) for no more junk caught; forged mailers are rules
    (:mod:`inboxwatch.classify.forensics`)."""
    tokens: set[str] = set()
    sender = registered_domain(parsed.from_addr.email.rpartition("@")[2]) \
        if parsed.from_addr is not None else ""
    if parsed.message_id and sender:
        msgid_domain = registered_domain(parsed.message_id.strip("<> ").rpartition("@")[2])
        tokens.add("h:msgid_sender_domain" if msgid_domain == sender else "h:msgid_other_domain")
    if parsed.reply_to and sender and all(
            registered_domain(a.email.rpartition("@")[2]) != sender for a in parsed.reply_to):
        tokens.add("h:reply_to_elsewhere")
    return tokens


_HTML_TAG_RE = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9]{0,9})\b")
# Tags that few wanted messages carry in any year. Not tables, fonts, images or link
# counts: in the corpora's 2002 wanted mail was seldom HTML, so those learn "HTML" and
# call every HTML newsletter and client message of today spam.
_HTML_TELLING_TAGS = frozenset({"form", "input", "script", "iframe", "object", "embed",
                                "blink", "marquee", "base", "map", "area"})


def _html_tokens(html: str) -> set[str]:
    """How the HTML is built (``html:``): the telling tags it uses and hidden text."""
    html = html[:MAX_TEXT_CHARS]
    tokens = {f"html:tag:{t}"
              for t in {t.lower() for t in _HTML_TAG_RE.findall(html)} & _HTML_TELLING_TAGS}
    lowered = html.lower()
    if "display:none" in lowered.replace(" ", "") or "visibility:hidden" in lowered:
        tokens.add("html:hidden")
    return tokens


# A clue: strength |p - 0.5|, token, p, and the logarithms Fisher's method adds up for it,
# ln(1 - p) and ln(p) (floored at 1e-200).
_Clue = tuple[float, str, float, float, float]


@dataclass(frozen=True, slots=True)
class ContentScore:
    """The classifier's verdict: ``indicator`` in [0, 1] (0.5 = unsure) and its clues."""

    indicator: float
    clues: tuple[tuple[str, float], ...]  # the strongest tokens and their probabilities
    clue_count: int = 0  # how many words carried evidence: few clues, little confidence
    # The share of the message's words the model has seen in KNOWN_HAM_DOCS ham or more:
    # mail in a language its ham never held, or seldom (French, Greek...), is judged by
    # words it saw mostly in junk.
    known_share: float = 1.0


@dataclass(slots=True)
class TokenModel:
    """Document counts per token for spam and ham; see the module docstring."""

    spam_docs: int = 0
    ham_docs: int = 0
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # token -> (spam, ham)
    trained_on: tuple[str, ...] = ()  # the corpus folders it was trained on
    # The messages it was trained on, by the first 16 hex digits of the SHA-256 of their
    # bytes: `eval --held-out` leaves out exactly those, whatever their file or folder.
    trained: frozenset[str] = frozenset()
    # token -> its clue, only for the tokens strong enough to be clues; built on first use.
    # A model is never changed after it scores (learning makes a new one), so it stays valid.
    _clue_table: dict[str, _Clue] | None = field(default=None, repr=False, compare=False)

    def learn(self, tokens: Iterable[str], *, is_spam: bool) -> None:
        for token in set(tokens):
            spam, ham = self.counts.get(token, (0, 0))
            self.counts[token] = (spam + 1, ham) if is_spam else (spam, ham + 1)
        if is_spam:
            self.spam_docs += 1
        else:
            self.ham_docs += 1
        self._clue_table = None

    def with_counts(self, spam_docs: int, ham_docs: int,
                    counts: Mapping[str, tuple[int, int]]) -> TokenModel:
        """A new model: this one plus extra counts (operator feedback). Self is unchanged."""
        merged = dict(self.counts)
        for token, (spam, ham) in counts.items():
            base_spam, base_ham = merged.get(token, (0, 0))
            merged[token] = (base_spam + spam, base_ham + ham)
        return TokenModel(self.spam_docs + spam_docs, self.ham_docs + ham_docs, merged,
                          self.trained_on, self.trained)

    def token_probability(self, token: str) -> float | None:
        """Robinson's f(w), or None for a token never seen."""
        found = self.counts.get(token)
        if found is None:
            return None
        spam, ham = found
        spam_ratio = spam / max(self.spam_docs, 1)
        ham_ratio = ham / max(self.ham_docs, 1)
        if spam_ratio + ham_ratio == 0:
            return None
        p = spam_ratio / (spam_ratio + ham_ratio)
        n = spam + ham
        return (PRIOR_STRENGTH * PRIOR_PROBABILITY + n * p) / (PRIOR_STRENGTH + n)

    def _clues(self) -> dict[str, _Clue]:
        """Everything :meth:`score` needs of a clue, computed once per token and model."""
        if self._clue_table is None:
            table: dict[str, _Clue] = {}
            for token in self.counts:
                p = self.token_probability(token)
                if p is not None and abs(p - 0.5) >= MIN_STRENGTH:
                    table[token] = (abs(p - 0.5), token, p, math.log(max(1.0 - p, 1e-200)),
                                    math.log(max(p, 1e-200)))
            self._clue_table = table
        return self._clue_table

    def score(self, tokens: Iterable[str]) -> ContentScore:
        """Combine the clearly indicative tokens with Fisher's method (SpamBayes' chi2)."""
        # Sorted by strength, then token: the token decides before the precomputed
        # logarithms are compared, so the order is that of (strength, token, p).
        tokens = tokens if isinstance(tokens, Collection) else list(tokens)
        clues = list(filter(None, map(self._clues().get, tokens)))
        clues.sort(reverse=True)
        chosen = clues[:MAX_CLUES]
        known = self._known_share(tokens)
        if not chosen:
            return ContentScore(0.5, (), 0, known)
        # The same logarithms added up in the same order: the same sums, to the last bit.
        ln_spam = sum(map(itemgetter(3), chosen))
        ln_ham = sum(map(itemgetter(4), chosen))
        n = len(chosen)
        spam_evidence = 1.0 - _chi2_survival(-2.0 * ln_spam, 2 * n)
        ham_evidence = 1.0 - _chi2_survival(-2.0 * ln_ham, 2 * n)
        indicator = (spam_evidence - ham_evidence + 1.0) / 2.0
        # Confidence comes from what the message says: the structural tokens (how its
        # headers and HTML are written) are shared by every message of one program.
        words = sum(1 for clue in chosen if not clue[1].startswith(_STRUCTURAL))
        return ContentScore(indicator, tuple((t, round(p, 3)) for _, t, p, _, _ in chosen[:8]),
                            words, known)

    def _known_share(self, tokens: Iterable[str]) -> float:
        """The share of the word tokens (not structure) that at least
        :data:`KNOWN_HAM_DOCS` ham messages held."""
        counts = self.counts
        words = known = 0
        for token in tokens:
            if not token.startswith(_STRUCTURAL):
                words += 1
                known += counts.get(token, _UNSEEN)[1] >= KNOWN_HAM_DOCS
        return known / words if words else 1.0

    # -- persistence -------------------------------------------------------------------

    def prune(self, min_docs: int) -> TokenModel:
        """Drop tokens seen in fewer than ``min_docs`` documents: smaller, and no hapaxes
        (which are mostly message-unique noise)."""
        kept = {t: c for t, c in self.counts.items() if c[0] + c[1] >= min_docs}
        return TokenModel(self.spam_docs, self.ham_docs, kept, self.trained_on, self.trained)

    def save(self, path: Path) -> None:
        data = {"format": 1, "spam_docs": self.spam_docs, "ham_docs": self.ham_docs,
                "trained_on": list(self.trained_on),
                "trained_sha256": sorted(self.trained),
                "tokens": {t: list(c) for t, c in sorted(self.counts.items())}}
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        # mtime=0: the committed file is byte-identical when retrained from the same corpus.
        path.write_bytes(gzip.compress(payload, mtime=0))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> TokenModel:
        data = json.loads(gzip.decompress(path.read_bytes()))
        if data.get("format") != 1:
            raise ValueError(f"{path.name}: unknown classifier model format")
        counts = {str(t): (int(c[0]), int(c[1])) for t, c in data["tokens"].items()}
        return cls(int(data["spam_docs"]), int(data["ham_docs"]), counts,
                   tuple(str(f) for f in data.get("trained_on", ())),
                   frozenset(str(h) for h in data.get("trained_sha256", ())))


def _chi2_survival(chi2: float, degrees: int) -> float:
    """P(X >= chi2) for a chi-squared variable with an even number of degrees of freedom."""
    m = chi2 / 2.0
    term = math.exp(-m)
    total = term
    for i in range(1, degrees // 2):
        term *= m / i
        total += term
    return min(total, 1.0)


def training_key(raw: bytes) -> str:
    """How a model names a message it was trained on (:attr:`TokenModel.trained`)."""
    import hashlib

    return hashlib.sha256(raw).hexdigest()[:16]
