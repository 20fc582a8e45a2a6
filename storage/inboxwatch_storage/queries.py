"""Reads and the few primitive writes every layer shares (blobs).

Screens and commands get small frozen read models (:class:`MessageRow`), never ORM rows with
lazy loads; list queries are paged with keyset-friendly ordering so a store of 100,000
messages opens fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal_column, or_
from sqlmodel import Session, col, select

from inboxwatch_storage import fastsearch
from inboxwatch_storage.bulk import chunked
from inboxwatch_storage.engine import insert_ignoring_duplicates, search_condition
from inboxwatch_storage.tables import (
    CATEGORY_VALUES,
    STATUS_VALUES,
    Blob,
    Message,
    MessageAttachment,
)

__all__ = [
    "MessageFilter",
    "MessageRow",
    "count_messages",
    "counts_by",
    "get_blob",
    "get_blobs",
    "list_messages",
    "position_of",
    "put_blob",
    "put_blobs",
]


def put_blob(session: Session, sha256: str, data: bytes) -> None:
    """Store bytes once under their SHA-256; a second put of the same bytes is a no-op."""
    put_blobs(session, [(sha256, data)])


def put_blobs(session: Session, blobs: list[tuple[str, bytes]]) -> None:
    """Store many blobs in one statement, skipping any already stored (by any writer)."""
    if not blobs:
        return
    # On the table (Core), not the ORM entity: the ORM's bulk insert bookkeeping per row
    # cost more than writing the bytes.
    stmt = insert_ignoring_duplicates(Blob.__table__, session.get_bind().dialect)  # type: ignore[attr-defined]
    session.execute(stmt, [{"sha256": sha, "size": len(data), "data": data}
                           for sha, data in blobs])


def get_blobs(session: Session, sha256s: list[str]) -> dict[str, bytes]:
    """Many blobs in a few queries: SHA-256 -> bytes (missing ones are left out)."""
    found: dict[str, bytes] = {}
    for chunk in chunked(sorted(set(sha256s))):
        stmt = select(Blob.sha256, Blob.data).where(col(Blob.sha256).in_(chunk))
        found.update((sha, bytes(data)) for sha, data in session.execute(stmt).all())
    return found


def get_blob(session: Session, sha256: str) -> bytes | None:
    blob = session.get(Blob, sha256)
    return None if blob is None else bytes(blob.data)


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A message as a list shows it."""

    id: int
    message_id: str | None
    sha256: str
    mailbox: str | None
    from_addr: str
    from_name: str
    subject: str
    received_at: datetime
    disposition: str
    status: str
    reason: str
    category: str
    case_id: int | None
    attachments: int
    spam_score: float
    deleted: bool
    version: int = 1  # what an action on this row says it saw (compare-and-set)
    owner_id: int | None = None  # who is working on it

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "message_id": self.message_id, "sha256": self.sha256,
            "mailbox": self.mailbox, "from_addr": self.from_addr, "from_name": self.from_name,
            "subject": self.subject, "received_at": self.received_at.isoformat(),
            "disposition": self.disposition, "status": self.status, "reason": self.reason,
            "category": self.category, "case_id": self.case_id,
            "attachments": self.attachments, "spam_score": self.spam_score,
            "deleted": self.deleted, "version": self.version, "owner_id": self.owner_id,
        }


@dataclass(frozen=True, slots=True)
class MessageFilter:
    status: str | None = None
    category: str | None = None
    disposition: str | None = None
    search: str | None = None
    include_deleted: bool = False
    only_deleted: bool = False
    case_id: int | None = None
    owner_id: int | None = None  # messages this user is working on ("mine")
    unassigned: bool = False  # messages nobody is working on


_ROW_COLUMNS = (
    Message.id, Message.message_id, Message.sha256, Message.mailbox, Message.from_addr,
    Message.from_name, Message.subject, Message.received_at, Message.disposition,
    Message.status, Message.reason, Message.category, Message.case_id,
    Message.attachment_count, Message.spam_score, Message.deleted_at, Message.version,
    Message.owner_id,
)
SORT_COLUMNS = {
    "received": Message.received_at, "sender": Message.from_addr, "subject": Message.subject,
    "status": Message.status, "category": Message.category, "id": Message.id,
}


def _where(session: Session, flt: MessageFilter, *, by_key: bool = False) -> list[Any]:
    """The conditions of ``flt``. ``by_key``: the column conditions are written so that no
    index can serve them (SQLite's no-op unary ``+``), for a search with few matches whose
    rows are best fetched by primary key (:mod:`inboxwatch_storage.fastsearch`)."""
    def c(column: Any) -> Any:
        if not by_key:
            return col(column)
        return literal_column(f"+{Message.__tablename__}.{column.key}", type_=column.type)

    conds: list[Any] = []
    if flt.only_deleted:
        conds.append(c(Message.deleted_at).is_not(None))
    elif not flt.include_deleted:
        conds.append(c(Message.deleted_at).is_(None))
    if flt.status:
        conds.append(c(Message.status) == flt.status)
    if flt.category:
        conds.append(c(Message.category) == flt.category)
    if flt.disposition:
        conds.append(c(Message.disposition) == flt.disposition)
    if flt.case_id is not None:
        conds.append(c(Message.case_id) == flt.case_id)
    if flt.owner_id is not None:
        conds.append(c(Message.owner_id) == flt.owner_id)
    if flt.unassigned:
        conds.append(c(Message.owner_id).is_(None))
    if flt.search and flt.search.strip():
        conds.append(search_condition(session.get_bind().dialect, flt.search))
    return conds


def list_messages(
    session: Session, flt: MessageFilter | None = None, *, offset: int = 0, limit: int = 100,
    sort: str = "received", descending: bool = True,
) -> list[MessageRow]:
    """One page of messages as :class:`MessageRow`, newest first by default."""
    flt = flt or MessageFilter()
    column = SORT_COLUMNS.get(sort, Message.received_at)
    order = [col(column).desc(), col(Message.id).desc()] if descending else \
        [col(column).asc(), col(Message.id).asc()]
    ids = fastsearch.dense_page(session, flt, _where, sort=sort, descending=descending,
                                offset=offset, limit=limit)
    if ids is not None:
        found = {row.id: row for row in _rows(session, select(
            *_ROW_COLUMNS).where(col(Message.id).in_(ids)))}  # type: ignore[call-overload]
        return [found[pk] for pk in ids]
    fast = fastsearch.sparse_order(session, flt, order)
    if fast == []:
        return []  # nothing matches the search
    stmt = (
        select(*_ROW_COLUMNS)  # type: ignore[call-overload]
        .where(*_where(session, flt, by_key=fast is not None)).order_by(*(fast or order))
        .offset(offset).limit(limit)
    )
    return _rows(session, stmt)


def _rows(session: Session, stmt: Any) -> list[MessageRow]:
    return [
        MessageRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
                   r[12], r[13], r[14], r[15] is not None, r[16], r[17])
        for r in session.execute(stmt).all()
    ]


def position_of(session: Session, flt: MessageFilter | None, message_pk: int, *,
                sort: str = "received", descending: bool = True) -> int | None:
    """Where message ``message_pk`` is in the list :func:`list_messages` gives for ``flt``
    and this order (its offset), or None when it is not in that list. Two indexed counts,
    whatever the store's size: the cursor of a list can follow its message."""
    flt = flt or MessageFilter()
    fast = fastsearch.dense_position(session, flt, _where, message_pk, sort=sort,
                                     descending=descending)
    if fast is not None:
        return None if fast == fastsearch.NOT_LISTED else fast
    column = SORT_COLUMNS.get(sort, Message.received_at)
    conds = _where(session, flt)
    value = session.execute(select(col(column)).where(
        col(Message.id) == message_pk, *conds)).first()
    if value is None:
        return None
    key = value[0]
    if descending:
        before = or_(col(column) > key, and_(col(column) == key, col(Message.id) > message_pk))
    else:
        before = or_(col(column) < key, and_(col(column) == key, col(Message.id) < message_pk))
    stmt = select(func.count()).select_from(Message).where(*conds, before)
    return int(session.execute(stmt).scalar_one())


def versions_matching(session: Session, flt: MessageFilter, *,
                      limit: int) -> dict[int, int]:
    """Id -> version of every message matching ``flt`` (at most ``limit``, oldest first):
    what a bulk action by filter acts on, and the versions it says it saw."""
    stmt = (select(Message.id, Message.version).where(*_where(session, flt))
            .order_by(col(Message.id)).limit(limit))
    return {int(pk): int(version) for pk, version in session.execute(stmt).all()}


def count_messages(session: Session, flt: MessageFilter | None = None) -> int:
    fast = fastsearch.fast_count(session, flt, _where) if flt is not None else None
    if fast is not None:
        return fast
    stmt = select(func.count()).select_from(Message).where(*_where(session, flt or MessageFilter()))
    return int(session.execute(stmt).scalar_one())


def counts_by(session: Session, column: str, *, disposition: str | None = "inbound") -> dict[str, int]:
    """Live message counts by ``status``, ``category`` or ``reason`` (deleted ones
    excluded; values with no message left out).

    Status and category take one count a value, each read from the index that starts with
    that column (``ix_message_status_live``, ``ix_message_category_live``) and no row: at
    1M messages about 0.1 s for all of them, where one GROUP BY walked every row (1.1 s).
    """
    values = {"status": STATUS_VALUES, "category": CATEGORY_VALUES}.get(column)
    target = {"status": Message.status, "category": Message.category,
              "reason": Message.reason}[column]
    live: list[Any] = [col(Message.deleted_at).is_(None)]
    if disposition:
        live.append(Message.disposition == disposition)
    if values is None:
        stmt = select(target, func.count()).where(*live).group_by(target)
        return {str(k): int(v) for k, v in session.execute(stmt).all()}
    out = {}
    for value in values:
        n = session.execute(select(func.count()).select_from(Message)
                            .where(target == value, *live)).scalar_one()
        if n:
            out[value] = int(n)
    return out


def attachments_of(session: Session, message_pk: int) -> list[MessageAttachment]:
    stmt = select(MessageAttachment).where(MessageAttachment.message_pk == message_pk) \
        .order_by(col(MessageAttachment.position))
    return list(session.exec(stmt).all())
