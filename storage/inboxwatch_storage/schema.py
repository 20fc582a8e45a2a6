"""Schema versions: Alembic migrations from the first version on.

A new, empty database is brought to the current schema automatically. A database at an older
revision is refused with a clear instruction (``inboxwatch db upgrade``) rather than migrated
behind the operator's back, and one written by a newer inboxwatch is refused too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

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
HEAD_REVISION = "0002"


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
    """Apply every migration up to ``revision`` in one transaction."""
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_schema(engine: Engine) -> None:
    """Create the schema on an empty database; refuse any database not at the head."""
    if _recorded_revision(engine) == HEAD_REVISION:
        return  # the usual case, answered without importing Alembic
    current = current_revision(engine)
    if current is None:
        if inspect(engine).has_table("message"):
            raise SchemaError(
                "the database has inboxwatch tables but no schema version; "
                "it was not created by inboxwatch db upgrade"
            )
        upgrade(engine)
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
