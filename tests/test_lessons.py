"""What operators teach the classifier lasts: a learning curve through the real pipeline.

Spam the model misses is deleted as spam; the same campaign re-sent with new Message-IDs
is caught; still caught after the originals are purged for good; and the example mail
(ham) is sorted exactly as before.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from inboxwatch import classify, triage
from inboxwatch.classify import LESSON_MAX_AGE_DAYS
from inboxwatch.ingest import RawMail, ingest
from inboxwatch.roles import SYSTEM_ACTOR
from inboxwatch.route import RoutingContext
from inboxwatch_storage.tables import ClassifierFeedback, Message, utcnow
from tests.triage_support import MAIL

PRODUCTS = ("warehouse", "booking", "fleet", "payroll", "inventory", "ticketing")


def _campaign(round_: str) -> list[RawMail]:
    """Six mails of one cold sales campaign, reworded a little each time it is sent: the
    kind of junk a help desk gets that reads like a person's question."""
    mails = []
    for i, product in enumerate(PRODUCTS):
        body = (f"Hi,\r\n\r\nI came across your team and wanted to ask whether you need "
                f"help with {product} software. Brightvale Studio has delivered {product} "
                f"apps for {3 + i} logistics companies in Rotterdam and Lyon. Could we "
                f"schedule a short call next week?\r\n\r\nBest regards,\r\nMarta, "
                f"Brightvale Studio ({round_})\r\n")
        raw = (f"From: Marta Brightvale <marta{i}@brightvale-studio.example>\r\n"
               f"To: help@helpdesk.example.com\r\n"
               f"Subject: Quick question about your {product} software\r\n"
               f"Message-ID: <{round_}-{i}@brightvale-studio.example>\r\n"
               f"Date: Tue, 01 Dec 2026 10:0{i}:00 +0000\r\n"
               "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body)
        mails.append(RawMail(raw.encode(), origin=f"{round_} {i}"))
    return mails


def _ham(round_: str) -> list[RawMail]:
    """The example mail again, each copy with a Message-ID of its own."""
    mails = []
    for path in sorted(MAIL.glob("*.eml")):
        raw = re.sub(rb"(?im)^(message-id:\s*<)", rb"\g<1>" + round_.encode() + b".",
                     path.read_bytes(), count=1)
        mails.append(RawMail(f"X-Round: {round_}\r\n".encode() + raw,
                             origin=f"{round_} {path.name}"))
    return mails


def _categories(engine: Engine, routing: RoutingContext, mails: list[RawMail]) -> list[str]:
    report = ingest(engine, routing, mails, workers=1)
    with Session(engine) as session:
        return [session.get(Message, pk).category  # type: ignore[union-attr]
                for pk in report.message_ids]


def test_lessons_catch_the_resent_campaign_and_survive_the_purge(
        engine: Engine, routing: RoutingContext, monkeypatch: pytest.MonkeyPatch) -> None:
    ham_before = _categories(engine, routing, _ham("before"))
    first = _categories(engine, routing, _campaign("first"))
    assert first.count("spam") <= 1, f"the model already knows this campaign: {first}"
    with Session(engine) as session:
        missed = list(session.exec(select(Message.id).where(
            col(Message.message_id).startswith("<first-"), Message.category != "spam")).all())
        triage.delete_many(session, SYSTEM_ACTOR, [pk for pk in missed if pk is not None],
                           as_label="spam")

    again = _categories(engine, routing, _campaign("again"))
    assert again.count("spam") == len(PRODUCTS), again
    with Session(engine) as session:  # and each says that the lessons decided it
        for m in session.exec(select(Message).where(
                col(Message.message_id).startswith("<again-"))):
            why = {h["rule"]: h["evidence"] for h in m.explanation}
            assert "the shipped model alone says not junk" in why["operator_lessons"], why

    with Session(engine) as session:
        for row in session.exec(select(Message).where(col(Message.deleted_at).is_not(None))):
            row.deleted_at = utcnow().replace(year=2000)
            session.add(row)
        session.commit()
        report = triage.purge(session, SYSTEM_ACTOR, older_than_days=30)
        assert len(report.purged) == len(missed)
        lessons = session.exec(select(ClassifierFeedback)).all()
        assert len(lessons) == len(missed)
        assert all(r.message_pk is None and r.tokens for r in lessons)

    after_purge = _categories(engine, routing, _campaign("after-purge"))
    assert after_purge.count("spam") == len(PRODUCTS), after_purge
    ham_after = _categories(engine, routing, _ham("after"))
    assert ham_after == ham_before, [(n.origin, a, b) for n, a, b in zip(_ham("x"), ham_before, ham_after, strict=True) if a != b]

    # The decay: once lessons are older than LESSON_MAX_AGE_DAYS, they no longer count.
    later = utcnow() + timedelta(days=LESSON_MAX_AGE_DAYS + 1)
    monkeypatch.setattr(classify, "_now", lambda: later)
    stale = _categories(engine, routing, _campaign("stale"))
    assert stale.count("spam") <= 1, stale


def test_closing_an_unsure_message_teaches_ham_and_undo_withdraws_it(
        engine: Engine, routing: RoutingContext) -> None:
    from tests.triage_support import CSV_QUESTION, PLAIN_QUESTION, import_examples

    ids = import_examples(engine, routing, PLAIN_QUESTION, CSV_QUESTION)
    unsure, sure = ids[PLAIN_QUESTION], ids[CSV_QUESTION]
    with Session(engine) as session:
        for pk, score in ((unsure, triage.HAM_LESSON_POINTS + 1), (sure, 0.5)):
            m = session.get(Message, pk)
            assert m is not None
            m.spam_score = score
            session.add(m)
        session.commit()

        def lessons() -> list[tuple[int | None, str]]:
            return [(r.message_pk, r.label) for r in session.exec(select(ClassifierFeedback))]

        triage.mark_many(session, SYSTEM_ACTOR, [unsure, sure], "closed")
        assert lessons() == [(unsure, "ham")]  # the sure verdict taught nothing
        triage.mark_many(session, SYSTEM_ACTOR, [unsure], "closed")
        assert lessons() == [(unsure, "ham")]  # once
        triage.restore_statuses(session, SYSTEM_ACTOR, {unsure: "awaiting_review"})
        assert lessons() == []  # the undo of the close withdrew it

        triage.mark_not_spam(session, SYSTEM_ACTOR, unsure)  # an explicit lesson
        triage.mark_many(session, SYSTEM_ACTOR, [unsure], "closed")
        triage.restore_statuses(session, SYSTEM_ACTOR, {unsure: "awaiting_review"})
        assert lessons() == [(unsure, "ham")]  # not the close's to withdraw
