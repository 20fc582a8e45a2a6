"""Schema versions: Alembic migrations from the first version on.

A new, empty database is brought to the current schema automatically. A database at an older
revision is refused with a clear instruction (``inboxwatch db upgrade``) rather than migrated
behind the operator's back, and one written by a newer inboxwatch is refused too.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

__all__ = [
    "SchemaError",
    "current_revision",
    "ensure_schema",
    "head_revision",
    "upgrade",
]

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaError(RuntimeError):
    """The database schema is not the one this version of inboxwatch works with."""


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` in one transaction."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_schema(engine: Engine) -> None:
    """Create the schema on an empty database; refuse any database not at the head."""
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
