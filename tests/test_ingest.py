"""The two ingest stages: capture commits raw bytes; processing stores each message once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import JSON, DateTime, Engine, func
from sqlmodel import Session, col, select

from inboxwatch.ingest import RawMail, capture, ingest, process_pending
from inboxwatch.route import RoutingContext
from inboxwatch_storage.tables import Blob, Message, RawCapture

EXAMPLES = Path(__file__).parent.parent / "examples" / "mail"
RAW = b"From: a@example.com\r\nSubject: hello\r\nMessage-ID: <1@example.com>\r\n\r\nbody\r\n"


def count(engine: Engine, what: object) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(what)).one())  # type: ignore[call-overload]


def test_same_bytes_under_two_uids_in_one_batch_is_stored_once(
        engine: Engine, routing: RoutingContext) -> None:
    with Session(engine) as session:
        report = capture(session, [
            RawMail(RAW, source="imap", mailbox="m", folder="INBOX", uidvalidity=7, uid=1),
            RawMail(RAW, source="imap", mailbox="m", folder="INBOX", uidvalidity=7, uid=2),
        ])
        session.commit()
    assert report.captured == 2  # two server copies, one blob
    assert count(engine, Blob) == 1
    processed = process_pending(engine, routing, workers=1)
    assert (processed.stored, processed.duplicates) == (1, 1)
    assert count(engine, Message) == 1
    with Session(engine) as session:
        pks = set(session.exec(select(RawCapture.message_pk)).all())
        assert pks == {1}
        assert not session.exec(select(RawCapture).where(
            col(RawCapture.processed_at).is_(None))).all()


def test_same_uid_captured_twice_is_one_capture(engine: Engine) -> None:
    mail = RawMail(RAW, source="imap", mailbox="m", folder="INBOX", uidvalidity=7, uid=1)
    for _ in range(2):
        with Session(engine) as session:
            capture(session, [mail])
            session.commit()
    assert count(engine, RawCapture) == 1


def test_a_crash_between_the_stages_loses_nothing(engine: Engine,
                                                  routing: RoutingContext) -> None:
    """Captured but never processed (the process died): the next run processes it."""
    with Session(engine) as session:
        capture(session, [RawMail(RAW, origin="x.eml")])
        session.commit()
    assert count(engine, Message) == 0
    report = ingest(engine, routing, [RawMail(RAW, origin="x.eml")], workers=1)
    assert report.duplicates == 1  # the import itself adds nothing ...
    assert report.stored == 1  # ... and the pending capture is processed
    assert count(engine, Message) == 1


def test_pipelined_processing_with_workers(engine: Engine, routing: RoutingContext) -> None:
    mails = [RawMail(RAW.replace(b"<1@", f"<{i}@".encode()).replace(b"hello", f"m{i}".encode()))
             for i in range(450)]
    report = ingest(engine, routing, mails, workers=2, batch_size=100)
    assert report.stored == 450
    with Session(engine) as session:
        subjects = set(session.exec(select(Message.subject)).all())
    assert subjects == {f"m{i}" for i in range(450)}


def test_message_rows_are_stored_as_their_column_types_store_them(
        engine: Engine, routing: RoutingContext) -> None:
    """The message INSERT is SQL of ingest's own, with the JSON and timestamps put in the
    driver's form there: the stored text is what the columns' types would have written."""
    mails = [RawMail(path.read_bytes(), origin=path.name)
             for path in sorted(EXAMPLES.glob("*.eml"))]
    assert ingest(engine, routing, mails, workers=1).stored == len(mails) - 1  # one twice
    table = Message.__table__  # type: ignore[attr-defined]
    columns = [c for c in table.c if isinstance(c.type, JSON | DateTime)]
    with Session(engine) as session:
        dialect = session.get_bind().dialect
        stored = {row[0]: row[1:] for row in session.connection().exec_driver_sql(
            f"SELECT id, {', '.join(dialect.identifier_preparer.quote(c.name) for c in columns)}"
            " FROM message").all()}
        for message in session.exec(select(Message)).all():
            expected = []
            for c in columns:
                value = getattr(message, c.name)
                process = c.type.dialect_impl(dialect).bind_processor(dialect)
                expected.append(process(value) if process and value is not None else value)
            assert list(stored[message.id]) == expected
