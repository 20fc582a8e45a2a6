"""Demo mail: clients asking the help desk directly.

Each ``mail(...)`` call registers one file of ``examples/mail/`` (see make_mail.py)."""

from __future__ import annotations

from mailkit import (
    CSV_ACCOUNTS,
    CSV_MFA,
    PDF_INVOICE,
    PDF_STARTER,
    _dialog,
    _floorplan,
    b64,
    mail,
    png,
    qp,
)

# ---- direct questions from clients -------------------------------------------------

mail(
    "01-client-direct-question.eml",
    """\
Return-Path: <alice@client-one.example.com>
Delivered-To: notify@helpdesk.example.com
Received: from mail.client-one.example.com (mail.client-one.example.com [192.0.2.25])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1x2Y3z4Kz9
	for <notify@helpdesk.example.com>; Mon, 23 Nov 2026 09:14:07 +0000 (UTC)
Authentication-Results: mx.helpdesk.example.com;
	spf=pass smtp.mailfrom=client-one.example.com;
	dkim=pass header.d=client-one.example.com;
	dmarc=pass header.from=client-one.example.com
X-Spam-Flag: NO
X-Spam-Status: No, score=-0.2 required=5.0 tests=DKIM_SIGNED,DKIM_VALID,SPF_PASS
	autolearn=ham version=4.0.1
From: Alice Martin <alice@client-one.example.com>
To: notify@helpdesk.example.com
Subject: VPN disconnects every 20 minutes since Monday
Date: Mon, 23 Nov 2026 10:14:02 +0100
Message-ID: <5f1c0a9e-7d2b-4c3e-9a41-0b8e6d1c2a01@client-one.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit
User-Agent: Mozilla/5.0 Thunderbird/128.4.0

Hello,

since Monday morning my VPN connection drops roughly every 20 minutes.
The client shows "Tunnel closed by peer" and reconnects after a minute
or two. It happens at home and in the office guest Wi-Fi.

Laptop: CL1-LT-0231, Windows 11, VPN client 5.2.

Is this something on your side? I did not change anything.

Thanks,
Alice Martin
Client One - Accounts
""",
)

mail(
    "02-client-direct-question-pdf-attachment.eml",
    """\
Return-Path: <bob@client-two.example.org>
Received: from smtp.client-two.example.org (smtp.client-two.example.org [198.51.100.17])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xB7kq2Lz3
	for <notify@helpdesk.example.com>; Mon, 23 Nov 2026 13:41:55 +0000 (UTC)
Authentication-Results: mx.helpdesk.example.com;
	spf=pass smtp.mailfrom=client-two.example.org;
	dkim=pass header.d=client-two.example.org;
	dmarc=pass header.from=client-two.example.org
From: "Bob Tanaka" <bob@client-two.example.org>
To: "Helpdesk Example" <notify@helpdesk.example.com>
Subject: Question about invoice HD-2026-1187 (licence count)
Date: Mon, 23 Nov 2026 14:41:49 +0100
Message-ID: <CAB2x9k1QzLwV7Jp3m0eT5nR8sY4uD6fG1hA@mail.client-two.example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="----=_Part_2201_1187"

------=_Part_2201_1187
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Hi,

the attached invoice lists 48 managed workstation licences, but we
retired six machines in October (you collected them on 14 Oct).
Could you check the count and send a corrected invoice?

Best regards,
Bob Tanaka
Office Manager, Client Two

------=_Part_2201_1187
Content-Type: application/pdf; name="invoice-HD-2026-1187.pdf"
Content-Disposition: attachment; filename="invoice-HD-2026-1187.pdf"
Content-Transfer-Encoding: base64

{{pdf}}
------=_Part_2201_1187--
""",
    values={"pdf": b64(PDF_INVOICE)},
)

mail(
    "03-client-direct-question-png-screenshot.eml",
    """\
Return-Path: <carol@client-three.example.net>
Received: from out.client-three.example.net (out.client-three.example.net [203.0.113.40])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1y0c3RfTz1
	for <notify@helpdesk.example.com>; Tue, 24 Nov 2026 08:03:12 +0000 (UTC)
From: Carol Nguyen <carol@client-three.example.net>
To: notify@helpdesk.example.com
Subject: Shared calendar says "Access denied"
Date: Tue, 24 Nov 2026 09:03:05 +0100
Message-ID: <20261124080305.GA41733@client-three.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_carol_7c41"

--=_carol_7c41
Content-Type: text/plain; charset=us-ascii

Good morning,

when I open the "Meeting rooms" shared calendar I get the error in the
screenshot. Yesterday it worked. Colleagues next to me can open it.

Carol

--=_carol_7c41
Content-Type: image/png; name="calendar-error.png"
Content-Disposition: attachment; filename="calendar-error.png"
Content-Transfer-Encoding: base64

{{png}}
--=_carol_7c41--
""",
    values={"png": b64(png(40, 24, _dialog))},
)

mail(
    "04-client-direct-question-three-attachments.eml",
    """\
Return-Path: <dave.okoro@client-one.example.com>
Received: from mail.client-one.example.com (mail.client-one.example.com [192.0.2.25])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1y7HbQwPz5
	for <notify@helpdesk.example.com>; Tue, 24 Nov 2026 10:27:40 +0000 (UTC)
From: Dave Okoro <dave.okoro@client-one.example.com>
To: notify@helpdesk.example.com
Cc: Alice Martin <alice@client-one.example.com>
Subject: New starter on 1 December: laptop, accounts and badge
Date: Tue, 24 Nov 2026 11:27:33 +0100
Message-ID: <a7e2f3c1-0b44-4f0e-8d6e-3c9f2b7a1e04@client-one.example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="------------0h7B3XJ2sTq9nK1yVw4cRdLm"
User-Agent: Mozilla/5.0 Thunderbird/128.4.0

This is a multi-part message in MIME format.
--------------0h7B3XJ2sTq9nK1yVw4cRdLm
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Hello helpdesk,

Mette Jensen joins our accounts team on Tuesday 1 December.
Attached:

  - the signed new starter form (PDF)
  - where her desk is (the green one, 2nd floor)
  - the list of accounts she needs

Could the laptop be ready on Monday 30 November so she can start
straight away?

Thanks,
Dave

--------------0h7B3XJ2sTq9nK1yVw4cRdLm
Content-Type: application/pdf; name="new-starter-form-jensen.pdf"
Content-Disposition: attachment; filename="new-starter-form-jensen.pdf"
Content-Transfer-Encoding: base64

{{pdf}}
--------------0h7B3XJ2sTq9nK1yVw4cRdLm
Content-Type: image/png; name="desk-location.png"
Content-Disposition: attachment; filename="desk-location.png"
Content-Transfer-Encoding: base64

{{png}}
--------------0h7B3XJ2sTq9nK1yVw4cRdLm
Content-Type: text/csv; charset=UTF-8; name="accounts-needed.csv"
Content-Disposition: attachment; filename="accounts-needed.csv"
Content-Transfer-Encoding: base64

{{csv}}

--------------0h7B3XJ2sTq9nK1yVw4cRdLm--
""",
    values={
        "pdf": b64(PDF_STARTER),
        "png": b64(png(33, 25, _floorplan)),
        "csv": b64(CSV_ACCOUNTS),
    },
)

mail(
    "05-client-direct-question-csv-attachment.eml",
    """\
Return-Path: <erin.walsh@client-four.example.org>
Received: from mx2.client-four.example.org (mx2.client-four.example.org [198.51.100.88])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yLm0Vb8z2
	for <notify@helpdesk.example.com>; Tue, 24 Nov 2026 15:09:21 +0000 (UTC)
From: Erin Walsh <erin.walsh@client-four.example.org>
To: notify@helpdesk.example.com
Subject: Users who still have not enrolled in MFA
Date: Tue, 24 Nov 2026 15:09:14 +0000
Message-ID: <DB9PR04MB81230A5E7C2F4B1D9E6A3C8F0B7D2E1A@DB9PR04MB8123.eurprd04.prod.client-four.example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="_004_DB9PR04MB81230A5E_"
Content-Language: en-GB

--_004_DB9PR04MB81230A5E_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Hi team,

our auditor wants MFA on every account by 1 December. The attached export=
 lists the four accounts that still have not enrolled. The shared recepti=
on account is the tricky one - can you advise how to handle shared logins=
?

Kind regards
Erin Walsh
IT contact, Client Four

--_004_DB9PR04MB81230A5E_
Content-Type: text/csv; name="mfa-not-enrolled.csv"
Content-Disposition: attachment; filename="mfa-not-enrolled.csv"; size=283
Content-Transfer-Encoding: base64

{{csv}}

--_004_DB9PR04MB81230A5E_--
""",
    values={"csv": b64(CSV_MFA)},
)

mail(
    "06-client-direct-question-text-and-html.eml",
    """\
Return-Path: <frank.osei@client-two.example.org>
Received: from smtp.client-two.example.org (smtp.client-two.example.org [198.51.100.17])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yTq5KcVz7
	for <notify@helpdesk.example.com>; Wed, 25 Nov 2026 07:46:30 +0000 (UTC)
From: Frank Osei <frank.osei@client-two.example.org>
To: notify@helpdesk.example.com
Subject: Password reset link says it has expired
Date: Wed, 25 Nov 2026 08:46:24 +0100
Message-ID: <CAFk3u2N8pLq0xRr7Yt1bWm5Dz9EhVa4Gc6Js@mail.client-two.example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="000000000000f3a1b2c4d5e6"

--000000000000f3a1b2c4d5e6
Content-Type: text/plain; charset="UTF-8"

Hello,

I requested a password reset three times this morning. Every time the
link in the email says "This link has expired" as soon as I click it,
within a minute of receiving it.

Could you reset it for me? I can be reached on extension 214.

Frank

--000000000000f3a1b2c4d5e6
Content-Type: text/html; charset="UTF-8"

<div dir="ltr"><p>Hello,</p><p>I requested a password reset three times this
morning. Every time the link in the email says <b>&quot;This link has
expired&quot;</b> as soon as I click it, within a minute of receiving it.</p>
<p>Could you reset it for me? I can be reached on extension 214.</p>
<p>Frank</p></div>

--000000000000f3a1b2c4d5e6--
""",
)

mail(
    "07-client-direct-question-cc-general-address.eml",
    """\
Return-Path: <grace.olsen@client-four.example.org>
Received: from mx2.client-four.example.org (mx2.client-four.example.org [198.51.100.88])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yc2WmRfz4
	for <notify@helpdesk.example.com>; Wed, 25 Nov 2026 09:58:02 +0000 (UTC)
From: "Olsen, Grace" <grace.olsen@client-four.example.org>
To: "notify@helpdesk.example.com" <notify@helpdesk.example.com>
Cc: "Helpdesk" <helpdesk@helpdesk.example.com>,
 "Nadia Brooks" <nadia.brooks@client-four.example.org>
Subject: Can someone call me about the boardroom projector booking?
Date: Wed, 25 Nov 2026 09:57:55 +0000
Message-ID: <DB9PR04MB8123B7C1D2E3F4A5B6C7D8E9F0A1B2C3@DB9PR04MB8123.eurprd04.prod.client-four.example.org>
Thread-Topic: Can someone call me about the boardroom projector booking?
Content-Language: en-GB
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

Hi,

we have the board meeting on Monday at 9:00 and the boardroom
projector booking in the portal shows "pending" since last week.
Could someone call me on +44 20 7946 0321 before 12:00 today?

Thanks
Grace Olsen
Executive Assistant
""",
)

mail(
    "08-client-direct-question-quoted-printable.eml",
    """\
Return-Path: <heidi.k@client-three.example.net>
Received: from out.client-three.example.net (out.client-three.example.net [203.0.113.40])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1ymNw0hSz6
	for <notify@helpdesk.example.com>; Wed, 25 Nov 2026 12:20:47 +0000 (UTC)
From: Heidi Karlsson <heidi.k@client-three.example.net>
To: notify@helpdesk.example.com
Subject: Request: shared mailbox for the accounting team
Date: Wed, 25 Nov 2026 13:20:41 +0100
Message-ID: <b0a4c8d2e6f1-3e9a-4c7b-8f5d-2a1e0c9b7d63@client-three.example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

{{body}}
""",
    values={
        "body": qp(
            "Hello helpdesk,\n\n"
            "we would like a shared mailbox accounting@client-three.example.net for the "
            "accounting team (Heidi Karlsson, Omar Haddad and Lucía Fernández – all three "
            "need full access and send-as rights), ideally before the year-end closing "
            "starts on 7 December.\n\n"
            "Please also add it to the “Finance” address list.\n\n"
            "Thank you!\nHeidi\n"
        )
    },
)

mail(
    "09-client-direct-question-personal-address.eml",
    """\
Return-Path: <ivan.petrov.home@mail.example.net>
Received: from web.mail.example.net (web.mail.example.net [203.0.113.9])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yw8P1dFz8
	for <notify@helpdesk.example.com>; Wed, 25 Nov 2026 19:32:16 +0000 (UTC)
Authentication-Results: mx.helpdesk.example.com;
	spf=pass smtp.mailfrom=mail.example.net;
	dkim=pass header.d=mail.example.net;
	dmarc=pass header.from=mail.example.net
From: Ivan Petrov <ivan.petrov.home@mail.example.net>
To: notify@helpdesk.example.com
Subject: Locked out of my work account (writing from my personal address)
Date: Wed, 25 Nov 2026 22:32:09 +0300
Message-ID: <1764099129.482113.ivan@web.mail.example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
X-Mailer: Example Webmail 3.1

Hello,

this is Ivan Petrov from Client Two (ivan.petrov@client-two.example.org).
I typed my password wrong too many times on my phone and now my work
account is locked, so I am writing from my personal address.

Could you unlock it? I need it for a customer call at 08:00 tomorrow.

Ivan
""",
)
