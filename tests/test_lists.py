"""Mailing lists are a person's mail; a newsletter the reader signed up for is marketing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch.config import SystemConfig
from inboxwatch.ingest import RawMail, ingest
from inboxwatch.route import RoutingContext
from inboxwatch_storage.tables import Message, Outbox

SYSTEM = SystemConfig(notifications_address="notify@helpdesk.example.com",
                      reply_address="updates@helpdesk.example.com",
                      general_address="helpdesk@helpdesk.example.com")
CTX = RoutingContext(reply_address=SYSTEM.reply_address,
                     notifications_address=SYSTEM.notifications_address,
                     own_domains=("helpdesk.example.com",), system=SYSTEM)

LIST_POST = b"""From: Priya Shah <priya@partner.example.org>
To: it-users@lists.partner.example.org
Subject: Anyone else seeing VPN drops since Monday?
Date: Tue, 01 Dec 2026 09:00:00 +0000
Message-ID: <list-post-1@partner.example.org>
List-Id: IT users <it-users.lists.partner.example.org>
List-Post: <mailto:it-users@lists.partner.example.org>
List-Unsubscribe: <mailto:it-users-leave@lists.partner.example.org>
Precedence: {precedence}
Sender: it-users-bounces@lists.partner.example.org
Content-Type: text/plain; charset=utf-8

Hi all, since Monday my VPN drops every hour. Is the help desk aware?
Priya
"""

NEWSLETTER = """From: Deals Team <deals@news.example.com>
To: helpdesk@helpdesk.example.com
Subject: LAST CHANCE: 80% OFF everything - FREE shipping!!!
Date: Tue, 01 Dec 2026 10:00:00 +0000
Message-ID: <nl-{n}@news.example.com>
List-Unsubscribe: <https://news.example.com/unsub?u=1>
{auth}MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><body><font color=red size=7>ACT NOW!!! 80% OFF</font> <a href="http://bit.ly/x">CLICK
HERE</a> to claim your FREE gift. Limited time offer, buy now, cheap prices, guaranteed
winner! Viagra casino cash prize $$$ <img src="http://x/a.png"><img src="http://x/b.png">
</body></html>
"""
SIGNED = ("Authentication-Results: mx.helpdesk.example.com; dkim=pass "
          "header.d=news.example.com header.s=s1; spf=pass smtp.mailfrom=b@news.example.com\n")


def _store(engine: Engine, raw: bytes, ctx: RoutingContext = CTX) -> Message:
    report = ingest(engine, ctx, [RawMail(raw=raw, origin="test")], workers=1)
    with Session(engine) as s:
        m = s.get(Message, report.message_ids[0])
        assert m is not None
        s.expunge(m)
        return m


def _notices(engine: Engine, pk: int | None) -> int:
    with Session(engine) as s:
        return len(s.exec(select(Outbox.id).where(Outbox.message_pk == pk)).all())


def test_a_post_through_a_list_is_a_persons_mail_with_the_list_named(engine: Engine) -> None:
    for n, precedence in enumerate((b"list", b"bulk")):
        raw = LIST_POST.replace(b"{precedence}", precedence).replace(
            b"list-post-1", b"list-post-%d" % n)
        m = _store(engine, raw)
        rules = [h["rule"] for h in m.explanation]
        assert (m.category, m.reason) == ("normal", "direct_to_system"), rules
        assert "mailing_list" in rules and "precedence" not in rules
        [named] = [h["evidence"] for h in m.explanation if h["rule"] == "mailing_list"]
        assert "it-users.lists.partner.example.org" in named
        assert _notices(engine, m.id) == 1


def test_list_notices_can_be_turned_off(engine: Engine) -> None:
    quiet = RoutingContext(reply_address=CTX.reply_address,
                           notifications_address=CTX.notifications_address,
                           own_domains=CTX.own_domains,
                           system=replace(SYSTEM, list_notices=False))
    m = _store(engine, LIST_POST.replace(b"{precedence}", b"list"), quiet)
    assert m.category == "normal" and _notices(engine, m.id) == 0


def test_a_signed_up_newsletter_is_marketing_the_same_unsigned_is_spam(engine: Engine) -> None:
    unsigned = _store(engine, NEWSLETTER.format(n=1, auth="").encode())
    assert unsigned.category == "spam"
    signed = _store(engine, NEWSLETTER.format(n=2, auth=SIGNED).encode())
    assert signed.category == "marketing"
    [why] = [h["evidence"] for h in signed.explanation if h["rule"] == "solicited_bulk"]
    assert "DKIM pass for news.example.com" in why
    # a DKIM pass for someone else's domain proves nothing about the sender
    other = SIGNED.replace("header.d=news.example.com", "header.d=mailer.example.net") \
        .replace("b@news.example.com", "b@mailer.example.net")
    assert _store(engine, NEWSLETTER.format(n=3, auth=other).encode()).category == "spam"


def test_a_signed_newsletter_an_upstream_filter_called_spam_stays_spam(engine: Engine) -> None:
    from inboxwatch.classify import SPAM_RULES, UPSTREAM_VERDICTS

    assert UPSTREAM_VERDICTS <= {r.rule for r in SPAM_RULES}
    flagged = SIGNED + "X-Spam-Flag: YES\n"
    message = _store(engine, NEWSLETTER.format(n=4, auth=flagged).encode())
    assert message.category == "spam"
    assert not [h for h in message.explanation if h["rule"] == "solicited_bulk"]


@pytest.mark.parametrize("name", ["TrustWallet", "Trust Wallet Support", "PayPal"])
def test_a_signed_newsletter_signed_with_a_brand_it_is_not_stays_junk(
        engine: Engine, name: str) -> None:
    """A hired bulk-mail account passes DKIM for its own domain; the From name that claims
    a brand of another domain is the deception, and no sign-up excuses it."""
    raw = NEWSLETTER.format(n=5, auth=SIGNED).replace("Deals Team", name)
    message = _store(engine, raw.replace("nl-5", f"nl-5-{len(name)}").encode())
    rules = [h["rule"] for h in message.explanation]
    assert message.category in ("spam", "phishing") and "brand_impersonation" in rules
    assert "solicited_bulk" not in rules
