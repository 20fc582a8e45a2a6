"""The auto-generated mail rule table, row by row, and routing step 3 against a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from inboxwatch.classify import AUTO_RULES, AutoRule, bounced_message_ids, match_auto
from inboxwatch.ingest import RawMail, ingest
from inboxwatch.parse import ParsedMessage, parse_message
from inboxwatch.route import AnalysisSettings, RoutingContext, analyze, analyze_batch, route_message
from inboxwatch_storage.tables import Case, CaseUpdate, Message, Outbox, User
from tests.conftest import CORPORA as ALL_CORPORA

FIXTURES = Path(__file__).parent / "data" / "classify"


def _parsed(name: str) -> ParsedMessage:
    return parse_message((FIXTURES / f"{name}.eml").read_bytes())


@pytest.mark.parametrize("rule", AUTO_RULES, ids=lambda r: r.rule)
def test_every_rule_row_fires_on_its_fixture(rule: AutoRule) -> None:
    match = match_auto(_parsed(f"auto_{rule.rule}"))
    assert rule.rule in [h.rule for h in match.hits]
    assert match.category == rule.category
    evidence = next(h.evidence for h in match.hits if h.rule == rule.rule)
    assert evidence  # the explanation names what matched


def test_every_rule_row_has_a_fixture() -> None:
    missing = [r.rule for r in AUTO_RULES if not (FIXTURES / f"auto_{r.rule}.eml").exists()]
    assert missing == []


def test_a_batch_is_analysed_exactly_as_each_message_alone() -> None:
    """analyze_batch runs each stage over the whole batch: nothing of one message may leak
    into another's result (the classifiers keep per-process caches)."""
    data = FIXTURES.parent
    raws = [p.read_bytes() for folder in ("classify", "routing", "hostile")
            for p in sorted((data / folder).glob("*.eml"))]
    raws += [b"", b"\xff\x00 not mail", raws[0]]  # malformed, and the same bytes twice
    mails = [(raw, n % 7 == 0) for n, raw in enumerate(raws)]
    settings = AnalysisSettings(own_domains=("helpdesk.example.com",))
    batch = analyze_batch(mails, settings)
    assert batch == [analyze(raw, settings, header_only=header_only) for raw, header_only in mails]
    # A batch worth comparing: every kind of verdict is in it.
    assert {a.auto_category for a in batch} >= {"bounce", "auto_reply", None}
    assert {a.spam_category for a in batch} >= {"spam", "phishing", "marketing", None}
    assert any(a.parsed.malformed for a in batch) and any(a.bounced_message_ids for a in batch)


def test_rule_ids_are_unique() -> None:
    ids = [r.rule for r in AUTO_RULES]
    assert len(ids) == len(set(ids))


def test_matching_is_case_insensitive() -> None:
    raw = (FIXTURES / "auto_x_autoreply.eml").read_bytes().replace(b"X-Autoreply", b"x-AUTOREPLY")
    assert match_auto(parse_message(raw)).category == "auto_reply"


def test_our_loop_header_is_a_loop() -> None:
    match = match_auto(_parsed("auto_loop"))
    assert match.category == "auto_reply"
    assert match.hits[0].rule == "loop"


@pytest.mark.parametrize("name", ["plain_human", "auto_submitted_no"])
def test_human_mail_is_not_auto_generated(name: str) -> None:
    # plain_human quotes an SMTP error: supporting evidence alone must not decide.
    match = match_auto(_parsed(name))
    assert match.category is None


def test_supporting_rows_alone_do_not_decide() -> None:
    supporting = [r for r in AUTO_RULES if not r.decisive]
    assert supporting, "the table has supporting rows"
    only_text = parse_message(
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: help\r\n\r\n"
        b"My mail says 550 5.1.1 user unknown. What now?\r\n")
    assert match_auto(only_text).category is None


@pytest.mark.parametrize("rule", [r for r in AUTO_RULES if r.needles], ids=lambda r: r.rule)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_body_match_holds_one_of_the_needles(rule: AutoRule, data: st.DataObject) -> None:
    """A body with none of a rule's needles is not searched: no match may lack them all."""
    text = data.draw(st.from_regex(rule.pattern, fullmatch=True))
    assert any(needle in text for needle in rule.needles), text


@pytest.mark.parametrize("body", [
    "Final-Recipient: rfc822; bob@example.org\r\nAction: failed",  # only at the very start
    "  diagnostic-code: smtp; user unknown",
    "Remote host said: 550-5.1.1 mailbox unavailable",  # only the status code
    "delivery to the following recipient has failed: bob@example.org",
])
def test_bounce_wording_is_found_wherever_the_needles_point(body: str) -> None:
    raw = (b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Undeliverable: help"
           b"\r\n\r\n" + body.encode() + b"\r\n")
    assert "bounce_text_generic" in [h.rule for h in match_auto(parse_message(raw)).hits]


def test_auto_reply_with_null_return_path_is_an_auto_reply_not_a_bounce() -> None:
    raw = b"Return-Path: <>\r\n" + (FIXTURES / "auto_auto_submitted.eml").read_bytes()
    raw = raw.replace(b"Subject: Re: your mail", b"Subject: Out of office")
    assert match_auto(parse_message(raw)).category == "auto_reply"


def test_bounced_message_id_found_in_returned_headers() -> None:
    ids = bounced_message_ids(_parsed("auto_dsn_report"))
    assert ids[0] == "<case-update-7@helpdesk.example.com>"
    assert bounced_message_ids(_parsed("auto_bounce_text_qmail"))[0] == \
        "<case-update-7@helpdesk.example.com>"


def _case_update(session: Session, message_id: str) -> tuple[int, int]:
    client = User(name="Client")
    session.add(client)
    session.flush()
    assert client.id is not None
    case = Case(title="Printer", client_id=client.id)
    session.add(case)
    session.flush()
    assert case.id is not None
    update = CaseUpdate(case_id=case.id, text="We replaced the toner.", emailed=True,
                        outbound_message_id=message_id)
    session.add(update)
    session.commit()
    assert update.id is not None
    return case.id, update.id


def test_bounce_of_a_case_update_is_linked_and_needs_attention(
        engine: Engine, routing: RoutingContext) -> None:
    with Session(engine) as session:
        case_id, update_id = _case_update(session, "<case-update-7@helpdesk.example.com>")
    report = ingest(engine, routing, [RawMail((FIXTURES / "auto_dsn_report.eml").read_bytes())],
                    workers=1)
    with Session(engine) as session:
        message = session.get(Message, report.message_ids[0])
        assert message is not None
        assert (message.category, message.reason, message.status) == \
            ("bounce", "auto_generated", "needs_attention")
        assert (message.case_id, message.case_update_id) == (case_id, update_id)
        assert "bounced_case_update" in [h["rule"] for h in message.explanation]


def test_unrelated_bounce_is_not_linked(engine: Engine, routing: RoutingContext) -> None:
    report = ingest(engine, routing, [RawMail((FIXTURES / "auto_dsn_report.eml").read_bytes())],
                    workers=1)
    with Session(engine) as session:
        message = session.get(Message, report.message_ids[0])
        assert message is not None
        assert (message.category, message.status, message.case_id) == \
            ("bounce", "awaiting_review", None)


def test_auto_reply_to_a_case_update_is_never_a_case_update(
        engine: Engine, routing: RoutingContext) -> None:
    raw = (FIXTURES / "auto_vacation_subject.eml").read_bytes().replace(
        b"MIME-Version", b"In-Reply-To: <case-update-7@helpdesk.example.com>\r\nMIME-Version")
    with Session(engine) as session:
        _case_update(session, "<case-update-7@helpdesk.example.com>")
        decision = route_message(session, analyze(raw, routing.settings), routing)
    assert (decision.disposition, decision.category, decision.reason) == \
        ("inbound", "auto_reply", "auto_generated")


def test_our_own_notice_coming_back_is_a_loop(engine: Engine, routing: RoutingContext) -> None:
    raw = (FIXTURES / "plain_human.eml").read_bytes()
    own_id = "<plain_human@mail.example.org>"  # pretend we sent exactly this notice
    with Session(engine) as session:
        session.add(Outbox(kind="notice", message_id=own_id, sender="notify@helpdesk.example.com",
                           recipients=["helpdesk@helpdesk.example.com"], raw=raw))
        session.commit()
        decision = route_message(session, analyze(raw, routing.settings), routing)
    assert decision.category == "auto_reply"
    assert decision.explanation[0].rule == "loop"


def test_forwarded_message_on_a_list_is_not_a_bounce() -> None:
    raw = (FIXTURES / "auto_precedence.eml").read_bytes().replace(
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain"
        b"\r\n\r\nFYI\r\n--b1\r\nContent-Type: message/rfc822\r\n\r\nSubject: old\r\n\r\nold"
        b"\r\n--b1--\r\n", 1)
    match = match_auto(parse_message(raw))
    assert "returned_original" in [h.rule for h in match.hits]
    assert match.category == "auto_reply"


def test_one_body_of_bounce_text_is_one_piece_of_evidence() -> None:
    """The first mail server's wording that matches speaks for the body; a client who
    pastes a whole bounce into a question is still a person writing."""
    pasted = parse_message(
        b"From: Alice <alice@example.org>\r\nTo: support@helpdesk.example.com\r\n"
        b"Subject: my mail bounced\r\n\r\nI got this back, what does it mean?\r\n\r\n"
        b"This is the qmail-send program at mx.example.net.\r\n"
        b"<bob@example.org>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n"
        b"Your message could not be delivered to bob@example.org: 550 5.1.1\r\n")
    assert match_auto(pasted).category is None
    rows = [r for r in AUTO_RULES if r.group == "bounce_text"]
    assert [r.rule for r in rows][-1] == "bounce_text_generic"  # the fall-back comes last
    bounce = parse_message(
        b"From: MAILER-DAEMON@mx.example.net\r\nTo: support@helpdesk.example.com\r\n"
        b"Subject: failure notice\r\n\r\nHi. This is the qmail-send program at mx.example.net."
        b"\r\nYour message could not be delivered to bob@example.org: 550 5.1.1\r\n")
    fired = [h.rule for h in match_auto(bounce).hits]
    assert "bounce_text_qmail" in fired and "bounce_text_generic" not in fired


@pytest.mark.skipif(not (ALL_CORPORA / "sisimai" / "bounce_lhost_one_per_mta").is_dir(),
                    reason="../shared/corpora not present")
def test_every_mail_servers_bounce_in_the_corpus_is_a_bounce() -> None:
    """sisimai's one bounce per mail server software (54 of them) and per provider: each
    is a bounce by the rule table alone."""
    for folder in ("bounce_lhost_one_per_mta", "bounce_rhost_one_per_provider"):
        missed = [p.name for p in sorted((ALL_CORPORA / "sisimai" / folder).glob("*.eml"))
                  if match_auto(parse_message(p.read_bytes())).category != "bounce"]
        assert missed == [], folder
