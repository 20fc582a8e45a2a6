"""``--search`` means the same on SQLite (FTS5) and PostgreSQL (tsvector + GIN): every word
required, each a prefix, case-insensitive, punctuation splitting words; and user text never
becomes query syntax. One table of queries, run on both stores."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import Session

from inboxwatch.ingest import RawMail, ingest
from inboxwatch.route import RoutingContext
from inboxwatch_storage import open_engine
from inboxwatch_storage.engine import PG_SEARCH_INDEX, search_condition
from inboxwatch_storage.queries import MessageFilter, count_messages, list_messages
from inboxwatch_storage.tables import Message

CTX = RoutingContext(reply_address="updates@helpdesk.example.com",
                     notifications_address="notify@helpdesk.example.com",
                     own_domains=("helpdesk.example.com",))

MAILS = {
    "toner": ("Alice Client <alice@client.example>", "Printer on floor 3",
              "The toner in the printer is empty again."),
    "jam": ("Bob Builder <bob@builder.example>", "paper jam",
            "The printers jam on every second page."),
    "order": ("Carol <carol@shop.example>", "Toner order #4411",
              "Please order two black cartridges."),
    "vpn": ("Ünal Çelik <unal@firma.example>", "VPN-Zugang gesperrt",
            "Mein VPN-Zugang ist seit heute gesperrt."),
}

QUERIES = [
    ("toner printer", {"toner"}),  # every word, anywhere in the message
    ("print", {"toner", "jam"}),  # a prefix
    ("PRINTER", {"toner", "jam"}),  # any case
    ("client", {"toner"}),  # a part of an address
    ("alice@client", {"toner"}),  # an address's parts in a row
    ("vpn-zug", {"vpn"}),  # a hyphenated word, its last part a prefix
    ("çelik", {"vpn"}),  # the sender's name, not ASCII
    ("4411", {"order"}),
    ("toner zebra", set()),
    ('"printer"', {"toner", "jam"}),  # quotes are text, not syntax
    ('printer" OR "', set()),  # OR is a word to find ("or*": only in "order")
    ("a:b|c&d!", set()),
    ("NOT toner", set()),
]


@pytest.fixture
def store(each_store: Engine) -> tuple[Engine, dict[str, int]]:
    raws = [RawMail(raw=(f"From: {sender}\r\nTo: support@helpdesk.example.com\r\n"
                         f"Subject: {subject}\r\nMessage-ID: <{key}@t.example>\r\n"
                         "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                         f"{body}\r\n").encode(), origin=key)
            for key, (sender, subject, body) in MAILS.items()]
    report = ingest(each_store, CTX, raws, workers=1)
    return each_store, dict(zip(MAILS, report.message_ids, strict=True))


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_search_means_the_same_on_both_stores(store: tuple[Engine, dict[str, int]],
                                              query: str, expected: set[str]) -> None:
    engine, ids = store
    names = {pk: key for key, pk in ids.items()}
    with Session(engine) as session:
        rows = list_messages(session, MessageFilter(search=query))
        assert {names[r.id] for r in rows} == expected
        assert count_messages(session, MessageFilter(search=query)) == len(expected)


def test_an_empty_search_is_no_filter(store: tuple[Engine, dict[str, int]]) -> None:
    engine, ids = store
    with Session(engine) as session:
        assert count_messages(session, MessageFilter(search="   ")) == len(ids)


@pytest.mark.postgres
def test_postgresql_search_uses_the_gin_index(pg_db: str) -> None:
    engine = open_engine(pg_db)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                                 {"n": PG_SEARCH_INDEX}).scalar_one()
            assert "gin" in found.lower()
            conn.execute(text("SET enable_seqscan = off"))
            statement = select(Message.id).where(search_condition(engine.dialect, "toner"))
            plan = "\n".join(r[0] for r in conn.execute(
                text("EXPLAIN " + str(statement.compile(
                    engine, compile_kwargs={"literal_binds": True})))))
            assert PG_SEARCH_INDEX in plan, plan
    finally:
        engine.dispose()
