"""End to end, a client nobody knew: first mail -> Create Case -> their replies land by themselves.

Dovecot (IMAP) and aiosmtpd (SMTP) on loopback, the CLI as an operator runs it:

1. A stranger writes to the help desk; ``poll`` stores it as an inbound message.
2. ``case create --from-message`` makes them the case's client, an active user.
3. ``case update --email`` mails them; they answer twice as real mail clients do: once with
   only the reply token (no threading headers), once with only ``References`` (a new subject,
   sent to the general address). Both become case updates without an operator; a third
   answer with the token but about something new waits for a person.
4. A colleague of theirs, a known but unrelated user, answers the same email: inbound, the
   case pre-linked, reason ``not_on_case``. ``case add-participant --from-message`` adds
   them; their next answer attaches by itself.
5. The client's out-of-office answer to the case-update email is linked to the case, stays
   in the queue and gets no notice.
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
from inboxwatch_storage.tables import CaseUpdate, Message
from tests.dovecot import DEFAULT_PASSWORD, Dovecot
from tests.test_e2e_reply_loop import _config
from tests.test_notify import Captured, Smtp, free_port

pytestmark = [pytest.mark.dovecot, pytest.mark.smtp]

CLIENT = "maria@newclient.example"
COLLEAGUE = "jon@newclient.example"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, f"{args}: exit {code}: {err}"
    return out


def _mail(*, sender: str, to: str, subject: str, message_id: str, body: str,
          headers: dict[str, str] | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    mail["Date"] = "Thu, 03 Dec 2026 09:00:00 +0000"
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    return mail.as_bytes(policy=SMTP)


def _message(db: str, message_id: str) -> Message:
    engine = open_engine(db)
    try:
        with Session(engine) as s:
            found = s.exec(select(Message).where(Message.message_id == message_id)).one()
            s.expunge(found)
            return found
    finally:
        engine.dispose()


def test_a_client_created_from_their_first_mail_replies_onto_their_case(
        dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], db_url: str, admin_login: str) -> None:
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    user = dovecot.new_user()
    smtp = Smtp(free_port(), Captured())
    smtp.start()
    try:
        monkeypatch.setenv("INBOXWATCH_CONFIG", str(_config(tmp_path, dovecot, user, smtp.port)))
        db = db_url
        base = ["--db", db]
        _run([*base, "init"], capsys)
        _run([*base, "users", "add", COLLEAGUE, "--name", "Jon Colleague",
              "--role", "client"], capsys)

        # 1. A stranger's first mail.
        dovecot.append(user, [_mail(
            sender=f"Maria Nova <{CLIENT}>", to="support@helpdesk.example.com",
            subject="Our shared drive is read-only", message_id="<first@newclient.example>",
            body="Hello,\n\nsince this morning nobody here can save to the shared drive.\n\n"
                 "Maria")])
        _run([*base, "poll"], capsys)
        first = _message(db, "<first@newclient.example>")
        assert (first.disposition, first.reason) == ("inbound", "direct_to_system")

        # 2. Create Case: the sender becomes the case's client, an active user.
        created = json.loads(_run([*base, "--json", "case", "create", "--from-message",
                                   str(first.id)], capsys))
        case = created["number"]
        first = _message(db, "<first@newclient.example>")
        assert first.case_id is not None
        assert created["client_activated"] is True and created["client_email"] == CLIENT
        users = json.loads(_run([*base, "--json", "users", "list"], capsys))
        [maria] = [u for u in users if CLIENT in json.dumps(u)]
        assert maria["active"] is True and "client" in json.dumps(maria)

        # 3. A case update by email, and her two answers.
        _run([*base, "case", "update", str(case), "--text",
              "We restored write access; please try again.", "--email"], capsys)
        # the notice of her first mail, and the case-update email
        assert json.loads(_run([*base, "--json", "outbox", "send"], capsys))["sent"] == 2
        [email] = [m for _, rcpts, m in smtp.captured.mails if rcpts == [CLIENT]]
        token_address = str(email["Reply-To"])
        assert token_address.startswith("updates+")
        sent_id = str(email["Message-ID"]).strip()

        # Webmail that drops threading headers: the reply token alone, the subject kept.
        by_token = _mail(sender=f"Maria Nova <{CLIENT}>", to=token_address,
                         subject=f"Re: {email['Subject']}", message_id="<a1@newclient.example>",
                         body="It works again, thank you!\n\nMaria")
        # The token, but about something new: a person decides.
        new_topic = _mail(sender=f"Maria Nova <{CLIENT}>", to=token_address,
                          subject="Can we get a second printer?",
                          message_id="<a3@newclient.example>",
                          body="Different question: can we order a second printer?")
        by_references = _mail(
            sender=f"Maria Nova <{CLIENT}>", to="support@helpdesk.example.com",
            subject="one more thing", message_id="<a2@newclient.example>",
            body="One folder is still read-only: Finance/2026.\n\nMaria",
            headers={"References": sent_id})
        dovecot.append(user, [by_token, by_references, new_topic])
        _run([*base, "poll"], capsys)
        for message_id, words in (("<a1@newclient.example>", "works again"),
                                  ("<a2@newclient.example>", "Finance/2026")):
            reply = _message(db, message_id)
            assert (reply.disposition, reply.case_id) == ("case_update", first.case_id), \
                (reply.reason, reply.explanation)
            engine = open_engine(db)
            with Session(engine) as s:
                update = s.get(CaseUpdate, reply.case_update_id)
                assert update is not None and words in update.text
            engine.dispose()
        topic = _message(db, "<a3@newclient.example>")
        assert (topic.disposition, topic.reason, topic.case_id) == \
            ("inbound", "unrelated_to_case", first.case_id)

        # 4. A known user who is not on the case answers the same email.
        def jon_replies(message_id: str, body: str) -> None:
            dovecot.append(user, [_mail(
                sender=f"Jon Colleague <{COLLEAGUE}>", to=token_address,
                subject=f"Re: {email['Subject']}", message_id=message_id, body=body,
                headers={"In-Reply-To": sent_id, "References": sent_id})])

        jon_replies("<j1@newclient.example>", "Mine is read-only too.\n\nJon")
        _run([*base, "poll"], capsys)
        jon = _message(db, "<j1@newclient.example>")
        assert (jon.disposition, jon.reason, jon.case_id) == \
            ("inbound", "not_on_case", first.case_id)
        why = " ".join(h["evidence"] for h in jon.explanation)
        assert COLLEAGUE in why
        _run([*base, "case", "add-participant", "--from-message", str(jon.id)], capsys)
        jon_replies("<j2@newclient.example>", "Now it works for me as well.\n\nJon")
        _run([*base, "poll"], capsys)
        assert _message(db, "<j2@newclient.example>").disposition == "case_update"

        # 5. Her out-of-office answer: linked to the case, in the queue, no notice.
        _run([*base, "outbox", "send"], capsys)  # the notices of steps 3 and 4 go out
        dovecot.append(user, [_mail(
            sender=f"Maria Nova <{CLIENT}>", to=token_address,
            subject=f"Automatic reply: {email['Subject']}",
            message_id="<ooo@newclient.example>",
            body="I am out of the office until Monday.",
            headers={"Auto-Submitted": "auto-replied", "In-Reply-To": sent_id})])
        _run([*base, "poll"], capsys)
        ooo = _message(db, "<ooo@newclient.example>")
        assert (ooo.disposition, ooo.category, ooo.case_id) == \
            ("inbound", "auto_reply", first.case_id)
        assert json.loads(_run([*base, "--json", "outbox", "send"], capsys))["sent"] == 0
    finally:
        smtp.stop()

