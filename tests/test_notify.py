"""Notices, digest, sandboxed templates and the outbox against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from inboxwatch.analysis import LOOP_HEADER, RoutingContext
from inboxwatch.cli import main
from inboxwatch.config import Config, SmtpConfig, SystemConfig
from inboxwatch.ingest import RawMail, ingest
from inboxwatch.notify import (
    MAX_ATTEMPTS,
    AddressProblem,
    TemplateProblem,
    backoff,
    check_address,
    check_notice_settings,
    deliver_pending,
    load_notice_templates,
    queue_case_update_email,
)
from inboxwatch.notify._templates import render_pair, sample_message
from inboxwatch_storage.tables import Case, CaseUpdate, Outbox, User, UserEmail, utcnow

SYSTEM = SystemConfig(notifications_address="notify@helpdesk.example.com",
                      reply_address="updates@helpdesk.example.com",
                      general_address="helpdesk@helpdesk.example.com",
                      notice_cc=("lead@helpdesk.example.com", "night@helpdesk.example.com"),
                      digest_threshold=3, digest_window_minutes=10)
SECRET = b"inboxwatch-test-reply-secret-0001"


@dataclass
class Captured:
    """What the SMTP server received: envelope and parsed message per DATA."""

    mails: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Smtp:
    port: int
    captured: Captured
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.captured, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp(free_port(), Captured())
    server.start()
    yield server
    server.stop()


def config_for(port: int, system: SystemConfig = SYSTEM) -> Config:
    return Config(system=system, smtp=SmtpConfig(host="127.0.0.1", port=port,
                                                 security="plain", timeout_seconds=5))


def ctx_for(system: SystemConfig = SYSTEM) -> RoutingContext:
    return RoutingContext(reply_address=system.reply_address,
                          notifications_address=system.notifications_address,
                          own_domains=("helpdesk.example.com",), reply_secret=SECRET,
                          system=system)


TOPICS = [("Printer on the second floor keeps jamming",
           "the printer on the second floor keeps jamming since Monday. Could someone take "
           "a look when you have time?"),
          ("Meeting notes from Tuesday",
           "attached are the notes from our meeting on Tuesday. Let me know if I missed "
           "anything."),
          ("VPN drops every hour",
           "my VPN connection drops every hour and I have to reconnect. I'm on the latest "
           "client version. Any idea?")]


def direct_mail(i: int, *, subject: str | None = None, extra: str = "") -> RawMail:
    """An ordinary message straight to the help desk (ham, so that it gets a notice)."""
    topic, body = TOPICS[i % len(TOPICS)]
    raw = (f"From: Client {i} <client{i}@customer.example>\r\n"
           f"To: helpdesk@helpdesk.example.com\r\n"
           f"Subject: {subject or f'{topic} ({i})'}\r\n"
           f"Message-ID: <direct-{i}@customer.example>\r\n"
           f"Date: Mon, 04 Mar 2024 10:00:00 +0000\r\n{extra}"
           f"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
           f"Hi team,\r\n\r\n{body}\r\n\r\nThanks,\r\nClient {i}\r\n")
    return RawMail(raw=raw.encode(), origin=f"direct-{i}")


def outbox(engine: Engine) -> list[Outbox]:
    with Session(engine) as s:
        rows = list(s.exec(select(Outbox).order_by(col(Outbox.id))).all())
        for r in rows:
            s.expunge(r)
        return rows


def test_notice_reaches_general_address_with_cc(engine: Engine, smtp: Smtp) -> None:
    report = ingest(engine, ctx_for(), [direct_mail(1)], workers=1)
    [row] = outbox(engine)
    assert (row.kind, row.status, row.message_pk) == ("notice", "pending", report.message_ids[0])
    delivered = deliver_pending(engine, config_for(smtp.port))
    assert (delivered.sent, delivered.error) == (1, None)
    [(sender, rcpts, msg)] = smtp.captured.mails
    assert sender == SYSTEM.notifications_address
    assert sorted(rcpts) == sorted([SYSTEM.general_address, *SYSTEM.notice_cc])
    assert msg["To"] == SYSTEM.general_address
    assert "lead@helpdesk.example.com" in msg["Cc"] and "night@" in msg["Cc"]
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg[LOOP_HEADER]
    assert msg["Message-ID"] == row.message_id
    assert "Meeting notes from Tuesday (1)" in msg["Subject"]
    body = msg.get_body().get_content()  # type: ignore[union-attr]
    assert "client1@customer.example" in body and f"show {report.message_ids[0]}" in body
    assert outbox(engine)[0].status == "sent"
    assert deliver_pending(engine, config_for(smtp.port)).sent == 0  # never twice


def test_notices_switched_off_and_skip_categories(engine: Engine) -> None:
    ingest(engine, ctx_for(replace(SYSTEM, notices=False)), [direct_mail(1)], workers=1)
    assert outbox(engine) == []
    ooo = direct_mail(2, extra="Auto-Submitted: auto-replied\r\n")
    ingest(engine, ctx_for(), [ooo], workers=1)
    assert outbox(engine) == []  # auto_reply is skipped by default
    # a configurable list: skipping "normal" silences ordinary mail too
    ingest(engine, ctx_for(replace(SYSTEM, notice_skip_categories=("normal",))),
           [direct_mail(3)], workers=1)
    assert outbox(engine) == []
    ingest(engine, ctx_for(), [direct_mail(4)], workers=1)
    assert [r.kind for r in outbox(engine)] == ["notice"]


def test_flood_becomes_one_digest(engine: Engine, smtp: Smtp) -> None:
    ingest(engine, ctx_for(), [direct_mail(i) for i in range(8)], workers=1)
    rows = outbox(engine)
    assert [r.kind for r in rows] == ["notice"] * 3 + ["digest"]
    digest = rows[-1]
    assert len(digest.message_pks) == 5
    # the digest collects for one window, then goes as one summary
    assert deliver_pending(engine, config_for(smtp.port)).sent == 3
    later = utcnow() + timedelta(minutes=SYSTEM.digest_window_minutes, seconds=1)
    assert deliver_pending(engine, config_for(smtp.port), now=later).sent == 1
    subjects = [m["Subject"] for _, _, m in smtp.captured.mails]
    assert subjects[-1] == "[inboxwatch] 5 new inbound messages"
    body = smtp.captured.mails[-1][2].get_body().get_content()  # type: ignore[union-attr]
    assert all(f"client{i}@customer.example" in body for i in range(3, 8))
    assert smtp.captured.mails[-1][2]["Message-ID"] == digest.message_id


def test_digest_of_a_large_flood_stays_bounded(engine: Engine) -> None:
    from inboxwatch.notify._notices import DIGEST_LIST_LIMIT

    ingest(engine, ctx_for(), [direct_mail(i) for i in range(DIGEST_LIST_LIMIT + 13)],
           workers=1)
    rows = outbox(engine)
    assert [r.kind for r in rows].count("digest") == 1 and len(rows) == 4
    digest = rows[-1]
    assert len(digest.message_pks) == DIGEST_LIST_LIMIT + 10
    text = digest.raw.decode()
    assert f"{DIGEST_LIST_LIMIT + 10} new inbound messages" in text
    assert "... and 10 more" in text


@pytest.mark.parametrize(("template", "expected"), [
    ("{{ message.subject", "syntax error"),
    ("{% for x in %}", "syntax error"),
    ("{{ ''.__class__.__mro__ }}", "system.notice_subject_template"),
    ("{{ message.__class__ }}", "system.notice_subject_template"),
    ("{{ cycler.__init__.__globals__.os }}", "system.notice_subject_template"),
    ("{{ message.no_such_field }}", "no_such_field"),
    # bounded: a loop in a loop that prints nothing, huge output, huge values
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     "took more than 1 s"),
    ("{{ 'x' * 100000000 }}", "repeating a value 100000000 times"),
    ("{{ 9 ** 99999999 }}", "an exponent of 99999999"),
])
def test_bad_templates_are_one_clear_line(template: str, expected: str) -> None:
    system = replace(SYSTEM, notice_subject_template=template)
    with pytest.raises(TemplateProblem) as info:
        check_notice_settings(system)
    text = str(info.value)
    assert expected in text and "\n" not in text and text.startswith(
        "system.notice_subject_template")


def test_custom_template_renders_in_the_sandbox(engine: Engine, smtp: Smtp) -> None:
    system = replace(SYSTEM, notice_subject_template="NEW {{ message.from_addr|upper }}",
                     notice_body_template="{% for a in message.to %}to={{ a }}\n{% endfor %}")
    load_notice_templates(system)
    ingest(engine, ctx_for(system), [direct_mail(1)], workers=1)
    deliver_pending(engine, config_for(smtp.port, system))
    [(_, _, msg)] = smtp.captured.mails
    assert msg["Subject"] == "NEW CLIENT1@CUSTOMER.EXAMPLE"
    assert msg.get_body().get_content().strip() == "to=helpdesk@helpdesk.example.com"  # type: ignore[union-attr]


def test_message_cannot_inject_headers_through_the_subject(engine: Engine, smtp: Smtp) -> None:
    mail = direct_mail(1, subject="=?utf-8?q?hi=0D=0ABcc=3A_evil=40attacker=2Eexample?=")
    ingest(engine, ctx_for(), [mail], workers=1)
    deliver_pending(engine, config_for(smtp.port))
    [(_, rcpts, msg)] = smtp.captured.mails
    assert "evil@attacker.example" not in rcpts and msg["Bcc"] is None


@pytest.mark.parametrize("bad", ["not an address", "a@b@c", "x@", "@example.com",
                                 "a b@example.com", "user@exa mple.com", "<a@example.com>",
                                 "a@example.com, b@example.com", ""])
def test_an_address_that_is_not_one(bad: str) -> None:
    with pytest.raises(AddressProblem) as info:
        check_address(bad, "system.general_address")
    assert "system.general_address" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(AddressProblem):
        check_notice_settings(replace(SYSTEM, general_address=bad or " "))


def test_smtp_down_nothing_lost_then_each_email_exactly_once(engine: Engine) -> None:
    server = Smtp(free_port(), Captured())  # not started: the SMTP server is down
    ingest(engine, ctx_for(), [direct_mail(i) for i in range(2)], workers=1)
    down = deliver_pending(engine, config_for(server.port))
    assert down.sent == 0 and down.deferred == 2 and down.error_exit_code == 4
    assert "connection refused" in (down.error or "")
    rows = outbox(engine)
    assert all(r.status == "pending" and r.attempts == 1 and r.last_error for r in rows)
    ingest(engine, ctx_for(), [direct_mail(5)], workers=1)  # actions go on during the outage
    # retried with backoff: not due yet
    server.start()
    try:
        assert deliver_pending(engine, config_for(server.port)).sent == 1
        later = utcnow() + backoff(1) + timedelta(seconds=1)
        back = deliver_pending(engine, config_for(server.port), now=later)
        assert (back.sent, back.still_queued, back.error) == (2, 0, None)
        assert deliver_pending(engine, config_for(server.port), now=later).sent == 0
        ids = [m["Message-ID"] for _, _, m in server.captured.mails]
        assert len(ids) == 3 and len(set(ids)) == 3  # each email exactly once
        assert sorted(ids) == sorted(r.message_id for r in outbox(engine))
    finally:
        server.stop()


def test_crash_while_sending_resends_the_same_message_id(engine: Engine, smtp: Smtp) -> None:
    ingest(engine, ctx_for(), [direct_mail(1)], workers=1)
    with Session(engine) as s:  # as if a sender claimed the row and then died
        row = s.exec(select(Outbox)).one()
        row.status, row.attempts = "sending", 1
        row.next_attempt_at = utcnow() + timedelta(minutes=10)
        s.add(row)
        s.commit()
        message_id = row.message_id
    assert deliver_pending(engine, config_for(smtp.port)).sent == 0  # in flight: left alone
    later = utcnow() + timedelta(minutes=11)
    assert deliver_pending(engine, config_for(smtp.port), now=later).sent == 1
    assert [m["Message-ID"] for _, _, m in smtp.captured.mails] == [message_id]


def test_backoff_grows_and_gives_up() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert backoff(50) == timedelta(hours=6)
    assert MAX_ATTEMPTS >= 10


def test_case_update_email_carries_token_and_files(engine: Engine, smtp: Smtp) -> None:
    with Session(engine) as s:
        client = User(name="Alice Client")
        s.add(client)
        s.flush()
        assert client.id is not None
        s.add(UserEmail(user_id=client.id, email="alice@client.example"))
        case = Case(title="Printer on floor 3 is broken", client_id=client.id)
        s.add(case)
        s.flush()
        assert case.id is not None
        update = CaseUpdate(case_id=case.id, text="A technician comes tomorrow.")
        s.add(update)
        s.flush()
        assert update.id is not None
        row = queue_case_update_email(s, update.id, system=SYSTEM, secret=SECRET)
        s.commit()
        s.refresh(update)
        assert update.emailed and update.outbound_message_id == row.message_id
        assert update.reply_address and update.reply_address.startswith("updates+")
        update_id, reply_address = update.id, update.reply_address
    deliver_pending(engine, config_for(smtp.port))
    [(sender, rcpts, msg)] = smtp.captured.mails
    assert (sender, rcpts) == (SYSTEM.notifications_address, ["alice@client.example"])
    assert msg["Subject"] == "[Case #1] Printer on floor 3 is broken"
    assert msg["Reply-To"] == reply_address and msg[LOOP_HEADER]
    assert msg["Auto-Submitted"] is None  # a person's update: auto-responders may answer
    with Session(engine) as s, pytest.raises(Exception, match="already emailed"):
        queue_case_update_email(s, update_id, system=SYSTEM, secret=SECRET)


def test_outbox_cli_send_and_list(engine: Engine, db_url: str, tmp_path: Path,
                                  admin_login: str, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()  # nothing listens here
    config = tmp_path / "inboxwatch.toml"
    config.write_text(f'[system]\nnotifications_address = "notify@helpdesk.example.com"\n'
                      f'general_address = "helpdesk@helpdesk.example.com"\n'
                      f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "plain"\n'
                      f'timeout_seconds = 5\n')
    ingest(engine, ctx_for(), [direct_mail(1)], workers=1)
    args = ["--config", str(config), "--db", db_url]
    assert main([*args, "outbox", "send"]) == 4
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unreachable" in err and "stay queued" in err
    assert main([*args, "--json", "outbox", "list"]) == 0
    out = capsys.readouterr().out
    assert '"status": "pending"' in out and '"attempts": 1' in out
    assert main([*args, "notify", "check-templates"]) == 0
    assert "templates ok" in capsys.readouterr().out
    config.write_text(config.read_text().replace(
        'general_address = "helpdesk@helpdesk.example.com"\n',
        'general_address = "helpdesk@helpdesk.example.com"\n'
        'notice_body_template = "{{ \'\'.__class__.__mro__ }}"\n'))
    assert main([*args, "notify", "check-templates"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("inboxwatch: error: system.notice_body_template") and "\n" not in err
    assert main([*args, "import", str(tmp_path)]) == 1  # refuses to route with a bad template


def test_the_run_service_sends_queued_notices_by_itself(engine: Engine, smtp: Smtp) -> None:
    from inboxwatch.scheduler import WorkerService

    ingest(engine, ctx_for(), [direct_mail(1)], workers=1)
    [row] = outbox(engine)
    assert row.status == "pending"
    service = WorkerService(config_for(smtp.port), engine, ctx_for(), mailboxes=[],
                            outbox_interval=1)
    service.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not smtp.captured.mails:
            time.sleep(0.1)
    finally:
        service.shutdown()
    [(_, recipients, message)] = smtp.captured.mails
    assert "helpdesk@helpdesk.example.com" in recipients
    assert message["Message-ID"] == row.message_id
    assert [r.status for r in outbox(engine)] == ["sent"]


def test_output_is_cut_at_its_bound_not_refused() -> None:
    """A template that would write gigabytes stops at the bound; a long subject in the mail
    is cut, never a reason to refuse the notice."""
    from inboxwatch.notify._templates import MAX_BODY_CHARS, MAX_SUBJECT_CHARS

    system = replace(SYSTEM, notice_body_template="{% for i in range(100000) %}"
                     "{% for j in range(100000) %}{{ message.subject }}{% endfor %}{% endfor %}")
    templates = load_notice_templates(system)
    sample = {**sample_message(), "subject": "S" * 50_000}
    started = time.monotonic()
    subject, body = render_pair(templates.notice_subject, templates.notice_body,
                                {"message": sample}, templates.sources[:2])
    assert time.monotonic() - started < 1.0
    assert subject.endswith("…") and len(subject) <= MAX_SUBJECT_CHARS + 1
    assert len(body) <= MAX_BODY_CHARS + 1


@pytest.mark.parametrize("count", [1, 2])
def test_digest_subject_counts_in_english(count: int) -> None:
    templates = load_notice_templates(SYSTEM)
    sample = sample_message()
    subject, body = render_pair(templates.digest_subject, templates.digest_body,
                                {"messages": [sample] * count, "count": count, "more": 0,
                                 "window_minutes": 1}, templates.sources[2:])
    noun = "message" if count == 1 else "messages"
    assert subject == f"[inboxwatch] {count} new inbound {noun}"
    assert body.startswith(f"{count} new inbound {noun} arrived within 1 minute;")


@pytest.mark.parametrize("subject", [
    "[inboxwatch] New inbound message: " + "Very long subject words " * 6,
    "[inboxwatch] New inbound message: Überweisung fehlgeschlagen – bitte prüfen Sie die "
    "Angaben sofort heute noch",
    "[inboxwatch] New inbound message: " + "日本語の件名がとても長い場合の折り返し" * 3,
])
def test_a_folded_subject_unfolds_to_itself(subject: str) -> None:
    """Folded at 78 columns; read back (a parser, or RFC 5322 unfolding: drop each CRLF) it
    is the subject again, with no space added at a fold."""
    from email import message_from_bytes
    from email.policy import default

    from inboxwatch.notify._compose import build_email

    raw = build_email(sender="notify@helpdesk.example.com", to=["lead@helpdesk.example.com"],
                      subject=subject.strip(), body="x", kind="notice").raw
    assert str(message_from_bytes(raw, policy=default)["Subject"]) == subject.strip()
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    folded = head.split("Subject:", 1)[1].split("\r\nDate:", 1)[0]
    assert all(len(line) <= 78 for line in ("Subject:" + folded).split("\r\n"))
    if subject.isascii():
        assert folded.replace("\r\n", "") == " " + subject.strip()
