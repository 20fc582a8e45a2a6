"""One mail delivered to two of our addresses or mailboxes is one queue item and one notice;
each copy is kept raw, and the item lists where it arrived."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from inboxwatch.cli import main
from inboxwatch.ingest import RawMail, ingest
from inboxwatch.messages import deliveries_of
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import Message, Outbox, RawCapture
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, write_config
from tests.test_lists import CTX

BODY = (b"Subject: Printer on floor 2 is jammed again\r\n"
        b"From: Kim Lee <kim@client.example>\r\n"
        b"To: support@helpdesk.example.com, sales@helpdesk.example.com\r\n"
        b"Date: Tue, 01 Dec 2026 09:30:00 +0000\r\n"
        b"Message-ID: <twice-1@client.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Hello, the printer on floor 2 is jammed again. Can someone look?\r\nKim\r\n")


def copy_for(address: str, hop: str) -> bytes:
    """The copy delivered to ``address``: only trace headers differ."""
    return (f"Return-Path: <kim@client.example>\r\nDelivered-To: {address}\r\n"
            f"Received: from mx.client.example by {hop} with ESMTPS id {hop[:4]}\r\n"
            ).encode() + BODY


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return (int(s.exec(select(func.count()).select_from(Message)).one()),
                int(s.exec(select(func.count()).select_from(RawCapture)).one()),
                int(s.exec(select(func.count()).select_from(Outbox)).one()))


def test_two_deliveries_imported_are_one_item_one_notice(engine: Engine) -> None:
    first = ingest(engine, CTX, [RawMail(copy_for("support@helpdesk.example.com", "mx1"),
                                         origin="a.eml")], workers=1)
    second = ingest(engine, CTX, [RawMail(copy_for("sales@helpdesk.example.com", "mx2"),
                                          origin="b.eml"),
                                  RawMail(copy_for("billing@helpdesk.example.com", "mx3"),
                                          origin="c.eml")], workers=1)
    assert (first.stored, second.stored, second.duplicates) == (1, 0, 2)
    assert _counts(engine) == (1, 3, 1)  # one item, three raw copies, one notice
    with Session(engine) as s:
        [pk] = s.exec(select(Message.id)).all()
        assert pk is not None
        arrived = [d.delivered_to for d in deliveries_of(s, pk)]
    assert arrived == ["support@helpdesk.example.com", "sales@helpdesk.example.com",
                       "billing@helpdesk.example.com"]


def test_same_message_id_other_body_stays_two_items(engine: Engine) -> None:
    ingest(engine, CTX, [RawMail(copy_for("support@helpdesk.example.com", "mx1"))], workers=1)
    edited = copy_for("sales@helpdesk.example.com", "mx2").replace(b"Kim\r\n",
                                                                    b"Kim (resent)\r\n")
    assert ingest(engine, CTX, [RawMail(edited)], workers=1).stored == 1
    assert _counts(engine)[0] == 2


def test_two_mailboxes_through_dovecot_and_poll(dovecot: Dovecot, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    monkeypatch.setattr("inboxwatch.identity.current_login", lambda: "ada")
    support, sales = dovecot.new_user(), dovecot.new_user()
    second = (f'\n[[mailbox]]\nname = "sales"\nhost = "{dovecot.host}"\n'
              f"port = {dovecot.plain_port}\nsecurity = \"plain\"\nusername = \"{sales}\"\n"
              'password_env = "IW_TEST_IMAP_PW"\nidle = false\n')
    config = write_config(tmp_path / "c.toml", dovecot, support, idle=False, mailboxes=second)
    config.write_text(config.read_text().replace(
        "notices = false", 'notices = true\ngeneral_address = "helpdesk@helpdesk.example.com"'))
    db = f"sqlite:///{tmp_path / 'store.db'}"
    dovecot.append(support, [copy_for(f"{support}@helpdesk.example.com", "mx1")])
    dovecot.append(sales, [copy_for(f"{sales}@helpdesk.example.com", "mx2")])
    assert main(["--config", str(config), "--db", db, "init"]) == 0
    assert main(["--config", str(config), "--db", db, "poll"]) == 0
    engine = open_engine(db)
    try:
        assert _counts(engine) == (1, 2, 1)
    finally:
        engine.dispose()
    capsys.readouterr()
    assert main(["--config", str(config), "--db", db, "--json", "show", "1"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert sorted(d["mailbox"] for d in shown["deliveries"]) == ["sales", "support"]
