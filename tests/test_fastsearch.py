"""The search fast path (inboxwatch_storage.fastsearch) returns what the plain path does:
the same pages in the same order and the same counts, for searches with few and many
matches, with deleted messages, other filters, every sort, and offsets."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch import triage
from inboxwatch.roles import SYSTEM_ACTOR
from inboxwatch_storage import fastsearch
from inboxwatch_storage.queries import SORT_COLUMNS, MessageFilter, count_messages, list_messages
from inboxwatch_storage.tables import Message
from tests.tui_support import EXAMPLES, import_mail

QUERIES = ("invoice", "vpn", "password reset", "zzznothing", "the", "a", "re", "help desk")


@pytest.fixture
def store(engine: Engine) -> Engine:
    import_mail(engine, [EXAMPLES])
    with Session(engine) as session:
        ids = list(session.exec(select(Message.id).order_by(Message.id)).all())
        triage.delete_many(session, SYSTEM_ACTOR, [pk for pk in ids[::5] if pk is not None])
    return engine


def _both(monkeypatch: pytest.MonkeyPatch, run: object) -> tuple[object, object]:
    monkeypatch.setattr(fastsearch, "ENABLED", False)
    plain = run()  # type: ignore[operator]
    monkeypatch.setattr(fastsearch, "ENABLED", True)
    return plain, run()  # type: ignore[operator]


@pytest.mark.parametrize("sparse", [0, 3, 5_000])  # which branch a search takes
def test_fast_path_equals_plain_path(store: Engine, monkeypatch: pytest.MonkeyPatch,
                                     sparse: int) -> None:
    monkeypatch.setattr(fastsearch, "SPARSE", sparse)
    filters = [MessageFilter(search=q) for q in QUERIES] + [
        MessageFilter(search="invoice", status="awaiting_review"),
        MessageFilter(search="the", category="normal"),
        MessageFilter(search="the", only_deleted=True),
        MessageFilter(search="re", include_deleted=True),
        MessageFilter(search="the", disposition="inbound"),
    ]
    compared = 0
    with Session(store) as session:
        for flt in filters:
            plain, fast = _both(monkeypatch, lambda f=flt: count_messages(session, f))
            assert plain == fast, flt
            for sort in SORT_COLUMNS:
                for descending in (True, False):
                    for offset, limit in ((0, 200), (0, 3), (4, 5)):
                        plain, fast = _both(monkeypatch, lambda f=flt, s=sort, d=descending,
                                            o=offset, n=limit: [
                            r.id for r in list_messages(session, f, sort=s, descending=d,
                                                        offset=o, limit=n)])
                        assert plain == fast, (flt, sort, descending, offset)
                        compared += 1
    assert compared == len(filters) * len(SORT_COLUMNS) * 2 * 3


def test_some_searches_match_many_and_some_none(store: Engine) -> None:
    """The comparison above covers both ends: a search nothing matches, and one most match."""
    with Session(store) as session:
        counts = {q: count_messages(session, MessageFilter(search=q)) for q in QUERIES}
    assert counts["zzznothing"] == 0
    assert max(counts.values()) >= 10
