"""End to end, as people and programs would: Dovecot (IMAP) + aiosmtpd (SMTP) on loopback.

``case update --email`` -> the email reaches aiosmtpd -> the client's reply, built from it as
a mail client would, is APPENDed to Dovecot -> ``poll`` -> it is on the case as an update by
itself, its attachment a case file. A direct message -> ``poll`` -> ``outbox send`` -> the
notice reaches the general address with CC.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from inboxwatch.cli import main
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import CaseFile, CaseUpdate, Message
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, write_config
from tests.test_notify import Captured, Smtp, free_port


def _config(tmp_path: Path, dovecot: Dovecot, user: str, smtp_port: int) -> Path:
    path = write_config(tmp_path / "inboxwatch.toml", dovecot, user, idle=False,
                        mailboxes=f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\n'
                                  'security = "plain"\ntimeout_seconds = 10\n')
    text = path.read_text().replace(
        "notices = false",
        'notices = true\ngeneral_address = "helpdesk@helpdesk.example.com"\n'
        'notice_cc = ["lead@helpdesk.example.com"]')
    path.write_text(text)
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, f"{args}: exit {code}: {err}"
    return out


def _reply_to(original: EmailMessage, *, sender: str, body: str) -> bytes:
    """What a mail client sends when the client presses Reply and attaches a file."""
    reply = EmailMessage()
    reply["From"] = f"Alice Client <{sender}>"
    reply["To"] = str(original["Reply-To"])
    reply["Subject"] = f"Re: {original['Subject']}"
    reply["Message-ID"] = "<alice-reply-1@client.example>"
    reply["In-Reply-To"] = str(original["Message-ID"]).strip()
    reply["References"] = str(original["Message-ID"]).strip()
    reply["Date"] = "Tue, 05 Mar 2024 09:00:00 +0000"
    reply.set_content(body)
    reply.add_attachment(b"E-204 paper jam tray 2\n", maintype="text", subtype="plain",
                         filename="printer-log.txt")
    return reply.as_bytes(policy=SMTP)


def test_case_update_email_reply_routes_back_and_direct_mail_notifies(
        dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    user = dovecot.new_user()
    smtp = Smtp(free_port(), Captured())
    smtp.start()
    try:
        config = _config(tmp_path, dovecot, user, smtp.port)
        monkeypatch.setenv("INBOXWATCH_CONFIG", str(config))
        db = f"sqlite:///{tmp_path / 'store.db'}"
        base = ["--db", db]
        _run([*base, "init"], capsys)
        _run([*base, "users", "add", "alice@client.example", "--name", "Alice Client",
              "--role", "client"], capsys)
        _run([*base, "case", "create", "--title", "Printer on floor 3 is broken",
              "--client", "alice@client.example"], capsys)
        _run([*base, "case", "update", "1", "--text", "A technician comes tomorrow.",
              "--email"], capsys)
        sent = json.loads(_run([*base, "--json", "outbox", "send"], capsys))
        assert sent["sent"] == 1
        [(_, rcpts, email)] = smtp.captured.mails
        assert rcpts == ["alice@client.example"]
        assert email["Subject"] == "[Case #1] Printer on floor 3 is broken"
        assert str(email["Reply-To"]).startswith("updates+")

        # The client answers; their mail lands in the polled mailbox.
        dovecot.append(user, [_reply_to(email, sender="alice@client.example",
                                        body="Thanks, the log is attached.")])
        _run([*base, "poll"], capsys)
        engine = open_engine(db)
        try:
            with Session(engine) as s:
                reply = s.exec(select(Message).where(
                    Message.message_id == "<alice-reply-1@client.example>")).one()
                assert (reply.disposition, reply.status, reply.case_id) == \
                    ("case_update", "closed", 1)
                updates = s.exec(select(CaseUpdate).where(CaseUpdate.case_id == 1)
                                 .order_by(col(CaseUpdate.id))).all()
                assert len(updates) == 2 and updates[1].source_message_pk == reply.id
                assert "the log is attached" in updates[1].text
                files = s.exec(select(CaseFile).where(CaseFile.case_id == 1)).all()
                assert [f.name for f in files] == ["printer-log.txt"]
        finally:
            engine.dispose()
        assert json.loads(_run([*base, "--json", "outbox", "send"], capsys))["sent"] == 0

        # A message straight to the help desk gets a notice with CC.
        direct = (b"From: New Customer <new@customer.example>\r\n"
                  b"To: support@helpdesk.example.com\r\n"
                  b"Subject: VPN drops every hour\r\n"
                  b"Message-ID: <direct-e2e@customer.example>\r\n"
                  b"Date: Tue, 05 Mar 2024 10:00:00 +0000\r\n"
                  b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
                  b"Hi team,\r\n\r\nmy VPN connection drops every hour and I have to "
                  b"reconnect. Any idea?\r\n\r\nThanks,\r\nNew Customer\r\n")
        dovecot.append(user, [direct])
        _run([*base, "poll"], capsys)
        assert json.loads(_run([*base, "--json", "outbox", "send"], capsys))["sent"] == 1
        _, rcpts, notice = smtp.captured.mails[-1]
        assert sorted(rcpts) == ["helpdesk@helpdesk.example.com", "lead@helpdesk.example.com"]
        assert notice["To"] == "helpdesk@helpdesk.example.com"
        assert notice["Cc"] == "lead@helpdesk.example.com"
        assert "VPN drops every hour" in notice["Subject"]
        assert len(smtp.captured.mails) == 2  # the email and the notice, each once
    finally:
        smtp.stop()
