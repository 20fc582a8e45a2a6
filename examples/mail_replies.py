"""Demo mail: replies to our case-update emails, and bounces.

Each ``mail(...)`` call registers one file of ``examples/mail/`` (see make_mail.py)."""

from __future__ import annotations

from mailkit import (
    _quota,
    b64,
    mail,
    png,
)

# ---- replies to case-update emails ---------------------------------------------------
# Demo cases: #3 "Printer offline on 2nd floor" (client alice@client-one.example.com,
# updates 101 and 102), #5 "Shared drive quota exceeded" (client bob@client-two.example.org,
# update 103). The updates+demoNNN tokens are placeholders and will not verify: routing
# falls back to In-Reply-To/References and the [Case #N] subject tag.

mail(
    "10-case-reply-related.eml",
    """\
Return-Path: <alice@client-one.example.com>
Received: from mail.client-one.example.com (mail.client-one.example.com [192.0.2.25])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xQw2s7Hz1
	for <updates+demo102@helpdesk.example.com>; Tue, 24 Nov 2026 16:05:44 +0000 (UTC)
From: Alice Martin <alice@client-one.example.com>
To: Helpdesk Example <updates+demo102@helpdesk.example.com>
Subject: Re: [Case #3] Printer offline on 2nd floor
Date: Tue, 24 Nov 2026 17:05:38 +0100
Message-ID: <8c3d1e55-2f7a-4b9e-a0c6-71d4e2b9f310@client-one.example.com>
In-Reply-To: <case-update-102.20261124T140512@helpdesk.example.com>
References: <case-update-101.20261123T101830@helpdesk.example.com>
 <case-update-102.20261124T140512@helpdesk.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit
User-Agent: Mozilla/5.0 Thunderbird/128.4.0

Hi,

the new network cable did it - the printer is back online and the
test page printed fine. Thank you!

One small thing: it still shows up twice in the printer list on my
laptop. Not urgent.

Alice

On 24/11/2026 15:05, Helpdesk Example wrote:
> Hello Alice,
>
> we replaced the network cable of PRN-2F-01 and the switch port
> now shows a link. Could you try printing again?
>
> -- Helpdesk Example
""",
)

mail(
    "11-case-reply-with-attachment.eml",
    """\
Return-Path: <bob@client-two.example.org>
Received: from smtp.client-two.example.org (smtp.client-two.example.org [198.51.100.17])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xVr8mTjz2
	for <updates+demo103@helpdesk.example.com>; Tue, 24 Nov 2026 17:22:10 +0000 (UTC)
From: "Bob Tanaka" <bob@client-two.example.org>
To: "Helpdesk Example" <updates+demo103@helpdesk.example.com>
Subject: Re: [Case #5] Shared drive quota exceeded
Date: Tue, 24 Nov 2026 18:22:03 +0100
Message-ID: <CAB2x9k3RmT8uLw0Qe5Zp2Vn7Kd1Xy4Ha6Jb@mail.client-two.example.org>
In-Reply-To: <case-update-103.20261124T161200@helpdesk.example.com>
References: <case-update-103.20261124T161200@helpdesk.example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="----=_Part_2207_5"

------=_Part_2207_5
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Hi,

I deleted the old scans as you suggested but the warning is still
there, see the screenshot (97 % used). Can you raise the quota for
the Projects share until the archive move is done?

Bob

> [Case #5] Shared drive quota exceeded
> Please remove files you no longer need from \\\\files\\projects\\scans
> and tell us when done.

------=_Part_2207_5
Content-Type: image/png; name="quota-warning.png"
Content-Disposition: attachment; filename="quota-warning.png"
Content-Transfer-Encoding: base64

{{png}}
------=_Part_2207_5--
""",
    values={"png": b64(png(32, 20, _quota))},
)

mail(
    "12-case-reply-unknown-sender-forwarded.eml",
    """\
Return-Path: <kim.lee@client-one.example.com>
Received: from mail.client-one.example.com (mail.client-one.example.com [192.0.2.25])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xZk0cWnz5
	for <updates+demo101@helpdesk.example.com>; Tue, 24 Nov 2026 11:48:29 +0000 (UTC)
From: Kim Lee <kim.lee@client-one.example.com>
To: Helpdesk Example <updates+demo101@helpdesk.example.com>
Cc: Alice Martin <alice@client-one.example.com>
Subject: Re: Fwd: [Case #3] Printer offline on 2nd floor
Date: Tue, 24 Nov 2026 12:48:21 +0100
Message-ID: <f2b9a7c4-5d13-4e60-b8a2-9c0e1d7f6a52@client-one.example.com>
In-Reply-To: <e41a9d03-6c2b-47f8-9e15-0a3b8c7d2f11@client-one.example.com>
References: <case-update-101.20261123T101830@helpdesk.example.com>
 <e41a9d03-6c2b-47f8-9e15-0a3b8c7d2f11@client-one.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Hello,

I look after the 2nd floor while Alice is in meetings today. The
printer's display now shows "IP address conflict". Its IP is
192.0.2.150 according to the config page.

Kim Lee

On 24/11/2026 12:30, Alice Martin wrote:
> Kim, can you answer them? I'm in meetings all day.
>
> -------- Forwarded Message --------
> Subject: [Case #3] Printer offline on 2nd floor
> Date: Mon, 23 Nov 2026 10:18:30 +0000
> From: Helpdesk Example <notify@helpdesk.example.com>
> Reply-To: updates+demo101@helpdesk.example.com
>
> Hello Alice, could you tell us what the printer's display shows?
""",
)

mail(
    "13-case-reply-unrelated-subject.eml",
    """\
Return-Path: <alice@client-one.example.com>
Received: from mail.client-one.example.com (mail.client-one.example.com [192.0.2.25])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1y3sB9xGz3
	for <updates+demo102@helpdesk.example.com>; Wed, 25 Nov 2026 08:31:18 +0000 (UTC)
From: Alice Martin <alice@client-one.example.com>
To: Helpdesk Example <updates+demo102@helpdesk.example.com>
Subject: Second monitor for our new intern
Date: Wed, 25 Nov 2026 09:31:12 +0100
Message-ID: <0d6e2b71-9a4f-4c38-b5e1-6f2a8d3c9e47@client-one.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit
User-Agent: Mozilla/5.0 Thunderbird/128.4.0

Hello,

a different topic (my address book picked this address): our intern
Leo starts on Monday and needs a second monitor and a docking station
at desk 2.14. Can you order them?

Alice
""",
)

mail(
    "14-case-reply-subject-tag-only.eml",
    """\
Return-Path: <bob@client-two.example.org>
Received: from smtp.client-two.example.org (smtp.client-two.example.org [198.51.100.17])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yE1pN6Xz9
	for <notify@helpdesk.example.com>; Wed, 25 Nov 2026 10:02:57 +0000 (UTC)
From: "Bob Tanaka" <bob@client-two.example.org>
To: notify@helpdesk.example.com
Subject: [Case #5] Shared drive quota exceeded - still happening today
Date: Wed, 25 Nov 2026 11:02:50 +0100
Message-ID: <CAB2x9k7Wq1eNz4Rt8Yp0Lm3Jc6Vd2Hs5Ka@mail.client-two.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Hi, writing a new mail because I can't find your last one.

The Projects share is full again this morning and nobody can save.
Please raise the quota as discussed.

Bob
""",
)

mail(
    "15-case-reply-subject-tag-wrong-client.eml",
    """\
Return-Path: <carol@client-three.example.net>
Received: from out.client-three.example.net (out.client-three.example.net [203.0.113.40])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yH7sKw2z1
	for <notify@helpdesk.example.com>; Wed, 25 Nov 2026 11:15:33 +0000 (UTC)
From: Carol Nguyen <carol@client-three.example.net>
To: notify@helpdesk.example.com
Subject: Re: [Case #3] Printer offline
Date: Wed, 25 Nov 2026 12:15:27 +0100
Message-ID: <20261125111527.GB52210@client-three.example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hi,

our printer is offline too (different company, same symptom), so I
guessed the subject from a colleague's mail. Printer: C3-PRN-01.

Carol
""",
)

# ---- bounces ---------------------------------------------------------------------------

mail(
    "16-bounce-rfc3464-dsn.eml",
    """\
Return-Path: <>
Received: from mx1.client-three.example.net (mx1.client-three.example.net [203.0.113.41])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xKf3p9Rz6
	for <notify@helpdesk.example.com>; Mon, 23 Nov 2026 15:30:02 +0000 (UTC)
From: Mail Delivery Subsystem <MAILER-DAEMON@mx1.client-three.example.net>
To: <notify@helpdesk.example.com>
Subject: Delivery Status Notification (Failure)
Date: Mon, 23 Nov 2026 15:30:01 +0000
Message-ID: <dsn.20261123153001.7731@mx1.client-three.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="7731.1764-dsn/mx1.client-three.example.net"

This is a MIME-encapsulated message.

--7731.1764-dsn/mx1.client-three.example.net
Content-Type: text/plain; charset=us-ascii

The original message was received at Mon, 23 Nov 2026 15:29:58 +0000
from mx.helpdesk.example.com [192.0.2.10]

   ----- The following addresses had permanent fatal errors -----
<pat.rivera@client-three.example.net>
    (reason: 550 5.1.1 User unknown)

--7731.1764-dsn/mx1.client-three.example.net
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.client-three.example.net
Received-From-MTA: dns; mx.helpdesk.example.com
Arrival-Date: Mon, 23 Nov 2026 15:29:58 +0000

Final-Recipient: rfc822; pat.rivera@client-three.example.net
Action: failed
Status: 5.1.1
Remote-MTA: dns; store.client-three.example.net
Diagnostic-Code: smtp; 550 5.1.1 <pat.rivera@client-three.example.net>... User unknown
Last-Attempt-Date: Mon, 23 Nov 2026 15:30:01 +0000

--7731.1764-dsn/mx1.client-three.example.net
Content-Type: text/rfc822-headers

From: Helpdesk Example <notify@helpdesk.example.com>
Reply-To: Helpdesk Example <updates+demo104@helpdesk.example.com>
To: Pat Rivera <pat.rivera@client-three.example.net>
Subject: [Case #8] Email signature template
Date: Mon, 23 Nov 2026 15:29:57 +0000
Message-ID: <case-update-104.20261123T152957@helpdesk.example.com>
X-Inboxwatch-Case: 8

--7731.1764-dsn/mx1.client-three.example.net--
""",
)

mail(
    "17-bounce-postfix.eml",
    """\
Return-Path: <>
Received: by mail.client-two.example.org (Postfix)
	id 5B2C41A0F3; Tue, 24 Nov 2026 09:12:44 +0100 (CET)
Date: Tue, 24 Nov 2026 09:12:44 +0100 (CET)
From: MAILER-DAEMON@mail.client-two.example.org (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: notify@helpdesk.example.com
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="5B2C41A0F3.1764058364/mail.client-two.example.org"
Content-Transfer-Encoding: 8bit
Message-Id: <20261124081244.5B2C41A0F3@mail.client-two.example.org>

This is a MIME-encapsulated message.

--5B2C41A0F3.1764058364/mail.client-two.example.org
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host mail.client-two.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<frnak.osei@client-two.example.org>: host
    store.client-two.example.org[198.51.100.20] said: 550 5.1.1
    <frnak.osei@client-two.example.org>: Recipient address rejected: User
    unknown in virtual mailbox table (in reply to RCPT TO command)

--5B2C41A0F3.1764058364/mail.client-two.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.client-two.example.org
X-Postfix-Queue-ID: 5B2C41A0F3
X-Postfix-Sender: rfc822; notify@helpdesk.example.com
Arrival-Date: Tue, 24 Nov 2026 09:12:43 +0100 (CET)

Final-Recipient: rfc822; frnak.osei@client-two.example.org
Original-Recipient: rfc822;frnak.osei@client-two.example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; store.client-two.example.org
Diagnostic-Code: smtp; 550 5.1.1 <frnak.osei@client-two.example.org>: Recipient
    address rejected: User unknown in virtual mailbox table

--5B2C41A0F3.1764058364/mail.client-two.example.org
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

Return-Path: <notify@helpdesk.example.com>
From: Helpdesk Example <notify@helpdesk.example.com>
Reply-To: Helpdesk Example <updates+demo105@helpdesk.example.com>
To: Frank Osei <frnak.osei@client-two.example.org>
Subject: [Case #9] VPN certificate renewal
Date: Tue, 24 Nov 2026 08:12:40 +0000
Message-ID: <case-update-105.20261124T081240@helpdesk.example.com>

--5B2C41A0F3.1764058364/mail.client-two.example.org--
""",
)

mail(
    "18-bounce-exchange-ndr.eml",
    """\
Received: from DB9PR04MB8123.eurprd04.prod.client-four.example.org (2001:db8:4::23)
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yPv6JtMz2
	for <notify@helpdesk.example.com>; Tue, 24 Nov 2026 16:44:19 +0000 (UTC)
From: Microsoft Outlook <postmaster@client-four.example.org>
To: <notify@helpdesk.example.com>
Date: Tue, 24 Nov 2026 16:44:18 +0000
Subject: Undeliverable: [Case #11] Monitor arm installation
Message-ID: <9f3c6a1e-2b7d-4e08-a5c4-d1e0b2f7c836@client-four.example.org>
In-Reply-To: <case-update-106.20261124T164410@helpdesk.example.com>
References: <case-update-106.20261124T164410@helpdesk.example.com>
Thread-Topic: [Case #11] Monitor arm installation
X-MS-Exchange-Message-Is-Ndr:
X-MS-Exchange-Organization-SCL: -1
X-Failed-Recipients: olga.n@client-four.example.org
Content-Language: en-GB
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="_000_9f3c6a1e2b7d4e08a5c4d1e0b2f7c836_"

--_000_9f3c6a1e2b7d4e08a5c4d1e0b2f7c836_
Content-Type: multipart/alternative;
	boundary="_001_9f3c6a1e2b7d4e08a5c4d1e0b2f7c836_"

--_001_9f3c6a1e2b7d4e08a5c4d1e0b2f7c836_
Content-Type: text/plain; charset="us-ascii"

Your message to olga.n@client-four.example.org couldn't be delivered.

olga.n wasn't found at client-four.example.org.

notify    Office 365    olga.n
Action Required            Recipient

Unknown To address

How to Fix It
The address may be misspelled or may not exist. Try one or more of the
following:
- Retype the recipient's address, then resend the message.
- If the recipient has left the organisation, contact their colleagues.

Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound;
Recipient not found by SMTP address lookup'

--_001_9f3c6a1e2b7d4e08a5c4d1e0b2f7c836_
Content-Type: text/html; charset="us-ascii"

<html><body>
<p style="font-size:17pt;color:#C00000">Your message to
<a href="mailto:olga.n@client-four.example.org">olga.n@client-four.example.org</a>
couldn't be delivered.</p>
<p><b>olga.n</b> wasn't found at <b>client-four.example.org</b>.</p>
<p>Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound;
Recipient not found by SMTP address lookup'</p>
</body></html>

--_001_9f3c6a1e2b7d4e08a5c4d1e0b2f7c836_--

--_000_9f3c6a1e2b7d4e08a5c4d1e0b2f7c836_
Content-Type: text/rfc822-headers

From: Helpdesk Example <notify@helpdesk.example.com>
Reply-To: Helpdesk Example <updates+demo106@helpdesk.example.com>
To: Olga Novak <olga.n@client-four.example.org>
Subject: [Case #11] Monitor arm installation
Date: Tue, 24 Nov 2026 16:44:10 +0000
Message-ID: <case-update-106.20261124T164410@helpdesk.example.com>

--_000_9f3c6a1e2b7d4e08a5c4d1e0b2f7c836_--
""",
)
