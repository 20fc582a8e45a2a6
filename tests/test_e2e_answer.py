"""Answering the sender of an inbound message, end to end: Dovecot (IMAP) + aiosmtpd (SMTP).

A stranger writes to the help desk -> ``poll`` -> an operator ``answer``s it -> ``outbox
send`` delivers the answer to aiosmtpd -> the stranger presses Reply in their mail client ->
the reply is APPENDed to Dovecot -> ``poll``: it is in the queue as ``reply_to_answer``,
owned by the operator who answered, naming the message it answers (by its token, and by
its references when the token was lost); once the first message is a case, the next reply
lands on that case by itself.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from sqlmodel import Session, select

from inboxwatch.cli import main
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import CaseUpdate, Message, User
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, write_config
from tests.test_notify import Captured, Smtp, free_port

DIRECT = (b"From: New Customer <new@customer.example>\r\n"
          b"To: support@helpdesk.example.com\r\n"
          b"Subject: VPN drops every hour\r\n"
          b"Message-ID: <direct-answer-e2e@customer.example>\r\n"
          b"Date: Tue, 05 Mar 2024 10:00:00 +0000\r\n"
          b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
          b"Hi team,\r\n\r\nmy VPN connection drops every hour. Is that known?\r\n\r\n"
          b"Thanks,\r\nNew Customer\r\n")


def _run(args: list[str], capsys: pytest.CaptureFixture[str], code: int = 0) -> str:
    got = main(args)
    out, err = capsys.readouterr()
    assert got == code, f"{args}: exit {got}: {err}"
    return out if code == 0 else err


def _reply(answer: EmailMessage, n: int, *, keep_token: bool = True) -> bytes:
    """What the customer's mail client sends on Reply (``keep_token``: to the Reply-To)."""
    reply = EmailMessage()
    reply["From"] = "New Customer <new@customer.example>"
    reply["To"] = str(answer["Reply-To"]) if keep_token else "support@helpdesk.example.com"
    reply["Subject"] = f"Re: {answer['Subject']}"
    reply["Message-ID"] = f"<customer-reply-{n}@customer.example>"
    reply["In-Reply-To"] = str(answer["Message-ID"]).strip()
    reply["References"] = f"<direct-answer-e2e@customer.example> {answer['Message-ID']}"
    reply["Date"] = f"Tue, 05 Mar 2024 1{n}:00:00 +0000"
    reply.set_content(f"Reply {n}: it happens on the office wifi only.")
    return reply.as_bytes(policy=SMTP)


def _message(db: str, message_id: str) -> Message:
    engine = open_engine(db)
    try:
        with Session(engine) as s:
            return s.exec(select(Message).where(Message.message_id == message_id)).one()
    finally:
        engine.dispose()


def test_the_senders_reply_to_an_answer_routes_back(
        dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    user = dovecot.new_user()
    smtp = Smtp(free_port(), Captured())
    smtp.start()
    try:
        config = write_config(tmp_path / "inboxwatch.toml", dovecot, user, idle=False,
                              mailboxes=f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\n'
                                        'security = "plain"\ntimeout_seconds = 10\n')
        monkeypatch.setenv("INBOXWATCH_CONFIG", str(config))
        db = f"sqlite:///{tmp_path / 'store.db'}"
        base = ["--db", db]
        _run([*base, "init"], capsys)
        dovecot.append(user, [DIRECT])
        _run([*base, "poll"], capsys)
        first = _message(db, "<direct-answer-e2e@customer.example>")
        assert first.id is not None and first.owner_id is None

        # A colleague's version is refused; the version the operator read is answered.
        stale = _run([*base, "answer", f"{first.id}@{first.version + 1}", "--text", "x"],
                     capsys, code=6)
        assert "nothing was done" in stale
        said = json.loads(_run(
            [*base, "--json", "answer", f"{first.id}@{first.version}", "--text",
             "Yes: the VPN gateway restarts hourly; a fix ships on Friday."], capsys))
        assert said["to"] == "new@customer.example"
        assert said["subject"] == "Re: VPN drops every hour"
        assert json.loads(_run([*base, "--json", "outbox", "send"], capsys))["sent"] == 1
        [(_, rcpts, answer)] = smtp.captured.mails
        assert rcpts == ["new@customer.example"]
        assert answer["Subject"] == "Re: VPN drops every hour"
        assert answer["In-Reply-To"] == "<direct-answer-e2e@customer.example>"
        assert str(answer["Reply-To"]).startswith(f"updates+a{first.id}k")
        assert "> my VPN connection drops every hour" in answer.get_content()
        answered = _message(db, "<direct-answer-e2e@customer.example>")
        assert answered.owner_id is not None  # answering took it
        assert answered.version > first.version

        # The customer replies: to the token address, then (token lost) to the desk.
        dovecot.append(user, [_reply(answer, 1), _reply(answer, 2, keep_token=False)])
        _run([*base, "poll"], capsys)
        for n, rule in ((1, "reply_via_answer_token"), (2, "reply_via_answer_references")):
            reply = _message(db, f"<customer-reply-{n}@customer.example>")
            assert (reply.disposition, reply.status, reply.reason) == \
                ("inbound", "awaiting_review", "reply_to_answer")
            assert reply.owner_id == answered.owner_id  # with the operator who answered
            rules = {hit["rule"]: hit["evidence"] for hit in reply.explanation}
            assert f"a reply to our answer to message {first.id}" in rules[rule]

        # Once the first message is a case, the next reply lands on it by itself.
        _run([*base, "case", "create", "--from-message", str(first.id)], capsys)
        dovecot.append(user, [_reply(answer, 3)])
        _run([*base, "poll"], capsys)
        third = _message(db, "<customer-reply-3@customer.example>")
        assert (third.disposition, third.case_id) == ("case_update", 1)
        engine = open_engine(db)
        try:
            with Session(engine) as s:
                update = s.exec(select(CaseUpdate).where(
                    CaseUpdate.source_message_pk == third.id)).one()
                assert "office wifi only" in update.text
                client = s.exec(select(User).where(User.name == "New Customer")).one()
                assert client.active
        finally:
            engine.dispose()
    finally:
        smtp.stop()
