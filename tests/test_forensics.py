"""Header forensics (inboxwatch/classify/forensics.py): each check fires on the forgery it
names, and not on the real thing it imitates."""

from __future__ import annotations

import pytest

from inboxwatch.classify import forensics
from inboxwatch.parse import parse_message

RECEIVED = ("Received: from mx.helpdesk.example.com by mail.helpdesk.example.com; "
            "Mon, 03 Jun 2024 10:00:05 +0000")


def _mail(*headers: str, date: str = "Mon, 03 Jun 2024 10:00:00 +0000",
          sender: str = "Bob <bob@example.org>") -> bytes:
    lines = [*headers, f"From: {sender}", "To: support@helpdesk.example.com",
             "Subject: hello", f"Date: {date}", "Message-ID: <f@example.org>", "", "Hi"]
    return "\r\n".join(lines).encode()


def test_a_microsoft_priority_without_its_companion_is_an_imitation() -> None:
    assert forensics.mua_imitation(parse_message(_mail("X-MSMail-Priority: High")))
    real = _mail("X-MSMail-Priority: Normal", "X-MimeOLE: Produced By Microsoft MimeOLE V6")
    assert forensics.mua_imitation(parse_message(real)) is None


def test_a_priority_needs_a_mail_program() -> None:
    assert forensics.priority_without_mailer(parse_message(_mail("X-Priority: 1")))
    for program in ("X-Mailer: Microsoft Outlook 16.0", "User-Agent: Mutt/2.2"):
        assert forensics.priority_without_mailer(
            parse_message(_mail("X-Priority: 1", program))) is None


def test_a_date_hours_after_our_server_received_it() -> None:
    late = parse_message(_mail(RECEIVED, date="Mon, 03 Jun 2024 14:00:00 +0000"))
    assert "4 hours after" in (forensics.future_date(late) or "")
    # Clock drift, a date in the past, another zone, no Received, an undated Received: fine.
    for date in ("Mon, 03 Jun 2024 12:30:00 +0000", "Sun, 02 Jun 2024 08:00:00 +0000",
                 "Mon, 03 Jun 2024 12:00:00 +0200"):
        assert forensics.future_date(parse_message(_mail(RECEIVED, date=date))) is None
    assert forensics.future_date(parse_message(_mail(date="Tue, 04 Jun 2024 10:00:00 +0000"))
                                 ) is None
    assert forensics.future_date(parse_message(_mail("Received: from a by b"))) is None
    assert forensics.received_time("from a by b; not a date") is None


def test_free_mail_that_never_passed_through_its_provider() -> None:
    sender = "Jane <jane@hotmail.com>"
    forged = parse_message(_mail(RECEIVED, "Received: from [203.0.113.9] by relay.example.org"
                                 "; Mon, 03 Jun 2024 10:00:01 +0000", sender=sender))
    assert "hotmail" in (forensics.forged_freemail(forged) or "")
    real = parse_message(_mail(RECEIVED, "Received: from mail-oi1-f170.hotmail.com (unknown)"
                               " by mx.example.org; Mon, 03 Jun 2024 10:00:01 +0000",
                               sender=sender))
    assert forensics.forged_freemail(real) is None
    # A list re-sends the post from its own servers; other senders are not checked.
    listed = parse_message(_mail(RECEIVED, "List-Id: <friends.lists.example.org>",
                                 sender=sender))
    assert forensics.forged_freemail(listed) is None
    assert forensics.forged_freemail(parse_message(_mail(RECEIVED))) is None


@pytest.mark.parametrize(("hop", "forged"), [
    # the sender said it was Yahoo; the receiving server found a dial-up address of AOL's
    ("from mx1.mail.yahoo.com (acc04c42.ipt.aol.com [172.192.76.66]) by relay.example.org",
     True),
    ("from smtp044.mail.yahoo.com (n1.bullet.mail.yahoo.com [98.136.164.64]) by relay.example.org",
     False),
    # no reverse name written (a failed lookup, a server that does none): the HELO counts
    ("from smtp044.mail.yahoo.com (unknown [98.136.164.64]) by relay.example.org", False),
    ("from unknown (HELO smtp044.mail.yahoo.com) (98.136.164.64) by relay.example.org", False),
])
def test_a_helo_the_receiving_server_contradicts_is_not_the_provider(hop: str,
                                                                      forged: bool) -> None:
    mail = parse_message(_mail(RECEIVED, f"Received: {hop}; Mon, 03 Jun 2024 10:00:01 +0000",
                               sender="Jane <jane@yahoo.com>"))
    assert (forensics.forged_freemail(mail) is not None) == forged
    # Yahoo's country domains are Yahoo's too
    abroad = parse_message(_mail(RECEIVED, f"Received: {hop}; Mon, 03 Jun 2024 10:00:01 +0000",
                                 sender="Jeanne <jeanne@yahoo.fr>"))
    assert (forensics.forged_freemail(abroad) is not None) == forged


def _ms_id(token: int) -> str:
    return f"Message-ID: <0008{token:08x}$a1b2c3d4$0100007f@pc.example.org>"


def test_a_microsoft_message_id_needs_microsofts_headers() -> None:
    bare = parse_message(_mail(_ms_id(0x01c2b5e4)))
    assert "Microsoft's form" in (forensics.microsoft_msgid_imitation(bare) or "")
    for signed in ("X-MimeOLE: Produced By Microsoft MimeOLE V6.00.2800.1106",
                   "Received: from pc by mx.example.org with Microsoft Exchange Server; "
                   "Mon, 03 Jun 2024 10:00:01 +0000"):
        assert forensics.microsoft_msgid_imitation(
            parse_message(_mail(_ms_id(0x01c2b5e4), signed))) is None
    assert forensics.microsoft_msgid_imitation(parse_message(_mail())) is None


def test_the_time_inside_a_microsoft_message_id_must_be_the_messages() -> None:
    from datetime import UTC, datetime

    sent = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)
    honest = parse_message(_mail(_ms_id(forensics.filetime_high(sent)), RECEIVED))
    assert forensics.microsoft_msgid_time(honest) is None
    made_up = parse_message(_mail(_ms_id(0x01c2b5e4), RECEIVED))
    assert "hours from Date: made up" in (forensics.microsoft_msgid_time(made_up) or "")
    # A wrong Date but the first server's clock agrees: the PC's clock, not ratware.
    wrong_date = parse_message(_mail(_ms_id(forensics.filetime_high(sent)), RECEIVED,
                                     date="Fri, 01 Jan 2021 00:00:00 +0000"))
    assert forensics.microsoft_msgid_time(wrong_date) is None
    assert forensics.microsoft_msgid_time(parse_message(_mail(RECEIVED))) is None


def test_multipart_or_html_needs_a_mime_version() -> None:
    html = "Content-Type: text/html; charset=utf-8"
    assert forensics.mime_without_version(parse_message(_mail(html)))
    assert forensics.mime_without_version(parse_message(_mail(html, "MIME-Version: 1.0"))) \
        is None
    # Plain text without MIME-Version is how many old and simple programs write.
    plain = "Content-Type: text/plain; charset=us-ascii"
    assert forensics.mime_without_version(parse_message(_mail(plain))) is None
    assert forensics.mime_without_version(parse_message(_mail())) is None


def test_a_message_id_written_by_a_server_on_the_way() -> None:
    relay = "Received: from [203.0.113.9] by relay.example.org; Mon, 03 Jun 2024 10:00:04 +0000"
    added = parse_message(b"\r\n".join([
        RECEIVED.encode(), b"Message-ID: <x@relay.example.org>", relay.encode(),
        b"From: a@example.org", b"Subject: hi", b"", b"hello"]))
    assert "above 1 Received" in (forensics.msgid_added_on_the_way(added) or "")
    # The sending program's own Message-ID is below every Received line.
    assert forensics.msgid_added_on_the_way(parse_message(_mail(RECEIVED, relay))) is None
    yahoo = parse_message(b"\r\n".join([
        RECEIVED.encode(), b"Message-ID: <1@web1.mail.yahoo.com>", relay.encode(),
        b"From: a@yahoo.com", b"Subject: hi", b"", b"hello"]))
    assert forensics.msgid_added_on_the_way(yahoo) is None


def test_todays_hotmail_and_aol_leave_through_other_names() -> None:
    """Hotmail's mail leaves through outlook.com servers, AOL's through Yahoo's: neither
    is forged."""
    for sender, server in (("jane@hotmail.com", "EUR05-AM6-obe.outbound.protection.outlook.com"),
                           ("joe@aol.com", "sonic301-2.consmr.mail.ne1.yahoo.com")):
        mail = parse_message(_mail(RECEIVED, f"Received: from {server} (unknown) by "
                                   "mx.example.org; Mon, 03 Jun 2024 10:00:01 +0000",
                                   sender=f"Client <{sender}>"))
        assert forensics.forged_freemail(mail) is None, sender


OUTLOOK_EXPRESS = "X-Mailer: Microsoft Outlook Express 6.00.2800.1106"


def test_a_mail_program_named_with_a_message_id_it_never_writes() -> None:
    forged = forensics.forged_mailer(parse_message(_mail(OUTLOOK_EXPRESS)))
    assert forged and "<f@example.org>" in forged and "Outlook Express" in forged
    # Its own forms: <hex$hex$hex@host>, Vista's 32 hex digits, Hotmail's web form.
    for own in ("<000801c2b1d1$3a4f2e60$0200a8c0@pc>", "<" + "A1B2C3D4" * 4 + "@pc>",
                "<OE34abc12DEF456ghi789jkl012@hotmail.com>"):
        assert forensics.forged_mailer(parse_message(_mail(f"Message-ID: {own}",
                                                           OUTLOOK_EXPRESS))) is None
    eudora = "X-Mailer: QUALCOMM Windows Eudora Version 5.1"
    assert forensics.forged_mailer(parse_message(_mail(eudora)))
    assert forensics.forged_mailer(parse_message(_mail(
        "Message-ID: <5.1.0.14.0.20020822093012.00a1b2c0@mail.example.org>", eudora))) is None
    # A list manager that writes its own Message-ID; a build known to differ; programs of
    # today, which the table does not name.
    assert forensics.forged_mailer(parse_message(_mail(
        "List-Unsubscribe: <mailto:leave-friends-123@lists.example.org>",
        OUTLOOK_EXPRESS))) is None
    assert forensics.forged_mailer(parse_message(_mail(
        "X-Mailer: Microsoft Outlook Express 6.00.3790.3959"))) is None
    for today in ("X-Mailer: Microsoft Outlook 16.0", "User-Agent: Mutt/2.2"):
        assert forensics.forged_mailer(parse_message(_mail(today))) is None


def test_a_host_that_calls_itself_a_big_provider() -> None:
    def received(line: str) -> bytes:
        return _mail(RECEIVED, f"Received: {line} by mx.example.org with SMTP id 1; "
                     "Mon, 03 Jun 2024 10:00:01 +0000")

    dynamic = forensics.forged_helo(parse_message(received(
        "from yahoo.com (dsl-203-0-113-7.dyn.example.net [203.0.113.7])")))
    assert dynamic and "HELO yahoo.com" in dynamic and "dyn.example.net" in dynamic
    nameless = forensics.forged_helo(parse_message(received("from msn.com ([203.0.113.7])")))
    assert nameless and "no reverse DNS" in nameless
    for real in ("from hotmail.com (f160.law15.hotmail.com [64.4.23.160])",
                 "from mail.example.org (mail.example.org [192.0.2.1])",
                 "from yahoo.com (yahoo.com [192.0.2.2])"):
        assert forensics.forged_helo(parse_message(received(real))) is None
    hops = forensics.received_hops(parse_message(received(
        "from relay.example.net (root@relay.example.net [192.0.2.3])")))
    assert [(helo, reverse) for helo, reverse, _ in hops] == [
        ("relay.example.net", "relay.example.net")]


def test_a_received_clock_with_am_or_pm() -> None:
    forged = forensics.received_am_pm(parse_message(_mail(
        RECEIVED, "Received: from [192.0.2.9] by n7.groups.example.com with SMTP; "
        "Aug, 24 2002 12:01:28 PM -0000")))
    assert forged and "12:01:28 PM" in forged
    assert forensics.received_am_pm(parse_message(_mail(RECEIVED))) is None
    # AM/PM elsewhere on the line (a host name, a comment) is not its clock.
    assert forensics.received_am_pm(parse_message(_mail(
        "Received: from pm5.example.org (10 AM relay) by mx.example.org; "
        "Mon, 03 Jun 2024 10:00:01 +0000"))) is None


@pytest.mark.parametrize(("subject", "labelled"), [
    ("ADV: Lowest life insurance rates available!", True),
    ("Adv: Mortgage Quotes Fast Online", True),
    ("[ADV] Promote your website", True),
    ("ADV-ADLT: adults only", True),
    ("未承諾広告※出会いの広場", True),
    ("[광고] 요즘 뜨는 직종", True),
    ("(광고) 자격증 안내", True),
    ("Advice on the invoice", False),
    ("ADVANCED: the course you asked about", False),
    ("Re: ADV: Lowest rates", False),  # a client answering one is not sending one
    ("Question about your 광고 policy", False),
])
def test_a_subject_labelled_as_an_unsolicited_advertisement(subject: str,
                                                             labelled: bool) -> None:
    raw = f"Subject: {subject}\nFrom: a@example.net\n\nhello\n".encode()
    found = forensics.labelled_advertisement(parse_message(raw))
    assert bool(found) is labelled


def test_a_date_days_before_the_first_server_received_it() -> None:
    first = "Received: from pc.example.org by relay.example.org; Mon, 10 Jun 2024 09:00:00 +0000"
    old = parse_message(_mail(RECEIVED, first))
    assert "7 days before the first server" in (forensics.date_in_past(old) or "")
    # Our server re-delivering old mail (an archive, a forwarder) is not the sender's doing.
    assert forensics.date_in_past(parse_message(_mail(
        "Received: from archive by mx.example.org; Mon, 10 Jun 2024 09:00:00 +0000",
        RECEIVED))) is None
    # A day in a queue is not days; no Received, no clock to compare with.
    assert forensics.date_in_past(parse_message(_mail(
        RECEIVED, date="Sun, 02 Jun 2024 10:00:00 +0000"))) is None
    assert forensics.date_in_past(parse_message(_mail(date="Mon, 01 Jan 2024 10:00:00 +0000"))
                                  ) is None
