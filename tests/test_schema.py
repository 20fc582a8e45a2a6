"""Migrations: the initial migration builds exactly the models; old schemas are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import inboxwatch_storage.tables  # noqa: F401
from inboxwatch.cli import main
from inboxwatch_storage import open_engine
from inboxwatch_storage.engine import make_engine
from inboxwatch_storage.migrations.filters import include_object
from inboxwatch_storage.schema import (
    HEAD_REVISION,
    SchemaError,
    current_revision,
    ensure_schema,
    head_revision,
    upgrade,
)


def test_migrations_match_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_head_revision_constant_is_the_newest_migration() -> None:
    # ensure_schema answers "up to date" from this constant without importing Alembic
    assert HEAD_REVISION == head_revision()


def test_new_store_is_created_at_head_with_wal_and_fts(db_url: str) -> None:
    engine = open_engine(db_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("SELECT name FROM sqlite_master WHERE name='message_fts'")
                            ).scalar() == "message_fts"


def test_old_schema_is_refused_then_upgraded(db_url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.begin() as conn:  # pretend an older inboxwatch wrote this store
        conn.execute(text("UPDATE alembic_version SET version_num = 'base0'"))
    with pytest.raises(SchemaError, match="newer than this inboxwatch"):
        ensure_schema(engine)
    assert main(["--db", db_url, "messages"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("inboxwatch: error: the database schema") and err.count("\n") == 1


def test_db_upgrade_command(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db_url, "db", "upgrade"]) == 0
    assert f"-> {head_revision()}" in capsys.readouterr().out
    assert main(["--db", db_url, "db", "upgrade"]) == 0
    assert "already at" in capsys.readouterr().out
