"""Who a bounce says failed, and why: the delivery-status report, X-Failed-Recipients, and
the bounce texts of mail servers that write no report (classify/bounces.py)."""

from __future__ import annotations

import pytest

from inboxwatch.classify.bounces import BOUNCE_TEXTS, bounce_details
from inboxwatch.parse import parse_message

HEAD = ("From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
        "To: notify@helpdesk.example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <b@mx.example.net>\r\n")


def test_the_delivery_status_report_is_read_first() -> None:
    raw = (HEAD + 'MIME-Version: 1.0\r\nContent-Type: multipart/report; '
           'report-type=delivery-status; boundary="B"\r\n\r\n--B\r\n'
           "Content-Type: text/plain\r\n\r\nThe mail could not be delivered to "
           "<someone.else@client.example>: 550 5.1.1\r\n--B\r\n"
           "Content-Type: message/delivery-status\r\n\r\n"
           "Reporting-MTA: dns; mx.example.net\r\n\r\n"
           "Final-Recipient: rfc822; alice@client.example\r\nAction: failed\r\n"
           "Status: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\r\n\r\n"
           "Final-Recipient: rfc822; bob@client.example\r\nAction: delivered\r\n"
           "Status: 2.0.0\r\n--B--\r\n").encode()
    details = bounce_details(parse_message(raw))
    assert details is not None
    assert (details.recipients, details.status, details.code) == (
        ("alice@client.example",), "5.2.2", "552")
    assert details.line() == ("failed recipient alice@client.example; status 552 5.2.2 "
                              "(permanent); '552 5.2.2 mailbox full' (from the "
                              "delivery-status report)")


@pytest.mark.parametrize(("rule", "body", "recipient", "status"), [
    ("postfix", "I'm sorry to have to inform you...\n\n<alice@client.example>: host "
                "mx.client.example[192.0.2.1] said: 550 5.1.1 user unknown\n",
     "alice@client.example", "5.1.1"),
    ("exim", "This message was created automatically by mail delivery software.\n\n"
             "  alice@client.example\n    SMTP error from remote mail server after RCPT "
             "TO:<alice@client.example>: 550 5.1.1 no such user\n",
     "alice@client.example", "5.1.1"),
    ("qmail", "Hi. This is the qmail-send program.\n\n<alice@client.example>:\n"
              "Sorry, no mailbox here by that name. (#5.1.1)\n",
     "alice@client.example", "5.1.1"),
    ("sendmail", "   ----- The following addresses had permanent fatal errors -----\n"
                 "<alice@client.example>\n    (reason: 550 5.1.1 User unknown)\n",
     "alice@client.example", "5.1.1"),
    ("exchange", "Delivery has failed to these recipients or groups:\n\n"
                 "alice@client.example\nThe email address wasn't found. 550 5.1.10\n",
     "alice@client.example", "5.1.10"),
    ("gmail", "Your message wasn't delivered to alice@client.example because the address "
              "couldn't be found. 550 5.1.1\n", "alice@client.example", "5.1.1"),
    ("unable_to_deliver", "Sorry, we were unable to deliver your message to the following "
                          "address.\n\n<alice@client.example>:\n554: delivery error\n",
     "alice@client.example", ""),
    ("notes", "Your message\n\n  Subject: Test\n\nwas not delivered to:\n\n"
              "alice@client.example\n\nbecause:\n\nUser alice not listed in Domino Directory\n",
     "alice@client.example", ""),
])
def test_each_bounce_text_row_names_the_recipient(rule: str, body: str, recipient: str,
                                                  status: str) -> None:
    assert rule in {row.rule for row in BOUNCE_TEXTS}
    raw = (HEAD + "Content-Type: text/plain\r\n\r\n" + body.replace("\n", "\r\n")).encode()
    details = bounce_details(parse_message(raw))
    assert details is not None and details.recipients == (recipient,), details
    assert details.status == status
    assert details.source.endswith(f"(row {rule})") or rule == "unable_to_deliver"


def test_the_bounces_own_addressee_is_never_the_failed_one() -> None:
    raw = (HEAD + "Content-Type: text/plain\r\n\r\n<notify@helpdesk.example.com>: 550 "
           "5.7.1 rejected\r\n").encode()
    assert bounce_details(parse_message(raw)) is None


def test_x_failed_recipients() -> None:
    raw = (HEAD + "X-Failed-Recipients: alice@client.example\r\n"
           "Content-Type: text/plain\r\n\r\nretry timeout exceeded 4.4.7\r\n").encode()
    details = bounce_details(parse_message(raw))
    assert details is not None and details.recipients == ("alice@client.example",)
    assert details.status == "4.4.7" and "(temporary)" in details.line()
