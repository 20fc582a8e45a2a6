"""Reading mail from files for ``inboxwatch import``: .eml files, folders, mbox, Maildir.

Raw bytes are read byte-exact: a single message file is stored as it is on disk (an mbox
``From `` envelope line included), so ``inboxwatch show ID --raw`` gives back the file.

A file is one message unless it is an mbox: by its name (``.mbox``, ``.mbx``), by
``import --format mbox``, or by the shape of the whole file (:func:`looks_like_mbox`: two
or more envelope lines each followed by a header block, none of them inside a MIME part
still open). Never by a line starting "From " in a body, and never for ``.eml`` files: a
bounce that quotes a message with its envelope line stays one message.
Unreadable and empty files are reported as :class:`Skipped`, never raised, so one bad file
does not stop an import. Anything else is imported: a file that is not mail becomes a message
flagged ``malformed`` (raw bytes kept), so nothing an operator pointed at is silently lost.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from inboxwatch.errors import InboxwatchError
from inboxwatch.ingest import RawMail

__all__ = ["FORMATS", "Skipped", "check_paths", "iter_mail", "looks_like_mbox", "split_mbox"]

MBOX_SUFFIXES = {".mbox", ".mbx"}
SINGLE_SUFFIXES = {".eml", ".msg", ".txt"}
FORMATS = ("auto", "eml", "mbox")
# An envelope line ("From sender date") directly followed by a header field.
_ENVELOPE_RE = re.compile(rb"From \S+[^\r\n]*\r?\n[!-9;-~]+:")
_CANDIDATE_RE = re.compile(rb"\n\r?\n(?=From )")
_BOUNDARY_RE = re.compile(rb"boundary\s*=\s*\"?([^\";\r\n]{1,200})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    why: str


def check_paths(paths: list[str]) -> list[Path]:
    """Every path must exist and be readable before anything is imported."""
    out = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InboxwatchError(f"{p}: no such file or directory")
        if not os.access(path, os.R_OK):
            raise InboxwatchError(f"{p}: permission denied")
        out.append(path)
    return out


def iter_mail(paths: list[Path], *, file_format: str = "auto") -> Iterator[RawMail | Skipped]:
    """Every message under ``paths``; ``file_format`` says what a file named on the command
    line is (``auto``: by name and shape, see the module docstring)."""
    for path in paths:
        if path.is_dir():
            yield from _iter_dir(path)
        else:
            yield from _iter_file(path, file_format=file_format)


def _message_starts(raw: bytes) -> list[int]:
    """Where the messages of an mbox start (at their envelope lines): the start of the file
    and every envelope line after a blank line that is followed by a header block and is
    not inside a MIME multipart the message before it left open."""
    if not _ENVELOPE_RE.match(raw):
        return []
    starts = [0]
    for candidate in _CANDIDATE_RE.finditer(raw):
        at = candidate.end()
        if not _ENVELOPE_RE.match(raw, at):
            continue
        current = raw[starts[-1]:at]
        head = re.split(rb"\r?\n\r?\n", current, maxsplit=1)[0]
        declared = _BOUNDARY_RE.search(head)
        if declared and b"--" + declared.group(1).strip() + b"--" not in current:
            continue  # an envelope line quoted inside this message (a bounce's original)
        starts.append(at)
    return starts


def looks_like_mbox(raw: bytes) -> bool:
    """Whether ``raw`` is an mbox by its whole shape (two messages or more, see
    :func:`_message_starts`)."""
    return len(_message_starts(raw)) >= 2


def split_mbox(raw: bytes) -> list[bytes]:
    """The messages of an mbox, each without its envelope line and the blank line that
    ends it; a body line that starts with "From " splits nothing. A file that does not
    start with an envelope line is one message."""
    starts = _message_starts(raw)
    if not starts:
        return [raw]
    out = []
    for start, end in zip(starts, [*starts[1:], len(raw)], strict=True):
        chunk = raw[start:end]
        newline = chunk.find(b"\n")
        body = chunk[newline + 1:] if newline >= 0 else b""
        if end != len(raw):  # the blank line before the next envelope line
            body = body[:-2] if body.endswith(b"\r\n") else body[:-1]
        out.append(body)
    return out


def _is_maildir(path: Path) -> bool:
    return all((path / d).is_dir() for d in ("cur", "new", "tmp"))


def _iter_dir(root: Path) -> Iterator[RawMail | Skipped]:
    if _is_maildir(root):
        for sub in ("new", "cur"):
            for f in sorted((root / sub).iterdir()):
                if f.is_file() and not f.name.startswith("."):
                    yield from _iter_file(f, single=True)
        for child in sorted(root.iterdir()):  # Maildir++ sub-folders: .Sent, .Archive...
            if child.is_dir() and child.name.startswith(".") and _is_maildir(child):
                yield from _iter_dir(child)
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(dirpath)
        if here != root and _is_maildir(here):
            dirnames[:] = []
            yield from _iter_dir(here)
            continue
        for name in sorted(filenames):
            if not name.startswith("."):
                yield from _iter_file(here / name)


def _iter_file(path: Path, *, single: bool = False, file_format: str = "auto",
               ) -> Iterator[RawMail | Skipped]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield Skipped(str(path), exc.strerror or type(exc).__name__)
        return
    if not raw.strip():
        yield Skipped(str(path), "empty file")
        return
    suffix = path.suffix.lower()
    is_mbox = file_format == "mbox" or (
        file_format == "auto" and not single and suffix not in SINGLE_SUFFIXES
        and (suffix in MBOX_SUFFIXES or looks_like_mbox(raw)))
    if is_mbox:
        yield from _iter_mbox(path, raw)
        return
    yield RawMail(raw=raw, source="import", origin=str(path))


def _iter_mbox(path: Path, raw: bytes) -> Iterator[RawMail | Skipped]:
    for i, message in enumerate(split_mbox(raw)):
        if message.strip():
            yield RawMail(raw=message, source="import", origin=f"{path}#{i + 1}")
