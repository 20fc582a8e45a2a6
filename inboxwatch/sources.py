"""Reading mail from files for ``inboxwatch import``: .eml files, folders, mbox, Maildir.

Raw bytes are read byte-exact: a single message file is stored as it is on disk (an mbox
``From `` envelope line included), so ``inboxwatch show ID --raw`` gives back the file.
Unreadable and empty files are reported as :class:`Skipped`, never raised, so one bad file
does not stop an import. Anything else is imported: a file that is not mail becomes a message
flagged ``malformed`` (raw bytes kept), so nothing an operator pointed at is silently lost.
"""

from __future__ import annotations

import mailbox
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from inboxwatch.errors import InboxwatchError
from inboxwatch.ingest import RawMail

__all__ = ["Skipped", "check_paths", "iter_mail"]

MBOX_SUFFIXES = {".mbox", ".mbx"}
_MBOX_SEP_RE = re.compile(rb"\n\nFrom \S+")


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


def iter_mail(paths: list[Path]) -> Iterator[RawMail | Skipped]:
    for path in paths:
        if path.is_dir():
            yield from _iter_dir(path)
        else:
            yield from _iter_file(path)


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


def _iter_file(path: Path, *, single: bool = False) -> Iterator[RawMail | Skipped]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield Skipped(str(path), exc.strerror or type(exc).__name__)
        return
    if not raw.strip():
        yield Skipped(str(path), "empty file")
        return
    if not single and (path.suffix.lower() in MBOX_SUFFIXES or (
            raw.startswith(b"From ") and _MBOX_SEP_RE.search(raw))):
        yield from _iter_mbox(path)
        return
    yield RawMail(raw=raw, source="import", origin=str(path))


def _iter_mbox(path: Path) -> Iterator[RawMail | Skipped]:
    try:
        box = mailbox.mbox(path, create=False)
        keys = list(box.keys())
    except (OSError, mailbox.Error) as exc:
        yield Skipped(str(path), f"not a readable mbox: {exc}")
        return
    try:
        for i, key in enumerate(keys):
            try:
                raw = box.get_bytes(key)
            except Exception as exc:  # noqa: BLE001 - a broken entry must not end the import
                yield Skipped(f"{path}#{i + 1}", f"unreadable mbox entry: {exc}")
                continue
            if raw.strip():
                yield RawMail(raw=raw, source="import", origin=f"{path}#{i + 1}")
    finally:
        box.close()
