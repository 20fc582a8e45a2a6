"""Demo mail: who may write to a case, lists, newsletters, and one mail delivered twice.

Each ``mail(...)`` call registers one file of ``examples/mail/`` (see make_mail.py)."""

from __future__ import annotations

from mailkit import mail

# ---- a reply from someone who is not on the case ---------------------------------------
# Bob Tanaka is the client of case #5; this answers case #3's email (Alice's case): not
# trusted with case #3, pre-linked, until an operator adds him as a participant (`p`).

mail(
    "43-case-reply-from-another-cases-client.eml",
    """\
Return-Path: <bob@client-two.example.org>
Received: from smtp.client-two.example.org (smtp.client-two.example.org [198.51.100.17])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1zA7kLm2z4
	for <updates+demo101@helpdesk.example.com>; Wed, 25 Nov 2026 09:12:40 +0000 (UTC)
From: "Bob Tanaka" <bob@client-two.example.org>
To: "Helpdesk Example" <updates+demo101@helpdesk.example.com>
Subject: Re: [Case #3] Printer offline on 2nd floor
Date: Wed, 25 Nov 2026 10:12:33 +0100
Message-ID: <CAB2x9k3Rn2wQx7Lm1Pq8Zt5Yv3Bc9Df@mail.client-two.example.org>
In-Reply-To: <case-update-101.20261123T101830@helpdesk.example.com>
References: <case-update-101.20261123T101830@helpdesk.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Hi, Alice forwarded me this - we share that printer with client one
on the 2nd floor. It is offline for us too since this morning.

Bob
""",
)

# ---- an out-of-office answer to a case-update email: linked to case #3 -----------------

mail(
    "44-autoreply-out-of-office-to-case-update.eml",
    """\
Return-Path: <alice@client-one.example.com>
Received: from mail.client-one.example.com (mail.client-one.example.com [192.0.2.25])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1zC2rTx8z1
	for <updates+demo102@helpdesk.example.com>; Tue, 24 Nov 2026 14:05:20 +0000 (UTC)
From: Alice Martin <alice@client-one.example.com>
To: Helpdesk Example <updates+demo102@helpdesk.example.com>
Subject: Automatic reply: [Case #3] Printer offline on 2nd floor
Date: Tue, 24 Nov 2026 15:05:19 +0100
Message-ID: <ooo-7d2e91@client-one.example.com>
In-Reply-To: <case-update-102.20261124T140512@helpdesk.example.com>
References: <case-update-102.20261124T140512@helpdesk.example.com>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

I am out of the office until 26 November with limited access to email.
For urgent matters please call the front desk.
""",
)

# ---- a person's post through a mailing list: not auto-generated ------------------------

mail(
    "45-list-post-from-a-person.eml",
    """\
Return-Path: <it-users-bounces@lists.client-three.example.net>
Received: from lists.client-three.example.net (lists.client-three.example.net [203.0.113.40])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1zF9aQw3z6
	for <helpdesk@helpdesk.example.com>; Wed, 25 Nov 2026 11:40:02 +0000 (UTC)
From: Heidi Karlsson <heidi.k@client-three.example.net>
To: it-users@lists.client-three.example.net
Cc: helpdesk@helpdesk.example.com
Subject: [it-users] Wi-Fi in meeting room B drops every few minutes
Date: Wed, 25 Nov 2026 12:39:55 +0100
Message-ID: <5e1f0c2a-list-post@client-three.example.net>
List-Id: IT users at client three <it-users.lists.client-three.example.net>
List-Post: <mailto:it-users@lists.client-three.example.net>
List-Unsubscribe: <mailto:it-users-leave@lists.client-three.example.net>
Precedence: list
Sender: it-users-bounces@lists.client-three.example.net
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Hi all (helpdesk in Cc),

the Wi-Fi in meeting room B drops every few minutes since Monday.
Does anyone else see this?

Heidi
""",
)

# ---- a newsletter someone signed up for: marketing, not spam ---------------------------

mail(
    "46-marketing-newsletter-signed-up-dkim-pass.eml",
    """\
Return-Path: <bounce-7731@news.vendor.example.com>
Received: from out.news.vendor.example.com (out.news.vendor.example.com [198.51.100.90])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1zH4bVy5z2
	for <helpdesk@helpdesk.example.com>; Thu, 26 Nov 2026 07:00:11 +0000 (UTC)
Authentication-Results: mx.helpdesk.example.com; dkim=pass header.d=news.vendor.example.com
 header.s=s2026; spf=pass smtp.mailfrom=bounce-7731@news.vendor.example.com
From: Vendor Deals <deals@news.vendor.example.com>
To: helpdesk@helpdesk.example.com
Subject: LAST CHANCE: 80% OFF toner - FREE shipping!!!
Date: Thu, 26 Nov 2026 07:00:00 +0000
Message-ID: <nl-20261126-7731@news.vendor.example.com>
List-Unsubscribe: <https://news.vendor.example.com/unsub?u=7731>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: 7bit

<html><body><font color=red size=7>ACT NOW!!! 80% OFF</font>
<a href="http://news.vendor.example.com/c/toner">CLICK HERE</a> to claim your FREE gift. Limited time
offer, buy now, cheap prices, guaranteed winner! Cash prize $$$
<img src="http://news.vendor.example.com/a.png"><img src="http://news.vendor.example.com/b.png">
</body></html>
""",
)

# ---- one mail, two of our addresses: one queue item, one notice ------------------------

_TWICE = """\
Return-Path: <carol@client-three.example.net>
Delivered-To: {to}
Received: from mail.client-three.example.net (mail.client-three.example.net [203.0.113.12])
	by {mx}.helpdesk.example.com (Postfix) with ESMTPS id {qid}
	for <{to}>; Wed, 25 Nov 2026 13:20:05 +0000 (UTC)
From: Carol Nguyen <carol@client-three.example.net>
To: helpdesk@helpdesk.example.com, sales@helpdesk.example.com
Subject: Three more laptops for the new team
Date: Wed, 25 Nov 2026 14:20:01 +0100
Message-ID: <b7c1e3d9-twice@client-three.example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Hello,

we need three more laptops (same model as last time) for the team that
starts in January. Who can send us a quote?

Carol
"""

mail("47-duplicate-same-mail-to-helpdesk.eml", _TWICE.format(to="helpdesk@helpdesk.example.com",
                                                    mx="mx1", qid="4Q1zK1dRt7z3"))
mail("48-duplicate-same-mail-to-sales.eml", _TWICE.format(to="sales@helpdesk.example.com",
                                                 mx="mx2", qid="4Q1zK1eWq2z8"))
