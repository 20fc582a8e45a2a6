"""Parse edge cases: encodings, broken charsets, hostile structure and hostile names."""

from __future__ import annotations

import base64
import email
import email.utils
import random
import re
import time
from collections.abc import Callable
from datetime import datetime
from email.message import Message
from email.utils import parseaddr
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxwatch.attachments import safe_filename
from inboxwatch.parse import fastmime, headers, parse_message, parts, strip_envelope_line
from inboxwatch.parse.fastmime import message_from_bytes
from inboxwatch.parse.htmltext import MAX_HTML_DEPTH, extract_links, html_to_text

EXAMPLES = Path(__file__).parent.parent / "examples" / "mail"


def mail(headers: str, body: bytes | str = b"hello\n") -> bytes:
    if isinstance(body, str):
        body = body.encode()
    return headers.strip().replace("\n", "\r\n").encode("utf-8", "surrogateescape") + \
        b"\r\n\r\n" + body


def attachment_mail(filename_param: str, payload: bytes = b"data") -> bytes:
    b64 = base64.b64encode(payload).decode()
    return mail(
        "From: a@example.com\nTo: b@example.com\nSubject: att\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"',
        "--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        f"--XX\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Disposition: attachment; {filename_param}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--XX--\r\n",
    )


def test_rfc2047_subject_and_display_name() -> None:
    p = parse_message(mail(
        "From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <Joerg@Example.DE>\n"
        f"To: =?iso-8859-7?b?{base64.b64encode('Γιώργος'.encode('iso-8859-7')).decode()}?= "
        "<g@example.gr>\n"
        "Subject: =?utf-8?b?5Lya6K2w5a6k44Gu44OX44Ot44K444Kn44Kv44K/44O8?=\n"
        "Message-ID: <abc@example.de>\nDate: Tue, 24 Nov 2026 10:00:00 +0100"))
    assert p.from_addr is not None
    assert p.from_addr.name == "Jörg Müller"
    assert p.from_addr.email == "joerg@example.de"
    assert p.subject == "会議室のプロジェクター"
    assert p.to[0].name == "Γιώργος"
    assert p.message_id == "<abc@example.de>"
    assert p.date is not None and p.date.hour == 9  # normalised to UTC


def test_rfc2231_attachment_name() -> None:
    p = parse_message(attachment_mail("filename*=UTF-8''Gr%C3%BC%C3%9Fe%20aus%20K%C3%B6ln.pdf"))
    assert [a.filename for a in p.attachments] == ["Grüße aus Köln.pdf"]


def test_rfc2047_encoded_attachment_name() -> None:
    p = parse_message(attachment_mail('filename="=?utf-8?q?Rechnung_M=C3=A4rz.pdf?="'))
    assert p.attachments[0].filename == "Rechnung März.pdf"


def test_undeclared_8bit_header_and_body_charset() -> None:
    raw = mail("From: a@example.com\nSubject: Caf\xe9 cr\xe8me", b"na\xefve body \xe9t\xe9\n")
    raw = raw.replace("Café".encode().replace(b"\xc3\xa9", b"\xe9"), b"Caf\xe9")
    p = parse_message(raw)
    assert "Caf" in p.subject and "\ufffd" not in p.subject
    assert "naïve" in p.text


def test_raw_8bit_headers_are_read_in_the_body_charset() -> None:
    # A Korean mail program writes the subject and name raw, in the body's EUC-KR.
    subject, name = "[광고] 자격증 안내".encode("cp949"), "교육팀".encode("cp949")
    raw = (b"From: " + name + b" <news@example.net>\r\nSubject: " + subject +
           b"\r\nContent-Type: text/plain; charset=euc-kr\r\n\r\n" + "안녕".encode("cp949"))
    p = parse_message(raw)
    assert p.subject == "[광고] 자격증 안내"
    assert p.from_addr is not None and p.from_addr.name == "교육팀"
    assert p.text.strip() == "안녕"
    # UTF-8 is still tried first, whatever the body declares.
    raw = raw.replace(subject, "Grüße".encode())
    assert parse_message(raw).subject == "Grüße"


def test_html_without_a_mime_charset_is_read_in_its_meta_charset() -> None:
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; '
            'charset=gb2312"></head><body>欧威照明 lighting</body></html>')
    raw = mail("From: a@example.com\nSubject: x\nContent-Type: text/html", page.encode("gb2312"))
    assert "欧威照明 lighting" in parse_message(raw).text
    # The MIME header's charset wins over the page's own.
    raw = mail("From: a@example.com\nSubject: x\nContent-Type: text/html; charset=utf-8",
               page.replace("gb2312", "iso-8859-1").encode())
    assert "欧威照明 lighting" in parse_message(raw).text


def test_wrong_declared_charset_falls_back() -> None:
    raw = mail("From: a@example.com\nSubject: x\nContent-Type: text/plain; charset=utf-8",
               b"Gr\xfc\xdfe\n")  # latin-1 bytes declared as utf-8
    assert "Grüße" in parse_message(raw).text


def test_unknown_charset_name() -> None:
    raw = mail("From: a@example.com\nSubject: =?x-no-such-charset?q?hello?=\n"
               "Content-Type: text/plain; charset=x-no-such-charset", b"plain body\n")
    p = parse_message(raw)
    assert "plain body" in p.text
    assert not p.malformed


def test_html_only_becomes_text_with_link_targets() -> None:
    raw = mail("From: a@example.com\nSubject: html\nContent-Type: text/html; charset=utf-8",
               '<html><body><p>Hello <b>there</b></p>'
               '<a href="https://evil.example.net/login">https://bank.example.com</a>'
               "</body></html>")
    p = parse_message(raw)
    assert "Hello **there**" in p.text
    assert "https://evil.example.net/login" in p.text  # the target is visible
    assert p.links[0].href == "https://evil.example.net/login"
    assert p.links[0].text == "https://bank.example.com"


def test_deep_mime_nesting_is_flagged_not_fatal() -> None:
    depth = 200
    body = ""
    for i in range(depth):
        body += f'--b{i}\r\nContent-Type: multipart/mixed; boundary="b{i + 1}"\r\n\r\n'
    body += f"--b{depth}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n"
    for i in range(depth, -1, -1):
        body += f"--b{i}--\r\n"
    raw = mail('From: a@example.com\nSubject: deep\nContent-Type: multipart/mixed; '
               'boundary="b0"', body)
    p = parse_message(raw)
    assert p.malformed
    assert any("nest" in d.lower() for d in p.defects)


@pytest.mark.parametrize(("inner", "html"), [
    ("Content-Type: text/plain\n\nYour order has shipped.\n", False),
    ("Content-Type: text/html\n\n<html><body><p>Your order has "
     '<a href="https://shop.example.net/track">shipped</a>.</p></body></html>\n', True),
])
def test_a_multipart_whose_boundary_never_appears_is_read_as_its_text(
        inner: str, html: bool) -> None:
    """The header names one boundary, the body is cut by another (ratware, broken
    gateways): the body is shown as text, flagged, and not left empty."""
    raw = mail('From: a@example.com\nSubject: broken\nMIME-Version: 1.0\n'
               'Content-Type: multipart/alternative; boundary="=Part 0925"',
               f"This is a multipart MIME message.\n\n--= Part 0925\n{inner}\n--= Part 0925--\n")
    p = parse_message(raw)
    assert "StartBoundaryNotFoundDefect" in p.defects
    assert "Your order has" in p.text and "shipped" in p.text
    assert (p.html is not None) == html
    assert [link.href for link in p.links] == (["https://shop.example.net/track"] if html else [])


@pytest.mark.parametrize(("headers", "flagged"), [
    ('Content-Type: text/plain; charset="us-ascii"', True),
    ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit", True),
    ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit", False),
    ("Content-Type: text/plain; charset=utf-8", False),
    ("X-Mailer: a web form's script", False),  # no MIME headers: nothing declared
])
def test_8bit_text_in_a_part_declared_ascii_is_a_defect(headers: str, flagged: bool) -> None:
    raw = mail(f"From: a@example.com\nSubject: form\nMIME-Version: 1.0\n{headers}",
               "Grüße aus Köln – the form’s text\n".encode())
    p = parse_message(raw)
    assert "Grüße aus Köln" in p.text
    assert ("8-bit text in a part declared 7-bit ASCII" in p.defects) == flagged
    # Two stray bytes (a pasted non-breaking space) are let pass.
    quiet = mail(f"From: a@example.com\nSubject: form\nMIME-Version: 1.0\n{headers}",
                 "price:\u00a010 EUR\n".encode())
    assert "8-bit text in a part declared 7-bit ASCII" not in parse_message(quiet).defects


def test_message_rfc822_attachment_is_kept_whole() -> None:
    inner = "From: c@example.com\r\nSubject: inner one\r\n\r\ninner body\r\n"
    raw = mail('From: a@example.com\nSubject: fwd\nContent-Type: multipart/mixed; boundary="Z"',
               "--Z\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
               "--Z\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--Z--\r\n")
    p = parse_message(raw)
    assert p.text.strip() == "see below"  # the inner body is not mixed into ours
    [att] = p.attachments
    assert att.content_type == "message/rfc822"
    assert att.filename == "inner one.eml"
    assert b"inner body" in att.payload


@pytest.mark.parametrize(("given", "expected"), [
    ('filename="../../etc/passwd"', "passwd"),
    ('filename="C:\\\\evil.exe"', "evil.exe"),
    ('filename="CON"', "_CON"),
    ('filename="con.txt"', "_con.txt"),
    ('filename="..."', "attachment-1.bin"),
])
def test_hostile_attachment_names(given: str, expected: str) -> None:
    p = parse_message(attachment_mail(given))
    assert p.attachments[0].filename == expected


def test_long_and_nul_names() -> None:
    long_name = "a" * 300 + ".pdf"
    assert safe_filename(long_name).endswith(".pdf")
    assert len(safe_filename(long_name).encode()) <= 180
    assert safe_filename("in\x00voice\x00.pdf") == "invoice.pdf"
    assert safe_filename("\u202etxt.exe") == "txt.exe"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_safe_filename_never_escapes(name: str) -> None:
    out = safe_filename(name)
    assert out and "/" not in out and "\\" not in out and "\x00" not in out
    assert not out.startswith(".")
    assert len(out.encode()) <= 200
    assert out.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_parse_never_raises_on_bytes(raw: bytes) -> None:
    p = parse_message(raw)
    assert p.size == len(raw)


def test_envelope_from_line_is_tolerated_and_hash_is_of_the_input() -> None:
    raw = b"From alice@example.com Tue Nov 24 10:00:00 2026\n" + mail("From: a@example.com\n"
                                                                      "Subject: env")
    p = parse_message(raw)
    assert p.subject == "env" and not p.malformed
    import hashlib

    assert p.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert strip_envelope_line(raw).startswith(b"From: ")


def test_not_mail_is_malformed() -> None:
    assert parse_message(b"\x89PNG\r\n\x1a\n\x00\x00binary").malformed
    assert parse_message(b"").malformed


def test_hostile_headers_bounded_time() -> None:
    refs = " ".join(f"<id{i}@example.com>" for i in range(10_000))
    raw = mail(f"From: a@example.com\nSubject: {'x' * 100_000}\nReferences: {refs}",
               "<div>" * 10_000 + "deep" + "</div>" * 10_000)
    raw = raw.replace(b"\r\n\r\n", b"\r\nContent-Type: text/html\r\n\r\n", 1)
    start = time.perf_counter()
    p = parse_message(raw)
    assert time.perf_counter() - start < 5
    assert len(p.references) <= 200
    assert "deep" in p.text


def test_every_example_parses() -> None:
    files = sorted(EXAMPLES.glob("*.eml"))
    assert len(files) >= 30
    malformed = [f.name for f in files if parse_message(f.read_bytes()).malformed]
    assert malformed == ["38-malformed-no-headers-binary-garbage.eml"]


def test_nul_bytes_never_reach_decoded_text() -> None:
    raw = mail("From: a\x00b@example.com\nSubject: nul\x00here", b"body\x00with nul\n")
    p = parse_message(raw)
    assert "\x00" not in p.subject + p.text + "".join(v for _, v in p.headers)
    assert p.subject == "nulhere" and "bodywith nul" in p.text


def test_html_blocks_become_lines_and_paragraphs() -> None:
    text = html_to_text("<p>Dear <i>client</i>,</p><table><tr><td>Ticket</td><td>42</td></tr>"
                        "<tr><td>State</td><td>open</td></tr></table>"
                        "<ul><li>one</li><li>two</li></ul><div>a</div>\n  <div>b</div>"
                        "<script>alert(1)</script><img src=x alt=pic>")
    assert text == "Dear _client_,\n\nTicket 42\nState open\n\n- one\n- two\na\nb"


def test_html_nested_deeper_than_any_layout_is_read_as_plain_text() -> None:
    deep = MAX_HTML_DEPTH * 5
    html = "<div>" * deep + "hello <b>world</b> &amp; more" + "</div>" * deep
    assert html_to_text(html) == "hello world & more"  # tags stripped, nothing lost
    shallow = "<div>" * 100 + "hello <b>world</b>" + "</div>" * 100
    assert html_to_text(shallow) == "hello **world**"


def test_parsed_message_pickles_without_its_derived_header_index() -> None:
    import pickle

    parsed = parse_message(b"From: a@example.com\r\nX-Tag: one\r\nSubject: s\r\n\r\nbody\r\n")
    assert parsed.header("x-tag") == "one"  # builds the index
    copy = pickle.loads(pickle.dumps(parsed))
    assert copy == parsed and copy._index is None
    assert copy.header_all("X-Tag") == ["one"]


# The fast parse builds the same email.message.Message tree as the stdlib feedparser.

def message_state(msg: Message) -> dict[str, object]:
    """Everything a parsed Message holds, comparable: defects by type and text, parts too."""
    state = dict(vars(msg))
    state["defects"] = [(type(d), str(d)) for d in msg.defects]
    if isinstance(state["_payload"], list):
        state["_payload"] = [message_state(p) for p in state["_payload"]]
    return state


def assert_same_as_stdlib(raw: bytes) -> None:
    assert message_state(message_from_bytes(raw)) == message_state(
        email.message_from_bytes(raw))


# Shapes of mail, each parsed by the fast parse and by the stdlib's; LEFT_TO_THE_STDLIB
# names those the fast parse hands to the stdlib.
MAIL_SHAPES = {
    "crlf": b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\nmore\r\n",
    "lf": b"From: a@example.com\nSubject: hi\n\nbody\n",
    "bare cr": b"From: a@example.com\rSubject: hi\r\rbody\rmore\r",
    "mixed line ends": b"From: a@example.com\r\nSubject: hi\nX-A: 1\r\r\nbody\n\r",
    "cr lf split by a blank line": b"Subject: a\r\r\nX-B: b\r\n\r\nbody",
    "no blank line": b"From: a@example.com\r\nSubject: hi\r\n",
    "headers only, no final line break": b"From: a@example.com\r\nSubject: hi",
    "body line ends the headers": b"From: a@example.com\r\nSubject: hi\r\nbody at once\r\n",
    "no headers": b"just text\r\nmore\r\n",
    "blank first line": b"\r\nSubject: not a header\r\n",
    "empty": b"",
    "body starts with white space": b"Subject: x\r\n\r\n  indented\r\n\tand tab\r\n",
    "body starts with a From line": b"Subject: x\r\n\r\nFrom here on\r\n",
    "From line ends the headers": b"Subject: x\r\nFrom y@example.com\r\n\r\nbody\r\n",
    "From line ends the headers, no blank": b"Subject: x\r\nFrom y@example.com\r\nbody\r\n",
    "From line among the headers": b"X-Seq: 1\r\nFrom a@b.c  Sat Sep 21 20:23:16 2002\n"
                                   b"Subject: x\r\n\r\nbody",
    "two From lines": b"X-Seq: 1\r\nFrom a@b.c\r\nFrom d@e.f\r\nSubject: x\r\n\r\nbody",
    "leading envelope": b"From a@b.c  Sat Sep 21 20:23:16 2002\nSubject: x\n\nbody\n",
    "envelope alone": b"From a@b.c  Sat Sep 21 20:23:16 2002\n\nbody\n",
    "continuation after From line": b"X-Seq: 1\r\nFrom a@b.c\r\n folded\r\nSubject: x\r\n\r\nb",
    "first line a continuation": b" folded\r\nSubject: x\r\n\r\nbody",
    "line starting with a colon": b"Subject: x\r\n: no name\r\nX-A: 1\r\n\r\nbody",
    "folded values": b"Subject: one\r\n two\r\n\tthree\r\nX-Empty:\r\nX-Blank:   \r\n"
                     b"X-WS-Line: a\r\n \r\nX-Tight:x\r\nX-Tabs:\t\tv \t\r\n\r\nbody",
    "value folded after an empty first line": b"Subject:\r\n  later\r\n\r\nbody",
    "8-bit header and body": b"From: J\xc3\xb6rg <j@example.de>\r\nSubject: Caf\xe9\r\n\r\n"
                             b"na\xefve \xe9t\xe9\r\n",
    "8-bit header name": b"Subject: x\r\nX-\xc4: y\r\n\r\nbody",
    "nul bytes": b"Subject: nul\x00here\r\nX-\x00: y\r\n\r\nbody\x00with nul\r\n",
    "vertical tab and form feed": b"Subject: a\x0bb\x0cc\r\nX-A: 1\x1c\r\n\r\nbo\x0bdy\x85",
    "message/rfc822": b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nb",
    "content type folded and repeated": b"Content-Type: text/html;\r\n charset=utf-8\r\n"
                                        b"Content-type: multipart/mixed\r\n\r\n<p>hi</p>",
}


def multipart(body: str, params: str = 'boundary="b"', subtype: str = "mixed") -> bytes:
    return (f"Subject: m\r\nContent-Type: multipart/{subtype}; {params}\r\n\r\n"
            + body).encode("ascii", "surrogateescape")


PART = "Content-Type: text/plain\r\n\r\nhello\r\n"
MAIL_SHAPES |= {
    "multipart": multipart(f"--b\r\n{PART}--b\r\n{PART}--b--\r\n"),
    "multipart lf": multipart(f"--b\r\n{PART}--b--\r\n").replace(b"\r\n", b"\n"),
    "multipart bare cr": multipart(f"--b\r\n{PART}--b--\r\n").replace(b"\r\n", b"\r"),
    "preamble and epilogue": multipart(f"pre\r\namble\r\n\r\n--b\r\n{PART}--b--\r\nepi\r\nlogue"),
    "blank preamble, empty epilogue": multipart(f"\r\n--b\r\n{PART}--b--\r\n"),
    "close boundary ends the text": multipart(f"--b\r\n{PART}--b--"),
    "close boundary missing": multipart(f"--b\r\n{PART}"),
    "close boundary with white space": multipart(f"--b \t\r\n{PART}--b--  \r\nafter\r\n"),
    "boundary-like lines in a part": multipart(
        "--b\r\nContent-Type: text/plain\r\n\r\n--bx\r\n-- \r\n--b--x\r\n--\r\n--b--\r\n"),
    "boundary right after a boundary": multipart(
        f"--b\r\n--b\r\n{PART}--b\r\n--b--\r\n{PART}--b--\r\n"),
    "part without headers": multipart("--b\r\n\r\nno headers\r\n--b--\r\n"),
    "part without blank line": multipart("--b\r\nContent-Type: text/plain\r\nbody\r\n--b--\r\n"),
    "boundary cuts a part's headers": multipart("--b\r\nContent-Type: text/plain\r\n--b--\r\n"),
    "boundary with a colon": multipart("--a:b\r\nX-A: 1\r\n--a:b\r\n\r\nx\r\n--a:b--\r\n",
                                       'boundary="a:b"'),
    "nested, inner not closed": multipart(
        '--b\r\nContent-Type: multipart/alternative; boundary="c"\r\n\r\n'
        f"--c\r\n{PART}--b\r\n{PART}--b--\r\n"),
    "nested with epilogues": multipart(
        '--b\r\nContent-Type: multipart/alternative; boundary="c"\r\n\r\n'
        f"--c\r\n{PART}--c--\r\ninner epilogue\r\n--b\r\n"
        'Content-Type: multipart/related; boundary="d"\r\n\r\n'
        f"--d\r\n{PART}--d--\r\n--b--\r\n"),
    "message/rfc822 part": multipart(
        "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody\r\n"
        f"--b\r\n{PART}--b--\r\n"),
    "multipart in message/rfc822 in multipart": multipart(
        "--b\r\nContent-Type: message/rfc822\r\n\r\n"
        'Content-Type: multipart/alternative; boundary="c"\r\n\r\n'
        f"--c\r\n{PART}--c--\r\nepi\r\n--b--\r\n"),
    "base64 multipart": multipart(f"--b\r\n{PART}--b--\r\n").replace(
        b"\r\n\r\n", b"\r\nContent-Transfer-Encoding: base64\r\n\r\n", 1),
    "8-bit parts": multipart("--b\r\nContent-Type: text/plain; charset=latin-1\r\n\r\n"
                             "caf\udce9\r\n--b--\r\n"),
    "delivery-status": multipart(
        f"--b\r\n{PART}--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; x\r\n\r\nAction: failed\r\n\r\n--b--\r\n", subtype="report"),
    "delivery-status, odd blocks": multipart(
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n\r\n\r\nA: 1\r\nnot a field\r\n"
        "more\r\n\r\nB: 2\n\rC: 3\r\n--b--\r\n", subtype="report"),
    "delivery-status to the end": b"Content-Type: message/delivery-status\r\n\r\nA: 1\r\n\r\nB: 2",
    # Mail the fast path leaves to the stdlib parse.
    "no boundary parameter": multipart(f"--b\r\n{PART}--b--\r\n", params="charset=x"),
    "no first boundary": multipart(f"just text\r\n--b--\r\n{PART}"),
    "boundary line ends the text": multipart(f"--b\r\n{PART}--b\r\n"),
    "digest": multipart("--b\r\n\r\nSubject: in\r\n\r\nx\r\n--b--\r\n", subtype="digest"),
}


@pytest.mark.parametrize("raw", MAIL_SHAPES.values(), ids=MAIL_SHAPES.keys())
def test_fast_path_builds_what_the_stdlib_builds(raw: bytes) -> None:
    assert_same_as_stdlib(raw)
    assert_same_as_stdlib(b"X-Bench-Seq: 1\r\n" + raw)


def random_mime(rnd: random.Random, depth: int = 0, outer: tuple[str, ...] = ()) -> str:
    """A MIME entity with the odd shapes real mail has: nesting, preambles, epilogues,
    missing or doubled boundaries, boundary-like lines, mixed line breaks, message/*."""
    def eol() -> str:
        return rnd.choice(["\r\n", "\r\n", "\n", "\r"])

    def lines(n: int) -> str:
        pool = ["hello", "", "-- ", "From x", " indented", "a: b", "caf\udce9", "QUJD",
                *(f"--{b}{rnd.choice(['', '--', ' ', 'x'])}" for b in outer)]
        return "".join(rnd.choice(pool) + eol() for _ in range(rnd.randint(0, n)))

    headers = rnd.choice(["", "X-A: 1" + eol(), "Content-Transfer-Encoding: base64" + eol()])
    kind = rnd.random()
    if depth < 4 and kind < 0.45:
        boundary = rnd.choice([f"b{depth}", f"=_{depth}", f"b{depth - 1}", "x y"])
        entity = (f'Content-Type: multipart/{rnd.choice(["mixed", "alternative"])}; '
                  f'boundary="{boundary}"{eol()}{headers}{eol()}{lines(2)}')
        for _ in range(rnd.randint(1, 3)):
            entity += f"--{boundary}{rnd.choice(['', ' '])}{eol()}"
            entity += random_mime(rnd, depth + 1, (*outer, boundary))
        if rnd.random() < 0.85:
            entity += f"--{boundary}--{eol() if rnd.random() < 0.9 else ''}{lines(2)}"
        return entity
    if kind < 0.5:
        return f"Content-Type: message/rfc822{eol()}{eol()}" + random_mime(rnd, depth + 1, outer)
    if kind < 0.55:
        blocks = ["Action: failed", "Status: 5.0.0", "", "", "not a field", " folded",
                  *(f"--{b}" for b in outer)]
        return f"Content-Type: message/delivery-status{eol()}{eol()}" + "".join(
            rnd.choice(blocks) + eol() for _ in range(rnd.randint(0, 6)))
    ctype = rnd.choice(["text/plain", "text/html", "application/pdf"])
    return f"Content-Type: {ctype}{eol()}{headers}{rnd.choice(['', eol()])}{lines(4)}"


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(st.randoms(use_true_random=False))
def test_fast_parse_matches_the_stdlib_on_random_mime(rnd: random.Random) -> None:
    assert_same_as_stdlib(random_mime(rnd).encode("ascii", "surrogateescape"))


LEFT_TO_THE_STDLIB = {
    "From line ends the headers", "From line ends the headers, no blank", "two From lines",
    "continuation after From line", "first line a continuation", "line starting with a colon",
    "boundary with a colon", "no boundary parameter", "no first boundary",
    "boundary line ends the text", "digest",
}


@pytest.mark.parametrize("name", MAIL_SHAPES)
def test_which_mail_the_fast_parse_takes(name: str) -> None:
    text = MAIL_SHAPES[name].decode("ascii", "surrogateescape")
    try:
        fastmime._parse_entity(text, 0, [], 0)
    except fastmime._NotOrdinary:
        assert name in LEFT_TO_THE_STDLIB
    else:
        assert name not in LEFT_TO_THE_STDLIB


_HEADERISH_LINES = st.sampled_from([
    "Subject: hello", "X-A:b", "X-Empty:", "From: a@example.com", "From a@b.c Sat", "From ",
    " folded", "\tfolded", " ", "", ": no name", "no colon", "Content-Type: text/plain",
    "Content-Type: multipart/mixed; boundary=b", "--b", "--b--", "Caf\udce9: x",
    "X-8bit: \udcc3\udcb6", "X-Nul: a\x00b", "Re: body", "a\x0bb: c",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_HEADERISH_LINES, st.sampled_from(["\r\n", "\n", "\r", "\r\r\n"])),
                max_size=12),
       st.booleans())
def test_fast_path_matches_the_stdlib_on_any_line_mix(
    lines: list[tuple[str, str]], final_break: bool,
) -> None:
    text = "".join(line + end for line, end in lines)
    if not final_break and lines:
        text = text[: -len(lines[-1][1])]
    assert_same_as_stdlib(text.encode("ascii", "surrogateescape"))


@pytest.mark.parametrize("raw", MAIL_SHAPES.values(), ids=MAIL_SHAPES.keys())
def test_parse_message_same_with_the_fast_mime_switch_off(
    raw: bytes, monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = parse_message(raw)
    monkeypatch.setattr(fastmime, "ENABLED", False)
    assert parse_message(raw) == fast


@pytest.mark.parametrize(("html", "expected"), [
    ("<div>a</div>\xa0<div>b</div>\u3000\u2028<p>c</p>\x0b<div>d</div>", "a\nb\n\nc\n\nd"),
    ("<p>one\ntwo\x85three\u2028four\x0cfive</p>", "one two three four five"),
    ("<pre>  keep\n    indented\x00\n\n\n\nlines  </pre>after <b>bold</b>",
     "keep\n indented\n\nlines\n\nafter **bold**"),
    ("x\x01y\x02z\x00w <i>it</i><em>em</em>", "xyzw _it__em_"),
    ("<ul><li>one</li> <li>two <a href='http://e.example/a  b'>link</a></li></ul>"
     "<a href='#x'>local</a>", "- one\n- two [link](<http://e.example/a b>)\nlocal"),
    ("<table><tr><td>a</td><td>b</td></tr>\n<tr><th>c</th></tr></table><br>tail<br/>end",
     "a b\nc\n\ntail\nend"),
    ("<svg><a href='http://s.example'>s</a></svg><!-- note --><script>x</script>kept", "kept"),
])
def test_html_white_space_markers_and_boundaries(html: str, expected: str) -> None:
    # Expected values are what the walk gave before text nodes were translated instead of
    # folded one by one.
    assert html_to_text(html) == expected


@pytest.mark.parametrize(("html", "expected"), [
    ("<b>a</b> <i>b</i><span>c</span>\n<span>d</span>", "**a** _b_c d"),
    ("<div><p>x<b>y</b></p></div><div><table><tr><td>1<td>2</table></div>z",
     "x**y**\n\n1 2\n\nz"),
    ("<pre><div>x</div>\x0b<div>y</div></pre><p>a \t b</p>", "x\n\ny\n\na b"),
    ("<pre><div>x</div>&#11;<div>y</div>\t<b> z </b></pre>", "x\n\ny\n** z **"),
    ("<p>q<script>s</script></p><div>r<style>t</style></div>u<title>v</title>w",
     "q\n\nr\nuw"),
    ("<x-foo><b>a</b></x-foo><o:p>b</o:p><hwyht><p>c</p></hwyht>", "**a**b\n\nc"),
    ("<a href='http://a.example'><p>block in link</p></a>tail",
     "[\n\nblock in link\n\n](<http://a.example>)tail"),
    ("<li>one<li>two</ul><b><i>x</b></i>y<p><b>unclosed",
     "- one\n- two**_x_**y\n\n**unclosed**"),
    ("<table><b>foster</b><tr><td>cell</td></tr></table>", "**foster**\n\ncell"),
    # Marker characters from character references in link targets act as they always did.
    ("<div>a &#1; b &#2;c<a href='x&#1;y'>l</a></div>", "a b c[l](<x\ny>)"),
    ("a<a href='x&#2; &#1;y'>l</a> <a href='&#2;'>m</a>b", "a[l](<x\n\ny>) [m](<\n\n>)b"),
])
def test_html_walk_closes_elements_where_their_children_end(html: str, expected: str) -> None:
    # One traversal, closing text written at the node after each element: expected values
    # are those of the walk with an iterator per element.
    assert html_to_text(html) == expected


_WELL_FORMED_PIECES = st.sampled_from([
    "<a href=x>", "<A HREF='y'>", "</a>", "</A >", "<a data-href=z>", "<a>", "text",
    "<b>", "</b>", "h", "H", " ", "\n", "&amp;", "<a\nhref = 'k'>",
    "<a target=_blank href=\"t\" id=1>",
])


def test_quoted_attribute_values_may_hold_angle_brackets() -> None:
    html = "<a title='>' href=\"q>r\">one</a> <a href=\"a<b\">two</a>"
    assert [(k.href, k.text) for k in extract_links(html)] == [("q>r", "one"), ("a<b", "two")]


@settings(max_examples=1000, deadline=None)
@given(st.lists(_WELL_FORMED_PIECES, max_size=30))
def test_links_are_what_the_plain_pattern_finds_in_well_formed_html(pieces: list[str]) -> None:
    """The linear scanner and the one-regex definition of an anchor (which is quadratic on
    unclosed ones) agree wherever tags are well formed; on junk the scanner follows HTML5
    (a quote starts a value only after "=", a "<" outside quotes ends a tag)."""
    plain = re.compile(
        r"<a\b(?![\w-])[^>]*?(?<![\w-])href\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))"
        r"[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
    html = "".join(pieces)
    expected = []
    for m in plain.finditer(html):
        double, single, bare, inner = m.groups()
        href = (double if double is not None else single if single is not None else bare)
        href = href.replace("&amp;", "&").strip()
        text = " ".join(re.sub(r"<[^<>]{0,2000}>", " ", inner).replace("&amp;", "&").split())
        if href:
            expected.append((href, text[:300]))
    assert [(link.href, link.text) for link in extract_links(html)] == expected


@pytest.mark.parametrize("fragment", ["<a href=", '<a href="', '<a "', "<p", "<img src=",
                                      "<", "<!--", "<a href=x>", "On Mon, Alice wrote:\n",
                                      "> ", "=?utf-8?q?", "http://x."])
def test_hostile_repetition_is_linear(fragment: str) -> None:
    """A body of one fragment repeated (32 KB of "<a href=" took 141 s before): the whole
    analysis and the quote split of 2 MB in well under 2 s."""
    import time

    from inboxwatch.analysis import analyze_batch
    from inboxwatch.quotes import reply_text
    from inboxwatch.route import RoutingContext

    settings_ = RoutingContext(reply_address="u@h.example",
                               notifications_address="n@h.example").settings
    body = (fragment * (2_000_000 // len(fragment) + 1))[:2_000_000]
    for content_type in ("text/html", "text/plain"):
        raw = (f"From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: "
               f"{content_type}; charset=utf-8\r\n\r\n{body}").encode()
        started = time.monotonic()
        [analysis] = analyze_batch([(raw, False)], settings_)
        reply_text(analysis.parsed.text)
        assert time.monotonic() - started < 2.0, (fragment, content_type)


def test_parse_builds_the_header_index_header_all_would() -> None:
    raw = mail("From: a@example.com\nX-Tag: one\nx-tag:  two \nSubject: =?utf-8?q?caf=C3=A9?=\n"
               "Received: from a\n\tby b\nX-Nul: a")
    parsed = parse_message(raw)
    built = parsed._index
    assert built is not None and built["x-tag"] == ["one", "two"]
    parsed._index = None
    assert [parsed.header_all(k) for k, _ in parsed.headers] == [
        built[k.lower()] for k, _ in parsed.headers]
    assert parsed._index == built
    # Headers rebuilt without their NULs: the index is built again from them, on first use.
    with_nul = parse_message(raw.replace(b"X-Nul: a", b"X-Nul: a\x00"))
    assert with_nul._index is None and with_nul.header_all("x-nul") == ["a"]


@pytest.mark.parametrize("content_type", [
    'text/plain; charset="UTF-8"', "text/html;\r\n\tcharset=iso-8859-1; format=flowed",
    "text/plain; CHARSET=Windows-1252", "text/plain", "text/plain; charset=", "text/plain;;",
    "text/plain; charset*=utf-8''latin-1", "text/plain; charset*=x-bogus''abc",
    'text/plain; charset="a;b"; charset=second', "text/plain; charset=caf\udce9",
])
def test_content_charset_as_the_stdlib_reads_it(content_type: str) -> None:
    part = Message()
    part.set_raw("Content-Type", content_type)
    assert parts._content_charset(part) == part.get_content_charset()
    assert parts._content_charset(Message()) is None


def test_no_white_space_character_above_the_running_text_table() -> None:
    assert not any(chr(i).isspace() for i in range(0x3001, 0x110000))


@pytest.mark.parametrize("value", [
    "<bounce+x=y@Example.COM>", "<a.b.c@d.e>", "<a!#$%&'*+/=?^_`{|}~-z@h-1.example>",
    "<>", "", "  <a@b.c>  ", "<a..b@c.d>", "<.a@b.c>", "<a@b..c>", "<a@b.c.>", "<@route:a@b.c>",
    "<a@[1.2.3.4]>", '<"q t"@b.c>', "<a @b.c>", "a@b.c", "<a@b.c> (comment)", "<a@b.c>x",
])
def test_return_path_as_parseaddr_reads_it(value: str) -> None:
    raw = mail(f"From: a@example.com\nReturn-Path: {value}\nSubject: rp")
    expected = "" if value.strip() in ("<>", "") else parseaddr(value.strip())[1]
    assert parse_message(raw).return_path == expected.lower()


def test_nul_anywhere_is_dropped_and_nothing_else_changes() -> None:
    raw = mail("From: \"A\x00B\" <a@example.com>\nTo: c@example.com\nSubject: ok\n"
               "X-Plain: clean\nContent-Type: text/html", b"<a href='http://x.example'>l</a>")
    clean = parse_message(raw.replace(b"\x00", b""))
    p = parse_message(raw)
    assert p.from_addr == clean.from_addr and p.links == clean.links
    assert p.headers == clean.headers and p.text == clean.text
    encoded = mail("From: a@example.com\nSubject: =?utf-8?q?nul=00here?=")
    assert parse_message(encoded).subject == "nulhere"  # NUL from decoding, not raw bytes


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="-b \t\r\nx", max_size=10), st.sampled_from(["b", "b-", "=_ b", "a:b"]))
def test_boundary_lines_as_the_feedparsers_pattern_matches_them(rest: str, boundary: str) -> None:
    pattern = re.compile("(?P<sep>" + re.escape("--" + boundary)
                         + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$")
    for line in (rest, "--" + boundary + rest, "--" + boundary + "--" + rest):
        match = pattern.match(line)
        expected = None if match is None else (bool(match["end"]), match["linesep"])
        assert fastmime._BoundaryLine(boundary)(line) == expected


_DATE_PIECES = st.tuples(
    st.sampled_from(["", "Mon, ", "Sun,  ", "Tue,", " "]), st.sampled_from(["1", "09", "31", "32"]),
    st.sampled_from(["Jan", "Nov", "nov"]), st.sampled_from(["2026", "0099", "0050", "99"]),
    st.sampled_from(["10:00:00", "23:59:60", "24:00:00", "10:00"]),
    st.sampled_from(["+0100", "-0000", "+0000", "-0930", "+2400", "+0199", "EST", ""]),
    st.sampled_from(["", " (CET)", "\r\n (PDT)", "  "]))


@settings(max_examples=400, deadline=None)
@given(_DATE_PIECES)
def test_usual_dates_read_as_the_stdlib_reads_them(pieces: tuple[str, ...]) -> None:
    day_name, day, month, year, time_of_day, zone, comment = pieces
    value = f"{day_name}{day} {month} {year} {time_of_day} {zone}{comment}"

    def read(parse: Callable[[str], datetime | None]) -> object:
        try:
            parsed = parse(value)
        except ValueError:
            return ValueError
        return parsed if parsed is None else (parsed, parsed.utcoffset())

    fast = read(headers.plain_date)
    if fast is not None:
        assert fast == read(email.utils.parsedate_to_datetime)
