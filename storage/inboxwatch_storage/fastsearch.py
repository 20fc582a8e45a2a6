"""Faster full-text search on a large SQLite store: a fast path beside the plain one.

The plain search (:func:`inboxwatch_storage.queries.list_messages` and
:func:`~inboxwatch_storage.queries.count_messages` with ``search``) is one statement:
``message.id IN (SELECT rowid FROM message_fts WHERE MATCH ...)``. SQLite builds the whole
list of matches first, then walks the list's index in order and checks each row against
it. A word in nine messages of ten at 1M builds a list of 900,000 ids before the first row
(about 0.4 s); a word no message has walks the whole index before it gives up (0.9 s); a
count checks every match's row for ``deleted_at`` (1 s with a few hundred deleted).

What this module does instead, when the store is SQLite and the filter has a search:

- **page of a common word** (:func:`dense_page`, the list sorted by date): it reads the
  first :data:`WINDOW` ids of the list without the search (the index, in order), asks the
  full-text index for the matches among the ids those span only (``rowid BETWEEN``), and
  keeps the window's ids that match, in the window's order. That is exactly the list's
  first matches; when the window holds fewer matches than the page needs (a rarer word)
  or spans too many ids (mail imported out of order), it says so and the next way is
  taken;
- **page of a rare word**: none when nothing matches; when at most :data:`SPARSE` messages
  match, the matches are fetched by primary key and sorted (the filter's columns are
  written ``+deleted_at`` and the order ``likely(received_at)``, no-ops that keep the
  list's indexes out of the plan), instead of walking a whole index (0.17 s for a sender's
  200 messages at 1M, 1 ms by key);
- **count**, when the search is the whole filter: the matches less the deleted ones among
  them (each deleted message looked up in the index when they are few, else one pass over
  the matches that skips them: ``+rowid NOT IN``, the ``+`` keeping SQLite from a lookup
  in the index per deleted id); with other conditions and many matches, one pass over the
  matches checked against the ids the conditions select (``+rowid IN``);
- **prefixes as terms**: a search word is a prefix (``"print"*``); FTS5 expands one by
  reading every document it matches into memory, before the first row and again for each
  lookup by rowid. Where the index holds few terms that begin with the word, the query
  names those terms instead (:func:`_exact_terms`), and FTS5 reads them lazily.

Everything else takes the plain path. ``INBOXWATCH_FAST_SEARCH=0`` (or :data:`ENABLED` =
False) turns the fast path off; ``tests/test_fastsearch.py`` proves it returns what the
plain path returns.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from typing import Any

from sqlalchemy import func, literal_column, table, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from inboxwatch_storage.engine import _fts_query, is_sqlite
from inboxwatch_storage.tables import Message

__all__ = [
    "ENABLED",
    "NOT_LISTED",
    "SPARSE",
    "WIDEST",
    "WINDOW",
    "dense_page",
    "dense_position",
    "fast_count",
    "sparse_order",
]

ENABLED = os.environ.get("INBOXWATCH_FAST_SEARCH", "1") != "0"
SPARSE = 5_000  # at most this many matches: fetch them by key and sort them
WINDOW = 4_000  # ids of the list read ahead for a page of a common word
WIDEST = 200_000  # the most ids such a window may span (else it holds too many matches)


TERMS_PER_WORD = 8  # a word that begins more index terms than this keeps its prefix query
PROBED_DELETED = 2_000  # at most this many deleted messages: look each up in the index
_PLAIN_WORD = re.compile(r"[a-z0-9]{1,64}")


def _applies(session: Session, flt: Any) -> str | None:
    """The FTS5 query when the fast path may be taken, else None."""
    if not ENABLED or not flt.search or not flt.search.strip():
        return None
    if not is_sqlite(session.get_bind().dialect):
        return None
    fts = _fts_query(flt.search)
    if not fts:
        return None
    cache: dict[str, str] = session.info.setdefault("fastsearch_terms", {})
    if flt.search not in cache:
        cache[flt.search] = _exact_terms(session, flt.search) or fts
    return cache[flt.search]


def _exact_terms(session: Session, search: str) -> str | None:
    """The search as whole index terms: each word's prefix ``"print"*`` replaced by the
    terms of the index that begin with it, ``("print" OR "printer")``. FTS5 expands a
    prefix by reading every matching document into memory first (80 ms for a word in nine
    messages of ten at 1M), and again for each lookup by rowid; whole terms are read
    lazily, as far as a query needs. The same documents match, as long as the terms are
    read in the same transaction as the query (they are: one session). None (keep the
    prefix query) for a word with other characters than ASCII letters and digits, which
    the tokenizer may split or fold, or one that begins more than :data:`TERMS_PER_WORD`
    terms."""
    words = list(dict.fromkeys(w.lower() for w in search.split()[:20]))
    if not words or not all(_PLAIN_WORD.fullmatch(w) for w in words):
        return None
    try:
        session.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS temp.message_fts_terms "
                             "USING fts5vocab(main, 'message_fts', 'instance')"))
    except OperationalError:
        return None
    groups = []
    for word in words:
        terms: list[str] = []
        low, high = word, word[:-1] + chr(ord(word[-1]) + 1)
        while len(terms) <= TERMS_PER_WORD:
            term = session.execute(text(
                "SELECT term FROM temp.message_fts_terms WHERE term >= :low AND term < :high "
                "LIMIT 1"), {"low": low, "high": high}).scalar()
            if term is None:
                break
            terms.append(str(term))
            low = f"{term}\x01"  # the next term: no term holds a control character
        if len(terms) > TERMS_PER_WORD:
            return None
        if not terms:
            return None  # nothing matches: the prefix query finds that as fast
        groups.append("(" + " OR ".join(f'"{t}"' for t in terms) + ")")
    return " AND ".join(groups)


def _matches(session: Session, fts: str) -> int:
    return int(session.execute(
        text("SELECT count(*) FROM message_fts WHERE message_fts MATCH :q"),
        {"q": fts}).scalar_one())


def fast_count(session: Session, flt: Any, where: Any) -> int | None:
    """The number of messages ``flt`` matches, or None: take the plain path. ``where``
    builds the plain conditions for a filter (``queries._where``)."""
    fts = _applies(session, flt)
    if fts is None:
        return None
    if replace(flt, search=None) == type(flt)():
        # The search is the whole filter (live messages only): the matches less the deleted
        # ones, each of those looked up in the index when they are few, else in one pass
        # over the matches that skips them.
        deleted = int(session.execute(select(func.count()).select_from(Message).where(
            col(Message.deleted_at).is_not(None))).scalar_one())
        total = _matches(session, fts)
        if deleted == 0 or total == 0:
            return total
        if deleted <= PROBED_DELETED and "*" not in fts:  # a prefix is expanded per lookup
            return total - int(session.execute(text(
                "SELECT count(*) FROM message WHERE deleted_at IS NOT NULL AND EXISTS "
                "(SELECT 1 FROM message_fts WHERE message_fts MATCH :q "
                "AND message_fts.rowid = message.id)"), {"q": fts}).scalar_one())
        return int(session.execute(text(
            "SELECT count(*) FROM message_fts WHERE message_fts MATCH :q AND +rowid NOT IN "
            "(SELECT id FROM message WHERE deleted_at IS NOT NULL)"), {"q": fts}).scalar_one())
    total = _matches(session, fts)
    if total == 0:
        return 0
    if total <= SPARSE:
        return _count_by_key(session, flt, where)
    # Many matches and other conditions: one pass over the matches, each checked against
    # the ids the other conditions select (read from their index), instead of checking
    # each of the rows those select against a list of all the matches.
    others = select(Message.id).where(*where(session, replace(flt, search=None)))
    return int(session.execute(
        select(func.count()).select_from(table("message_fts")).where(
            text("message_fts MATCH :q").bindparams(q=fts),
            literal_column("+message_fts.rowid").in_(others))).scalar_one())


def _count_by_key(session: Session, flt: Any, where: Any) -> int:
    stmt = select(func.count()).select_from(Message).where(*where(session, flt, by_key=True))
    return int(session.execute(stmt).scalar_one())


def sparse_order(session: Session, flt: Any, order: list[Any]) -> list[Any] | None:
    """The ORDER BY for a page of ``flt`` when few messages match (each column wrapped in
    ``likely()``, so SQLite fetches the matches by key and sorts them), or None: keep the
    plain order (the list's index walked in order finds a page of common matches at once).
    ``[]`` when nothing matches: there is no page to read."""
    fts = _applies(session, flt)
    if fts is None:
        return None
    matches = _matches(session, fts)
    if matches == 0:
        return []
    if matches > SPARSE:
        return None
    return [_unindexed(term) for term in order]


def _unindexed(term: Any) -> Any:
    element, modifier = term.element, term.modifier
    wrapped = func.likely(element)
    return wrapped.desc() if modifier is not None and modifier.__name__ == "desc_op" \
        else wrapped.asc()


def dense_page(session: Session, flt: Any, where: Any, *, sort: str, descending: bool,
               offset: int, limit: int) -> list[int] | None:
    """The ids of the page ``offset``/``limit`` of ``flt`` sorted by date, in order, when
    the first :data:`WINDOW` ids of the list without the search hold it; else None (take
    the other paths). ``where`` builds the plain conditions (``queries._where``)."""
    if offset + limit > WINDOW:
        return None
    found = _window_matches(session, flt, where, sort=sort, descending=descending)
    if found is None:
        return None
    matched, whole = found
    return matched[offset:offset + limit] if len(matched) >= offset + limit or whole \
        else None


NOT_LISTED = -1  # dense_position: the message is not in the list


def dense_position(session: Session, flt: Any, where: Any, message_pk: int, *, sort: str,
                   descending: bool) -> int | None:
    """Where ``message_pk`` is in the list of ``flt`` (its offset) when the window of
    :func:`dense_page` shows it; :data:`NOT_LISTED` when the window is the whole list and
    it is not in it; None: take the plain path."""
    found = _window_matches(session, flt, where, sort=sort, descending=descending)
    if found is None:
        return None
    matched, whole = found
    if message_pk in matched:
        return matched.index(message_pk)
    return NOT_LISTED if whole else None


def _window_matches(session: Session, flt: Any, where: Any, *, sort: str,
                    descending: bool) -> tuple[list[int], bool] | None:
    """The ids among the first :data:`WINDOW` of the list without the search that the
    search matches, in the list's order, and whether that window is the whole list; None
    when the fast path does not apply or the window spans too many ids."""
    fts = _applies(session, flt)
    if fts is None or sort != "received" or replace(flt, search=None) != type(flt)():
        return None  # other conditions would read a row for each id of the window
    order: list[Any] = [col(Message.received_at).desc(), col(Message.id).desc()] \
        if descending else [col(Message.received_at).asc(), col(Message.id).asc()]
    window = [int(pk) for pk in session.execute(
        select(Message.id).where(*where(session, replace(flt, search=None)))
        .order_by(*order).limit(WINDOW)).scalars()]
    if not window:
        return [], True
    low, high = min(window), max(window)
    if high - low > WIDEST:
        return None
    hits = set(session.execute(text(
        "SELECT rowid FROM message_fts WHERE message_fts MATCH :q "
        "AND rowid BETWEEN :low AND :high"), {"q": fts, "low": low, "high": high}).scalars())
    return [pk for pk in window if pk in hits], len(window) < WINDOW
