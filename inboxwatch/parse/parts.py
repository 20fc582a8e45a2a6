"""The MIME tree to ParsedMessage bodies and attachments.

The tree is walked without recursion and with a depth and part limit, so hostile nesting
cannot exhaust the stack; bodies are decoded with a charset fallback chain because real
mail lies about its charset. HTML bodies give their links and, when there is no plain text,
the text (:mod:`inboxwatch.parse.htmltext`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.message import Message
from functools import lru_cache

from inboxwatch.attachments import safe_filename
from inboxwatch.parse.headers import clean_line, decode_bytes, decode_header_value
from inboxwatch.parse.htmltext import extract_links, html_to_text
from inboxwatch.parse.model import (
    MAX_BODY_CHARS,
    MAX_HTML_CHARS,
    MAX_MIME_DEPTH,
    MAX_PARTS,
    UNDECLARED_8BIT,
    ParsedAttachment,
    ParsedMessage,
)

__all__ = ["note_defects", "walk_parts"]

_HTML_START_RE = re.compile(r"<(?:html|body)\b", re.IGNORECASE)
# Fewer 8-bit bytes than this in a part that says it has none are let pass: a stray
# non-breaking space pasted into a web form.
MIN_UNDECLARED_8BIT = 3
_ASCII_BYTES = bytes(range(128))
# <meta charset="gb2312"> or <meta http-equiv="Content-Type" content="text/html;
# charset=gb2312">, in the first bytes of an HTML part.
_META_CHARSET_RE = re.compile(rb"<meta\b[^>]{0,300}?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{2,40})",
                              re.IGNORECASE)


def _meta_charset(payload: bytes) -> str | None:
    """The charset an HTML part names in its own <meta>, which browsers and mail programs
    read when the MIME header names none (if the MIME header names one, it wins: RFC 2046).
    Without it, a Chinese page in GB2312 came out as Latin-1 mojibake."""
    found = _META_CHARSET_RE.search(payload[:4096])
    return found.group(1).decode("ascii").lower() if found else None


def _undeclared_8bit(part: Message, charset: str | None, payload: bytes) -> bool:
    """Whether the part says in so many words that its text is 7-bit ASCII (charset
    us-ascii, or Content-Transfer-Encoding 7bit) and holds 8-bit bytes all the same. A part
    that names neither is not held to the default: a web form's script often writes no MIME
    headers at all."""
    if payload.isascii():
        return False
    encoding = part.get("Content-Transfer-Encoding")
    declared = charset in ("us-ascii", "ascii") or (
        isinstance(encoding, str) and encoding.strip().lower() == "7bit")
    return declared and len(payload.translate(None, _ASCII_BYTES)) >= MIN_UNDECLARED_8BIT


def note_defects(parsed: ParsedMessage, msg: Message) -> None:
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


def walk_parts(parsed: ParsedMessage, root: Message) -> None:
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
                if ctype == "message/delivery-status":
                    # A DSN's report: blocks of fields (the email package reads each block
                    # as the headers of a sub-message). Kept as fields, not as bodies.
                    _keep_delivery_status(parsed, children)
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
            charset = _content_charset(mime)
            if charset is None and ctype == "text/html":
                charset = _meta_charset(payload)
            if _undeclared_8bit(part, charset, payload) and \
                    UNDECLARED_8BIT not in parsed.defects:
                parsed.defects.append(UNDECLARED_8BIT)
            text = decode_bytes(payload, charset)
            (plain if ctype == "text/plain" else html).append(text)
            continue
        if ctype.startswith("multipart/"):
            if payload.strip():
                # Its boundary never appears (StartBoundaryNotFoundDefect), so the email
                # package kept the body whole: shown as the text, as mail programs show it,
                # not dropped.
                text = decode_bytes(payload, _content_charset(mime))
                (html if _HTML_START_RE.search(text[:MAX_HTML_CHARS]) else plain).append(text)
            continue
        _add_attachment(parsed, part, ctype, payload, depth, filename, disposition)

    if html:
        parsed.html = "\n".join(html)[:MAX_HTML_CHARS]
        parsed.links = extract_links(parsed.html)
    if plain and any(p.strip() for p in plain):
        parsed.text = "\n".join(plain)[:MAX_BODY_CHARS]
    elif parsed.html:
        parsed.text = html_to_text(parsed.html)[:MAX_BODY_CHARS]


MAX_DSN_BLOCKS = 50
MAX_DSN_VALUE_CHARS = 500


def _keep_delivery_status(parsed: ParsedMessage, blocks: Sequence[object]) -> None:
    for block in blocks[:MAX_DSN_BLOCKS]:
        if not isinstance(block, Message):
            continue
        fields: dict[str, str] = {}
        for name, value in list(block.items())[:40]:
            key = str(name).strip().lower()[:60]
            if key and key not in fields:
                fields[key] = " ".join(str(value).split())[:MAX_DSN_VALUE_CHARS]
        if fields and len(parsed.delivery_status) < MAX_DSN_BLOCKS:
            parsed.delivery_status.append(fields)


# The header fields behind the MIME questions walk_parts asks of a part (content type and
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
    return decode_header_value(name) if "=?" in name else name


def _add_attachment(
    parsed: ParsedMessage, part: Message, ctype: str, payload: bytes, depth: int,
    filename: str | None = None, disposition: str = "attachment",
) -> None:
    index = len(parsed.attachments) + 1
    if filename is None and ctype == "message/rfc822":
        inner = part.get_payload()
        subj = ""
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            subj = decode_header_value(inner[0].get("Subject", ""))
        filename = f"{subj or 'attached-message'}.eml"
    original = filename if filename is not None else ""
    cid = part.get("Content-ID")
    parsed.attachments.append(
        ParsedAttachment(
            filename=safe_filename(original, index=index, content_type=ctype),
            original_filename=clean_line(original),
            content_type=ctype,
            payload=payload,
            inline=disposition == "inline",
            content_id=str(cid).strip().strip("<>") if cid else None,
        )
    )

