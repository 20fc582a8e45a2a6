"""The inboxwatch store: tables, engine, schema migrations and shared queries.

This package depends on SQLModel/SQLAlchemy only; it never imports the domain
(``inboxwatch``) or the UI (``tui``).
"""

from __future__ import annotations

from sqlalchemy import Engine

from inboxwatch_storage.engine import make_engine
from inboxwatch_storage.schema import SchemaError, ensure_schema

__all__ = ["SchemaError", "open_engine"]


def open_engine(url: str) -> Engine:
    """An engine for ``url`` whose schema is current (created if the database is empty)."""
    engine = make_engine(url)
    ensure_schema(engine)
    return engine
