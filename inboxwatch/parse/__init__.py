"""Raw RFC 5322 bytes -> a typed :class:`ParsedMessage`.

The promise of this package: :func:`parse_message` never raises on mail. Whatever arrives
is described as well as it can be; what could not be understood is listed in ``defects``
and, when the message is beyond use (no headers at all, not mail), ``malformed`` is set so
the ingest pipeline stores it flagged instead of dropping it.

Its modules follow the seams of the stdlib ``email`` package:

- :mod:`~inboxwatch.parse.model`: :class:`ParsedMessage` and its parts, and the limits;
- :mod:`~inboxwatch.parse.fastmime`: bytes to an ``email.message.Message`` tree, the
  stdlib feedparser's result built faster (a fast path with its switch; see there);
- :mod:`~inboxwatch.parse.headers`: header values decoded, addresses, Message-IDs, dates;
- :mod:`~inboxwatch.parse.parts`: the MIME tree walked to bodies and attachments;
- :mod:`~inboxwatch.parse.htmltext`: links and text from HTML bodies.

Attachment file names are made safe by :mod:`inboxwatch.attachments`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from email.message import Message
from itertools import chain

from inboxwatch.parse.fastmime import message_from_bytes
from inboxwatch.parse.headers import (
    addresses,
    clean_line,
    decode_header_value,
    first_msgid,
    header_date,
    looks_like_headers,
    msgids,
    return_path,
)
from inboxwatch.parse.model import (
    MAX_REFERENCES,
    UNDECLARED_8BIT,
    Address,
    Link,
    ParsedAttachment,
    ParsedMessage,
)
from inboxwatch.parse.parts import note_defects, walk_parts

__all__ = [
    "UNDECLARED_8BIT",
    "Address",
    "Link",
    "ParsedAttachment",
    "ParsedMessage",
    "parse_message",
    "strip_envelope_line",
]

log = logging.getLogger(__name__)


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
    _make_text_storable(parsed)
    return parsed


_NOT_TEXT_RE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _make_text_storable(parsed: ParsedMessage) -> None:
    """Every decoded field valid text, whatever the bytes were; the raw bytes keep them.

    NUL is never text (and PostgreSQL refuses it): dropped. A lone surrogate is what
    Python's decoders leave for a byte that is no character (a flipped byte in a
    Message-ID): no database accepts one (SQLite's driver and PostgreSQL raise on it), so
    each becomes U+FFFD, the replacement character, and the message is flagged malformed
    with a defect saying so."""
    if not _has_invalid_text(parsed):  # almost all mail: nothing to rebuild
        return
    parsed._index = None  # built from the headers rebuilt here
    replaced: list[bool] = []

    def fix(text: str) -> str:
        if not _NOT_TEXT_RE.search(text):
            return text
        if _SURROGATE_RE.search(text):
            replaced.append(True)
            text = _SURROGATE_RE.sub("\ufffd", text)
        return text.replace("\x00", "")

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
    parsed.return_path = fix(parsed.return_path) if parsed.return_path else parsed.return_path
    parsed.parts = [fix(t) for t in parsed.parts]
    parsed.content_type = fix(parsed.content_type)
    for att in parsed.attachments:
        att.original_filename = fix(att.original_filename)
        att.filename = fix(att.filename)
        att.content_type = fix(att.content_type)
        att.content_id = fix(att.content_id) if att.content_id else att.content_id
    if replaced:
        parsed.defects.append("bytes that are not text (invalid UTF-8 or an 8-bit header) "
                              "replaced by U+FFFD")
        parsed.malformed = True


def _has_invalid_text(parsed: ParsedMessage) -> bool:
    """Whether any field :func:`_make_text_storable` cleans holds a NUL or a surrogate (one
    joined string searched, rather than every field rebuilt)."""
    addresses = [a for a in (parsed.from_addr, parsed.sender) if a is not None]
    addresses += parsed.to + parsed.cc + parsed.reply_to
    small = [parsed.subject, parsed.message_id or "", *chain.from_iterable(parsed.headers),
             *(a.name + a.email for a in addresses), *parsed.in_reply_to, *parsed.references,
             *(link.text + link.href for link in parsed.links), *parsed.defects,
             parsed.return_path or "", *parsed.parts, parsed.content_type,
             *(a.filename + a.original_filename + a.content_type + (a.content_id or "")
               for a in parsed.attachments)]
    return any(_NOT_TEXT_RE.search(text) is not None
               for text in ("".join(small), parsed.text, parsed.html or ""))


def _declared_charset(msg: Message) -> str | None:
    """The charset the message's first text part declares (None if none): what raw 8-bit
    headers are most likely written in, since one program wrote both."""
    for number, part in enumerate(msg.walk()):
        if number >= _CHARSET_PARTS:
            break
        if part.get_content_maintype() == "text":
            charset = part.get_content_charset()
            if charset:
                return charset
    return None


_CHARSET_PARTS = 8  # how many MIME parts are looked through for a declared charset


def _parse_into(parsed: ParsedMessage, raw: bytes) -> None:
    if not raw or raw.isspace():
        parsed.defects.append("empty message")
        parsed.malformed = True
        return
    msg = message_from_bytes(raw)
    if not msg.keys() or not looks_like_headers(raw):
        parsed.defects.append("no RFC 5322 header block")
        parsed.malformed = True
    # Raw and decoded values by lower-cased name: the decoded ones are the index
    # header_all would build (kept in step with ``headers``, should a value raise).
    raw_headers: dict[str, list[str]] = {}
    index: dict[str, list[str]] = {}
    parsed._index = index
    # The body's charset, for raw 8-bit headers: looked up when the first one comes.
    charset: str | None = None
    looked_up = False
    for key, value in msg.raw_items():
        text = str(value)
        if not looked_up and not text.isascii():
            charset, looked_up = _declared_charset(msg), True
        decoded = decode_header_value(text, charset)
        name = key.lower()
        raw_headers.setdefault(name, []).append(text)
        index.setdefault(name, []).append(decoded)
        parsed.headers.append((key, decoded))
    note_defects(parsed, msg)

    def first(name: str) -> str | None:
        values = raw_headers.get(name)
        return values[0] if values else None

    parsed.subject = clean_line(index.get("subject", [""])[0])
    parsed.message_id = first_msgid(first("message-id"))
    from_list = addresses(parsed, raw_headers.get("from"), charset)
    parsed.from_addr = from_list[0] if from_list else None
    sender = addresses(parsed, raw_headers.get("sender"), charset)
    parsed.sender = sender[0] if sender else None
    parsed.to = addresses(parsed, raw_headers.get("to"), charset)
    parsed.cc = addresses(parsed, raw_headers.get("cc"), charset)
    parsed.reply_to = addresses(parsed, raw_headers.get("reply-to"), charset)
    parsed.return_path = return_path(raw_headers.get("return-path"))
    parsed.date = header_date(first("date"), parsed)
    parsed.in_reply_to = msgids(first("in-reply-to"))
    parsed.references = msgids(first("references"))[-MAX_REFERENCES:]
    parsed.content_type = msg.get_content_type()
    if parsed.from_addr is None:
        parsed.defects.append("no sender address")
    walk_parts(parsed, msg)

