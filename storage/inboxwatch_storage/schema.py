"""Schema versions: Alembic migrations from the first version on.

A new, empty database is brought to the current schema automatically. A database at an older
revision is refused with a clear instruction (``inboxwatch db upgrade``) rather than migrated
behind the operator's back, and one written by a newer inboxwatch is refused too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlmodel import SQLModel

import inboxwatch_storage.tables  # noqa: F401 - the tables, on SQLModel.metadata
from inboxwatch_storage.engine import drop_fulltext_index

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "SchemaError",
    "current_revision",
    "ensure_schema",
    "head_revision",
    "upgrade",
]

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision, so that opening an up-to-date store needs no Alembic
# (importing it is a fifth of the TUI's start-up); tests/test_schema.py keeps it honest.
HEAD_REVISION = "0004"


class SchemaError(RuntimeError):
    """The database schema is not the one this version of inboxwatch works with."""


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest revision, as Alembic reads it from the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` in one transaction, which no other process
    changing the schema runs beside (:func:`_schema_transaction`)."""
    with _schema_transaction(engine) as conn:
        _run_migrations(conn, revision)


def _run_migrations(conn: Connection, revision: str) -> None:
    from alembic import command

    cfg = _config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


@contextmanager
def _schema_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction for changing the schema: all of it or none of it, one process at a time.

    SQLite's driver runs DDL outside any transaction unless one was begun explicitly: a
    store killed while being created was left half made. Here ``BEGIN IMMEDIATE`` opens
    the transaction and takes the write lock at once (a second process creating the same
    store waits for it, up to the busy timeout); PostgreSQL's DDL is transactional, and an
    advisory lock held to the commit serialises two creators."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


_SCHEMA_LOCK_KEY = 0x1B0C5C4E  # "inboxwatch schema", an arbitrary fixed advisory-lock key


def _create(engine: Engine) -> None:
    """Create the schema of an empty store, or finish one a crash left half made, inside
    one schema transaction; another process that got there first is simply waited for."""
    with _schema_transaction(engine) as conn:
        found = inspect(conn)
        if found.has_table("alembic_version"):
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            if len(rows) == 1:
                return  # created meanwhile by the process we waited for
        ours = [t for t in found.get_table_names() if t in SQLModel.metadata.tables
                or t.startswith("message_fts") or t == "alembic_version"]
        if found.has_table("message"):
            rows_in = {t: conn.execute(text(f'SELECT 1 FROM "{t}" LIMIT 1')).first()
                       for t in ours if not t.startswith("message_fts")}
            if any(rows_in.values()):
                raise SchemaError(
                    "the database has inboxwatch tables with data but no schema version; "
                    "it was not created by inboxwatch db upgrade")
            # Half made by an earlier inboxwatch killed mid-creation: every table is
            # empty, so nothing is lost by making it again.
            drop_fulltext_index(conn)
            for table in reversed(SQLModel.metadata.sorted_tables):
                conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}"'))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _run_migrations(conn, "head")


def ensure_schema(engine: Engine) -> None:
    """Create the schema on an empty database; refuse any database not at the head."""
    if _recorded_revision(engine) == HEAD_REVISION:
        return  # the usual case, answered without importing Alembic
    current = current_revision(engine)
    if current is None:
        _create(engine)
        return
    head = head_revision()
    if current == head:
        return
    from alembic.script import ScriptDirectory

    known = {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}
    if current not in known:
        raise SchemaError(
            f"the database schema ({current}) is newer than this inboxwatch knows: "
            "upgrade inboxwatch"
        )
    raise SchemaError(
        f"the database schema is at {current}, this inboxwatch needs {head}: "
        "back it up, then run `inboxwatch db upgrade`"
    )


def _recorded_revision(engine: Engine) -> str | None:
    """The revision in ``alembic_version`` read with plain SQL (None: no such table, or not
    exactly one row)."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    return str(rows[0][0]) if len(rows) == 1 else None
