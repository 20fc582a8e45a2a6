"""Demo mail: auto-replies and loops, marketing, phishing.

Each ``mail(...)`` call registers one file of ``examples/mail/`` (see make_mail.py)."""

from __future__ import annotations

from mailkit import (
    b64,
    docm,
    ew,
    exe_stub,
    mail,
    qp,
)

# ---- auto-replies and loops ------------------------------------------------------------

mail(
    "19-autoreply-rfc3834-out-of-office.eml",
    """\
Return-Path: <bob@client-two.example.org>
Received: from smtp.client-two.example.org (smtp.client-two.example.org [198.51.100.17])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xWa1bC2z4
	for <updates+demo103@helpdesk.example.com>; Tue, 24 Nov 2026 16:12:05 +0000 (UTC)
From: "Bob Tanaka" <bob@client-two.example.org>
To: Helpdesk Example <updates+demo103@helpdesk.example.com>
Subject: Auto: Re: [Case #5] Shared drive quota exceeded
Date: Tue, 24 Nov 2026 17:12:04 +0100
Message-ID: <autoreply.20261124161204.bob@mail.client-two.example.org>
In-Reply-To: <case-update-103.20261124T161200@helpdesk.example.com>
References: <case-update-103.20261124T161200@helpdesk.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

I am out of the office until Wednesday 25 November with limited
access to email. For urgent matters please call reception on
extension 100.

Bob Tanaka
""",
)

mail(
    "20-autoreply-exchange-oof.eml",
    """\
Received: from DB9PR04MB8123.eurprd04.prod.client-four.example.org (2001:db8:4::23)
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yNc3HrKz8
	for <updates+demo107@helpdesk.example.com>; Tue, 24 Nov 2026 14:02:12 +0000 (UTC)
From: "Olsen, Grace" <grace.olsen@client-four.example.org>
To: Helpdesk Example <updates+demo107@helpdesk.example.com>
Subject: Automatic reply: [Case #12] Conference room display flickers
Thread-Topic: [Case #12] Conference room display flickers
Thread-Index: AQHbPq1x2mZ3k0lLrUuYtW4n7c9XhgAAAB2Q
Date: Tue, 24 Nov 2026 14:02:11 +0000
Message-ID: <DB9PR04MB8123F0A1B2C3D4E5F6A7B8C9D0E1F2A3@DB9PR04MB8123.eurprd04.prod.client-four.example.org>
In-Reply-To: <case-update-107.20261124T140200@helpdesk.example.com>
References: <case-update-107.20261124T140200@helpdesk.example.com>
X-MS-Has-Attach:
X-MS-Exchange-Organization-SCL: -1
X-MS-TNEF-Correlator:
X-MS-Exchange-Inbox-Rules-Loop: grace.olsen@client-four.example.org
X-MS-Exchange-Organization-AuthAs: Internal
X-Auto-Response-Suppress: All
Content-Language: en-GB
MIME-Version: 1.0
Content-Type: multipart/alternative;
	boundary="_000_DB9PR04MB8123F0A1B2C3_"

--_000_DB9PR04MB8123F0A1B2C3_
Content-Type: text/plain; charset="us-ascii"

Thank you for your email. I am at a conference until Friday 27
November and will reply when I am back. For urgent requests please
contact Nadia Brooks (nadia.brooks@client-four.example.org).

Grace Olsen

--_000_DB9PR04MB8123F0A1B2C3_
Content-Type: text/html; charset="us-ascii"

<html><head><meta http-equiv="Content-Type" content="text/html; charset=us-ascii"></head>
<body><p>Thank you for your email. I am at a conference until Friday 27 November
and will reply when I am back. For urgent requests please contact Nadia Brooks
(<a href="mailto:nadia.brooks@client-four.example.org">nadia.brooks@client-four.example.org</a>).</p>
<p>Grace Olsen</p></body></html>

--_000_DB9PR04MB8123F0A1B2C3_--
""",
)

mail(
    "21-autoreply-german-abwesenheitsnotiz.eml",
    """\
Return-Path: <k.baecker@kunde-de.example.org>
Received: from mx.kunde-de.example.org (mx.kunde-de.example.org [198.51.100.140])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1ySb7TnLz3
	for <updates+demo108@helpdesk.example.com>; Tue, 24 Nov 2026 15:20:40 +0000 (UTC)
From: {{name}} <k.baecker@kunde-de.example.org>
To: Helpdesk Example <updates+demo108@helpdesk.example.com>
Subject: Abwesenheitsnotiz: Re: [Case #14] Zugang zum Kundenportal gesperrt
Date: Tue, 24 Nov 2026 16:20:39 +0100
Message-ID: <abwesend.1764001239.4412@mx.kunde-de.example.org>
In-Reply-To: <case-update-108.20261124T152000@helpdesk.example.com>
X-Autoreply: yes
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

{{body}}
""",
    values={
        "name": ew("Katrin Bäcker", q=True),
        "body": qp(
            "Sehr geehrte Damen und Herren,\n\n"
            "vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 30. November "
            "nicht im Büro und habe keinen Zugriff auf meine E-Mails. In dringenden "
            "Fällen wenden Sie sich bitte an Herrn Jörg Weiß (j.weiss@kunde-de.example.org).\n\n"
            "Mit freundlichen Grüßen\nKatrin Bäcker\n"
        ),
    },
)

mail(
    "22-autoreply-precedence-bulk-newsletter.eml",
    """\
Return-Path: <it-news-bounces@client-two.example.org>
Received: from lists.client-two.example.org (lists.client-two.example.org [198.51.100.19])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xF0a2dBz7
	for <notify@helpdesk.example.com>; Mon, 23 Nov 2026 06:00:09 +0000 (UTC)
From: Client Two IT News <it-news@client-two.example.org>
To: Client Two staff and partners <it-news@client-two.example.org>
Subject: IT News week 48: Wi-Fi maintenance on Saturday
Date: Mon, 23 Nov 2026 07:00:03 +0100
Message-ID: <itnews-2026-48@client-two.example.org>
Precedence: bulk
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

IT NEWS - WEEK 48

1. Wi-Fi maintenance: Saturday 28 November, 08:00-12:00. The guest
   network will be unavailable.
2. Reminder: enrol in MFA before 1 December.
3. New printers on the 3rd floor from next week.

You receive this because your address is on the IT News distribution
list. Questions: it-news@client-two.example.org
""",
)

mail(
    "23-autoreply-vacation-subject-only.eml",
    """\
Return-Path: <heidi.k@client-three.example.net>
Received: from out.client-three.example.net (out.client-three.example.net [203.0.113.40])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1ytR2kHcz5
	for <updates+demo109@helpdesk.example.com>; Wed, 25 Nov 2026 16:40:03 +0000 (UTC)
From: Heidi Karlsson <heidi.k@client-three.example.net>
To: updates+demo109@helpdesk.example.com
Subject: On vacation until 30 November
Date: Wed, 25 Nov 2026 17:40:01 +0100
Message-ID: <vacation.20261125164001.heidi@client-three.example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

I am on vacation until Monday 30 November and will read your message
when I am back.

Heidi
""",
)

mail(
    "24-loop-own-notice-reflected.eml",
    """\
Return-Path: <notify@helpdesk.example.com>
Received: from mx.helpdesk.example.com (mx.helpdesk.example.com [192.0.2.10])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yq0YbNdz2
	for <notify@helpdesk.example.com>; Wed, 25 Nov 2026 13:21:07 +0000 (UTC)
From: Helpdesk Example <notify@helpdesk.example.com>
To: helpdesk@helpdesk.example.com
Subject: [inboxwatch] New inbound message: Request: shared mailbox for the accounting team
Date: Wed, 25 Nov 2026 13:21:05 +0000
Message-ID: <notice-20261125T132105.0008@helpdesk.example.com>
X-Inboxwatch-Loop: helpdesk.example.com
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

A new inbound message is awaiting review.

From:    Heidi Karlsson <heidi.k@client-three.example.net>
Subject: Request: shared mailbox for the accounting team
Status:  Awaiting Review

(This copy came back because helpdesk@ forwards to the polled mailbox:
a mail loop that inboxwatch must recognise and not answer.)
""",
)

# ---- marketing ---------------------------------------------------------------------------

mail(
    "25-marketing-newsletter-html-only.eml",
    """\
Return-Path: <bounce-7731-notify=helpdesk.example.com@mailer.offers.example.net>
Received: from mailer.offers.example.net (mailer.offers.example.net [203.0.113.77])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yZ6tLpXz1
	for <notify@helpdesk.example.com>; Wed, 25 Nov 2026 06:30:14 +0000 (UTC)
Authentication-Results: mx.helpdesk.example.com;
	spf=pass smtp.mailfrom=mailer.offers.example.net;
	dkim=pass header.d=offers.example.net;
	dmarc=pass header.from=offers.example.net
From: Toner & Paper Direct <news@offers.example.net>
To: notify@helpdesk.example.com
Subject: Black Friday preview: 40% off printer toner, this week only
Date: Wed, 25 Nov 2026 06:30:11 +0000
Message-ID: <nl-2026-11-25.7731.notify@mailer.offers.example.net>
List-Id: Toner & Paper Direct offers <offers.list.offers.example.net>
List-Unsubscribe: <mailto:unsubscribe-7731@mailer.offers.example.net>,
 <https://offers.example.net/u/7731?list=offers>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
Feedback-ID: 7731:offers:newsletter:tpd
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

{{html}}
""",
    values={
        "html": qp(
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            "<title>Black Friday preview</title></head>\n"
            '<body style="margin:0;background:#f4f4f4;font-family:Arial,sans-serif">\n'
            '<table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">\n'
            '<table width="600" style="background:#ffffff">\n'
            '<tr><td style="padding:24px;background:#111;color:#fff;font-size:28px">'
            "BLACK FRIDAY PREVIEW</td></tr>\n"
            '<tr><td style="padding:24px;font-size:16px">'
            "<p>Stock up before the year-end rush: <b>40% off</b> all toner cartridges, "
            "<b>25% off</b> A4 paper by the pallet.</p>\n"
            '<p><a href="https://offers.example.net/c/7731/toner?utm_source=newsletter">'
            "Shop the offers</a></p></td></tr>\n"
            '<tr><td style="padding:12px;font-size:11px;color:#888">You receive this '
            "because notify@helpdesk.example.com subscribed at offers.example.net. "
            '<a href="https://offers.example.net/u/7731?list=offers">Unsubscribe</a> · '
            "Toner &amp; Paper Direct, 1 Example Street</td></tr>\n"
            '</table></td></tr></table>\n<img src="https://offers.example.net/o/7731.gif" '
            'width="1" height="1" alt="">\n</body></html>\n'
        )
    },
)

mail(
    "26-marketing-webinar-invite.eml",
    """\
Return-Path: <events@saas-vendor.example.com>
Received: from out-12.saas-vendor.example.com (out-12.saas-vendor.example.com [198.51.100.212])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yfP4SbWz6
	for <helpdesk@helpdesk.example.com>; Wed, 25 Nov 2026 15:00:41 +0000 (UTC)
From: "SaaS Vendor Events" <events@saas-vendor.example.com>
Reply-To: no-reply@saas-vendor.example.com
To: helpdesk@helpdesk.example.com
Subject: Webinar on 3 December: automate your help desk with AI
Date: Wed, 25 Nov 2026 15:00:38 +0000
Message-ID: <webinar.3dec.88211@saas-vendor.example.com>
List-Id: <events.saas-vendor.example.com>
List-Unsubscribe: <https://saas-vendor.example.com/preferences?u=88211>
X-Mailer: ExampleMailer 9.2
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1_webinar_88211"

--b1_webinar_88211
Content-Type: text/plain; charset=UTF-8

Join our free webinar on Thursday 3 December, 16:00 CET:
"Automate your help desk with AI".

Register: https://saas-vendor.example.com/webinars/3dec?u=88211

Manage preferences: https://saas-vendor.example.com/preferences?u=88211

--b1_webinar_88211
Content-Type: text/html; charset=UTF-8

<html><body>
<h1>Automate your help desk with AI</h1>
<p>Free webinar, Thursday 3 December, 16:00 CET.</p>
<p><a href="https://saas-vendor.example.com/webinars/3dec?u=88211">Register now</a></p>
<p style="font-size:11px"><a href="https://saas-vendor.example.com/preferences?u=88211">Manage preferences</a></p>
</body></html>

--b1_webinar_88211--
""",
)

# ---- phishing ------------------------------------------------------------------------------

mail(
    "27-phishing-display-name-spoof.eml",
    """\
Return-Path: <bounce@he1pdesk.example.com>
Received: from vps-4471.hosting.example.net (vps-4471.hosting.example.net [203.0.113.199])
	by mx.helpdesk.example.com (Postfix) with ESMTP id 4Q1yhX0wQvz9
	for <notify@helpdesk.example.com>; Wed, 25 Nov 2026 16:12:55 +0000 (UTC)
Authentication-Results: mx.helpdesk.example.com;
	spf=fail (sender IP is 203.0.113.199) smtp.mailfrom=he1pdesk.example.com;
	dkim=none (message not signed);
	dmarc=fail action=none header.from=he1pdesk.example.com
Received-SPF: Fail (mx.helpdesk.example.com: domain of he1pdesk.example.com does not
	designate 203.0.113.199 as permitted sender)
From: "Helpdesk IT Support" <it-support@he1pdesk.example.com>
Reply-To: "Helpdesk IT Support" <helpdesk.verify@mail.example.net>
To: notify@helpdesk.example.com
Subject: Action required: your mailbox will be suspended in 24 hours
Date: Wed, 25 Nov 2026 16:12:51 +0000
Message-ID: <20261125161251.44710@vps-4471.hosting.example.net>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_phish_44710"

--=_phish_44710
Content-Type: text/plain; charset=UTF-8

Dear user,

your mailbox helpdesk.example.com has exceeded its storage limit and
will be suspended in 24 hours. Verify your account to keep receiving
mail:

https://helpdesk.example.com.verify-mailbox.example.net/login

Helpdesk IT Support

--=_phish_44710
Content-Type: text/html; charset=UTF-8

<html><body>
<p>Dear user,</p>
<p>your mailbox <b>helpdesk.example.com</b> has exceeded its storage limit and
will be suspended in <b style="color:red">24 hours</b>.</p>
<p><a href="https://helpdesk.example.com.verify-mailbox.example.net/login">Verify my mailbox</a></p>
<p>Helpdesk IT Support</p>
</body></html>

--=_phish_44710--
""",
)

mail(
    "28-phishing-link-text-mismatch.eml",
    """\
Return-Path: <alerts@bank-secure.example.net>
Received: from mta7.bulk.example.org (mta7.bulk.example.org [198.51.100.230])
	by mx.helpdesk.example.com (Postfix) with ESMTP id 4Q1yk1bDsTz4
	for <notify@helpdesk.example.com>; Wed, 25 Nov 2026 17:44:08 +0000 (UTC)
Authentication-Results: mx.helpdesk.example.com;
	spf=fail smtp.mailfrom=bank-secure.example.net;
	dkim=fail (signature did not verify) header.d=bank.example.com;
	dmarc=fail (p=reject) header.from=bank.example.com
From: "Example Bank" <security@bank.example.com>
To: notify@helpdesk.example.com
Subject: Unusual sign-in to your business account
Date: Wed, 25 Nov 2026 17:44:02 +0000
Message-ID: <a0b1c2d3e4f5.signin-alert@bank-secure.example.net>
DKIM-Signature: v=1; a=rsa-sha256; d=bank.example.com; s=mail; c=relaxed/relaxed;
	h=from:to:subject:date; bh=Zm9yZ2VkIGJvZHkgaGFzaCBmb3IgdGhlIGRlbW8=;
	b=Zm9yZ2VkIHNpZ25hdHVyZSwgZG9lcyBub3QgdmVyaWZ5
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: 7bit

<html><body style="font-family:Arial,sans-serif">
<p>Dear customer,</p>
<p>We noticed a sign-in to your business account from a new device
(Lagos, 25 Nov 2026 17:31). If this was not you, secure your account now:</p>
<p><a href="https://bank-example.login-check.example.net/secure/login?session=8812">https://bank.example.com/secure/login</a></p>
<p>If you do not confirm within 12 hours, online banking will be blocked.</p>
<p>Example Bank Security Team</p>
</body></html>
""",
)

mail(
    "29-phishing-invoice-exe-attachment.eml",
    """\
Return-Path: <accounts@payables-dept.example.net>
Received: from unknown (HELO payables-dept.example.net) (203.0.113.61)
	by mx.helpdesk.example.com with SMTP; Thu, 26 Nov 2026 03:17:29 +0000
Authentication-Results: mx.helpdesk.example.com;
	spf=softfail smtp.mailfrom=payables-dept.example.net;
	dkim=none;
	dmarc=fail header.from=payables-dept.example.net
From: "Accounts Payable" <accounts@payables-dept.example.net>
To: notify@helpdesk.example.com
Subject: OVERDUE: invoice INV-88213 - final reminder before legal action
Date: Thu, 26 Nov 2026 03:17:21 +0000
Message-ID: <88213.final.reminder@payables-dept.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_inv_88213"
X-Priority: 1 (Highest)
Importance: High

--=_inv_88213
Content-Type: text/plain; charset=UTF-8

Hello,

invoice INV-88213 (EUR 4,870.00) is 45 days overdue. Open the attached
invoice and pay today to avoid legal action and additional fees.

Accounts Payable

--=_inv_88213
Content-Type: application/octet-stream; name="invoice.pdf.exe"
Content-Disposition: attachment; filename="invoice.pdf.exe"
Content-Transfer-Encoding: base64

{{exe}}
--=_inv_88213--
""",
    values={"exe": b64(exe_stub())},
)

mail(
    "30-phishing-docm-macro-attachment.eml",
    """\
Return-Path: <hr-payroll@client-one-hr.example.net>
Received: from relay.hosting.example.net (relay.hosting.example.net [203.0.113.145])
	by mx.helpdesk.example.com (Postfix) with ESMTP id 4Q1z0T9fGbz7
	for <notify@helpdesk.example.com>; Thu, 26 Nov 2026 06:41:37 +0000 (UTC)
Authentication-Results: mx.helpdesk.example.com;
	spf=fail smtp.mailfrom=client-one-hr.example.net;
	dkim=fail header.d=client-one-hr.example.net;
	dmarc=fail header.from=client-one-hr.example.net
From: "Client One HR" <hr-payroll@client-one-hr.example.net>
To: notify@helpdesk.example.com
Subject: Updated pay scales 2027 - please review before Friday
Date: Thu, 26 Nov 2026 07:41:30 +0100
Message-ID: <payscales-2027.5521@client-one-hr.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_docm_5521"

--=_docm_5521
Content-Type: text/plain; charset=UTF-8

Hi,

please find the updated pay scales for 2027 attached. The document is
protected: click "Enable Content" to view it.

HR Payroll

--=_docm_5521
Content-Type: application/vnd.ms-word.document.macroEnabled.12; name="Pay_Scales_2027.docm"
Content-Disposition: attachment; filename="Pay_Scales_2027.docm"
Content-Transfer-Encoding: base64

{{docm}}
--=_docm_5521--
""",
    values={"docm": b64(docm())},
)
