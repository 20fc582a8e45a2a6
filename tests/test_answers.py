"""Answering the sender of an inbound message: the service's refusals, what it queues, and
how the sender's reply routes (the whole loop through IMAP and SMTP: test_e2e_answer.py)."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch import triage
from inboxwatch.answers import answer_sender
from inboxwatch.config import SystemConfig
from inboxwatch.errors import Conflict, NotFound, PermissionDenied, UsageError
from inboxwatch.ingest import RawMail, ingest
from inboxwatch.roles import Actor
from inboxwatch.route import RoutingContext
from inboxwatch.tokens import make_answer_token, make_token, verify_answer_token, verify_token
from inboxwatch_storage.tables import AuditEntry, Message, Outbox
from tests.triage_support import PLAIN_QUESTION, import_examples, make_admin, make_user, message

SECRET = b"inboxwatch-test-reply-secret-0001"
SYSTEM = SystemConfig(notifications_address="notify@helpdesk.example.com",
                      reply_address="updates@helpdesk.example.com")


@pytest.fixture
def admin(engine: Engine) -> Actor:
    return make_admin(engine)


@pytest.fixture
def pk(engine: Engine, routing: RoutingContext) -> int:
    return import_examples(engine, routing, PLAIN_QUESTION)[PLAIN_QUESTION]


def _answer(engine: Engine, actor: Actor, pk: int, text: str = "Noted, thanks.",
            **kw: object) -> object:
    with Session(engine) as session:
        return answer_sender(session, actor, pk, text, system=SYSTEM, secret=SECRET,
                             **kw)  # type: ignore[arg-type]


def test_answer_queues_one_threaded_email_and_records_it(engine: Engine, admin: Actor,
                                                          pk: int) -> None:
    before = message(engine, pk)
    done = _answer(engine, admin, pk, "Invoices go to billing@example.com.",
                   seen=before.version, status="closed")
    after = message(engine, pk)
    assert (after.status, after.owner_id) == ("closed", admin.user_id)
    assert after.version == before.version + 1 == done.version  # type: ignore[attr-defined]
    with Session(engine) as s:
        [row] = s.exec(select(Outbox)).all()
        [entry] = s.exec(select(AuditEntry).where(AuditEntry.action == "answer")).all()
    assert (row.kind, row.message_pk, row.recipients) == ("answer", pk, [before.from_addr])
    mail = message_from_bytes(row.raw, policy=policy.default)
    assert mail["Subject"] == f"Re: {before.subject}"
    assert mail["In-Reply-To"] == before.message_id
    token = str(mail["Reply-To"]).split("+", 1)[1].split("@", 1)[0]
    assert verify_answer_token(token, SECRET) == pk
    assert verify_token(token, SECRET) is None  # never taken for a case update's token
    assert f"outbox {row.id}" in entry.detail and entry.after["status"] == "closed"


def test_a_colleague_answering_first_is_a_conflict(engine: Engine, admin: Actor,
                                                   pk: int) -> None:
    seen = message(engine, pk).version
    _answer(engine, admin, pk, seen=seen)
    with pytest.raises(Conflict, match="answer"):
        _answer(engine, admin, pk, seen=seen)
    with Session(engine) as s:
        assert len(s.exec(select(Outbox)).all()) == 1  # one answer, never two


@pytest.mark.parametrize("category", ["spam", "phishing", "bounce", "auto_reply", "malformed"])
def test_junk_and_machines_are_never_answered(engine: Engine, admin: Actor, pk: int,
                                              category: str) -> None:
    with Session(engine) as s:
        m = s.get(Message, pk)
        assert m is not None
        m.category = category
        s.add(m)
        s.commit()
    with pytest.raises(UsageError, match="nothing was sent"):
        _answer(engine, admin, pk)
    with Session(engine) as s:
        assert s.exec(select(Outbox)).all() == []


def test_refusals_queue_nothing(engine: Engine, admin: Actor, pk: int) -> None:
    viewer = make_user(engine, admin, "viewer")
    with pytest.raises(PermissionDenied):
        _answer(engine, viewer, pk)
    with pytest.raises(UsageError, match="needs some text"):
        _answer(engine, admin, pk, "   ")
    with Session(engine) as s:
        m = s.get(Message, pk)
        assert m is not None
        m.from_addr = "updates+1x00@helpdesk.example.com"
        s.add(m)
        s.commit()
    with pytest.raises(UsageError, match="our own address"):
        _answer(engine, admin, pk)
    with Session(engine) as s:
        triage.delete(s, admin, pk)
    with pytest.raises(NotFound, match="deleted"):
        _answer(engine, admin, pk)
    with Session(engine) as s:
        assert s.exec(select(Outbox)).all() == []
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "answer")).all() == []


def _reply(to: str, n: int, *, in_reply_to: str = "") -> RawMail:
    raw = (f"From: Someone <someone@client.example>\r\nTo: {to}\r\n"
           f"Subject: Re: a question\r\nMessage-ID: <r{n}@client.example>\r\n"
           + (f"In-Reply-To: {in_reply_to}\r\n" if in_reply_to else "")
           + "Date: Tue, 05 Mar 2024 10:00:00 +0000\r\n\r\nThanks!\r\n").encode()
    return RawMail(raw, origin=f"reply {n}")


def test_a_forged_answer_token_is_not_trusted(engine: Engine, admin: Actor, pk: int) -> None:
    ctx = RoutingContext(reply_address="updates@helpdesk.example.com",
                         notifications_address="notify@helpdesk.example.com",
                         own_domains=("helpdesk.example.com",), reply_secret=SECRET)
    good = make_answer_token(pk, SECRET)
    forged = good[:-1] + ("0" if good[-1] != "0" else "1")
    other = make_answer_token(pk, b"someone-else-entirely-0000000000")
    case_token = make_token(pk, SECRET)  # a case update's token with the same number
    report = ingest(engine, ctx, [
        _reply(f"updates+{forged}@helpdesk.example.com", 1),
        _reply(f"updates+{other}@helpdesk.example.com", 2),
        _reply(f"updates+{good}@helpdesk.example.com", 3)], workers=1)
    rows = [message(engine, i) for i in report.message_ids]
    assert [r.reason for r in rows] == ["direct_to_system", "direct_to_system",
                                        "reply_to_answer"]
    assert all([h["rule"] for h in r.explanation].count("reply_token_invalid") == 1
               for r in rows[:2])  # said once
    # Nobody answered message pk (no audit entry): the reply waits for review, unowned.
    assert rows[2].owner_id is None
    assert verify_answer_token(case_token, SECRET) is None
