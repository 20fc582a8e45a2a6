"""Saving message attachments to a directory the operator chose, safely.

Promises: the bytes come from the store (by SHA-256), never from the network or the mail
again; the file name is the sanitised name (:func:`safe_filename`); an
existing file is never overwritten (a numeric suffix ``name (2).ext`` is added); nothing is
ever written outside the chosen directory; nothing is opened or executed. Files are created
with ``O_EXCL`` so a race with another writer cannot clobber a file either.
"""

from __future__ import annotations

import mimetypes
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from inboxwatch.errors import InboxwatchError
from inboxwatch.roles import VIEW_INBOUND_MESSAGES, Actor
from inboxwatch_storage.queries import get_blob
from inboxwatch_storage.tables import MessageAttachment

__all__ = [
    "SavedAttachment", "numbered_names", "safe_filename", "save_attachments", "unique_path",
]

_MAX_SUFFIX = 10_000
FILENAME_MAX_BYTES = 180
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL", "CLOCK$",
    *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10)),
}


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
    return mimetypes.guess_extension(content_type or "") or ".bin"


@dataclass(frozen=True, slots=True)
class SavedAttachment:
    """One attachment written to disk: where it went and what it was."""

    attachment_id: int
    path: Path
    size: int
    sha256: str


def unique_path(directory: Path, filename: str, *, index: int = 1) -> Path:
    """A path for ``filename`` inside ``directory`` that does not exist yet.

    The name is sanitised first, so the result is always a direct child of ``directory``.
    """
    name = safe_filename(filename, index=index)
    for tries, candidate_name in enumerate(numbered_names(name)):
        candidate = directory / candidate_name
        if not (candidate.exists() or candidate.is_symlink()):
            return candidate
        if tries >= _MAX_SUFFIX:
            break
    raise InboxwatchError(f"too many files named like {name!r} in {directory}")


def _write_new(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def save_attachments(session: Session, actor: Actor, attachment_ids: list[int],
                     directory: Path | str) -> list[SavedAttachment]:
    """Write the given attachments into ``directory`` (which must exist) and say where
    (needs ``view_inbound_messages``). Each file is created mode 0600.

    Raises :class:`InboxwatchError` when the directory is missing or an attachment or its
    bytes are not in the store.
    """
    actor.require(VIEW_INBOUND_MESSAGES)
    target = Path(directory).expanduser()
    if not target.is_dir():
        raise InboxwatchError(f"{target} is not a directory")
    target = target.resolve()
    saved: list[SavedAttachment] = []
    for attachment_id in attachment_ids:
        att = session.get(MessageAttachment, attachment_id)
        if att is None:
            raise InboxwatchError(f"no attachment {attachment_id} in the store")
        data = get_blob(session, att.sha256)
        if data is None:
            raise InboxwatchError(f"the bytes of attachment {attachment_id} are missing")
        for _ in range(3):  # another writer may take the name between the check and open
            path = unique_path(target, att.filename or att.original_filename,
                               index=att.position + 1)
            if path.parent.resolve() != target:  # safe_filename makes this impossible
                raise InboxwatchError(f"refusing to write {path} outside {target}")
            try:
                _write_new(path, data)
            except FileExistsError:
                continue
            break
        else:
            raise InboxwatchError(f"could not find a free name for {att.filename!r}")
        saved.append(SavedAttachment(attachment_id, path, len(data), att.sha256))
    return saved
