"""Database engines from a URL, and the few things that differ between SQLite and PostgreSQL.

SQLite is the embedded default: WAL so the TUI reads while the poller writes, a busy timeout
so concurrent writers wait instead of failing, foreign keys on. What differs between the
dialects (those pragmas, the FTS5 full-text index, insert-or-ignore) lives in this module,
and the driver's placeholder style in :mod:`inboxwatch_storage.bulk`; the rest of the code
base is plain SQLAlchemy and runs unchanged on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from inboxwatch_storage.tables import Message

__all__ = [
    "BUSY_TIMEOUT_MS",
    "PG_INDEXED_BODY_CHARS",
    "PG_SEARCH_INDEX",
    "SUPPORTED_BACKENDS",
    "StoreAccessError",
    "StoreError",
    "StoreUrlError",
    "explain_database_error",
    "insert_ignoring_duplicates",
    "create_fulltext_index",
    "drop_fulltext_index",
    "is_sqlite",
    "make_engine",
    "search_condition",
]

BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite statement waits for another process's write lock (a backup, a
``sqlite3`` session, another poll) before it fails; ``INBOXWATCH_BUSY_TIMEOUT_SECONDS``
changes it."""


def busy_timeout_ms() -> int:
    value = os.environ.get("INBOXWATCH_BUSY_TIMEOUT_SECONDS", "")
    try:
        return max(0, int(float(value) * 1000)) if value else BUSY_TIMEOUT_MS
    except ValueError:
        return BUSY_TIMEOUT_MS


def is_sqlite(engine_or_dialect: Any) -> bool:
    dialect = getattr(engine_or_dialect, "dialect", engine_or_dialect)
    return getattr(dialect, "name", "") == "sqlite"


SUPPORTED_BACKENDS = ("sqlite", "postgresql")
_URL_FORMS = "sqlite:///PATH or postgresql://USER@HOST/DATABASE"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; for SQLite files the parent directory is created.

    A URL that is not one, a database kind inboxwatch does not run on, or a driver that is
    not installed raises :class:`StoreUrlError`, saying what to write instead."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUrlError(f"{_shown(url)!r} is not a database URL: use {_URL_FORMS}") \
            from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StoreUrlError(f"{parsed.render_as_string(hide_password=True)}: inboxwatch "
                            f"does not run on {backend!r} databases: use {_URL_FORMS}")
    try:
        parsed.get_dialect()
    except ArgumentError:
        raise StoreUrlError(f"{parsed.render_as_string(hide_password=True)}: unknown "
                            f"driver {parsed.drivername!r}: use {_URL_FORMS}") from None
    if backend == "postgresql":
        try:
            parsed.get_dialect().import_dbapi()
        except ImportError:
            raise StoreUrlError(
                f"{parsed.render_as_string(hide_password=True)}: the PostgreSQL driver "
                f"({parsed.drivername}) is not installed: pip install 'inboxwatch[postgres]'"
            ) from None
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            _create_sqlite_file(Path(database).expanduser())
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": busy_timeout_ms() / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


class StoreError(Exception):
    """The store cannot be opened as configured; the message says what to fix, in one line."""

    exit_code = 1


class StoreUrlError(StoreError):
    """The database URL is not one inboxwatch can use."""


class StoreAccessError(StoreError):
    """The store's file or directory cannot be opened by this account; says what to fix."""

    exit_code = 5


def _shown(url: str) -> str:
    """``url`` for a message: at most 200 characters, a password after ``:`` hidden."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)[:200]


def _create_sqlite_file(path: Path) -> None:
    """Create the store file, if it is missing, with mode 0660 less the umask (SQLite gives
    the WAL and SHM files the database file's mode), in a directory made 0770 less the
    umask; say what to fix, in one line, when this account may not use an existing one."""
    if path.is_dir():
        raise StoreError(f"cannot open the store {path}: it is a directory (name a file in "
                         f"it, e.g. sqlite:///{path / 'inboxwatch.db'})")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o770)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o660)
    except FileExistsError:
        if not os.access(path, os.R_OK | os.W_OK) or not os.access(path.parent, os.W_OK):
            raise StoreAccessError(_no_access(path)) from None
        return
    except PermissionError:
        raise StoreAccessError(_no_access(path)) from None
    except OSError as exc:
        raise StoreError(f"cannot create the store {path}: {exc.strerror or exc}"
                         f"{f' ({exc.filename})' if exc.filename else ''}") from None
    os.close(fd)


def _no_access(path: Path) -> str:
    import grp
    import pwd

    target = path if path.exists() else path.parent
    try:
        info = target.stat()
        owner = pwd.getpwuid(info.st_uid).pw_name
        group = grp.getgrgid(info.st_gid).gr_name
        where = f" (owner {owner}, group {group}, mode {stat.S_IMODE(info.st_mode):04o})"
        hint = (f": ask an admin to add your account to group {group!r} "
                f"(`usermod -aG {group} LOGIN`, then log in again)")
    except (OSError, KeyError):
        where, hint = "", ""
    return f"cannot open the store {path}: permission denied{where}{hint}"


def explain_database_error(exc: BaseException, url: str) -> tuple[str, int] | None:
    """One line saying what to fix, and the exit code (4: the server cannot be reached, 5:
    refused to this account), for a database error a person can act on; None for others.

    The cases of a team on PostgreSQL with peer authentication: the OS login has no
    database role yet, or one without an inboxwatch group role, or the server is down."""
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    message = " ".join(str(orig).split())
    try:
        where = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        where = "the database"
    if sqlstate == "42501" or "permission denied for" in message:
        return (f"the database refused this account: {message[:160]} (its role is not an "
                "active inboxwatch user's; ask an admin: `inboxwatch users list`)", 5)
    if "role" in message and "does not exist" in message:
        return (f"{where}: {message[:160]}: ask an inboxwatch admin to add you "
                "(`inboxwatch users add EMAIL --name NAME --login LOGIN` creates the "
                "database role)", 5)
    if "authentication failed" in message or "no pg_hba.conf entry" in message:
        return f"{where}: {message[:200]}", 5
    if "database is locked" in message or "database table is locked" in message:
        waited = busy_timeout_ms() / 1000
        return (f"{where}: the store is locked by another process (a backup, a sqlite3 "
                f"session, another inboxwatch) and stayed locked for {waited:g} s; nothing "
                "was lost: run the command again when it is free", 1)
    if "file is not a database" in message:
        return (f"{where}: the file is not an inboxwatch store (not SQLite): check --db or "
                "[database] url", 1)
    if "unable to open database file" in message:
        return (f"{where}: SQLite cannot open the file (a missing directory, or one this "
                "account may not write)", 1)
    if "database" in message and "does not exist" in message:
        return (f"{where}: {message[:160]} (create it, or fix [database] url)", 1)
    if "Connection refused" in message or "No such file or directory" in message \
            or "could not connect" in message or "could not translate host" in message:
        return f"{where}: cannot reach the database server: {message[:160]}", 4
    return None


def insert_ignoring_duplicates(table: Any, dialect: Any) -> Any:
    """An INSERT that skips rows whose primary/unique key already exists (both dialects)."""
    if is_sqlite(dialect):
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    if getattr(getattr(dialect, "dialect", dialect), "name", "") == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"no insert-or-ignore for {dialect}")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")  # first: the rest may wait
    _wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _wal(cursor: Any) -> None:
    """Put the store in WAL mode (once: the mode is kept in the file). Switching needs the
    file to itself, and SQLite answers "database is locked" at once, without its busy
    handler, while another process holds it (two processes opening a new store together):
    retried until the busy timeout."""
    import sqlite3
    import time

    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + busy_timeout_ms() / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


_FTS_DDL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS message_fts USING fts5(
        subject, from_addr, from_name, body_text,
        content='message', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS message_fts_ai AFTER INSERT ON message BEGIN
        INSERT INTO message_fts(rowid, subject, from_addr, from_name, body_text)
        VALUES (new.id, new.subject, new.from_addr, new.from_name, new.body_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS message_fts_ad AFTER DELETE ON message BEGIN
        INSERT INTO message_fts(message_fts, rowid, subject, from_addr, from_name, body_text)
        VALUES ('delete', old.id, old.subject, old.from_addr, old.from_name, old.body_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS message_fts_au AFTER UPDATE OF subject, from_addr,
        from_name, body_text ON message BEGIN
        INSERT INTO message_fts(message_fts, rowid, subject, from_addr, from_name, body_text)
        VALUES ('delete', old.id, old.subject, old.from_addr, old.from_name, old.body_text);
        INSERT INTO message_fts(rowid, subject, from_addr, from_name, body_text)
        VALUES (new.id, new.subject, new.from_addr, new.from_name, new.body_text);
    END""",
]


# PostgreSQL's full-text index reads what FTS5's unicode61 tokenizer reads: words of letters
# and digits (ASCII punctuation such as "@", "." and "-" splits words, so
# "alice@client.example" is three), in the 'simple' configuration (lower case, no stemming,
# no stop words). A body is indexed on
# its first PG_INDEXED_BODY_CHARS characters: a tsvector holds at most 1 MB.
PG_INDEXED_BODY_CHARS = 100_000
PG_SEARCH_INDEX = "message_search_idx"
_PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, regexp_replace("
    "coalesce(subject, '') || ' ' || coalesce(from_addr, '') || ' ' || "
    f"coalesce(from_name, '') || ' ' || left(coalesce(body_text, ''), {PG_INDEXED_BODY_CHARS}),"
    " '[[:punct:]]+', ' ', 'g'))")
_ASCII_PUNCTUATION_RE = re.compile(r"[!-/:-@\[-`{-~]+")


def create_fulltext_index(connection: Any) -> None:
    """Create the full-text index: SQLite FTS5 tables, or a PostgreSQL GIN index."""
    if is_sqlite(connection):
        for ddl in _FTS_DDL:
            connection.execute(text(ddl))
        connection.execute(text("INSERT INTO message_fts(message_fts) VALUES ('rebuild')"))
    elif connection.dialect.name == "postgresql":
        connection.execute(text(
            f"CREATE INDEX IF NOT EXISTS {PG_SEARCH_INDEX} ON message USING gin ({_PG_DOCUMENT})"))


def drop_fulltext_index(connection: Any) -> None:
    if is_sqlite(connection):
        for name in ("message_fts_ai", "message_fts_ad", "message_fts_au"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        connection.execute(text("DROP TABLE IF EXISTS message_fts"))
    elif connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {PG_SEARCH_INDEX}"))


def _fts_query(query: str) -> str:
    """User text -> a safe FTS5 query: each word a quoted prefix term, all required."""
    words = [w.replace('"', '""') for w in query.split() if w.strip()]
    return " ".join(f'"{w}"*' for w in words[:20])


def _tsquery(query: str) -> str:
    """User text -> the PostgreSQL twin of :func:`_fts_query`: every word required, its last
    part a prefix, a word with punctuation inside ("alice@client") its parts in a row."""
    terms = []
    for word in query.split()[:20]:
        parts = [p for p in _ASCII_PUNCTUATION_RE.split(word.lower()) if p]
        if parts:
            terms.append("(" + " <-> ".join(parts[:-1] + [parts[-1] + ":*"]) + ")")
    return " & ".join(terms)


def search_condition(dialect: Any, query: str) -> ColumnElement[bool]:
    """A WHERE condition on :class:`Message` matching ``query`` in subject, sender, body:
    the same on both stores (every word, as a prefix, case-insensitive)."""
    if is_sqlite(dialect):
        fts = _fts_query(query)
        if not fts:
            return text("1=1")  # type: ignore[return-value]
        return Message.id.in_(  # type: ignore[union-attr]
            text("SELECT rowid FROM message_fts WHERE message_fts MATCH :q").bindparams(q=fts)
        )
    tsquery = _tsquery(query)
    if not tsquery:
        return text("1=1")  # type: ignore[return-value]
    return text(f"{_PG_DOCUMENT} @@ to_tsquery('simple'::regconfig, :tsq)").bindparams(
        tsq=tsquery)  # type: ignore[return-value]
