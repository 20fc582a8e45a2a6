"""Write the demo messages in ``examples/mail/``.

The messages are hand-written below as templates; this script only fills in what is tedious
to write by hand (base64 attachments, RFC 2047 encoded words, RFC 2231 parameters, charsets)
and writes the files byte for byte the same on every run (no clock, no randomness, no
compression-library dependence), so ``tests/test_examples.py`` can check the committed files
against it.

    python examples/make_mail.py            # rewrite examples/mail/
    python examples/make_mail.py OUTDIR     # write somewhere else

All names, addresses and hosts are under example.com / example.org / example.net, and all
IP addresses are from the documentation ranges (RFC 5737 / RFC 3849). The attachments are
tiny, valid-looking but harmless files: the ``.exe`` is a DOS stub that does nothing and
the ``.docm`` contains no macro.
"""

from __future__ import annotations

import base64
import io
import quopri
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

# --------------------------------------------------------------------------- encoders


def b64(data: bytes) -> str:
    """Base64 in 76-character lines, as MIME wants it."""
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def qp(text: str, charset: str = "utf-8") -> str:
    """A quoted-printable body (soft line breaks at 76)."""
    return quopri.encodestring(text.encode(charset)).decode("ascii").rstrip("\n")


def _word(text: str, charset: str, q: bool) -> str:
    data = text.encode(charset.lower())
    if not q:
        return f"=?{charset}?B?{base64.b64encode(data).decode('ascii')}?="
    out = []
    for byte in data:
        ch = chr(byte)
        if ch == " ":
            out.append("_")
        elif ch.isascii() and (ch.isalnum() or ch in "!*+-/"):
            out.append(ch)
        else:
            out.append(f"={byte:02X}")
    return f"=?{charset}?Q?{''.join(out)}?="


def ew(text: str, charset: str = "UTF-8", q: bool = False) -> str:
    """RFC 2047 encoded words for ``text``, each at most 75 characters, folded."""
    words: list[str] = []
    chunk = ""
    for ch in text:
        if chunk and len(_word(chunk + ch, charset, q)) > 75:
            words.append(_word(chunk, charset, q))
            chunk = ch
        else:
            chunk += ch
    words.append(_word(chunk, charset, q))
    return "\n ".join(words)


def rfc2231(param: str, value: str, chunk: int = 30) -> str:
    """An RFC 2231 extended parameter, percent-encoded UTF-8, split into continuations."""
    encoded = "".join(
        chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "-._~") else f"%{b:02X}"
        for b in value.encode("utf-8")
    )
    pieces = []
    while encoded:
        cut = min(chunk, len(encoded))
        while "%" in encoded[max(0, cut - 2) : cut] and cut < len(encoded):
            cut += 1  # never split a %XX escape
        pieces.append(encoded[:cut])
        encoded = encoded[cut:]
    parts = [f"{param}*0*=UTF-8''{pieces[0]}"]
    parts += [f"{param}*{i}*={p}" for i, p in enumerate(pieces[1:], start=1)]
    return ";\n ".join(parts)


# --------------------------------------------------------------------------- attachments


def pdf(*lines: str) -> bytes:
    """A minimal, valid one-page PDF showing ``lines`` in Helvetica."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = " T* ".join(f"({esc(line)}) Tj" for line in lines)
    stream = f"BT /F1 12 Tf 16 TL 72 770 Td {text} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png(width: int, height: int, pixel) -> bytes:
    """A valid RGB PNG; ``pixel(x, y)`` returns (r, g, b). Stored (uncompressed) deflate."""
    raw = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )
    assert len(raw) < 65536
    idat = (
        b"\x78\x01\x01"
        + struct.pack("<HH", len(raw), len(raw) ^ 0xFFFF)
        + raw
        + struct.pack(">I", zlib.adler32(raw))
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _dialog(x: int, y: int) -> tuple[int, int, int]:
    """A tiny 'error dialog' screenshot: title bar, white body, red icon, grey button."""
    if y < 5:
        return (0, 84, 166)
    if 4 <= x <= 11 and 8 <= y <= 15:
        return (200, 30, 30)
    if 26 <= x <= 36 and 17 <= y <= 21:
        return (210, 210, 210)
    return (250, 250, 250)


def _quota(x: int, y: int) -> tuple[int, int, int]:
    """A 'disk usage bar' at 97 %: mostly red, a sliver of grey."""
    if 4 <= y <= 15 and 2 <= x <= 29:
        return (196, 43, 28) if x <= 28 else (220, 220, 220)
    return (255, 255, 255)


def _floorplan(x: int, y: int) -> tuple[int, int, int]:
    """A desk plan: grey grid of desks, one highlighted in green."""
    if x % 8 == 0 or y % 8 == 0:
        return (120, 120, 120)
    if 17 <= x <= 23 and 9 <= y <= 15:
        return (46, 160, 67)
    return (235, 235, 235)


def exe_stub() -> bytes:
    """Looks like a Windows executable to a file-type sniffer (MZ header); runs nothing."""
    header = bytearray(64)
    header[0:2] = b"MZ"
    header[2:4] = struct.pack("<H", 0x90)
    header[4:6] = struct.pack("<H", 3)
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    stub = b"This program cannot be run in DOS mode.\r\r\n$"
    note = b"inboxwatch demo: harmless placeholder, not a program."
    return bytes(header) + stub.ljust(64, b"\x00") + note


def docm() -> bytes:
    """A macro-enabled Word container (.docm) whose 'macro' part is an empty placeholder."""
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Pay scales 2027 - enable content to view this document."
            "</w:t></w:r></w:p></w:body></w:document>"
        ),
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/'
            'vbaProject" Target="vbaProject.bin"/></Relationships>'
        ),
        "word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"inboxwatch demo: empty placeholder, no macro code.".ljust(120, b"\x00"),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 25, 6, 40, 0))
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return buf.getvalue()


CSV_ACCOUNTS = (
    b"system,access,notes\r\n"
    b"Email,standard mailbox,add to finance@client-one.example.com list\r\n"
    b"ERP,read-only,cost centre 4410\r\n"
    b"VPN,yes,needs laptop certificate\r\n"
    b"Badge,floors 2 and 3,start date 2026-12-01\r\n"
)

CSV_MFA = (
    b"display_name,email,department,last_sign_in\r\n"
    b"Ruth Campbell,ruth.campbell@client-four.example.org,Finance,2026-11-18\r\n"
    b"Tom Hughes,tom.hughes@client-four.example.org,Warehouse,2026-11-02\r\n"
    b"Ana Lima,ana.lima@client-four.example.org,Sales,2026-11-24\r\n"
    b"Shared Reception,reception@client-four.example.org,Front desk,2026-11-25\r\n"
)

HOSTILE_NOTE = b"inboxwatch demo: this is not a passwd file. Its name tries to escape the store.\n"

# --------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Mail:
    name: str
    template: str
    codec: str = "ascii"  # how the finished text becomes bytes (8-bit bodies use others)
    eol: str = "\r\n"  # CRLF on the wire; the mbox example uses LF
    final_newline: bool = True  # False: the file just stops (truncated message)
    values: dict | None = None

    def render(self) -> bytes:
        values = self.values or {}

        def fill(match: re.Match) -> str:
            return values[match.group(1)]

        text = re.sub(r"\{\{(\w+)\}\}", fill, self.template)
        text = text.rstrip("\n") + ("\n" if self.final_newline else "")
        return text.replace("\n", self.eol).encode(self.codec)


PDF_INVOICE = pdf(
    "Helpdesk Example Ltd - Invoice HD-2026-1187",
    "Client: Client Two (client-two.example.org)",
    "Managed workstation licences: 48 x 12.50 = 600.00",
    "Total due: 600.00 EUR",
)
PDF_STARTER = pdf(
    "New starter form - Client One",
    "Name: Mette Jensen   Start: 2026-12-01",
    "Role: Accounts assistant   Manager: Dave Okoro",
    "Equipment: laptop, headset, second monitor",
)
PDF_OUTAGES = pdf("Stoerungen November 2026", "3 x VPN, 2 x Drucker, 1 x E-Mail")
PDF_LICENCE = pdf("Example Office Suite - renewal quote", "50 seats, 12 months")

MAIL: list[Mail] = []


def mail(name: str, template: str, **kw) -> None:
    MAIL.append(Mail(name, template, **kw))


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

# --------------------------------------------------------------------------- main


def build() -> dict[str, bytes]:
    """File name -> exact bytes of every demo message."""
    out = {m.name: m.render() for m in MAIL}
    assert len(out) == len(MAIL), "duplicate file name"
    return out


def main(argv: list[str]) -> int:
    outdir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "mail"
    outdir.mkdir(parents=True, exist_ok=True)
    for name, data in build().items():
        (outdir / name).write_bytes(data)
    print(f"wrote {len(MAIL)} messages to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
