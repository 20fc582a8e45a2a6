"""storage bulk writes: columns from the table, defaults filled, unknown keys refused, and
the values stored as the ORM would store them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch_storage.bulk import chunked, insert_rows, known_shas, update_rows
from inboxwatch_storage.queries import put_blobs
from inboxwatch_storage.tables import Message, RawCapture


def _blob(session: Session, sha: str) -> None:
    put_blobs(session, [(sha, sha.encode())])


def test_chunked_keeps_order_and_bounds() -> None:
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []


def test_insert_rows_fills_defaults_and_stores_what_the_orm_stores(engine: Engine) -> None:
    sent = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    with Session(engine) as session:
        for sha in ("a" * 64, "b" * 64):
            _blob(session, sha)
        ids = insert_rows(session, Message, [
            {"sha256": "a" * 64, "subject": "first", "to_addrs": ["x@example.com"],
             "sent_at": sent, "explanation": [{"rule": "r", "score": 1.5}]},
            {"sha256": "b" * 64, "subject": "second"},
        ], key="sha256")
        _blob(session, "c" * 64)
        session.add(Message(sha256="c" * 64, subject="by the ORM"))
        session.commit()
    with Session(engine) as session:
        first, second = (session.get(Message, pk) for pk in ids)
        orm = session.exec(select(Message).where(Message.sha256 == "c" * 64)).one()
    assert first is not None and second is not None
    assert (first.subject, first.to_addrs, first.explanation) == (
        "first", ["x@example.com"], [{"rule": "r", "score": 1.5}])
    assert first.sent_at is not None and first.sent_at.replace(tzinfo=UTC) == sent
    # A column left out takes the table's default, exactly as a row the ORM writes.
    for column in ("status", "disposition", "category", "cc_addrs", "references", "links",
                   "deleted_at", "case_id", "malformed"):
        assert getattr(second, column) == getattr(orm, column), column
    assert second.received_at is not None


def test_insert_rows_refuses_a_key_that_is_no_column(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(KeyError, match="no column subjekt"):
        insert_rows(session, Message, [{"sha256": "a" * 64, "subjekt": "typo"}],
                    key="sha256")


def test_insert_rows_refuses_a_required_column_left_out(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(KeyError, match="sha256"):
        insert_rows(session, RawCapture, [{"source": "import", "size": 1}], key="source")


def test_update_rows_and_known_shas(engine: Engine) -> None:
    with Session(engine) as session:
        _blob(session, "d" * 64)
        [cid] = insert_rows(session, RawCapture, [
            {"source": "import", "sha256": "d" * 64, "size": 4}], key="sha256")
        assert known_shas(session, ["d" * 64, "e" * 64], processed_captures=False) == {"d" * 64}
        done = datetime(2026, 12, 1, tzinfo=UTC)
        update_rows(session, RawCapture, ("processed_at",), where="id", params=[(done, cid)])
        assert known_shas(session, ["d" * 64], processed_captures=False) == set()
        assert known_shas(session, ["d" * 64], processed_captures=True) == {"d" * 64}
        with pytest.raises(KeyError, match="no column"):
            update_rows(session, RawCapture, ("processed",), where="id", params=[(done, cid)])
