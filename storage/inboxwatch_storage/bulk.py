"""Bulk writes and batch lookups: what the ingest pipeline does a few hundred rows at a time.

- :func:`chunked` splits keys into the chunks an ``IN (...)`` list takes (every dialect
  accepts :data:`CHUNK` parameters);
- :func:`known_shas` and :func:`stored_message_ids` answer "is this mail stored already?";
- :func:`insert_rows` inserts many rows of one table as multi-row INSERTs and returns their
  keys; :func:`update_rows` runs one UPDATE for many rows as an executemany.

Both writers send SQL of their own with the values already in the driver's form (every
column through its type's bind processor for the dialect, JSON columns serialised here),
not Core statements: SQLAlchemy's per-row parameter handling cost as much as the SQL
itself. The columns come from the table: a key that is not a column is refused, a column
left out gets its default, so a new column cannot silently become NULL. The placeholders
follow the driver's paramstyle, which is the only dialect-specific part.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from pydantic_core import PydanticUndefined
from sqlalchemy import JSON, Dialect, String, Table
from sqlmodel import Session, SQLModel, col, select

from inboxwatch_storage.tables import Message, RawCapture
from inboxwatch_storage.text import storable, storable_text

__all__ = [
    "CHUNK",
    "chunked",
    "insert_rows",
    "known_shas",
    "stored_message_ids",
    "update_rows",
]

CHUNK = 500  # keys in one IN (...) list

T = TypeVar("T")

# Positional parameters in our own SQL, by the driver's paramstyle.
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
# JSON columns serialised with json.dumps's own settings (the text SQLAlchemy's JSON type
# stores), less its bookkeeping for circular references (values made from a parsed message
# have none).
_JSON_TEXT = json.JSONEncoder(check_circular=False).encode


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``, in order."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def known_shas(session: Session, shas: Iterable[str], *, processed_captures: bool) -> set[str]:
    """Those of ``shas`` already in the store: as a message, or as a raw capture (every
    capture with ``processed_captures``, else only those still waiting to be processed)."""
    found: set[str] = set()
    for chunk in chunked(sorted(set(shas))):
        found.update(session.exec(select(Message.sha256).where(
            col(Message.sha256).in_(chunk))).all())
        captures = select(RawCapture.sha256).where(col(RawCapture.sha256).in_(chunk))
        if not processed_captures:
            captures = captures.where(col(RawCapture.processed_at).is_(None))
        found.update(session.exec(captures).all())
    return found


def stored_message_ids(session: Session, shas: Iterable[str]) -> dict[str, int]:
    """SHA-256 -> message id, for those of ``shas`` stored as messages."""
    found: dict[str, int] = {}
    for chunk in chunked(sorted(set(shas))):
        found.update((sha, pk) for sha, pk in session.exec(
            select(Message.sha256, Message.id).where(col(Message.sha256).in_(chunk)))
            if pk is not None)
    return found


def insert_rows(session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], *,
                key: str) -> list[int]:
    """Insert ``rows`` into the table of ``model``; their new ``id`` values, in order.

    Multi-row INSERTs of as many rows as SQLAlchemy's "insertmanyvalues" would put in one,
    not one statement a row: SQLite runs each statement that fires a trigger (the full-text
    index's) in a savepoint of its own, and FTS5 writes out its pending index at every
    savepoint, so a statement a row made an index segment a row. The ids come back paired
    with each row's ``key`` column, which must be unique: the rows of a multi-row RETURNING
    come in no promised order.
    """
    if not rows:
        return []
    table = _table(model)
    connection = session.connection()
    dialect = connection.dialect
    columns = _insert_columns(table, rows)
    encoders = [_encoder(table.c[name], dialect) for name in columns]
    fillers = [_filler(model, table.c[name]) for name in columns]
    quote, mark = dialect.identifier_preparer.quote, _PLACEHOLDERS[dialect.paramstyle]
    head = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) VALUES "
    row_marks = "(" + ", ".join([mark] * len(columns)) + ")"
    tail = f" RETURNING {quote(key)}, {quote('id')}"
    per_statement = min(dialect.insertmanyvalues_page_size,
                        dialect.insertmanyvalues_max_parameters // len(columns))
    found: dict[Any, int] = {}
    for start in range(0, len(rows), per_statement):
        page = rows[start:start + per_statement]
        params: list[Any] = []
        for row in page:
            for name, encode, fill in zip(columns, encoders, fillers, strict=True):
                value = row[name] if name in row else fill()
                params.append(value if encode is None else encode(value))
        sql = head + ", ".join([row_marks] * len(page)) + tail
        found.update(connection.exec_driver_sql(sql, tuple(params)).all())
    return [found[row[key]] for row in rows]


def update_rows(session: Session, model: type[SQLModel], columns: Sequence[str], *,
                where: str, params: Sequence[Sequence[Any]]) -> None:
    """``UPDATE table SET columns... WHERE where = ?`` on the table of ``model``, once for
    each of ``params`` (the new values in ``columns`` order, then the ``where`` value), as
    one executemany."""
    if not params:
        return
    table = _table(model)
    connection = session.connection()
    dialect = connection.dialect
    names = [*columns, where]
    for name in names:
        if name not in table.c:
            raise KeyError(f"{table.name} has no column {name!r}")
    encoders = [_encoder(table.c[name], dialect) for name in names]
    quote, mark = dialect.identifier_preparer.quote, _PLACEHOLDERS[dialect.paramstyle]
    assignments = ", ".join(f"{quote(name)} = {mark}" for name in columns)
    sql = f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote(where)} = {mark}"
    connection.exec_driver_sql(sql, [
        tuple(v if encode is None else encode(v)
              for v, encode in zip(values, encoders, strict=True))
        for values in params])


def _insert_columns(table: Table, rows: Sequence[dict[str, Any]]) -> list[str]:
    """The columns an INSERT of ``rows`` writes: every column of the table but an
    autoincrementing primary key, in table order; a key that is no column is refused."""
    given = set().union(*(row.keys() for row in rows))
    unknown = given - set(table.c.keys())
    if unknown:
        raise KeyError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    return [column.name for column in table.c
            if column.name in given or not (column.primary_key and column.autoincrement)]


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _filler(model: type[SQLModel], column: Any) -> Callable[[], Any]:
    """What a row that leaves ``column`` out stores there: the model field's default (or
    default factory, as the ORM would use it), else the column's, else NULL for a nullable
    column; a required column left out raises."""
    field = model.model_fields.get(column.name)
    if field is not None and field.default_factory is not None:
        factory = field.default_factory
        return lambda: factory()  # type: ignore[call-arg]
    if field is not None and field.default is not PydanticUndefined:
        value = field.default
        return lambda: value
    default = column.default
    if default is not None and default.is_callable:
        return lambda: default.arg(None)
    if default is not None and default.is_scalar:
        return lambda: default.arg
    if column.nullable:
        return lambda: None

    def missing() -> Any:
        raise KeyError(f"{column.table.name}.{column.name} has no default and was not given")

    return missing


def _encoder(column: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """What a value of ``column`` becomes before the driver gets it (None: nothing): every
    text and JSON value goes through :mod:`inboxwatch_storage.text` first, so nothing that
    a database refuses as text can block a store step."""
    if isinstance(column.type, JSON):
        return lambda value: _json_text(storable(value))
    process: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(
        dialect)
    if isinstance(column.type, String):  # Text and AutoString too
        if process is None:
            return lambda value: storable_text(value) if isinstance(value, str) else value
        convert = process
        return lambda value: convert(storable_text(value) if isinstance(value, str) else value)
    return process


def _json_text(value: Any) -> Any:
    """A JSON column's text (``json.dumps`` of the value), without the call for the empty
    lists and dicts that most of these columns hold. None is JSON null, as SQLAlchemy's
    JSON type stores it."""
    if not value and isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"
    return _JSON_TEXT(value)
