"""Demo mail: spam, non-ASCII, HTML only, malformed, mbox, forwarded, hostile.

Each ``mail(...)`` call registers one file of ``examples/mail/`` (see make_mail.py)."""

from __future__ import annotations

from mailkit import (
    HOSTILE_NOTE,
    PDF_LICENCE,
    PDF_OUTAGES,
    PDF_STARTER,
    b64,
    ew,
    exe_stub,
    mail,
    qp,
    rfc2231,
)

# ---- spam ----------------------------------------------------------------------------------

mail(
    "31-spam-upstream-flagged.eml",
    """\
Return-Path: <winner@lottery-claims.example.org>
Received: from mail.lottery-claims.example.org (unknown [198.51.100.66])
	by mx.helpdesk.example.com (Postfix) with ESMTP id 4Q1yX2qVnGz1
	for <notify@helpdesk.example.com>; Sat, 21 Nov 2026 02:12:44 +0000 (UTC)
X-Spam-Flag: YES
X-Spam-Score: 9.1
X-Spam-Level: *********
X-Spam-Status: Yes, score=9.1 required=5.0 tests=ADVANCE_FEE_4_NEW,BAYES_99,
	FREEMAIL_REPLYTO,LOTS_OF_MONEY,MONEY_FRAUD_5,RDNS_NONE,URIBL_BLACK
	autolearn=spam autolearn_force=no version=4.0.1
From: "International Lottery Board" <winner@lottery-claims.example.org>
Reply-To: claims.agent@mail.example.net
To: undisclosed-recipients:;
Subject: ***SPAM*** CONGRATULATIONS!!! You have won EUR 1,500,000.00
Date: Sat, 21 Nov 2026 03:12:40 +0100
Message-ID: <77120.lotto.claim@lottery-claims.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Dear Winner,

your email address was selected in our annual draw and has won
EUR 1,500,000.00. To release the funds send your full name, address,
phone number and a processing fee of EUR 250 to our claims agent.

Reply to: claims.agent@mail.example.net

International Lottery Board
""",
)

# ---- non-ASCII -----------------------------------------------------------------------------

mail(
    "32-intl-german-iso-8859-1-body.eml",
    """\
Return-Path: <j.mueller@kunde-de.example.org>
Received: from mx.kunde-de.example.org (mx.kunde-de.example.org [198.51.100.140])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xc9LqPhz2
	for <notify@helpdesk.example.com>; Fri, 20 Nov 2026 08:05:31 +0000 (UTC)
From: {{name}} <j.mueller@kunde-de.example.org>
To: notify@helpdesk.example.com
Subject: {{subject}}
Date: Fri, 20 Nov 2026 09:05:27 +0100
Message-ID: <4f2a.1763625927.drucker@kunde-de.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: 8bit

Sehr geehrte Damen und Herren,

seit heute früh druckt der Drucker im 3. Stock (Raum 3.12) nur noch
weiße Seiten. Wir haben den Toner gewechselt und das Gerät neu
gestartet, leider ohne Erfolg.

Können Sie bitte jemanden vorbeischicken? Größe des Problems: ca.
25 Kolleginnen und Kollegen können nicht drucken.

Mit freundlichen Grüßen
Jürgen Müller
""",
    codec="iso-8859-1",
    values={
        "name": ew("Jürgen Müller", "ISO-8859-1", q=True),
        "subject": ew("Drucker im Büro druckt nur weiße Seiten", "ISO-8859-1", q=True),
    },
)

mail(
    "33-intl-japanese-shift-jis-body.eml",
    """\
Return-Path: <t.yamada@client-jp.example.com>
Received: from smtp.client-jp.example.com (smtp.client-jp.example.com [192.0.2.88])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xg3MvRkz6
	for <notify@helpdesk.example.com>; Fri, 20 Nov 2026 01:48:19 +0000 (UTC)
From: {{name}} <t.yamada@client-jp.example.com>
To: notify@helpdesk.example.com
Subject: {{subject}}
Date: Fri, 20 Nov 2026 10:48:12 +0900
Message-ID: <20261120104812.8831@client-jp.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=Shift_JIS
Content-Transfer-Encoding: 8bit
X-Mailer: Example Mail for Windows 2.0

ヘルプデスク御中

お世話になっております。株式会社サンプルの山田です。
会議室Ａのプロジェクターが昨日から映りません。
HDMIケーブルを交換しましたが、「信号なし」と表示されます。
本日中にご確認いただけますでしょうか。

よろしくお願いいたします。
山田 太郎
""",
    codec="shift_jis",
    values={
        "name": ew("山田 太郎", "ISO-2022-JP"),
        "subject": ew("会議室のプロジェクターが映りません", "ISO-2022-JP"),
    },
)

mail(
    "34-intl-greek-utf8-base64.eml",
    """\
Return-Path: <n.papadopoulos@client-gr.example.net>
Received: from mail.client-gr.example.net (mail.client-gr.example.net [203.0.113.120])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xj7NwSmz1
	for <notify@helpdesk.example.com>; Sat, 21 Nov 2026 09:26:50 +0000 (UTC)
From: {{name}} <n.papadopoulos@client-gr.example.net>
To: notify@helpdesk.example.com
Subject: {{subject}}
Date: Sat, 21 Nov 2026 11:26:44 +0200
Message-ID: <CAGr8k2Lp0xQw7Nz3Yv5Rt1Mb9Jd6Hs4Fa@mail.client-gr.example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: base64

{{body}}
""",
    values={
        "name": ew("Νίκος Παπαδόπουλος"),
        "subject": ew("Πρόβλημα με τη σύνδεση VPN από το σπίτι"),
        "body": b64(
            "Καλημέρα σας,\n\n"
            "από χθες το βράδυ δεν μπορώ να συνδεθώ στο VPN από το σπίτι. "
            "Εμφανίζεται το μήνυμα «Το πιστοποιητικό έληξε».\n\n"
            "Ευχαριστώ,\nΝίκος Παπαδόπουλος\n".replace("\n", "\r\n").encode("utf-8")
        ),
    },
)

mail(
    "35-intl-rfc2231-attachment-filename.eml",
    """\
Return-Path: <l.schroeder@kunde-de.example.org>
Received: from mx.kunde-de.example.org (mx.kunde-de.example.org [198.51.100.140])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1xmB0xTpz5
	for <notify@helpdesk.example.com>; Sun, 22 Nov 2026 18:10:22 +0000 (UTC)
From: {{name}} <l.schroeder@kunde-de.example.org>
To: notify@helpdesk.example.com
Subject: {{subject}}
Date: Sun, 22 Nov 2026 19:10:18 +0100
Message-ID: <8d1e3f5a-7b92-4c06-a4e8-2f6b0d9c1e75@kunde-de.example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="------------Vq2zB8xN4pT6rL0wYc3K"

--------------Vq2zB8xN4pT6rL0wYc3K
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Hallo,

anbei die Übersicht der Störungen im November für unser
Monatsgespräch am Montag.

Viele Grüße
Lena Schröder

--------------Vq2zB8xN4pT6rL0wYc3K
Content-Type: application/pdf;
 {{ctname}}
Content-Disposition: attachment;
 {{filename}}
Content-Transfer-Encoding: base64

{{pdf}}
--------------Vq2zB8xN4pT6rL0wYc3K--
""",
    codec="utf-8",
    values={
        "name": ew("Lena Schröder", q=True),
        "subject": ew("Übersicht der Störungen im November"),
        "ctname": rfc2231("name", "Übersicht der Störungen November 2026.pdf"),
        "filename": rfc2231("filename", "Übersicht der Störungen November 2026.pdf"),
        "pdf": b64(PDF_OUTAGES),
    },
)

mail(
    "36-intl-undeclared-8bit-charset.eml",
    """\
Return-Path: <rene.dubois@client-five.example.net>
Received: from smtp.client-five.example.net (smtp.client-five.example.net [203.0.113.30])
	by mx.helpdesk.example.com (Postfix) with ESMTP id 4Q1xpQ3yVrz8
	for <notify@helpdesk.example.com>; Sun, 22 Nov 2026 20:55:46 +0000 (UTC)
From: Rene Dubois <rene.dubois@client-five.example.net>
To: notify@helpdesk.example.com
Subject: Scanner du 2e etage en erreur
Date: Sun, 22 Nov 2026 21:55:40 +0100
Message-ID: <20261122205540.scanner.3390@client-five.example.net>
MIME-Version: 1.0
Content-Type: text/plain
Content-Transfer-Encoding: 8bit
X-Mailer: Old Mail Client 1.0 (charset not declared, body is windows-1252)

Bonjour,

le scanner du 2e étage affiche « erreur 0x1F » depuis ce matin. J’ai
déjà essayé de l’éteindre et de le rallumer – sans succès.

Merci d’avance,
René Dubois
""",
    codec="cp1252",
)

# ---- HTML only -----------------------------------------------------------------------------

mail(
    "37-html-only-client-message.eml",
    """\
Return-Path: <sam.okafor@client-three.example.net>
Received: from out.client-three.example.net (out.client-three.example.net [203.0.113.40])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yrK8aMbz3
	for <notify@helpdesk.example.com>; Thu, 26 Nov 2026 08:15:09 +0000 (UTC)
From: Sam Okafor <sam.okafor@client-three.example.net>
To: notify@helpdesk.example.com
Subject: Three laptops will not install the November updates
Date: Thu, 26 Nov 2026 09:15:02 +0100
Message-ID: <webmail.1764144902.2291@client-three.example.net>
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable
X-Mailer: Example Webmail 3.1

{{html}}
""",
    values={
        "html": qp(
            "<html><body>\n<p>Hello,</p>\n"
            "<p>these laptops fail to install the November updates with error "
            "<code>0x800f0922</code>:</p>\n"
            '<table border="1" cellpadding="4">\n'
            "<tr><th>Laptop</th><th>User</th><th>Last success</th></tr>\n"
            "<tr><td>C3-LT-0112</td><td>Sam Okafor</td><td>14 Oct</td></tr>\n"
            "<tr><td>C3-LT-0118</td><td>Heidi Karlsson</td><td>14 Oct</td></tr>\n"
            "<tr><td>C3-LT-0131</td><td>Omar Haddad</td><td>—</td></tr>\n"
            "</table>\n<p>Could you have a look remotely?</p>\n<p>Sam</p>\n</body></html>\n"
        )
    },
)

# ---- malformed -----------------------------------------------------------------------------

mail(
    "38-malformed-no-headers-binary-garbage.eml",
    "\x00\x01\xff\xfe\x89\x9c\x1b\x00garbage-first-line\x80\x81\n"
    "this file is not an email: no header block, just a fragment that\n"
    "was saved from a broken download.\n"
    "\x00\x00\x00\xde\xad\xbe\xef\n",
    codec="latin-1",
    eol="\n",
)

mail(
    "39-malformed-truncated-mime.eml",
    """\
Return-Path: <dave.okoro@client-one.example.com>
Received: from mail.client-one.example.com (mail.client-one.example.com [192.0.2.25])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1yvD1cJfz6
	for <notify@helpdesk.example.com>; Thu, 26 Nov 2026 09:02:51 +0000 (UTC)
From: Dave Okoro <dave.okoro@client-one.example.com>
To: notify@helpdesk.example.com
Subject: Scanned contract (upload cut off?)
Date: Thu, 26 Nov 2026 10:02:44 +0100
Message-ID: <c5a9e1f7-3b2d-4e86-9f40-7d1c8b6a2e93@client-one.example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="------------trunc8B3xQ1"

This is a multi-part message in MIME format.
--------------trunc8B3xQ1
Content-Type: text/plain; charset=UTF-8

Hi, the scanned contract is attached. My connection dropped while
sending, so please tell me if it arrived complete.

Dave

--------------trunc8B3xQ1
Content-Type: application/pdf; name="contract-scan.pdf"
Content-Disposition: attachment; filename="contract-scan.pdf"
Content-Transfer-Encoding: base64

{{partial}}
""",
    final_newline=False,
    values={"partial": b64(PDF_STARTER)[:230]},
)

# ---- mbox envelope line --------------------------------------------------------------------

mail(
    "40-mbox-envelope-from-line.eml",
    """\
From alice@client-one.example.com Thu Nov 26 07:58:11 2026
Return-Path: <alice@client-one.example.com>
From: Alice Martin <alice@client-one.example.com>
To: notify@helpdesk.example.com
Subject: Exported from my mail archive: teams room booking question
Date: Thu, 26 Nov 2026 08:58:05 +0100
Message-ID: <3b7f0c2e-9d41-4a65-b1e8-5c2a7f9d0e18@client-one.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Hello,

I saved this from my mail archive (mbox), hence the envelope line.
Can the small meeting room get a speakerphone for video calls?

>From what I hear, the one in the big room works well.

Alice
""",
    eol="\n",
)

# ---- forwarded message as attachment -------------------------------------------------------

mail(
    "41-forwarded-message-rfc822-attachment.eml",
    """\
Return-Path: <alice@client-one.example.com>
Received: from mail.client-one.example.com (mail.client-one.example.com [192.0.2.25])
	by mx.helpdesk.example.com (Postfix) with ESMTPS id 4Q1ywZ4eKgz2
	for <notify@helpdesk.example.com>; Thu, 26 Nov 2026 10:40:18 +0000 (UTC)
From: Alice Martin <alice@client-one.example.com>
To: notify@helpdesk.example.com
Subject: Fwd: Action needed: renewal of Example Office Suite (50 seats)
Date: Thu, 26 Nov 2026 11:40:12 +0100
Message-ID: <6a2e8d4c-1f73-4b09-a5d6-e3c7b1f9a284@client-one.example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="------------fwd4Lk9Pz2"
User-Agent: Mozilla/5.0 Thunderbird/128.4.0

This is a multi-part message in MIME format.
--------------fwd4Lk9Pz2
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Hi, is this genuine? Do you handle our licence renewals, or should
our finance team pay it directly? The original is attached.

Alice

--------------fwd4Lk9Pz2
Content-Type: message/rfc822; name="Action needed renewal.eml"
Content-Disposition: attachment; filename="Action needed renewal.eml"

Return-Path: <renewals@vendor.example.net>
From: Example Office Suite Renewals <renewals@vendor.example.net>
To: alice@client-one.example.com
Subject: Action needed: renewal of Example Office Suite (50 seats)
Date: Wed, 25 Nov 2026 17:02:00 +0000
Message-ID: <renewal-50-seats.20261125@vendor.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="inner_renewal_50"

--inner_renewal_50
Content-Type: text/plain; charset=UTF-8

Dear Alice Martin,

your subscription for 50 seats of Example Office Suite ends on
31 December 2026. The renewal quote is attached.

Example Office Suite Renewals

--inner_renewal_50
Content-Type: application/pdf; name="renewal-quote.pdf"
Content-Disposition: attachment; filename="renewal-quote.pdf"
Content-Transfer-Encoding: base64

{{pdf}}
--inner_renewal_50--

--------------fwd4Lk9Pz2--
""",
    values={"pdf": b64(PDF_LICENCE)},
)

# ---- hostile: terminal-safety demo ---------------------------------------------------------

mail(
    "42-hostile-terminal-escapes-and-markup.eml",
    """\
Return-Path: <mallory@hostile.example.net>
Received: from hostile.example.net (hostile.example.net [203.0.113.66])
	by mx.helpdesk.example.com (Postfix) with ESMTP id 4Q1yzF7gLhz4
	for <notify@helpdesk.example.com>; Thu, 26 Nov 2026 11:11:11 +0000 (UTC)
From: {{name}} <mallory@hostile.example.net>
To: notify@helpdesk.example.com
Subject: Re: [/] Invoice [@click=app.quit]open me[/] [bold red]URGENT[/bold red]
 {{esc_subject}}
Date: Thu, 26 Nov 2026 11:11:09 +0000
Message-ID: <hostile-terminal-demo.20261126111109@hostile.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_hostile_42"

--=_hostile_42
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

This message tries to attack the terminal it is shown in.
Clear screen: \x1b[2J\x1b[H  red text: \x1b[31mRED\x1b[0m
Window title (OSC 0): \x1b]0;you have been pwned\x07
Clipboard write (OSC 52): \x1b]52;c;ZWNobyBwd25lZA==\x07
Hyperlink (OSC 8): \x1b]8;;https://hostile.example.net/\x1b\\innocent text\x1b]8;;\x1b\\
Rich markup: [bold red]ALERT[/bold red] [link=https://hostile.example.net]docs[/link]
Textual action: [@click=app.quit]Click to continue[/] and a stray [/] closer.
Right-to-left override: report\u202efdp.exe
A carriage return that hides text:\rOVERWRITTEN

--=_hostile_42
Content-Type: text/plain; name="../../etc/passwd"
Content-Disposition: attachment; filename="../../etc/passwd"
Content-Transfer-Encoding: base64

{{note}}
--=_hostile_42
Content-Type: application/octet-stream;
 {{rtlo_ct}}
Content-Disposition: attachment;
 {{rtlo_name}}
Content-Transfer-Encoding: base64

{{exe}}
--=_hostile_42--
""",
    codec="utf-8",
    values={
        "name": ew("Accounts \u202etxt.exe Team"),
        "esc_subject": ew("\x1b[2J\x1b[1;31mRED ALERT\x1b[0m \x1b]0;pwned\x07"),
        "note": b64(HOSTILE_NOTE),
        "rtlo_ct": rfc2231("name", "report\u202efdp.exe"),
        "rtlo_name": rfc2231("filename", "report\u202efdp.exe"),
        "exe": b64(exe_stub()),
    },
)
