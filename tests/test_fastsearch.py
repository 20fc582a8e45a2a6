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
from inboxwatch_storage.queries import (
    SORT_COLUMNS,
    MessageFilter,
    count_messages,
    list_messages,
    position_of,
)
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


# Which branch a search takes: (matches fetched by key up to, the window of a common word,
# the widest span of ids it may have, index terms a word may stand for). A window of 10
# holds pages (0, 3) and (4, 5) of a word most messages have and not of a rarer one; a
# span of 2 ids never holds a window; 0 terms keeps every prefix query as typed.
BRANCHES = [(0, 4_000, 200_000, 8), (3, 10, 200_000, 8), (5_000, 10, 2, 8),
            (5_000, 4_000, 200_000, 8), (0, 10, 200_000, 8), (3, 10, 200_000, 0),
            (5_000, 10, 200_000, 100)]


@pytest.mark.parametrize(("sparse", "window", "widest", "terms"), BRANCHES)
def test_fast_path_equals_plain_path(store: Engine, monkeypatch: pytest.MonkeyPatch,
                                     sparse: int, window: int, widest: int,
                                     terms: int) -> None:
    monkeypatch.setattr(fastsearch, "SPARSE", sparse)
    monkeypatch.setattr(fastsearch, "WINDOW", window)
    monkeypatch.setattr(fastsearch, "WIDEST", widest)
    monkeypatch.setattr(fastsearch, "TERMS_PER_WORD", terms)
    filters = [MessageFilter(search=q) for q in QUERIES] + [
        MessageFilter(search="invoice", status="awaiting_review"),
        MessageFilter(search="the", category="normal"),
        MessageFilter(search="the", only_deleted=True),
        MessageFilter(search="re", include_deleted=True),
        MessageFilter(search="the", disposition="inbound"),
    ]
    compared = 0
    with Session(store) as session:
        ids = [pk for pk in session.exec(select(Message.id).order_by(Message.id)).all()
               if pk is not None]
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
                    for pk in ids[::3]:  # where the cursor's message is, listed or not
                        plain, fast = _both(monkeypatch, lambda f=flt, s=sort, d=descending,
                                            k=pk: position_of(session, f, k, sort=s,
                                                              descending=d))
                        assert plain == fast, (flt, sort, descending, pk)
    assert compared == len(filters) * len(SORT_COLUMNS) * 2 * 3


def test_some_searches_match_many_and_some_none(store: Engine) -> None:
    """The comparison above covers both ends: a search nothing matches, and one most match."""
    with Session(store) as session:
        counts = {q: count_messages(session, MessageFilter(search=q)) for q in QUERIES}
    assert counts["zzznothing"] == 0
    assert max(counts.values()) >= 10


def test_each_branch_is_taken(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above is not vacuous: a window of 10 answers a page of a common word
    by itself, a narrower span or a rarer word falls through to the other paths."""
    monkeypatch.setattr(fastsearch, "WINDOW", 10)
    with Session(store) as session:
        def page(q: str) -> list[int] | None:
            from inboxwatch_storage.queries import _where

            return fastsearch.dense_page(session, MessageFilter(search=q), _where,
                                         sort="received", descending=True, offset=0, limit=3)
        common = max(QUERIES, key=lambda q: count_messages(session, MessageFilter(search=q)))
        found = page(common)
        assert found is not None and len(found) == 3
        assert page("zzznothing") is None  # the window holds no match
        monkeypatch.setattr(fastsearch, "WIDEST", 2)
        assert page(common) is None


def test_prefixes_become_the_index_terms_they_begin(store: Engine,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with Session(store) as session:
        invoice = fastsearch._exact_terms(session, "Invoice")
        assert invoice is not None and '"invoice"' in invoice
        assert all(t.strip('()" ').startswith("invoice")
                   for t in invoice.split(" OR ")), invoice
        assert fastsearch._exact_terms(session, "alice@client") is None  # the tokenizer's
        assert fastsearch._exact_terms(session, "café") is None
        assert fastsearch._exact_terms(session, "zzznothing") is None  # no term: as typed
        monkeypatch.setattr(fastsearch, "TERMS_PER_WORD", 1)
        assert fastsearch._exact_terms(session, "a") is None  # begins too many terms
