"""Routing step 4 on real ``.eml`` fixtures (tests/data/routing): every branch.

The fixtures carry tokens signed with :data:`SECRET` for case update 1 of a fresh store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from inboxwatch.config import SystemConfig
from inboxwatch.ingest import RawMail, ingest
from inboxwatch.notify import queue_new_message_notice
from inboxwatch.reply import is_related, normalize_subject, word_overlap
from inboxwatch.route import RoutingContext
from inboxwatch.tokens import make_token
from inboxwatch_storage.queries import get_blob
from inboxwatch_storage.tables import (
    Case,
    CaseFile,
    CaseParticipant,
    CaseUpdate,
    CaseUpdateFile,
    Message,
    MessageAttachment,
    Outbox,
    User,
    UserEmail,
)

DATA = Path(__file__).parent / "data" / "routing"
SECRET = b"inboxwatch-test-reply-secret-0001"
OUR_UPDATE_ID = "<case-update-1@helpdesk.example.com>"
SYSTEM = SystemConfig(notifications_address="notify@helpdesk.example.com",
                      reply_address="updates@helpdesk.example.com",
                      general_address="helpdesk@helpdesk.example.com",
                      notice_cc=("lead@helpdesk.example.com",))


@dataclass
class Desk:
    engine: Engine
    ctx: RoutingContext
    alice: int  # active client of case 1
    bob: int  # client of case 2


def _user(session: Session, name: str, email: str, *, active: bool = True) -> int:
    user = User(name=name, active=active)
    session.add(user)
    session.flush()
    assert user.id is not None
    session.add(UserEmail(user_id=user.id, email=email))
    return user.id


@pytest.fixture
def desk(engine: Engine) -> Desk:
    with Session(engine) as s:
        alice = _user(s, "Alice Client", "alice@client.example")
        bob = _user(s, "Bob Other", "bob@other.example")
        _user(s, "Carol Former", "carol@client.example", active=False)
        case1 = Case(title="Printer on floor 3 is broken", client_id=alice)
        case2 = Case(title="Server room access", client_id=bob)
        s.add_all([case1, case2])
        s.flush()
        assert case1.id == 1 and case2.id == 2
        s.add(CaseParticipant(case_id=1, user_id=_user(s, "Carol's colleague",
                                                         "dave@client.example")))
        s.add(CaseUpdate(case_id=1, text="A technician comes tomorrow.", emailed=True,
                         outbound_message_id=OUR_UPDATE_ID,
                         subject="[Case #1] Printer on floor 3 is broken",
                         reply_address=f"updates+{make_token(1, SECRET)}"
                                       "@helpdesk.example.com"))
        s.add(CaseUpdate(case_id=2, text="Badge ordered.", emailed=True,
                         outbound_message_id="<case-update-2@helpdesk.example.com>",
                         subject="[Case #2] Server room access"))
        s.commit()
    ctx = RoutingContext(reply_address=SYSTEM.reply_address,
                         notifications_address=SYSTEM.notifications_address,
                         own_domains=("helpdesk.example.com",), reply_secret=SECRET,
                         system=SYSTEM)
    return Desk(engine, ctx, alice, bob)


def _ingest(desk: Desk, raw: bytes, origin: str = "test") -> Message:
    report = ingest(desk.engine, desk.ctx, [RawMail(raw=raw, origin=origin)], workers=1)
    assert report.stored == 1, report
    with Session(desk.engine) as s:
        message = s.get(Message, report.message_ids[0])
        assert message is not None
        s.expunge(message)
        return message


def _fixture(desk: Desk, name: str) -> Message:
    return _ingest(desk, (DATA / name).read_bytes(), name)


def _rules(message: Message) -> list[str]:
    return [h["rule"] for h in message.explanation]


def _notices_for(desk: Desk, message_pk: int) -> int:
    with Session(desk.engine) as s:
        return len(s.exec(select(Outbox.id).where(Outbox.message_pk == message_pk)).all())


def _case_updates(desk: Desk, case_id: int) -> list[CaseUpdate]:
    with Session(desk.engine) as s:
        rows = list(s.exec(select(CaseUpdate).where(CaseUpdate.case_id == case_id)
                           .order_by(col(CaseUpdate.id))).all())
        for r in rows:
            s.expunge(r)
        return rows


def test_unknown_sender_with_valid_token(desk: Desk) -> None:
    m = _fixture(desk, "unknown_sender_token.eml")
    assert (m.disposition, m.status, m.reason) == ("inbound", "awaiting_review",
                                                   "unknown_sender")
    assert m.case_id == 1
    assert "reply_via_token" in _rules(m) and "unknown_sender" in _rules(m)
    assert len(_case_updates(desk, 1)) == 1  # no update was added
    assert _notices_for(desk, m.id or 0) == 1  # a person must look: notice queued


def test_inactive_contact_counts_as_unknown_sender(desk: Desk) -> None:
    raw = (DATA / "proper_reply.eml").read_bytes().replace(b"alice@client.example",
                                                           b"carol@client.example")
    m = _ingest(desk, raw)
    assert (m.reason, m.case_id, m.disposition) == ("unknown_sender", 1, "inbound")


def test_active_client_unrelated_subject_no_references(desk: Desk) -> None:
    m = _fixture(desk, "unrelated_active_client.eml")
    assert (m.disposition, m.reason, m.case_id) == ("inbound", "unrelated_to_case", 1)
    evidence = next(h["evidence"] for h in m.explanation if h["rule"] == "unrelated_to_case")
    assert "invoice question for march" in evidence
    assert len(_case_updates(desk, 1)) == 1


def test_proper_reply_becomes_auto_case_update_with_files(desk: Desk) -> None:
    m = _fixture(desk, "proper_reply.eml")
    assert (m.disposition, m.status, m.case_id) == ("case_update", "closed", 1)
    assert "auto_case_update" in _rules(m)
    updates = _case_updates(desk, 1)
    assert len(updates) == 2
    new = updates[-1]
    assert new.source_message_pk == m.id and m.case_update_id == new.id
    assert "technician came by" in new.text and new.author_id == desk.alice
    with Session(desk.engine) as s:
        files = s.exec(select(CaseFile).join(
            CaseUpdateFile, col(CaseUpdateFile.case_file_id) == col(CaseFile.id))
            .where(CaseUpdateFile.case_update_id == new.id)).all()
        attachments = s.exec(select(MessageAttachment).where(
            MessageAttachment.message_pk == m.id)).all()
        assert sorted(f.name for f in files) == ["error-screen.png", "printer-log.txt"]
        by_name = {a.filename: a for a in attachments}
        for f in files:
            assert f.case_id == 1
            assert f.sha256 == by_name[f.name].sha256  # byte-identical
            assert get_blob(s, f.sha256) is not None
    assert _notices_for(desk, m.id or 0) == 0  # auto case updates need nobody


def test_reply_by_references_only(desk: Desk) -> None:
    m = _fixture(desk, "references_only_reply.eml")
    assert (m.disposition, m.case_id) == ("case_update", 1)
    assert "reply_via_references" in _rules(m)


def test_trusted_case_tag_from_client(desk: Desk) -> None:
    m = _fixture(desk, "client_case_tag.eml")
    assert (m.disposition, m.case_id) == ("case_update", 1)
    assert "reply_via_subject_tag" in _rules(m)


def test_case_tag_from_participant_is_trusted(desk: Desk) -> None:
    raw = (DATA / "client_case_tag.eml").read_bytes().replace(b"alice@client.example",
                                                              b"dave@client.example")
    m = _ingest(desk, raw)
    assert (m.disposition, m.case_id) == ("case_update", 1)


def test_case_tag_in_strangers_subject_does_not_attach(desk: Desk) -> None:
    m = _fixture(desk, "stranger_case_tag.eml")
    assert m.case_id is None
    assert (m.disposition, m.reason) == ("inbound", "direct_to_system")
    assert "case_tag_untrusted" in _rules(m)


def test_case_tag_of_another_clients_case_does_not_attach(desk: Desk) -> None:
    raw = (DATA / "client_case_tag.eml").read_bytes().replace(b"[Case #1]", b"[Case #2]")
    m = _ingest(desk, raw)  # alice is not bob's client or a participant of case 2
    assert m.case_id is None and m.reason == "direct_to_system"


@pytest.mark.parametrize("name", ["forged_token.eml", "altered_token.eml"])
def test_forged_or_altered_token_is_not_trusted(desk: Desk, name: str) -> None:
    m = _fixture(desk, name)
    assert "reply_token_invalid" in _rules(m)
    assert m.disposition == "inbound" and m.case_id is None
    assert m.reason == "direct_to_system"
    assert len(_case_updates(desk, 1)) == 1 and len(_case_updates(desk, 2)) == 1


def test_token_without_secret_is_not_trusted(desk: Desk) -> None:
    desk.ctx = RoutingContext(reply_address=SYSTEM.reply_address, reply_secret=None)
    m = _fixture(desk, "unrelated_active_client.eml")
    assert m.case_id is None and "reply_token_invalid" in _rules(m)


def test_out_of_office_answer_is_auto_reply_never_a_case_update(desk: Desk) -> None:
    m = _fixture(desk, "out_of_office.eml")
    assert m.category == "auto_reply"
    assert m.disposition == "inbound"
    assert m.case_id == 1 and "auto_reply_to_case" in _rules(m)  # linked, not attached
    assert len(_case_updates(desk, 1)) == 1
    assert _notices_for(desk, m.id or 0) == 0  # auto_reply is a skipped category


def test_our_own_notice_looping_back_gets_no_notice(desk: Desk) -> None:
    first = _fixture(desk, "unknown_sender_token.eml")
    with Session(desk.engine) as s:
        notice = s.exec(select(Outbox).where(Outbox.message_pk == first.id)).one()
        raw = notice.raw
    looped = _ingest(desk, raw, "looped notice")
    assert looped.category in ("auto_reply", "bounce")
    assert looped.reason == "auto_generated"
    assert _notices_for(desk, looped.id or 0) == 0
    with Session(desk.engine) as s:
        assert len(s.exec(select(Outbox.id)).all()) == 1  # still only the first notice


def test_notice_loop_rule_holds_without_the_classifier(desk: Desk) -> None:
    """Even a message that is routed as inbound gets no notice if it carries our header."""
    first = _fixture(desk, "unknown_sender_token.eml")
    with Session(desk.engine) as s:
        message = s.get(Message, first.id)
        assert message is not None
        assert queue_new_message_notice(
            s, message, SYSTEM, headers=[("X-Inboxwatch-Loop", "notice; x")]) is None


def test_subject_normalisation_and_relatedness_rules() -> None:
    assert normalize_subject("Re: AW: Fwd: [Case #12] Printer  broken") == "printer broken"
    assert normalize_subject("SV: WG: Antw: RE: Fw: hello") == "hello"
    assert normalize_subject("Re[2]: Re: [case#3] Hello") == "hello"
    assert normalize_subject("Reorganisation plan") == "reorganisation plan"
    assert word_overlap("printer on floor 3 is broken", "the printer is broken again") >= 0.6
    assert word_overlap("invoice question for march", "printer on floor 3 is broken") == 0.0


def test_bad_input_is_decided_in_bounded_time(desk: Desk) -> None:
    token = make_token(1, SECRET)
    refs = " ".join(f"<ref{i}@spam.example>" for i in range(10_000))
    raw = (f"From: Alice Client <alice@client.example>\r\n"
           f"To: updates+{token}@helpdesk.example.com\r\n"
           f"Subject: Re: {'x' * 100_000}\r\nReferences: {refs}\r\n"
           f"Message-ID: <huge@client.example>\r\n\r\nbody\r\n").encode()
    start = time.perf_counter()
    m = _ingest(desk, raw)
    assert time.perf_counter() - start < 10
    assert (m.reason, m.case_id) == ("unrelated_to_case", 1)


def test_is_related_prefers_references(desk: Desk) -> None:
    from inboxwatch.parse import parse_message
    from inboxwatch.reply import ReplyMatch

    parsed = parse_message((DATA / "references_only_reply.eml").read_bytes())
    with Session(desk.engine) as s:
        related, why = is_related(s, parsed, ReplyMatch(1, 1, "references", ""))
    assert related and OUR_UPDATE_ID in why


def test_reply_to_an_email_known_only_to_the_outbox(desk: Desk) -> None:
    """A case-update email recorded only in the outbox is found as well, the same way in a
    batch (looked up once for the whole batch) and for a single message."""
    from inboxwatch.lookups import batch_lookups
    from inboxwatch.route import analyze, route_message

    outbox_id = "<outbox-only-9@helpdesk.example.com>"
    with Session(desk.engine) as s:
        update = CaseUpdate(case_id=2, text="Card printed.", emailed=True,
                            subject="[Case #2] Server room access")
        s.add(update)
        s.flush()
        s.add(Outbox(kind="case_update", message_id=outbox_id, sender="updates@x",
                     recipients=["bob@other.example"], raw=b"x", case_update_id=update.id))
        s.commit()
        update_id = update.id
    raw = (b"From: Bob Other <bob@other.example>\r\nTo: updates@helpdesk.example.com\r\n"
           b"Subject: Re: [Case #2] Server room access\r\nMessage-ID: <r9@other.example>\r\n"
           b"In-Reply-To: " + outbox_id.encode() + b"\r\n\r\nThanks, got the card.\r\n")
    analysis = analyze(raw, desk.ctx.settings)
    with Session(desk.engine) as s:
        alone = route_message(s, analysis, desk.ctx)
        batched = route_message(s, analysis, desk.ctx, batch_lookups(s, [analysis]))
    for decision in (alone, batched):
        assert (decision.case_id, decision.case_update_id) == (2, update_id)
        assert "reply_via_references" in [h.rule for h in decision.explanation]
    m = _ingest(desk, raw)
    assert (m.disposition, m.case_id) == ("case_update", 2)


def _as_sender(raw: bytes, sender: str, message_id: str) -> bytes:
    text = raw.decode()
    text = text.replace("alice@client.example", sender).replace("Alice Client", "Someone")
    return text.replace("<refs-only-1@client.example>", message_id).encode()


def test_trust_is_per_case_until_the_operator_adds_a_participant(desk: Desk) -> None:
    """Bob, the active client of case 2, answers case 1's email: not trusted on case 1."""
    from inboxwatch import triage
    from inboxwatch.roles import SYSTEM_ACTOR

    raw = (DATA / "references_only_reply.eml").read_bytes()
    first = _ingest(desk, _as_sender(raw, "bob@other.example", "<bob-1@other.example>"))
    assert (first.disposition, first.reason, first.case_id) == ("inbound", "not_on_case", 1)
    [why] = [h["evidence"] for h in first.explanation if h["rule"] == "not_on_case"]
    assert "bob@other.example (Bob Other)" in why and "not case #1's client" in why
    assert len(_case_updates(desk, 1)) == 1  # nothing attached
    with Session(desk.engine) as s:
        assert s.get(CaseParticipant, (1, desk.bob)) is None
        number, address = triage.add_participant(s, SYSTEM_ACTOR, from_message=first.id)
    assert (number, address) == (1, "bob@other.example")
    second = _ingest(desk, _as_sender(raw, "bob@other.example", "<bob-2@other.example>"))
    assert (second.disposition, second.case_id) == ("case_update", 1)
    assert "sender_on_case" in _rules(second)


def test_staff_replies_are_trusted_on_any_case(desk: Desk) -> None:
    with Session(desk.engine) as s:
        from inboxwatch.users import seed_roles
        from inboxwatch_storage.tables import UserRole

        seed_roles(s)
        staff = _user(s, "Olga Operator", "olga@helpdesk.example.com")
        s.add(UserRole(user_id=staff, role="operator"))
        s.commit()
    raw = (DATA / "references_only_reply.eml").read_bytes()
    m = _ingest(desk, _as_sender(raw, "olga@helpdesk.example.com", "<olga-1@x.example>"))
    assert (m.disposition, m.case_id) == ("case_update", 1)
    [why] = [h["evidence"] for h in m.explanation if h["rule"] == "sender_on_case"]
    assert "is staff of case #1" in why
