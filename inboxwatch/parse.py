"""Raw RFC 5322 bytes -> a typed :class:`ParsedMessage`.

The promise of this module: :func:`parse_message` never raises on mail. Whatever arrives is
described as well as it can be; what could not be understood is listed in ``defects`` and,
when the message is beyond use (no headers at all, not mail), ``malformed`` is set so the
ingest pipeline stores it flagged instead of dropping it.

mail-parser does the header work: its forensic address-list parser (which recovers display
names and addresses from broken headers and reports what it recovered) and its RFC 2047
decoder. Its whole-message ``MailParser.parse()`` is not used: it also parses every Received
header and re-decodes every body, which tripled the cost per message on the corpora and
raised on some valid mail. The MIME tree is walked here iteratively with a depth limit so
hostile nesting cannot exhaust the stack, and bodies are decoded with a charset fallback
chain because real mail lies about its charset.

Bytes become an ``email.message.Message`` through :func:`_message_from_bytes`: the tree
``email.message_from_bytes`` builds (the tests compare them part by part), found with
regular-expression scans over the whole text instead of the feedparser's line-by-line
reading, which was most of the cost; mail out of the ordinary goes to the stdlib parser.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from functools import lru_cache
from html import unescape
from itertools import chain

from mailparser.utils import decode_header_part, get_addresses
from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = [
    "Address",
    "Link",
    "ParsedAttachment",
    "ParsedMessage",
    "parse_message",
    "numbered_names",
    "safe_filename",
    "strip_envelope_line",
]

log = logging.getLogger(__name__)

MAX_MIME_DEPTH = 40
MAX_PARTS = 500
MAX_HTML_CHARS = 2_000_000
MAX_BODY_CHARS = 1_000_000
MAX_REFERENCES = 200
MAX_HEADER_CHARS = 20_000
FILENAME_MAX_BYTES = 180
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL", "CLOCK$",
    *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10)),
}
_MSGID_RE = re.compile(r"<[^<>\s]{1,998}>")
_CHARSET_ALIASES = {"unknown-8bit": "utf-8", "x-unknown": "utf-8", "us-ascii": "utf-8",
                    "ascii": "utf-8", "iso-8859-8-i": "iso-8859-8", "ks_c_5601-1987": "cp949",
                    "gb2312": "gb18030", "gbk": "gb18030"}

# mail-parser logs every oddity at WARNING; those become our defects instead.
logging.getLogger("mailparser").setLevel(logging.CRITICAL)


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox from an address header: display name and lower-cased address."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True, slots=True)
class Link:
    """An HTML link as a reader sees it (text) and where it really goes (href)."""

    text: str
    href: str


@dataclass(slots=True)
class ParsedAttachment:
    filename: str  # sanitised: safe to use as a file name anywhere
    original_filename: str  # decoded, unsanitised: for display through the sanitiser only
    content_type: str
    payload: bytes
    inline: bool
    content_id: str | None
    sha256: str = ""
    size: int = 0

    def __post_init__(self) -> None:
        self.size = len(self.payload)
        self.sha256 = hashlib.sha256(self.payload).hexdigest()


@dataclass(slots=True)
class ParsedMessage:
    """Everything the rest of inboxwatch needs to know about one email."""

    raw_sha256: str
    size: int
    message_id: str | None = None
    subject: str = ""
    from_addr: Address | None = None
    sender: Address | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    return_path: str | None = None  # None: absent; "": the null reverse-path <>
    date: datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "text/plain"
    text: str = ""
    html: str | None = None
    links: list[Link] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # content types of every MIME part
    defects: list[str] = field(default_factory=list)
    malformed: bool = False
    _index: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> list[object]:
        """Pickled (to and from parser workers) without the header index: it is derived,
        rebuilt on first use, and was most of the cost of unpickling a parsed message."""
        return [None if f.name == "_index" else getattr(self, f.name) for f in fields(self)]

    def __setstate__(self, state: list[object]) -> None:
        for f, value in zip(fields(self), state, strict=True):
            setattr(self, f.name, value)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        values = self.header_all(name)
        return values[0] if values else None

    def header_all(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        # Built once (the rule tables ask for dozens of headers): by parse_message along with
        # ``headers``, else here on first use (after unpickling).
        if self._index is None:
            index: dict[str, list[str]] = {}
            for k, v in self.headers:
                index.setdefault(k.lower(), []).append(v)
            self._index = index
        return list(self._index.get(name.lower(), ()))

    @property
    def recipients(self) -> list[Address]:
        return [*self.to, *self.cc]


def strip_envelope_line(raw: bytes) -> bytes:
    """Drop a leading mbox ``From `` envelope line, common in public corpora."""
    if raw.startswith(b"From "):
        nl = raw.find(b"\n")
        return raw[nl + 1 :] if nl >= 0 else b""
    return raw


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw mail. Never raises; see the module docstring."""
    parsed = ParsedMessage(raw_sha256=hashlib.sha256(raw).hexdigest(), size=len(raw))
    try:
        _parse_into(parsed, strip_envelope_line(raw))
    except RecursionError:
        parsed.defects.append("MIME structure nested too deeply")
        parsed.malformed = True
    except Exception as exc:
        log.debug("parse failed", exc_info=True)
        parsed.defects.append(f"parse error: {type(exc).__name__}: {str(exc)[:200]}")
        parsed.malformed = True
    _drop_nul_characters(parsed)
    return parsed


def _drop_nul_characters(parsed: ParsedMessage) -> None:
    """NUL is never text (and PostgreSQL refuses it in text columns): decoded fields lose
    it, the raw bytes keep it."""
    if not _has_nul_characters(parsed):  # almost all mail: nothing to rebuild
        return
    parsed._index = None  # built from the headers rebuilt here

    def fix(text: str) -> str:
        return text.replace("\x00", "") if "\x00" in text else text

    def fix_address(a: Address | None) -> Address | None:
        return None if a is None else Address(fix(a.name), fix(a.email))

    parsed.subject = fix(parsed.subject)
    parsed.text = fix(parsed.text)
    parsed.html = fix(parsed.html) if parsed.html is not None else None
    parsed.message_id = fix(parsed.message_id) if parsed.message_id else parsed.message_id
    parsed.headers = [(fix(k), fix(v)) for k, v in parsed.headers]
    parsed.from_addr = fix_address(parsed.from_addr)
    parsed.sender = fix_address(parsed.sender)
    for name in ("to", "cc", "reply_to"):
        setattr(parsed, name, [fix_address(a) for a in getattr(parsed, name)])
    parsed.in_reply_to = [fix(i) for i in parsed.in_reply_to]
    parsed.references = [fix(i) for i in parsed.references]
    parsed.links = [Link(fix(link.text), fix(link.href)) for link in parsed.links]
    parsed.defects = [fix(d) for d in parsed.defects]
    for att in parsed.attachments:
        att.original_filename = fix(att.original_filename)
        att.content_type = fix(att.content_type)
        att.content_id = fix(att.content_id) if att.content_id else att.content_id


def _has_nul_characters(parsed: ParsedMessage) -> bool:
    """Whether any field :func:`_drop_nul_characters` cleans holds a NUL (one joined
    string searched, rather than every field rebuilt)."""
    addresses = [a for a in (parsed.from_addr, parsed.sender) if a is not None]
    addresses += parsed.to + parsed.cc + parsed.reply_to
    small = [parsed.subject, parsed.message_id or "", *chain.from_iterable(parsed.headers),
             *(a.name + a.email for a in addresses), *parsed.in_reply_to, *parsed.references,
             *(link.text + link.href for link in parsed.links), *parsed.defects,
             *(a.original_filename + a.content_type + (a.content_id or "")
               for a in parsed.attachments)]
    return any("\x00" in text for text in ("".join(small), parsed.text, parsed.html or ""))


def _parse_into(parsed: ParsedMessage, raw: bytes) -> None:
    if not raw or raw.isspace():
        parsed.defects.append("empty message")
        parsed.malformed = True
        return
    msg = _message_from_bytes(raw)
    if not msg.keys() or not _looks_like_headers(raw):
        parsed.defects.append("no RFC 5322 header block")
        parsed.malformed = True
    # Raw and decoded values by lower-cased name: the decoded ones are the index
    # header_all would build (kept in step with ``headers``, should a value raise).
    raw_headers: dict[str, list[str]] = {}
    index: dict[str, list[str]] = {}
    parsed._index = index
    for key, value in msg.raw_items():
        text = str(value)
        decoded = _decode_header_value(text)
        name = key.lower()
        raw_headers.setdefault(name, []).append(text)
        index.setdefault(name, []).append(decoded)
        parsed.headers.append((key, decoded))
    _note_defects(parsed, msg)

    def first(name: str) -> str | None:
        values = raw_headers.get(name)
        return values[0] if values else None

    parsed.subject = _clean_line(index.get("subject", [""])[0])
    parsed.message_id = _first_msgid(first("message-id"))
    from_list = _addresses(parsed, raw_headers.get("from"))
    parsed.from_addr = from_list[0] if from_list else None
    sender = _addresses(parsed, raw_headers.get("sender"))
    parsed.sender = sender[0] if sender else None
    parsed.to = _addresses(parsed, raw_headers.get("to"))
    parsed.cc = _addresses(parsed, raw_headers.get("cc"))
    parsed.reply_to = _addresses(parsed, raw_headers.get("reply-to"))
    parsed.return_path = _return_path(raw_headers.get("return-path"))
    parsed.date = _date(first("date"), parsed)
    parsed.in_reply_to = _msgids(first("in-reply-to"))
    parsed.references = _msgids(first("references"))[-MAX_REFERENCES:]
    parsed.content_type = msg.get_content_type()
    if parsed.from_addr is None:
        parsed.defects.append("no sender address")
    _walk_parts(parsed, msg)


# --- Bytes to email.message.Message, as the stdlib feedparser builds it, faster -----------

# Header fields as the stdlib feedparser (policy compat32) reads them: ``Name: value``
# (name: printable ASCII but ":") with its continuation lines, lines ending at \r\n, \r or
# \n (the universal newlines it splits on). Group 1 is the name, group 2 the value after
# the white space that follows the colon. _FIELDS_RE, a run of fields, is the same pattern
# without groups (and without alternatives, which make the regex engine several times
# slower; "From " lines are taken one by one in Python).
_LINE_REST = r"[^\r\n]*(?:\r\n|\r|\n|\Z)"
_FIELD_RE = re.compile(rf"([!-9;-~]+):[ \t]*({_LINE_REST}(?:[ \t]{_LINE_REST})*)")
_FIELDS_RE = re.compile(rf"(?:[!-9;-~]+:{_LINE_REST}(?:[ \t]{_LINE_REST})*)*")
_LINE_RE = re.compile(_LINE_REST)
# The same fields for a block with no bare \r (every line ending \n or \r\n, as mail from
# IMAP does): lines are then ``[^\n]*\n`` (a \r\n's \r kept at the end of the value), which
# the regex engine reads several times faster. _fields splits a block with it.
_LF_FIELD_RE = re.compile(r"([!-9;-~]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)\n")
# Where a run of header fields usually ends: the line break before an empty line or a
# "From " line (the mbox envelope, misplaced when public corpora are given a first field).
_FIELDS_END_RE = re.compile(r"\n(?=\r?\n|From )")
_FIELD_NAME_RE = re.compile(r"[!-9;-~]+:")
# The start of any line the feedparser counts as a header line (its ``headerRE``).
_HEADER_LINE_RE = re.compile(r"From |[!-9;-~]*:|[ \t]")
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


# A line starting with "--" (a boundary candidate): the "--", then the line break before
# it looked behind for, since a pattern starting with a literal is searched many times
# faster than one starting with a character class.
_DASH_LINE_RE = re.compile(r"--(?<=[\r\n]--)")
# How deep the fast parse follows nested multiparts before leaving the mail to the stdlib.
_FAST_MIME_DEPTH = 20
# The feedparser's end-of-file matchers for a part: a line one of them matches ends it.
_PartEnd = Callable[[str], object]


class _BoundaryLine:
    """Matches what the feedparser's ``boundaryre`` for one boundary matches,
    ``(?P<sep>--boundary)(?P<end>--)?(?P<ws>[ \\t]*)(?P<linesep>\\r\\n|\\r|\\n)?$``,
    without compiling a pattern for every boundary (the compile cost more than the parse)."""

    __slots__ = ("separator",)
    # What may follow the white space, and the line break the pattern's group takes from it
    # (``$`` also matches before a final \n).
    _ENDINGS: dict[str, str | None] = {
        "": None, "\n": "\n", "\r": "\r", "\r\n": "\r\n", "\n\n": "\n", "\r\n\n": "\r\n"}

    def __init__(self, boundary: str) -> None:
        self.separator = "--" + boundary

    def __call__(self, line: str) -> tuple[bool, str | None] | None:
        """None for a line the pattern does not match, else (whether the line closes the
        multipart, its line break)."""
        if not line.startswith(self.separator):
            return None
        rest = line[len(self.separator):]
        closing = rest.startswith("--")
        ending = (rest[2:] if closing else rest).lstrip(" \t")
        if ending not in self._ENDINGS:
            return None
        return closing, self._ENDINGS[ending]


class _NotOrdinary(Exception):
    """Raised by the fast parse for mail it leaves to the stdlib feedparser."""


def _message_from_bytes(raw: bytes) -> Message:
    """What ``email.message_from_bytes(raw)`` returns, built with less work.

    The feedparser reads a message line by line in Python (every body line passes through
    a readline and, inside a multipart, every enclosing boundary pattern), and that was
    most of the cost of parsing the corpora. The same Message tree is built here from the
    whole text with regular-expression scans, following the feedparser's ``_parsegen`` and
    ``_parse_headers`` step by step for ordinary mail: single parts and multiparts whose
    parts have ordinary header blocks. Whatever is not ordinary (message/* parts,
    multipart/digest, a multipart without a boundary or its first boundary line, unusual
    header lines; see :func:`_read_headers`) raises :class:`_NotOrdinary` and takes the
    stdlib parse, so the result is the stdlib's in every case.
    """
    text = raw.decode("ascii", "surrogateescape")  # as BytesParser does
    try:
        return _parse_entity(text, 0, [], 0)[0]
    except _NotOrdinary:
        return email.message_from_bytes(raw)
    except Exception:  # unforeseen: the stdlib decides, and raises what it raises
        log.debug("fast parse failed", exc_info=True)
        return email.message_from_bytes(raw)


def _parse_entity(
    text: str, pos: int, boundaries: list[_PartEnd], depth: int,
) -> tuple[Message, int]:
    """The message or body part starting at ``pos``, and where it ends: the end of the text
    or the first line an enclosing multipart's boundary pattern matches (the feedparser's
    end-of-file for a part)."""
    msg = Message(policy=email.policy.compat32)
    body = _read_headers(msg, text, pos, boundaries)
    ctype = msg.get_content_type()  # (each call scans every header field)
    maintype = ctype.split("/")[0]
    if maintype == "multipart":
        return _parse_multipart(msg, ctype, text, body, boundaries, depth)
    if maintype == "message":
        if ctype == "message/delivery-status":
            return _parse_delivery_status(msg, text, body, boundaries)
        if depth >= _FAST_MIME_DEPTH:
            raise _NotOrdinary
        # Another message follows, taking the rest of the part.
        inner, end = _parse_entity(text, body, boundaries, depth + 1)
        msg.attach(inner)
        return msg, end
    end = _next_boundary_line(text, body, boundaries)
    # In a multipart, the line break before a boundary belongs to the boundary.
    msg.set_payload(_strip_line_break(text[body:end]) if boundaries else text[body:end])
    return msg, end


def _read_headers(msg: Message, text: str, pos: int, boundaries: list[_PartEnd]) -> int:
    """Set the header fields of the entity starting at ``pos`` (as the feedparser does:
    fields split as compat32's ``header_source_parse`` splits them, a first "From " line
    as the envelope and later ones as MisplacedEnvelopeHeaderDefect,
    MissingHeaderBodySeparatorDefect when a body line ends the header block); return
    where the body starts. A header block that starts with a continuation line, has a line
    starting with a colon, a continuation after a "From " line, a boundary line, or ends
    with a "From " line (the feedparser pushes it back into the body) is not ordinary."""
    start = pos
    misplaced: list[email.errors.MessageDefect] = []
    while True:
        end = _fields(msg, text, pos)
        if not text.startswith("From ", end):
            break
        pos = _LINE_RE.match(text, end).end()  # type: ignore[union-attr]
        envelope = text[end:pos]
        if end == start:
            msg.set_unixfrom(envelope.rstrip("\r\n"))
        elif _FIELD_NAME_RE.match(text, pos):  # a field follows
            misplaced.append(email.errors.MisplacedEnvelopeHeaderDefect(envelope))
        else:  # the last header line, or more unusual lines
            raise _NotOrdinary
    if boundaries and _next_boundary_line(text, start, boundaries, end) < end:
        raise _NotOrdinary
    body = end
    if end < len(text) and not _is_boundary_line(boundaries, _line_at(text, end)):
        if _HEADER_LINE_RE.match(text, end):
            raise _NotOrdinary
        separator = _LINE_BREAK_RE.match(text, end)
        if separator is None:  # a body line ends the header block
            msg.defects.append(email.errors.MissingHeaderBodySeparatorDefect())
        else:
            body = separator.end()
    msg.defects.extend(misplaced)
    return body


def _fields(msg: Message, text: str, pos: int) -> int:
    """Set the run of header fields starting at ``pos`` (as _FIELDS_RE matches it) on
    ``msg``; return where it ends.

    Most runs are fields up to an empty line or a "From " line and have no bare \r: the
    block up to that line is split with _LF_FIELD_RE, and if that leaves nothing between
    the fields, they are the run (no field starts at such a line). Anything else takes the
    general patterns."""
    found = _FIELDS_END_RE.search(text, pos) if _FIELD_NAME_RE.match(text, pos) else None
    if found is not None:
        end = found.end()
        block = text[pos:end]
        crlf = "\r" in block
        if not crlf or block.count("\r") == block.count("\r\n"):
            parts = _LF_FIELD_RE.split(block)
            if not any(parts[::3]):  # (name, value) pairs with nothing around them
                for name, value in zip(parts[1::3], parts[2::3], strict=True):
                    msg.set_raw(name, value[:-1] if crlf and value.endswith("\r") else value)
                return end
    end = _FIELDS_RE.match(text, pos).end()  # type: ignore[union-attr]  # matches ""
    for name, value in _FIELD_RE.findall(text, pos, end):
        msg.set_raw(name, value.rstrip("\r\n"))
    return end


def _parse_multipart(
    msg: Message, ctype: str, text: str, pos: int, boundaries: list[_PartEnd], depth: int,
) -> tuple[Message, int]:
    """The parts, preamble and epilogue of multipart ``msg`` (content type ``ctype``) whose
    body starts at ``pos``, as the feedparser's multipart branch of ``_parsegen`` reads
    them."""
    if depth >= _FAST_MIME_DEPTH or ctype == "multipart/digest":
        raise _NotOrdinary  # (a digest's parts default to message/rfc822)
    boundary = msg.get_boundary()
    if boundary is None:
        raise _NotOrdinary
    if str(msg.get("content-transfer-encoding", "8bit")).lower() not in (
            "7bit", "8bit", "binary"):
        msg.defects.append(email.errors.InvalidMultipartContentTransferEncodingDefect())
    own = _BoundaryLine(boundary)
    inner: list[_PartEnd] = [*boundaries, own]
    stop = _next_boundary_line(text, pos, inner)
    line = _line_at(text, stop)
    match = own(line) if stop < len(text) and not _is_boundary_line(boundaries, line) else None
    if match is None or match[0]:
        raise _NotOrdinary  # no first boundary line
    if stop > pos:
        msg.preamble = _strip_line_break(text[pos:stop])
    while True:
        # ``line``, at ``stop``, separates parts; boundary lines right after it are skipped.
        pos = stop + len(line)
        while True:
            if pos == len(text):
                raise _NotOrdinary
            line = _line_at(text, pos)
            if _is_boundary_line(boundaries, line):
                raise _NotOrdinary
            if not own(line):
                break
            pos += len(line)
        part, stop = _parse_entity(text, pos, inner, depth + 1)
        msg.attach(part)
        if stop == len(text):
            match = None
            break
        line = _line_at(text, stop)
        if _is_boundary_line(boundaries, line):
            match = None
            break
        match = own(line)
        if match is None:
            raise _NotOrdinary  # cannot happen: the part ended at one of ``inner``
        if match[0]:  # the close boundary
            break
    if match is None:
        msg.defects.append(email.errors.CloseBoundaryNotFoundDefect())
        return msg, stop
    pos = stop + len(line)
    end = _next_boundary_line(text, pos, boundaries)
    if not match[1] and end > pos:
        raise _NotOrdinary  # cannot happen: a close boundary without a line break ends the text
    epilogue = text[pos:end]
    if boundaries:  # the line break before the enclosing boundary belongs to it
        msg.epilogue = _strip_line_break(epilogue) if epilogue else None
    else:
        msg.epilogue = epilogue
    return msg, end


def _parse_delivery_status(
    msg: Message, text: str, pos: int, boundaries: list[_PartEnd],
) -> tuple[Message, int]:
    """The blocks of header fields (separated by blank lines) of message/delivery-status
    ``msg`` whose body starts at ``pos``, each a part of its own, as the feedparser's
    delivery-status branch of ``_parsegen`` reads them."""
    block_ends = [*boundaries, _is_blank_line]
    while True:
        block = Message(policy=msg.policy)
        body = _read_headers(block, text, pos, block_ends)
        if block.get_content_maintype() in ("multipart", "message"):
            raise _NotOrdinary
        end = body
        while end < len(text) and not _is_boundary_line(block_ends, line := _line_at(text, end)):
            end += len(line)
        block.set_payload(text[body:end])
        msg.attach(block)
        # The blank line after the block is read, then the next line decides whether
        # another block follows.
        pos = end
        if pos < len(text) and not _is_boundary_line(boundaries, line := _line_at(text, pos)):
            pos += len(line)
        if pos == len(text) or _is_boundary_line(boundaries, _line_at(text, pos)):
            break
    if boundaries:  # the line break before the enclosing boundary belongs to it
        block.set_payload(_strip_line_break(text[body:end]))
    return msg, pos


def _is_blank_line(line: str) -> bool:  # the feedparser's NLCRE.match
    return line[:1] in ("\r", "\n")


def _line_at(text: str, pos: int) -> str:
    return _LINE_RE.match(text, pos).group()  # type: ignore[union-attr]


def _is_boundary_line(boundaries: list[_PartEnd], line: str) -> bool:
    return any(boundary(line) for boundary in boundaries)


def _next_boundary_line(
    text: str, pos: int, boundaries: list[_PartEnd], end: int | None = None,
) -> int:
    """Where the first boundary line from ``pos`` (a line start) that one of ``boundaries``
    matches starts, or ``end`` (the end of the text) when there is none before it. Only
    lines starting with a boundary's "--" separator are looked at (blank lines, which end
    a delivery-status block, are found by the caller)."""
    if end is None:
        end = len(text)
    separators = tuple(b.separator for b in boundaries if isinstance(b, _BoundaryLine))
    if not separators:
        return end
    if pos == 0 and text.startswith(separators) and _is_boundary_line(
            boundaries, _line_at(text, 0)):
        return 0
    scan = pos if pos else 1  # a line starting at ``pos`` or after (0 was looked at)
    while (dash := _DASH_LINE_RE.search(text, scan, end)) is not None:
        start = dash.start()
        if text.startswith(separators, start) and _is_boundary_line(
                boundaries, _line_at(text, start)):
            return start
        scan = start + 1
    return end


def _strip_line_break(text: str) -> str:
    """``text`` without one final line break (\\r\\n, \\r or \\n), as the feedparser's
    ``NLCRE_eol`` strips it."""
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith(("\r", "\n")) else text


# --- Header fields and MIME parts to ParsedMessage fields ---------------------------------


def _looks_like_headers(raw: bytes) -> bool:
    """Whether the first line (within the first 64 KiB) starts with a field name and a colon
    (the pattern cannot pass a line break, so the line need not be cut out first)."""
    return _FIRST_FIELD_RE.match(raw, 0, 65536) is not None


_FIRST_FIELD_RE = re.compile(rb"[!-9;-~]+:")


def _note_defects(parsed: ParsedMessage, msg: Message) -> None:
    seen = set(parsed.defects)
    for part in _iter_parts(msg):
        for defect in getattr(part, "defects", []):
            name = type(defect).__name__
            if name not in seen:
                seen.add(name)
                parsed.defects.append(name)


def _iter_parts(msg: Message) -> list[Message]:
    out: list[Message] = []
    stack: list[Message] = [msg]
    while stack and len(out) < MAX_PARTS:
        part = stack.pop()
        out.append(part)
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
    return out


def _decode_header_value(value: object) -> str:
    """RFC 2047-decode one header value, surviving broken encodings and charsets.

    Raw 8-bit header bytes (undeclared charset) arrive from the stdlib as surrogate escapes;
    they are re-read as UTF-8, falling back to cp1252.
    """
    if value is None:
        return ""
    text = str(value)
    if len(text) > MAX_HEADER_CHARS:
        text = text[:MAX_HEADER_CHARS]
    if not text.isascii() and _has_surrogates(text):  # isascii is O(1): most values are
        text = _decode_bytes(text.encode("utf-8", "surrogateescape"), None)
    if "=?" in text:
        text = _decode_words(text) if len(text) <= 1000 else _decode_words.__wrapped__(text)
    return _unfold(text)


@lru_cache(maxsize=1024)
def _decode_words(text: str) -> str:
    """RFC 2047 encoded words decoded (slow in the stdlib, and a message's subject and
    sender name are decoded twice: as header fields and as subject and address)."""
    try:
        text = decode_header_part(text)
    except Exception:  # noqa: BLE001, S110 - unknown charset, bad base64: keep the raw
        pass
    if _has_surrogates(text):
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unfold(text: str) -> str:
    """Folded lines joined with one space (a line break, \\r\\n or \\n, and the white space
    after it), and the value stripped."""
    if "\n" not in text:  # most header values are one line
        return text.strip()
    # \r\n made \n first: a pattern starting with a literal is searched several times faster.
    return _FOLD_RE.sub(" ", text.replace("\r\n", "\n")).strip()


_FOLD_RE = re.compile(r"\n[ \t]*")


def _clean_line(text: str) -> str:
    return text.replace("\x00", "")


def _decode_bytes(data: bytes, charset: str | None) -> str:
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


def _first_msgid(value: object) -> str | None:
    ids = _msgids(value)
    if ids:
        return ids[0]
    text = str(value or "").strip()
    return text[:998] or None


def _msgids(value: object) -> list[str]:
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


def _addresses(parsed: ParsedMessage, raw: list[str] | None) -> list[Address]:
    """Decoded mailboxes from every instance of one address header."""
    out: list[Address] = []
    for value in raw or []:
        text = str(value)[:MAX_HEADER_CHARS]
        if not text.isascii() and _has_surrogates(text):  # isascii is O(1)
            text = _decode_bytes(text.encode("utf-8", "surrogateescape"), None)
        simple = _simple_addresses(text)
        if simple is not None:
            out.extend(Address(_unfold(_decode_header_value(name)), addr.lower())
                       for name, addr in simple)
            continue
        evidence: list[str] = []
        try:
            pairs = get_addresses(text, defects=evidence, decode_names=True)
        except Exception:  # noqa: BLE001 - fall back to the stdlib's lenient parser
            pairs = getaddresses([_decode_header_value(text)])
        pairs = [(n, a) for n, a in pairs if a]
        if not pairs and text.strip():
            pairs = getaddresses([_decode_header_value(text)])
            # "MAILER-DAEMON <>" and bare "mailer-daemon": keep the token as the address.
            pairs = [(n, a or (n if n and " " not in n.strip() else "")) for n, a in pairs]
        if evidence and "address header recovered" not in parsed.defects:
            parsed.defects.append("address header recovered")
        for name, addr in pairs:
            addr = str(addr).strip().strip("<>").lower()
            if addr:
                out.append(Address(_unfold(_decode_header_value(name)), addr))
    return out


# ``<local@domain>`` with dot-atoms only: what parseaddr returns for it is the address as
# written, so the common Return-Path skips its general parser.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ROUTE_ADDR_RE = re.compile(rf"<({_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*)>")


def _return_path(values: list[str] | None) -> str | None:
    if not values:
        return None
    value = str(values[-1]).strip()
    if value in ("<>", ""):
        return ""
    plain = _PLAIN_ROUTE_ADDR_RE.fullmatch(value)
    _, addr = (("", plain.group(1)) if plain else parseaddr(value))
    return addr.lower() if addr else ""


def _date(raw: object, parsed: ParsedMessage) -> datetime | None:
    if not raw:
        return None
    try:
        dt = _plain_date(str(raw)) or parsedate_to_datetime(str(raw))
    except (TypeError, ValueError, IndexError):
        parsed.defects.append("unparseable Date header")
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


# The usual Date, ``Tue, 24 Nov 2026 10:00:00 +0100 (CET)``, read without the stdlib's
# general (and slower) parser; _plain_date returns what parsedate_to_datetime returns.
_PLAIN_DATE_RE = re.compile(
    r"[ \t]*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), +)?(\d\d?) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep"
    r"|Oct|Nov|Dec) (\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)(?:[ \t].*)?", re.DOTALL)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _plain_date(value: str) -> datetime | None:
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


def _walk_parts(parsed: ParsedMessage, root: Message) -> None:
    """Walk the MIME tree without recursion, collecting bodies and attachments."""
    plain: list[str] = []
    html: list[str] = []
    stack: list[tuple[Message, int]] = [(root, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            parsed.defects.append(f"more than {MAX_PARTS} MIME parts; rest not read")
            break
        mime = _mime_fields(part)
        ctype = mime.get_content_type()
        parsed.parts.append(ctype)
        if part.is_multipart():
            if depth >= MAX_MIME_DEPTH:
                parsed.defects.append(f"MIME nesting deeper than {MAX_MIME_DEPTH}")
                parsed.malformed = True
                continue
            children = part.get_payload()
            if isinstance(children, list):
                if ctype == "message/rfc822":
                    # An attached email: keep it whole as an attachment, do not mine its body.
                    _add_attachment(parsed, part, ctype, _attached_message_bytes(part), depth,
                                    _part_filename(part))
                    continue
                stack.extend((c, depth + 1) for c in reversed(children)
                             if isinstance(c, Message))
            continue
        disposition = (mime.get_content_disposition() or "").lower()
        filename = _part_filename(mime)
        is_body = disposition != "attachment" and filename is None and ctype in (
            "text/plain", "text/html")
        payload = _payload_bytes(part, parsed)
        if is_body:
            text = _decode_bytes(payload, _content_charset(mime))
            (plain if ctype == "text/plain" else html).append(text)
            continue
        if ctype.startswith("multipart/"):
            continue
        _add_attachment(parsed, part, ctype, payload, depth, filename, disposition)

    if html:
        parsed.html = "\n".join(html)[:MAX_HTML_CHARS]
        parsed.links = extract_links(parsed.html)
    if plain and any(p.strip() for p in plain):
        parsed.text = "\n".join(plain)[:MAX_BODY_CHARS]
    elif parsed.html:
        parsed.text = html_to_text(parsed.html)[:MAX_BODY_CHARS]


# The header fields behind the MIME questions _walk_parts asks of a part (content type and
# its parameters, disposition and file name).
_MIME_FIELDS = frozenset({"content-type", "content-disposition"})


def _mime_fields(part: Message) -> Message:
    """``part`` itself, or for a part with many header fields (the top of a message has
    dozens) a Message holding only its MIME fields and default type: the same answers to
    get_content_type, get_content_disposition, get_filename and get_content_charset,
    without scanning every field once per question."""
    if len(part) <= 8:
        return part
    mime = Message(policy=part.policy)
    mime.set_default_type(part.get_default_type())
    for name, value in part.raw_items():
        if name.lower() in _MIME_FIELDS:
            mime.set_raw(name, value)
    return mime


def _content_charset(part: Message) -> str | None:
    """``part.get_content_charset()``, which parses every parameter of the Content-Type
    (slow stdlib code) and depends on nothing else: remembered by Content-Type value, of
    which mail has few."""
    value = part.get("content-type")
    if value is None:
        return None
    if not isinstance(value, str):  # a Header (8-bit bytes): not hashable
        return part.get_content_charset()
    return _charset_of_content_type(value)


@lru_cache(maxsize=512)
def _charset_of_content_type(value: str) -> str | None:
    part = Message()
    part.set_raw("Content-Type", value)
    return part.get_content_charset()


def _attached_message_bytes(part: Message) -> bytes:
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        try:
            return inner[0].as_bytes()
        except Exception:  # noqa: BLE001, S110 - re-serialising broken mail can fail
            pass
    return part.as_bytes()


def _payload_bytes(part: Message, parsed: ParsedMessage) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        parsed.defects.append("undecodable part payload")
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _part_filename(part: Message) -> str | None:
    # get_filename() is a "filename" parameter of Content-Disposition, else a "name" one of
    # Content-Type, and it parses both headers to look: a part whose two headers never spell
    # "name" has neither (most body parts), and is answered without the parse.
    if not any(value is not None and "name" in str(value).lower()
               for value in (part.get("content-disposition"), part.get("content-type"))):
        return None
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - broken RFC 2231 parameters
        name = None
    if name is None:
        return None
    return _decode_header_value(name) if "=?" in name else name


def _add_attachment(
    parsed: ParsedMessage, part: Message, ctype: str, payload: bytes, depth: int,
    filename: str | None = None, disposition: str = "attachment",
) -> None:
    index = len(parsed.attachments) + 1
    if filename is None and ctype == "message/rfc822":
        inner = part.get_payload()
        subj = ""
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            subj = _decode_header_value(inner[0].get("Subject", ""))
        filename = f"{subj or 'attached-message'}.eml"
    original = filename if filename is not None else ""
    cid = part.get("Content-ID")
    parsed.attachments.append(
        ParsedAttachment(
            filename=safe_filename(original, index=index, content_type=ctype),
            original_filename=_clean_line(original),
            content_type=ctype,
            payload=payload,
            inline=disposition == "inline",
            content_id=str(cid).strip().strip("<>") if cid else None,
        )
    )


def safe_filename(name: str, *, index: int = 1, content_type: str = "") -> str:
    """A file name that is safe on every platform and can never leave its directory.

    Path separators, control and format characters, NUL, Windows reserved device names and
    leading dots are neutralised; length is capped in UTF-8 bytes keeping the extension.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(
        ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '<>:"|?*'
    )
    name = name.strip().lstrip(".").strip()
    if not name or set(name) <= {"."}:
        name = f"attachment-{index}{_guess_extension(content_type)}"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED or name.upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    ext = ext[:20]
    suffix = f".{ext}" if ext else ""
    budget = FILENAME_MAX_BYTES - len(suffix.encode())
    stem_bytes = stem.encode("utf-8")[:budget]
    stem = stem_bytes.decode("utf-8", "ignore").rstrip(" .") or f"attachment-{index}"
    return stem + suffix


def numbered_names(name: str) -> Iterator[str]:
    """``name``, then ``stem (2).ext``, ``stem (3).ext``...: for names that must not clash."""
    yield name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    n = 2
    while True:
        yield f"{stem} ({n}){suffix}"
        n += 1


def _guess_extension(content_type: str) -> str:
    import mimetypes

    return mimetypes.guess_extension(content_type or "") or ".bin"


# ``<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>(.*?)</a\s*>``, ignoring
# case, written so that the regex engine does less work for the same matches (40% less on
# the corpora): letters spelled in both cases (no other character folds to a, h, r, e or
# f); the lazy scan for "href" stepping from one h to the next over possessive runs of
# other characters, as only there can it match; and the text up to the first "</a>" read
# as runs without "<" and "<"s that do not start it, with nothing to backtrack into.
_ANCHOR_RE = re.compile(
    r"<[aA]\b(?:[^>hH]++|[hH])*?\b[hH][rR][eE][fF]\s*=\s*"
    r"(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))[^>]*>"
    r"([^<]*+(?:<(?!/[aA]\s*>)[^<]*+)*+)</[aA]\s*>")
_TAG_RE = re.compile(r"<[^>]{0,2000}>")


def extract_links(html: str) -> list[Link]:
    """Every ``<a href>`` with its visible text, for link-mismatch checks and the TUI.

    A bounded regular expression rather than a full HTML parse: this runs on every HTML
    message and only needs anchors; it stays linear on hostile nesting.
    """
    links: list[Link] = []
    for match in _ANCHOR_RE.finditer(html[:MAX_HTML_CHARS]):
        double, single, bare, inner = match.groups()
        href = double if double is not None else single if single is not None else bare
        href = (unescape(href) if "&" in href else href).strip()
        inner = inner[:5000]  # tags and entities replaced only where there are any
        if "<" in inner:
            inner = _TAG_RE.sub(" ", inner)
        text = " ".join((unescape(inner) if "&" in inner else inner).split())[:300]
        if href:
            links.append(Link(text=text, href=href[:2000]))
        if len(links) >= 500:
            break
    return links


# How the HTML-to-text walk treats elements: skipped whole, a line break alone, or text
# written before and after their children (line breaks around blocks, a blank line around
# paragraphs, emphasis markers as Markdown writes them).
_SKIPPED_TAGS = frozenset({"head", "title", "script", "style", "noscript", "template",
                           "svg", "math", "object", "iframe", "img", "-comment"})
_BLOCK_TAGS = frozenset({
    "p", "div", "table", "tr", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "nav",
    "aside", "main", "address", "form", "fieldset", "center", "figure", "figcaption",
    "caption", "tbody", "thead", "tfoot", "body", "html"})
_PARAGRAPH_TAGS = frozenset({"p", "blockquote", "pre", "table"})
_PRE_NEWLINE = "\x00"  # a line break inside <pre>, kept through the white-space folding
# Where blocks meet: a line break, or a blank line around paragraphs. Adjacent boundaries
# merge (the end of one row and the start of the next are one line break, not two). Both
# start with \x01 so that the pattern finding them starts with a literal, which the regex
# engine searches for several times faster than a character class.
_LINE_BREAK, _BLANK_LINE = "\x01", "\x01\x02"
_BOUNDARIES_RE = re.compile(r"\x01(?:[ \t\x01\x02]*[\x01\x02])?")
_AROUND: dict[str, tuple[str, str]] = {
    **{tag: (_BLANK_LINE, _BLANK_LINE) if tag in _PARAGRAPH_TAGS else (_LINE_BREAK, _LINE_BREAK)
       for tag in _BLOCK_TAGS},
    "li": (_LINE_BREAK + "- ", ""), "td": ("  ", ""), "th": ("  ", ""),
    "b": ("**", "**"), "strong": ("**", "**"), "i": ("_", "_"), "em": ("_", "_"),
}
# Text nodes lose the walk's own marker characters. Running text has every white-space
# character (str.isspace: none above U+3000) turned into a space; html_to_text folds runs
# of spaces later, so this is what folding each text node's runs would give. In <pre>,
# line breaks are kept. The tables are lists indexed by code point, not dicts: a character
# a dict does not map costs str.translate a KeyError raised and cleared (in a list, it
# maps to itself; above the list, an IndexError, as rare as those characters).
_MARKERS = {ord(c): None for c in _PRE_NEWLINE + _LINE_BREAK + _BLANK_LINE}


def _translation(changes: dict[int, str | None], size: int) -> list[int | str | None]:
    table: list[int | str | None] = list(range(size))
    for code, replacement in changes.items():
        table[code] = replacement
    return table


_RUNNING_TEXT = _translation(
    {**{i: " " for i in range(0x3001) if chr(i).isspace()}, **_MARKERS}, 0x3001)
_PRE_TEXT = _translation({**_MARKERS, ord("\n"): _PRE_NEWLINE}, 0x80)
_SPACE_RUN_RE = re.compile("  +")
# Not \n{3,}: a pattern starting with a literal is searched many times faster.
_BLANK_LINES_RE = re.compile(r"\n\n\n+")


def html_to_text(html: str) -> str:
    """Readable text from HTML with link targets visible, e.g. ``[Pay now](<http://...>)``.

    Parsed by lexbor (a C HTML5 parser, through selectolax) and walked without recursion,
    so hostile nesting stays linear; paragraphs, rows and list items become lines, bold and
    italic Markdown-style markers, and images, scripts and styles disappear.
    """
    html = html[:MAX_HTML_CHARS]
    if _too_deep(html):
        return _strip_tags(html)
    try:
        tree = LexborHTMLParser(html)
    except Exception:  # noqa: BLE001 - fall back to tag stripping
        return _strip_tags(html)
    root = tree.body or tree.root
    if root is None:
        return ""
    out: list[str] = []
    had_pre = _emit_text(root, out)
    joined = _BOUNDARIES_RE.sub(
        lambda m: "\n\n" if "\x02" in m.group() else "\n", "".join(out))
    if had_pre or _PRE_NEWLINE in joined:  # (a link target can hold a NUL too)
        # Text in <pre> keeps white space of every kind: each line is folded on its own.
        lines = [" ".join(line.split()) for line in joined.split("\n")]
        text = "\n".join(lines).replace(_PRE_NEWLINE, "\n")
    else:
        # The only white space left is spaces and line breaks: the same folding (runs of
        # spaces made one, none at either end of a line) done on the whole text at once.
        # Spaces left at the ends of the text go with the strip below.
        text = _SPACE_RUN_RE.sub(" ", joined).replace(" \n", "\n").replace("\n ", "\n")
    return _BLANK_LINES_RE.sub("\n\n", text).strip()


# HTML5 tree building checks the stack of open elements at every tag, so its cost grows
# with the square of the nesting depth (lexbor: 10,000 levels 0.2 s, 40,000 levels 6 s).
# Browsers cap the depth; mail that nests deeper than any real layout is read as plain text.
MAX_HTML_DEPTH = 2_000
_DEPTH_CHECK_TAGS = 4 * MAX_HTML_DEPTH  # fewer tags than this cannot be dangerously deep
_TAG_TOKEN_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})[^>]{0,2000}?(/?)>")
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                        "meta", "source", "track", "wbr"})


def _too_deep(html: str) -> bool:
    """Whether tags nest deeper than :data:`MAX_HTML_DEPTH` (counted on the raw tags, in one
    linear pass, and only for HTML with enough tags to matter)."""
    if html.count("<") < _DEPTH_CHECK_TAGS:
        return False
    depth = 0
    for match in _TAG_TOKEN_RE.finditer(html):
        closing, name, self_closing = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closing and name.lower() not in _VOID_TAGS:
            depth += 1
            if depth > MAX_HTML_DEPTH:
                return True
    return False


def _strip_tags(html: str) -> str:
    return " ".join(unescape(_TAG_RE.sub(" ", html)).split())


# What the walk does at a node (see _node_action): an element written around, a <pre>, one
# with nothing of its own, a <br>, an <a>, or a node skipped with everything inside it.
_WRAP, _PRE, _PLAIN, _BR, _ANCHOR, _SKIP = range(6)
_Action = tuple[int, str, str]  # (what, written before the children, written after them)
# lexbor's id of text nodes. The actions are remembered by tag id for the tags lexbor
# knows, which have small fixed ids; any other tag name's id is the address of its entry
# in one document's tag table (never within the first 64 KiB, which are never mapped).
_TEXT_TAG_ID = LexborHTMLParser("x").body.first_child.tag_id  # type: ignore[union-attr]
_FIXED_TAG_IDS = 0x10000
_ACTIONS: dict[int, _Action] = {}


def _node_action(tag: str | None) -> _Action:
    """What the walk does at a node that is not text, by its tag name."""
    if tag is None:
        return _SKIP, "", ""
    around = _AROUND.get(tag)
    if around is not None:
        return (_PRE if tag == "pre" else _WRAP), *around
    if tag in _SKIPPED_TAGS or tag.startswith("-"):
        return _SKIP, "", ""
    if tag == "br":
        return _BR, "\n", ""
    return (_ANCHOR if tag == "a" else _PLAIN), "", ""


def _emit_text(root: LexborNode, out: list[str]) -> bool:
    """Write the text of ``root``'s subtree to ``out``; return whether it has a <pre>.

    One lexbor traversal of the whole subtree (a generator per element cost three times
    as much). What an element writes after its children is written when the walk reaches
    the node that follows its subtree, known by its ``mem_id``; elements with nothing to
    write then (most of them) are not followed at all, and a skipped element is followed
    to know where skipping ends.
    """
    write = out.append
    actions = _ACTIONS
    text_id = _TEXT_TAG_ID
    root_id = root.mem_id
    # The elements being walked that write something after their children, innermost
    # last: the mem_id of the node that follows the element's subtree (0: none, the walk
    # ends first), what to write there, and whether the element is a <pre>.
    open_elements: list[tuple[int, str, bool]] = []
    end = 0  # where the innermost of them ends
    skipping = False
    in_pre = 0
    had_pre = False
    for node in root.traverse(include_text=True):
        if end and node.mem_id == end:
            skipping = False  # (a skipped element is one of those ending here)
            node_id = end
            while end == node_id:
                _, closing, is_pre = open_elements.pop()
                write(closing)
                in_pre -= is_pre
                end = open_elements[-1][0] if open_elements else 0
        if skipping:
            continue
        tag_id = node.tag_id
        if tag_id == text_id:
            text = node.text_content or ""
            if in_pre:
                write(text.translate(_PRE_TEXT))
            else:  # white space alone (most text nodes) folds to one space anyway
                write(" " if text.isspace() else text.translate(_RUNNING_TEXT))
            continue
        action = actions.get(tag_id)
        if action is None:
            action = _node_action(node.tag)
            if tag_id < _FIXED_TAG_IDS:
                actions[tag_id] = action
        what, opening, closing = action
        if what == _PLAIN:
            continue
        if what == _WRAP:
            write(opening)
            if not closing:
                continue
        elif what == _BR:
            write(opening)
            continue
        elif what == _ANCHOR:
            href = " ".join((node.attributes.get("href") or "").split())
            if not href or href.startswith("#"):
                continue
            write("[")
            href = href[:2000]
            if "\x02" in href:  # (a character reference) alone, it was the blank line marker
                href = href.replace("\x02", _BLANK_LINE)
            closing = f"](<{href}>)"
        elif what == _SKIP:
            if node.first_child is None:  # nothing inside to skip
                continue
            skipping = True
        else:  # <pre>
            write(opening)
            in_pre += 1
            had_pre = True
        end = _subtree_end(node, root_id)
        open_elements.append((end, closing, what == _PRE))
    while open_elements:  # the elements the walk ends inside
        _, closing, _ = open_elements.pop()
        write(closing)
    return had_pre


def _subtree_end(node: LexborNode, root_id: int) -> int:
    """The mem_id of the node a traversal of ``root_id``'s subtree meets after ``node``'s
    subtree, or 0 when there is none."""
    current: LexborNode | None = node
    while current is not None and current.mem_id != root_id:
        following = current.next
        if following is not None:
            return following.mem_id
        current = current.parent
    return 0
