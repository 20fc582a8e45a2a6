"""Header fields to ParsedMessage values: RFC 2047 decoding, unfolding, addresses,
Message-IDs, dates.

mail-parser supplies two pieces: its RFC 2047 decoder (``decode_header_part``) and its
forensic address-list parser (``get_addresses``, which recovers display names and
addresses from broken headers and reports what it recovered). The common shapes (one
ASCII line, a plain mailbox, the usual Date) are read here without them, giving the same
values; :mod:`tests.test_parse` compares both.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from functools import lru_cache

from mailparser.utils import decode_header_part, get_addresses

from inboxwatch.parse.model import MAX_HEADER_CHARS, Address, ParsedMessage

__all__ = [
    "addresses", "clean_line", "decode_bytes", "decode_header_value", "first_msgid",
    "has_surrogates", "header_date", "looks_like_headers", "msgids", "plain_date",
    "return_path", "unfold",
]

# mail-parser logs every oddity at WARNING; those become our defects instead.
logging.getLogger("mailparser").setLevel(logging.CRITICAL)

_MSGID_RE = re.compile(r"<[^<>\s]{1,998}>")
_CHARSET_ALIASES = {"unknown-8bit": "utf-8", "x-unknown": "utf-8", "us-ascii": "utf-8",
                    "ascii": "utf-8", "iso-8859-8-i": "iso-8859-8", "ks_c_5601-1987": "cp949",
                    "gb2312": "gb18030", "gbk": "gb18030"}

# mail-parser logs every oddity at WARNING; those become our defects instead.
logging.getLogger("mailparser").setLevel(logging.CRITICAL)


def looks_like_headers(raw: bytes) -> bool:
    """Whether the first line (within the first 64 KiB) starts with a field name and a colon
    (the pattern cannot pass a line break, so the line need not be cut out first)."""
    return _FIRST_FIELD_RE.match(raw, 0, 65536) is not None


_FIRST_FIELD_RE = re.compile(rb"[!-9;-~]+:")


def decode_header_value(value: object, charset: str | None = None) -> str:
    """RFC 2047-decode one header value, surviving broken encodings and charsets.

    Raw 8-bit header bytes (undeclared charset) arrive from the stdlib as surrogate escapes;
    they are re-read as UTF-8, then in ``charset`` (the one the message's body declares,
    as mail programs do: a Korean subject sent raw is in the body's EUC-KR), falling back to
    cp1252.
    """
    if value is None:
        return ""
    text = str(value)
    if len(text) > MAX_HEADER_CHARS:
        text = text[:MAX_HEADER_CHARS]
    if not text.isascii() and has_surrogates(text):  # isascii is O(1): most values are
        text = raw_header_text(text, charset)
    if "=?" in text:
        text = _decode_words(text) if len(text) <= 1000 else _decode_words.__wrapped__(text)
    return unfold(text)


@lru_cache(maxsize=1024)
def _decode_words(text: str) -> str:
    """RFC 2047 encoded words decoded (slow in the stdlib, and a message's subject and
    sender name are decoded twice: as header fields and as subject and address)."""
    try:
        text = decode_header_part(text)
    except Exception:  # noqa: BLE001, S110 - unknown charset, bad base64: keep the raw
        pass
    if has_surrogates(text):
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def raw_header_text(text: str, charset: str | None) -> str:
    """A header value holding raw 8-bit bytes (as surrogate escapes) read as text: UTF-8
    if it is, else in ``charset``, else cp1252."""
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(data, charset)


def has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unfold(text: str) -> str:
    """Folded lines joined with one space (a line break, \\r\\n or \\n, and the white space
    after it), and the value stripped."""
    if "\n" not in text:  # most header values are one line
        return text.strip()
    # \r\n made \n first: a pattern starting with a literal is searched several times faster.
    return _FOLD_RE.sub(" ", text.replace("\r\n", "\n")).strip()


_FOLD_RE = re.compile(r"\n[ \t]*")


def clean_line(text: str) -> str:
    return text.replace("\x00", "")


def decode_bytes(data: bytes, charset: str | None) -> str:
    candidates = []
    if charset:
        cs = charset.strip().strip('"').lower()
        candidates.append(_CHARSET_ALIASES.get(cs, cs))
    candidates += ["utf-8", "cp1252"]
    for cs in candidates:
        try:
            return data.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def first_msgid(value: object) -> str | None:
    ids = msgids(value)
    if ids:
        return ids[0]
    text = str(value or "").strip()
    return text[:998] or None


def msgids(value: object) -> list[str]:
    if not value:
        return []
    return _MSGID_RE.findall(str(value)[:200_000])


# One plain mailbox, ``addr@host``, ``Name <addr@host>`` or ``"Name" <addr@host>``, with
# nothing that needs a real address parser (groups, comments, escapes, routes): most
# headers, parsed without mail-parser's general (and much slower) machinery.
_SIMPLE_MAILBOX_RE = re.compile(
    r'\s*(?:"([^"\\\r\n]*)"|([^"<>,;:@()\\\[\]]*?))\s*<([^<>\s@,;:"()\\\[\]]+@[^<>\s@,;:"()\\\[\]]+)>\s*'
    r'|\s*([^<>\s@,;:"()\\\[\]]+@[^<>\s@,;:"()\\\[\]]+)\s*')


def _simple_addresses(text: str) -> list[tuple[str, str]] | None:
    """``[(name, address)]`` when every comma-separated piece is a plain mailbox, else None."""
    if '"' in text and text.count('"') != 2 * text.count('" <'):
        return None  # quoted names with commas or stray quotes: the general parser
    pairs = []
    for piece in text.split(","):
        match = _SIMPLE_MAILBOX_RE.fullmatch(piece)
        if match is None:
            return None
        quoted, plain, bracketed, bare = match.groups()
        if bare is not None:
            pairs.append(("", bare))
        else:
            pairs.append((quoted.strip() if quoted is not None else " ".join(plain.split()),
                          bracketed))
    return pairs


def addresses(parsed: ParsedMessage, raw: list[str] | None,
              charset: str | None = None) -> list[Address]:
    """Decoded mailboxes from every instance of one address header (raw 8-bit names read
    as :func:`decode_header_value` reads them)."""
    out: list[Address] = []
    for value in raw or []:
        text = str(value)[:MAX_HEADER_CHARS]
        if not text.isascii() and has_surrogates(text):  # isascii is O(1)
            text = raw_header_text(text, charset)
        simple = _simple_addresses(text)
        if simple is not None:
            out.extend(Address(unfold(decode_header_value(name)), addr.lower())
                       for name, addr in simple)
            continue
        evidence: list[str] = []
        try:
            pairs = get_addresses(text, defects=evidence, decode_names=True)
        except Exception:  # noqa: BLE001 - fall back to the stdlib's lenient parser
            pairs = getaddresses([decode_header_value(text)])
        pairs = [(n, a) for n, a in pairs if a]
        if not pairs and text.strip():
            pairs = getaddresses([decode_header_value(text)])
            # "MAILER-DAEMON <>" and bare "mailer-daemon": keep the token as the address.
            pairs = [(n, a or (n if n and " " not in n.strip() else "")) for n, a in pairs]
        if evidence and "address header recovered" not in parsed.defects:
            parsed.defects.append("address header recovered")
        for name, addr in pairs:
            addr = str(addr).strip().strip("<>").lower()
            if addr:
                out.append(Address(unfold(decode_header_value(name)), addr))
    return out


# ``<local@domain>`` with dot-atoms only: what parseaddr returns for it is the address as
# written, so the common Return-Path skips its general parser.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ROUTE_ADDR_RE = re.compile(rf"<({_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*)>")


def return_path(values: list[str] | None) -> str | None:
    if not values:
        return None
    value = str(values[-1]).strip()
    if value in ("<>", ""):
        return ""
    plain = _PLAIN_ROUTE_ADDR_RE.fullmatch(value)
    _, addr = (("", plain.group(1)) if plain else parseaddr(value))
    return addr.lower() if addr else ""


def header_date(raw: object, parsed: ParsedMessage) -> datetime | None:
    if not raw:
        return None
    try:
        dt = plain_date(str(raw)) or parsedate_to_datetime(str(raw))
    except (TypeError, ValueError, IndexError):
        parsed.defects.append("unparseable Date header")
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


# The usual Date, ``Tue, 24 Nov 2026 10:00:00 +0100 (CET)``, read without the stdlib's
# general (and slower) parser; plain_date returns what parsedate_to_datetime returns.
_PLAIN_DATE_RE = re.compile(
    r"[ \t]*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), +)?(\d\d?) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep"
    r"|Oct|Nov|Dec) (\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)(?:[ \t].*)?", re.DOTALL)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def plain_date(value: str) -> datetime | None:
    """The date in ``value`` if it has the usual form, else None. Invalid values (day 32,
    second 60, an offset of a day or more) raise ValueError, as the stdlib's parse does."""
    match = _PLAIN_DATE_RE.fullmatch(value) if value.isascii() else None
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, tz_hours, tz_minutes = match.groups()
    yy = int(year)
    if yy < 100:  # as _parsedate_tz reads two-digit years
        yy += 1900 if yy > 68 else 2000
    fields = (yy, _MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second))
    offset = int(tz_hours) * 3600 + int(tz_minutes) * 60
    if offset == 0 and sign == "-":  # -0000: the zone is unknown, a naive datetime
        return datetime(*fields)
    return datetime(*fields, tzinfo=timezone(timedelta(seconds=-offset if sign == "-" else offset)))

