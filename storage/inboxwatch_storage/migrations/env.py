"""Alembic environment: runs on the connection :mod:`inboxwatch_storage.schema` hands it."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import inboxwatch_storage.tables  # noqa: F401 - registers the tables on SQLModel.metadata
from inboxwatch_storage.migrations.filters import include_object

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only `alembic` run by hand
        from inboxwatch_storage.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            run_migrations_online()
        return
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
