"""Bytes to ``email.message.Message``, as the stdlib feedparser builds it, with less work.

What this replicates: ``email.message_from_bytes(raw)`` with policy ``compat32``, that is
CPython's ``Lib/email/feedparser.py`` (``FeedParser._parsegen`` and ``_parse_headers``)
building the tree of ``email.message.Message`` objects, defects included. The feedparser
reads a message line by line in Python (every body line through a readline and, inside a
multipart, through every enclosing boundary pattern), which was most of the cost of parsing
the corpora. Here the same tree is built from the whole text with regular-expression scans.

Only ordinary mail takes this path: single parts and multiparts whose parts have ordinary
header blocks. Anything else (message/* parts other than delivery-status,
multipart/digest, a multipart without a boundary or its first boundary line, unusual
header lines; see :func:`_read_headers`) raises :class:`_NotOrdinary` inside and is
parsed by the stdlib, so the result is the stdlib's in every case.

The switch: ``INBOXWATCH_FAST_MIME=0`` in the environment (read at import), or
:data:`ENABLED` set to False, makes :func:`message_from_bytes` the stdlib call alone. The
equivalence test is ``tests/test_parse.py`` (``test_fast_mime_*``): the tree and every
parsed field compared with the stdlib's on the example mail, the test data, generated
shapes and, in ``bench/store_digest.py``, the stored rows of 10,000 corpus messages.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import logging
import os
import re
from collections.abc import Callable
from email.message import Message

__all__ = ["ENABLED", "message_from_bytes"]

log = logging.getLogger(__name__)

ENABLED = os.environ.get("INBOXWATCH_FAST_MIME", "1") != "0"

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


def message_from_bytes(raw: bytes) -> Message:
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
    if not ENABLED:
        return email.message_from_bytes(raw)
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

