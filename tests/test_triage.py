"""The triage actions: the issue's proof (case from a message with three attachments, then
a case update attaching two of them), soft delete/undelete/purge, bad input."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from inboxwatch import triage, users
from inboxwatch.cases import apply_auto_case_update, unique_name
from inboxwatch.errors import InboxwatchError, NotFound, UsageError
from inboxwatch.quotes import reply_text
from inboxwatch.roles import Actor
from inboxwatch.route import RoutingContext
from inboxwatch.users import find_user_by_email
from inboxwatch_storage.queries import get_blob
from inboxwatch_storage.tables import (
    AuditEntry,
    Blob,
    Case,
    CaseFile,
    CaseUpdate,
    ClassifierFeedback,
    Message,
    User,
    utcnow,
)
from tests.triage_support import (
    CSV_QUESTION,
    MAIL,
    PDF_QUESTION,
    PLAIN_QUESTION,
    THREE_ATTACHMENTS,
    import_examples,
    make_admin,
    message,
)


@pytest.fixture
def admin(engine: Engine) -> Actor:
    return make_admin(engine)


@pytest.fixture
def ids(engine: Engine, routing: RoutingContext) -> dict[str, int]:
    return import_examples(engine, routing, THREE_ATTACHMENTS, CSV_QUESTION, PLAIN_QUESTION,
                           PDF_QUESTION)


def attachment_bytes(name: str) -> dict[str, bytes]:
    msg = email.message_from_bytes((MAIL / name).read_bytes(), policy=email.policy.default)
    return {part.get_filename(): part.get_payload(decode=True)
            for part in msg.walk() if part.get_content_disposition() == "attachment"}


def audit_actions(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all())


def test_case_from_message_then_update_with_two_existing_files(
        engine: Engine, admin: Actor, ids: dict[str, int]) -> None:
    source = ids[THREE_ATTACHMENTS]
    with Session(engine) as session:
        case = triage.create_case(session, admin, from_message=source)
    original = attachment_bytes(THREE_ATTACHMENTS)
    assert len(original) == 3
    with Session(engine) as session:
        files = session.exec(select(CaseFile).where(CaseFile.case_id == case.number)).all()
        assert {f.name: get_blob(session, f.sha256) for f in files} == original  # byte-identical
        row = session.get(Case, case.number)
        assert row is not None
        src = session.get(Message, source)
        assert src is not None
        assert row.notes == reply_text(src.body_text).text and "Mette Jensen" in row.notes
        assert row.title == src.subject
        client = session.get(User, row.client_id)
        assert client is not None and client.active  # the client is an active user now
        assert case.client_activated
        assert find_user_by_email(session, "dave.okoro@client-one.example.com") == client
        assert src.case_id == case.number and src.status == "closed"

    other = ids[CSV_QUESTION]
    with Session(engine) as session:
        triage.link_case(session, admin, other, case.number)
        chosen = sorted(original)[:2]
        update = triage.create_case_update(session, admin, case.number, from_message=other,
                                           file_names=chosen)
    assert sorted(f.name for f in update.files) == chosen
    with Session(engine) as session:
        stored = session.get(CaseUpdate, update.id)
        assert stored is not None and stored.source_message_pk == other
        assert "MFA" in stored.text  # text prefilled from the body
        assert session.get(Message, other).status == "closed"  # type: ignore[union-attr]
        count = session.exec(select(func.count()).select_from(CaseFile)
                             .where(CaseFile.case_id == case.number)).one()
        assert count == 3  # existing files reused, not copied again
    assert audit_actions(engine)[-3:] == ["create_case", "link_case", "create_case_update"]


def test_update_copies_the_messages_own_attachment_into_the_case(
        engine: Engine, admin: Actor, ids: dict[str, int]) -> None:
    with Session(engine) as session:
        case = triage.create_case(session, admin, from_message=ids[THREE_ATTACHMENTS])
        triage.link_case(session, admin, ids[CSV_QUESTION], case.number)
        choices = triage.attachable_files(session, admin, case.number,
                                          from_message=ids[CSV_QUESTION])
        extra = [c for c in choices if c.kind == "attachment"]
        assert len(extra) == 1 and extra[0].name.endswith(".csv")
        update = triage.create_case_update(session, admin, case.number,
                                           from_message=ids[CSV_QUESTION],
                                           attachment_ids=[extra[0].id], text="Thanks")
        assert [f.sha256 for f in update.files] == [extra[0].sha256]
        assert update.text == "Thanks"
        names = [f.name for f in triage.case_detail(session, admin, case.number).files]
        assert len(names) == len(set(names)) == 4


def test_case_from_title_and_client(engine: Engine, admin: Actor) -> None:
    with Session(engine) as session:
        case = triage.create_case(session, admin, title="Printer offline",
                                  client_email="Alice@Client-One.example.com")
        assert case.client_email == "alice@client-one.example.com"
        assert [c.number for c in triage.find_cases(session, admin, "alice")] == [case.number]
        assert [c.number for c in triage.find_cases(session, admin, "printer off")] == \
            [case.number]
        assert [c.number for c in triage.find_cases(session, admin, f"#{case.number}")] == \
            [case.number]
        assert triage.find_cases(session, admin, "nothing-like-this") == []


def test_mark_delete_undelete_purge(engine: Engine, admin: Actor, ids: dict[str, int]) -> None:
    pk = ids[PLAIN_QUESTION]
    with Session(engine) as session:
        assert triage.mark(session, admin, pk, "needs_attention").status == "needs_attention"
        assert triage.delete(session, admin, pk, as_label="spam").deleted
        with pytest.raises(NotFound, match="was deleted"):
            triage.mark(session, admin, pk, "closed")
        assert not triage.undelete(session, admin, pk).deleted
        triage.delete(session, admin, pk)
        assert triage.purge(session, admin).purged == ()  # within the 30-day retention
        later = utcnow() + timedelta(days=31)
        sha = session.get(Message, pk).sha256  # type: ignore[union-attr]
        assert triage.purge(session, admin, now=later).purged == (pk,)
    with Session(engine) as session:
        assert session.get(Message, pk) is None
        assert session.get(Blob, sha) is None
        assert session.exec(select(ClassifierFeedback)).all() == []
        with pytest.raises(NotFound, match="does not exist"):
            triage.undelete(session, admin, pk)
    assert audit_actions(engine)[-5:] == ["mark", "delete", "undelete", "delete", "purge"]


def test_purge_keeps_case_files_copied_from_the_message(engine: Engine, admin: Actor,
                                                         ids: dict[str, int]) -> None:
    pk = ids[THREE_ATTACHMENTS]
    with Session(engine) as session:
        case = triage.create_case(session, admin, from_message=pk)
        triage.delete(session, admin, pk)
        triage.purge(session, admin, older_than_days=0, now=utcnow() + timedelta(seconds=1))
    with Session(engine) as session:
        files = session.exec(select(CaseFile).where(CaseFile.case_id == case.number)).all()
        assert {f.name: get_blob(session, f.sha256) for f in files} == \
            attachment_bytes(THREE_ATTACHMENTS)


def test_delete_as_spam_teaches_and_undelete_withdraws_it(engine: Engine, admin: Actor,
                                                          ids: dict[str, int]) -> None:
    """Delete as phishing teaches junk; undelete gives the message back its category and
    withdraws that lesson; not-spam then teaches ham."""
    pk = ids[PDF_QUESTION]

    def labels(session: Session) -> list[str]:
        return list(session.exec(select(ClassifierFeedback.label)
                                 .order_by(col(ClassifierFeedback.id))).all())

    with Session(engine) as session:
        category = session.get(Message, pk).category  # type: ignore[union-attr]
        assert triage.delete(session, admin, pk, as_label="phishing").category == "phishing"
        assert labels(session) == ["phishing"]
        restored = triage.undelete(session, admin, pk)
        assert (restored.category, restored.deleted) == (category, False)
        assert labels(session) == []
        state = triage.mark_not_spam(session, admin, pk)
        assert state.category == "normal"
        assert labels(session) == ["ham"]


@pytest.mark.parametrize("call, error, text", [
    (lambda s, a: triage.create_case(s, a, from_message=9999), NotFound,
     "message 9999 does not exist"),
    (lambda s, a: triage.link_case(s, a, 1, 4242), NotFound, "case #4242 does not exist"),
    (lambda s, a: triage.create_case_update(s, a, 4242, text="x"), NotFound,
     "case #4242 does not exist"),
    (lambda s, a: triage.create_case(s, a, title="T", client_email="not-an-address"),
     UsageError, "not an email address"),
    (lambda s, a: triage.mark(s, a, 1, "done"), UsageError, "unknown status"),
    (lambda s, a: triage.mark(s, a, 9999, "closed"), NotFound, "message 9999"),
])
def test_bad_input_is_one_line_and_changes_nothing(engine: Engine, admin: Actor,
                                                   ids: dict[str, int], call, error,
                                                   text: str) -> None:
    before = audit_actions(engine)
    with Session(engine) as session:
        with pytest.raises(error) as excinfo:
            call(session, admin)
    assert text in str(excinfo.value) and "\n" not in str(excinfo.value)
    assert audit_actions(engine) == before
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Case)).one() == 0


def test_failure_midway_rolls_everything_back(engine: Engine, admin: Actor,
                                              ids: dict[str, int]) -> None:
    with Session(engine) as session:
        case = triage.create_case(session, admin, from_message=ids[THREE_ATTACHMENTS])
        triage.link_case(session, admin, ids[CSV_QUESTION], case.number)
    with Session(engine) as session:
        # The update row and the copied attachment would be written before the bad name.
        with pytest.raises(NotFound, match="has no file 'missing.pdf'"):
            triage.create_case_update(session, admin, case.number,
                                      from_message=ids[CSV_QUESTION],
                                      file_names=["accounts-needed.csv", "missing.pdf"])
    with Session(engine) as session:
        assert session.exec(select(CaseUpdate)).all() == []
        assert session.get(Message, ids[CSV_QUESTION]).status == "awaiting_review"  # type: ignore[union-attr]


def test_update_requires_the_message_to_be_linked(engine: Engine, admin: Actor,
                                                  ids: dict[str, int]) -> None:
    with Session(engine) as session:
        case = triage.create_case(session, admin, title="T",
                                  client_email="erin.walsh@client-four.example.org")
        with pytest.raises(UsageError, match="not linked to a case"):
            triage.create_case_update(session, admin, case.number,
                                      from_message=ids[CSV_QUESTION])


def test_auto_case_update_attaches_reply_and_files(engine: Engine, admin: Actor,
                                                   routing: RoutingContext) -> None:
    with Session(engine) as session:
        case = triage.create_case(session, admin, title="Shared drive quota exceeded",
                                  client_email="bob@client-two.example.org")
    pk = import_examples(engine, routing, "11-case-reply-with-attachment.eml")[
        "11-case-reply-with-attachment.eml"]
    with Session(engine) as session:
        msg = session.get(Message, pk)
        assert msg is not None
        update = apply_auto_case_update(session, msg, case.number, None)
        session.commit()
        assert msg.disposition == "case_update" and msg.case_id == case.number
        files = session.exec(select(CaseFile).where(CaseFile.case_id == case.number)).all()
        assert len(files) == msg.attachment_count >= 1
        assert update.source_message_pk == pk
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "auto_case_update")
                             ).one()
        assert entry.actor == "system"
    assert message(engine, pk).case_update_id == update.id


def test_unique_names() -> None:
    assert unique_name("a.pdf", set()) == "a.pdf"
    assert unique_name("a.pdf", {"a.pdf"}) == "a (2).pdf"
    assert unique_name("a.pdf", {"a.pdf", "a (2).pdf"}) == "a (3).pdf"
    assert unique_name("README", {"README"}) == "README (2)"


def test_email_to_client_is_queued_in_the_same_transaction(engine: Engine, admin: Actor
                                                           ) -> None:
    pytest.importorskip("inboxwatch.notify")
    tokens = pytest.importorskip("inboxwatch.tokens")
    from inboxwatch.config import parse_config
    from inboxwatch_storage.tables import Outbox

    system = parse_config({"system": {
        "notifications_address": "notify@helpdesk.example.com",
        "reply_address": "updates@helpdesk.example.com",
        "general_address": "helpdesk@helpdesk.example.com"}}).system
    with Session(engine) as session:
        case = triage.create_case(session, admin, title="Printer",
                                  client_email="alice@client-one.example.com")
        with pytest.raises(InboxwatchError):  # no reply-token secret yet: nothing saved
            triage.create_case_update(session, admin, case.number, text="Fixed",
                                      email_client=True, system=system)
        assert session.exec(select(CaseUpdate)).all() == []
        tokens.ensure_reply_secret()
        update = triage.create_case_update(session, admin, case.number, text="Fixed",
                                           email_client=True, system=system)
        assert update.emailed and update.outbound_message_id
        outbox = session.exec(select(Outbox)).one()
        assert outbox.case_update_id == update.id
        assert outbox.recipients == ["alice@client-one.example.com"]


def test_clients_activation_can_be_turned_off_and_deactivation_is_kept(
        engine: Engine, routing: RoutingContext) -> None:
    ids = import_examples(engine, routing, PLAIN_QUESTION, CSV_QUESTION)
    admin = make_admin(engine)
    with Session(engine) as session:
        case = triage.create_case(session, admin, from_message=ids[PLAIN_QUESTION],
                                  activate_client=False)
        assert not case.client_activated
        client = session.get(User, case.client_id)
        assert client is not None and not client.active
        # a later case activates that contact (created inactive, never deactivated)
        again = triage.create_case(session, admin, title="Again",
                                   client_email=case.client_email)
        assert again.client_activated
        # a client deactivated on purpose stays deactivated
        users.deactivate_user(session, admin, str(case.client_email))
        third = triage.create_case(session, admin, title="Third",
                                   client_email=case.client_email)
        assert not third.client_activated
        assert not users.find_user_by_email(session, str(case.client_email)).active  # type: ignore[union-attr]
        users.activate_user(session, admin, str(case.client_email))
        assert users.find_user_by_email(session, str(case.client_email)).active  # type: ignore[union-attr]
