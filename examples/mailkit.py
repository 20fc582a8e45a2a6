"""The tools of the demo mail: MIME encoders, tiny harmless attachments, and the registry of
messages (:class:`Mail`, :func:`mail`) that the ``mail_*.py`` modules beside it fill.

See ``make_mail.py`` for what the messages are and how they are written.
"""

from __future__ import annotations

import base64
import io
import quopri
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

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

# --------------------------------------------------------------------------- the registry


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
