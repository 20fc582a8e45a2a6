"""Saving attachments: sanitised names, never overwriting, never outside the directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch.attachments import save_attachments, unique_path
from inboxwatch.errors import InboxwatchError
from inboxwatch.roles import SYSTEM_ACTOR
from inboxwatch_storage.tables import MessageAttachment
from tests.tui_support import EXAMPLES, import_mail


@pytest.mark.parametrize("name, expected", [
    ("report.pdf", "report.pdf"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system.ini", "system.ini"),
    (".bashrc", "bashrc"),
    ("CON.txt", "_CON.txt"),
    ("a\x1b]52;c;eA==\x07b.txt", "a]52;c;eA==b.txt"),
])
def test_unique_path_is_a_sanitised_child(tmp_path: Path, name: str, expected: str) -> None:
    path = unique_path(tmp_path, name)
    assert path.parent == tmp_path and path.name == expected


def test_existing_files_get_a_numeric_suffix(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(b"mine")
    (tmp_path / "scan (2).pdf").write_bytes(b"mine too")
    assert unique_path(tmp_path, "scan.pdf").name == "scan (3).pdf"
    (tmp_path / "README").write_bytes(b"x")
    assert unique_path(tmp_path, "README").name == "README (2)"


def test_a_dangling_symlink_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    inside = tmp_path / "dir"
    inside.mkdir()
    (inside / "note.txt").symlink_to(outside)
    assert unique_path(inside, "note.txt").name == "note (2).txt"


def test_save_writes_store_bytes_and_never_overwrites(engine: Engine, tmp_path: Path) -> None:
    import_mail(engine, [EXAMPLES])
    with Session(engine) as session:
        att = session.exec(select(MessageAttachment).order_by(MessageAttachment.id)).first()
        assert att is not None and att.id is not None
        first = save_attachments(session, SYSTEM_ACTOR, [att.id], tmp_path)
        second = save_attachments(session, SYSTEM_ACTOR, [att.id], tmp_path)
    assert first[0].path != second[0].path
    for saved in (*first, *second):
        data = saved.path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == att.sha256 == saved.sha256
        assert saved.path.stat().st_mode & 0o077 == 0  # private to the operator


def test_errors_are_one_clear_line(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        with pytest.raises(InboxwatchError, match="not a directory"):
            save_attachments(session, SYSTEM_ACTOR, [1], tmp_path / "missing")
        with pytest.raises(InboxwatchError, match="no attachment 999"):
            save_attachments(session, SYSTEM_ACTOR, [999], tmp_path)
