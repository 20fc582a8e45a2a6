"""No poison pill: a message whose bytes are not text, or one that breaks a stage, never
stops the mail behind it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch.cli import main
from inboxwatch.ingest import RawMail, ingest
from inboxwatch.route import RoutingContext
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import Message

CTX = RoutingContext(reply_address="updates@helpdesk.example.com",
                     notifications_address="notify@helpdesk.example.com",
                     own_domains=("helpdesk.example.com",))

# A flipped byte in a Message-ID (from a byte-flipped corpus bounce): Python's decoder
# leaves the lone surrogate '\udcd2', which SQLite's driver refused with a traceback.
POISON = (b"Return-Path: <postmaster@example.org>\n"
          b"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\n"
          b"To: support@helpdesk.example.com\n"
          b"Subject: Undelivered Mail \xd3\xff returned\n"
          b"Message-ID: <0000000000000000@m\xd254.example.com>\n"
          b"Content-Type: text/plain; charset=utf-8\n"
          b"Content-Disposition: attachment; filename=\"r\xe9\xff.txt\"\n\n"
          b"body \xed\xa0\x80 with a CESU surrogate and a NUL \x00 here\n")
CLEAN = (b"From: Alice <alice@client.example>\nTo: support@helpdesk.example.com\n"
         b"Subject: printer\nMessage-ID: <clean-1@client.example>\n\nThe printer jams.\n")


def _no_invalid_text(value: object) -> bool:
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF or c == "\x00" for c in value)
    if isinstance(value, list | tuple):
        return all(_no_invalid_text(v) for v in value)
    if isinstance(value, dict):
        return all(_no_invalid_text(k) and _no_invalid_text(v) for k, v in value.items())
    return True


def test_import_flags_the_poison_and_stores_the_mail_behind_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "1-poison.eml").write_bytes(POISON)
    (folder / "2-clean.eml").write_bytes(CLEAN)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["--db", db, "import", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "stored 2" in captured.out and "flagged malformed 1" in captured.out
    assert "Traceback" not in captured.err
    assert main(["--db", db, "import", str(folder)]) == 0  # and again: nothing stuck
    assert "stored 0, already stored 2" in capsys.readouterr().out
    engine = open_engine(db)
    with Session(engine) as session:
        poison = session.exec(select(Message).where(Message.malformed)).one()
        assert poison.message_id == "<0000000000000000@m\ufffd54.example.com>"
        assert _no_invalid_text([poison.subject, poison.body_text])
        assert any("not text" in d for d in poison.defects)
        assert poison.category == "malformed"
    engine.dispose()


def test_the_poison_on_both_stores(each_store: Engine) -> None:
    report = ingest(each_store, CTX, [RawMail(raw=POISON, origin="p"),
                                     RawMail(raw=CLEAN, origin="c")], workers=1)
    assert (report.stored, report.malformed) == (2, 1)
    with Session(each_store) as session:
        rows = session.exec(select(Message)).all()
        assert all(_no_invalid_text([r.subject, r.message_id, r.body_text, r.from_name,
                                     r.explanation, r.defects, r.links]) for r in rows)


_HEADER_NAMES = st.sampled_from(["From", "To", "Cc", "Subject", "Message-ID", "References",
                                 "In-Reply-To", "Content-Type", "Content-Disposition",
                                 "Reply-To", "Authentication-Results", "List-Id", "X-Junk"])


@st.composite
def _hostile_mail(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(_HEADER_NAMES, st.binary(max_size=120)), max_size=12))
    body = draw(st.binary(max_size=2000))
    head = b"".join(name.encode() + b": " + value.replace(b"\n", b" ") + b"\n"
                    for name, value in headers)
    return head + b"\n" + body if draw(st.booleans()) else draw(st.binary(max_size=3000))


@pytest.mark.slow
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raws=st.lists(_hostile_mail(), min_size=1, max_size=4))
def test_arbitrary_bytes_are_always_stored_as_text(each_store: Engine, raws: list[bytes]) -> None:
    """parse -> route -> classify -> store never raises, and every stored string is text."""
    marker = uuid.uuid4().hex
    mails = [RawMail(raw=raw + marker.encode() + bytes([i]), origin=f"h{i}")
             for i, raw in enumerate(raws)]
    report = ingest(each_store, CTX, mails, workers=1)
    assert report.stored + report.duplicates == len(mails)
    with Session(each_store) as session:
        for pk in report.message_ids:
            row = session.get(Message, pk)
            assert row is not None
            assert _no_invalid_text(json.loads(json.dumps(row.model_dump(mode="json"))))


def _mail(n: int, subject: str) -> RawMail:
    return RawMail(raw=(f"From: c{n}@client.example\nTo: support@helpdesk.example.com\n"
                        f"Subject: {subject}\nMessage-ID: <q{n}@client.example>\n\n"
                        f"text {n}\n").encode(), origin=f"q{n}")


@pytest.mark.parametrize("stage", ["inboxwatch.classify.collect_evidence",
                                   "inboxwatch.ingest.route_message"])
def test_a_stage_that_raises_quarantines_one_capture_and_the_rest_go_on(
        engine: Engine, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """A bug in analysis (in the worker) or in routing (in the store step) for one message:
    that capture is quarantined, the batch and the next run proceed."""
    import importlib

    module_name, _, attr = stage.rpartition(".")
    module = importlib.import_module(module_name)
    real = getattr(module, attr)

    def broken(*args: object, **kwargs: object) -> object:
        for arg in args:
            parsed = getattr(arg, "parsed", arg)
            if "BOOM" in str(getattr(parsed, "subject", "")):
                raise RuntimeError("a bug that only this message meets")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, attr, broken)
    report = ingest(engine, CTX, [_mail(1, "fine"), _mail(2, "BOOM here"), _mail(3, "fine too")],
                    workers=1)
    assert (report.stored, report.quarantined, report.malformed) == (3, 1, 1)
    with Session(engine) as session:
        from inboxwatch_storage.tables import RawCapture

        bad = session.exec(select(Message).where(Message.message_id == "<q2@client.example>")
                           ).one()
        assert (bad.category, bad.status, bad.malformed) == ("malformed", "needs_attention",
                                                              True)
        [hit] = [h for h in bad.explanation if h["rule"] == "quarantined"]
        assert "RuntimeError: a bug that only this message meets" in hit["evidence"]
        capture = session.exec(select(RawCapture).where(RawCapture.message_pk == bad.id)).one()
        assert capture.attempts == 1 and "RuntimeError" in (capture.error or "")
        others = session.exec(select(Message).where(Message.malformed == False)).all()  # noqa: E712
        assert sorted(m.subject for m in others) == ["fine", "fine too"]
    later = ingest(engine, CTX, [_mail(4, "next run")], workers=1)
    assert (later.stored, later.quarantined) == (1, 0)


def test_status_shows_quarantine_and_reprocess_retries_after_the_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import inboxwatch.classify as classify

    real = classify.collect_evidence

    def broken(parsed: object, *args: object, **kwargs: object) -> object:
        if "BOOM" in str(getattr(parsed, "subject", "")):
            raise RuntimeError("the bug of version 1")
        return real(parsed, *args, **kwargs)  # type: ignore[arg-type]

    folder = tmp_path / "mail"
    folder.mkdir()
    for n, subject in ((1, "fine"), (2, "BOOM"), (3, "also fine")):
        (folder / f"{n}.eml").write_bytes(_mail(n, subject).raw)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    config = tmp_path / "c.toml"
    config.write_text('[[mailbox]]\nname = "import"\nhost = "h"\nusername = "u"\n')
    monkeypatch.setattr(classify, "collect_evidence", broken)
    assert main(["--db", db, "import", str(folder), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "stored 3" in out and "quarantined 1" in out
    engine = open_engine(db)
    with Session(engine) as session:
        from inboxwatch_storage.tables import RawCapture

        for cap in session.exec(select(RawCapture)).all():
            cap.mailbox = "import"  # as if polled: status lists it under its mailbox
            session.add(cap)
        session.commit()
    engine.dispose()
    main(["--db", db, "--config", str(config), "status"])
    assert "1 capture(s) quarantined" in capsys.readouterr().out

    monkeypatch.setattr(classify, "collect_evidence", real)  # the upgrade
    assert main(["--db", db, "--json", "reprocess", "--workers", "1"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done == {"retried": 1, "kept": [], "still_quarantined": 0, "stored": 1}
    engine = open_engine(db)
    with Session(engine) as session:
        again = session.exec(select(Message).where(Message.message_id == "<q2@client.example>")
                             ).one()
        assert (again.category, again.malformed, again.subject) == ("normal", False, "BOOM")
        assert len(session.exec(select(Message)).all()) == 3
    engine.dispose()


def test_status_shows_a_server_error_as_text_not_markup(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import timedelta

    from inboxwatch_storage.tables import MailboxState, utcnow

    db = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_engine(db)
    with Session(engine) as session:
        session.add(MailboxState(mailbox="support", last_success_at=utcnow() - timedelta(hours=1),
                                 last_error="server said [bold red]NO[/] [link=http://x]here[/link]",
                                 last_error_at=utcnow(), last_error_kind="error"))
        session.commit()
    engine.dispose()
    config = tmp_path / "c.toml"
    config.write_text('[[mailbox]]\nname = "support"\nhost = "h"\nusername = "u"\n')
    assert main(["--db", db, "--config", str(config), "status"]) == 1
    out = capsys.readouterr().out
    assert "support: DOWN" in out
    assert "[bold red]NO[/] [link=http://x]here[/link]" in out
