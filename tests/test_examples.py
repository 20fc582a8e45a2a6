"""The files in examples/: demo mail, example config, systemd unit, crontab.

These tests only use the standard library, so they check the example data itself and
not inboxwatch's parser.
"""

from __future__ import annotations

import email
import email.policy
import importlib.util
import re
import sys
import tomllib
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MAIL_DIR = EXAMPLES / "mail"
MAIL_FILES = sorted(MAIL_DIR.glob("*.eml"))
# The one message that is deliberately not mail at all (no header block).
NO_HEADERS = "38-malformed-no-headers-binary-garbage.eml"

CATEGORIES = {
    "client-direct-question",
    "case-reply",
    "bounce",
    "autoreply",
    "loop",
    "marketing",
    "phishing",
    "spam",
    "intl",
    "html-only",
    "malformed",
    "mbox",
    "forwarded",
    "hostile",
    "list",
    "duplicate",
}
EXAMPLE_DOMAIN = re.compile(r"(^|\.)example\.(com|org|net)$")
MAX_ATTACHMENT_BYTES = 6 * 1024


def load(name: str) -> EmailMessage:
    return email.message_from_bytes((MAIL_DIR / name).read_bytes(), policy=email.policy.default)


def category(name: str) -> str:
    stem = name.split("-", 1)[1]
    return next(c for c in sorted(CATEGORIES, key=len, reverse=True) if stem.startswith(c))


def named(prefix_or_category: str) -> list[str]:
    return [p.name for p in MAIL_FILES if category(p.name) == prefix_or_category]


def one(fragment: str) -> str:
    matches = [p.name for p in MAIL_FILES if fragment in p.name]
    assert len(matches) == 1, (fragment, matches)
    return matches[0]


def attachments(msg: EmailMessage) -> list[EmailMessage]:
    return [part for part in msg.walk() if part.get_content_disposition() == "attachment"]


# ---------------------------------------------------------------------------- the mail folder


def test_enough_messages() -> None:
    assert len(MAIL_FILES) >= 30
    assert not [p for p in MAIL_DIR.iterdir() if p.suffix != ".eml"]


@pytest.mark.parametrize("path", MAIL_FILES, ids=lambda p: p.name)
def test_message_parses(path: Path) -> None:
    assert re.fullmatch(r"\d{2}-[a-z0-9-]+\.eml", path.name)
    assert category(path.name) in CATEGORIES
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    for part in msg.walk():  # every part can be decoded without raising
        part.get_payload(decode=True)
    if path.name == NO_HEADERS:
        assert msg["From"] is None and msg["Message-ID"] is None
        return
    for header in ("From", "Date", "Message-ID"):
        assert msg[header], f"{path.name}: no {header}"
    date = parsedate_to_datetime(str(msg["Date"]))
    assert (date.year, date.month) == (2026, 11) and 20 <= date.day <= 30
    weekday = str(msg["Date"]).split(",")[0].strip()
    assert weekday == date.strftime("%a"), f"{path.name}: wrong weekday"
    assert re.fullmatch(r"<[^<>\s@]+@[^<>\s@]+>", str(msg["Message-ID"]).strip())


def test_message_ids_unique() -> None:
    ids = [str(load(p.name)["Message-ID"]).strip() for p in MAIL_FILES
           if p.name != NO_HEADERS and category(p.name) != "duplicate"]
    assert len(ids) == len(set(ids))
    # the "duplicate" pair is one mail delivered twice: one Message-ID, one body
    twice = [load(name) for name in named("duplicate")]
    assert len(twice) == 2 and len({str(m["Message-ID"]) for m in twice}) == 1
    assert len({m.get_content() for m in twice}) == 1


@pytest.mark.parametrize("path", MAIL_FILES, ids=lambda p: p.name)
def test_only_example_domains(path: Path) -> None:
    raw = path.read_bytes()
    domains = {
        m.decode("ascii").rstrip(".").lower()
        for m in re.findall(rb"@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)", raw)
    }
    domains |= {m.decode("ascii").lower() for m in re.findall(rb"https?://([A-Za-z0-9.-]+)", raw)}
    assert all(EXAMPLE_DOMAIN.search(d) for d in domains), sorted(domains)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for header in ("From", "To", "Cc", "Reply-To", "Sender"):
        for _, addr in getaddresses([str(v) for v in msg.get_all(header, [])]):
            assert not addr or EXAMPLE_DOMAIN.search(addr.rsplit("@", 1)[-1].lower()), addr


@pytest.mark.parametrize("path", MAIL_FILES, ids=lambda p: p.name)
def test_attachments_small(path: Path) -> None:
    for part in attachments(load(path.name)):
        if part.get_content_type() != "message/rfc822":
            assert len(part.get_payload(decode=True) or b"") <= MAX_ATTACHMENT_BYTES


def test_no_machine_paths() -> None:
    """The example files name no folder of the machine they were written on."""
    checkout = str(Path(__file__).resolve().parents[1]).encode()
    for path in [*MAIL_FILES, *EXAMPLES.glob("*")]:
        if path.is_file():
            assert checkout not in path.read_bytes(), path.name


def test_generator_reproduces_files(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "_inboxwatch_examples_make_mail"
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / "make_mail.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses look the module up
    spec.loader.exec_module(module)
    built = module.build()
    assert sorted(built) == [p.name for p in MAIL_FILES]
    for name, data in built.items():
        assert (MAIL_DIR / name).read_bytes() == data, f"{name} differs from make_mail.py"


# ---------------------------------------------------------------------------- categories


def test_every_category_present() -> None:
    counts = {c: len(named(c)) for c in CATEGORIES}
    assert all(counts.values()), counts
    assert counts["client-direct-question"] >= 8
    assert counts["case-reply"] >= 5


def test_client_questions_with_attachments() -> None:
    with_files = {n: len(attachments(load(n))) for n in named("client-direct-question")}
    assert sum(1 for c in with_files.values() if c) >= 3
    assert 3 in with_files.values()
    kinds = {part.get_content_type() for n in with_files for part in attachments(load(n))}
    assert {"application/pdf", "image/png", "text/csv"} <= kinds


def test_attachment_bytes_are_real_formats() -> None:
    seen = set()
    for path in MAIL_FILES:
        if path.name.startswith("39-"):
            continue  # truncated on purpose
        for part in attachments(load(path.name)):
            data = part.get_payload(decode=True)
            kind = part.get_content_type()
            if kind == "application/pdf":
                assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
            elif kind == "image/png":
                assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
            else:
                continue
            seen.add(kind)
    assert seen == {"application/pdf", "image/png"}


def test_case_replies() -> None:
    replies = named("case-reply")
    referencing = [
        n
        for n in replies
        if re.search(
            r"<case-update-\d+\.[^@>]+@helpdesk\.example\.com>",
            str(load(n)["References"] or load(n)["In-Reply-To"] or ""),
        )
    ]
    assert len(referencing) >= 3
    to_reply_address = [
        n
        for n in replies
        if re.search(r"updates\+[^@]+@helpdesk\.example\.com", str(load(n)["To"]))
    ]
    assert len(to_reply_address) >= 3
    assert all(re.search(r"\[Case #\d+\]", str(load(n)["Subject"])) for n in referencing)
    unknown = load(one("case-reply-unknown-sender"))
    assert "Fwd:" in str(unknown["Subject"]) and "case-update-" in str(unknown["References"])
    unrelated = load(one("case-reply-unrelated"))
    assert "[Case #" not in str(unrelated["Subject"]) and unrelated["In-Reply-To"] is None
    assert "updates+" in str(unrelated["To"])


def test_bounces() -> None:
    dsn_raw = (MAIL_DIR / one("bounce-rfc3464")).read_bytes()
    dsn = load(one("bounce-rfc3464"))
    assert dsn_raw.startswith(b"Return-Path: <>")
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    assert "MAILER-DAEMON" in str(dsn["From"])
    assert any(p.get_content_type() == "message/delivery-status" for p in dsn.walk())
    assert b"case-update-" in dsn_raw
    postfix = load(one("bounce-postfix"))
    assert str(postfix["Subject"]) == "Undelivered Mail Returned to Sender"
    ndr = load(one("bounce-exchange-ndr"))
    assert ndr["X-Failed-Recipients"] and str(ndr["Subject"]).startswith("Undeliverable:")


def test_auto_replies() -> None:
    rfc3834 = load(one("autoreply-rfc3834"))
    assert str(rfc3834["Auto-Submitted"]).lower() == "auto-replied"
    oof = load(one("autoreply-exchange-oof"))
    assert oof["X-Auto-Response-Suppress"] and str(oof["Subject"]).startswith("Automatic reply:")
    assert any(k.lower().startswith("x-ms-exchange-") for k in oof.keys())
    german = load(one("abwesenheitsnotiz"))
    assert str(german["X-Autoreply"]).lower() == "yes"
    assert str(german["Subject"]).startswith("Abwesenheitsnotiz")
    assert "ä" in str(german["From"])
    assert str(load(one("precedence-bulk"))["Precedence"]).lower() == "bulk"
    loop = load(one("loop-own-notice"))
    assert loop["X-Inboxwatch-Loop"] and "@helpdesk.example.com" in str(loop["Message-ID"])


def test_marketing() -> None:
    for name in named("marketing"):
        msg = load(name)
        assert msg["List-Unsubscribe"], name
        if "signed-up" in name:  # solicited: a DKIM pass for its own domain
            assert "dkim=pass header.d=news.vendor.example.com" in str(
                msg["Authentication-Results"])
        else:
            assert msg["List-Id"], name
    html_only = load(one("marketing-newsletter-html-only"))
    assert html_only.get_content_type() == "text/html"


def test_phishing() -> None:
    spoof = load(one("display-name-spoof"))
    assert spoof["From"].addresses[0].display_name == "Helpdesk IT Support"
    assert spoof["From"].addresses[0].domain != "helpdesk.example.com"
    mismatch = load(one("link-text-mismatch"))
    auth = str(mismatch["Authentication-Results"]).lower()
    assert all(f"{m}=fail" in auth for m in ("spf", "dkim", "dmarc"))
    html = mismatch.get_body(("html",)).get_content()
    text, href = re.search(r'<a href="([^"]+)">([^<]+)</a>', html).group(2, 1)
    assert text.startswith("https://bank.example.com/") and not href.startswith(
        "https://bank.example.com/"
    )
    names = {part.get_filename() for n in named("phishing") for part in attachments(load(n))}
    assert "invoice.pdf.exe" in names
    assert any(n.endswith(".docm") for n in names)


def test_spam() -> None:
    spam = load(one("spam-"))
    assert str(spam["X-Spam-Flag"]) == "YES"
    assert str(spam["X-Spam-Status"]).startswith("Yes, score=9.1")


def test_non_ascii() -> None:
    subjects = {n: str(load(n)["Subject"]) for n in named("intl")}
    assert any("ü" in s or "Ü" in s for s in subjects.values())  # German
    assert any(re.search("[\u3040-\u30ff\u4e00-\u9fff]", s) for s in subjects.values())  # Japanese
    assert any(re.search("[\u0370-\u03ff]", s) for s in subjects.values())  # Greek
    latin1 = load(one("iso-8859-1"))
    assert latin1.get_content_charset() == "iso-8859-1"
    assert "weiße" in latin1.get_content()
    sjis = load(one("shift-jis"))
    assert sjis.get_content_charset() == "shift_jis"
    assert "プロジェクター" in sjis.get_payload(decode=True).decode("shift_jis")
    rfc2231 = load(one("rfc2231"))
    raw = (MAIL_DIR / one("rfc2231")).read_bytes()
    assert b"filename*0*=UTF-8''" in raw
    assert [p.get_filename() for p in attachments(rfc2231)] == [
        "Übersicht der Störungen November 2026.pdf"
    ]
    undeclared = load(one("undeclared-8bit"))
    assert undeclared.get_param("charset") is None
    body = undeclared.get_payload(decode=True)
    assert any(b > 0x7F for b in body)


def test_html_only_and_forward() -> None:
    html = load(one("html-only-client"))
    assert html.get_content_type() == "text/html" and not html.is_multipart()
    fwd = load(one("forwarded-message-rfc822"))
    inner = [p for p in fwd.walk() if p.get_content_type() == "message/rfc822"]
    assert len(inner) == 1
    assert inner[0].get_payload(0)["Message-ID"]


def test_malformed_and_mbox() -> None:
    garbage = (MAIL_DIR / NO_HEADERS).read_bytes()
    assert not re.match(rb"[A-Za-z-]+:", garbage) and b"\x00" in garbage.splitlines()[0]
    truncated = load(one("malformed-truncated-mime"))
    assert truncated.is_multipart()
    assert any(part.defects for part in truncated.walk())
    boundary = truncated.get_boundary()
    assert (
        f"--{boundary}--".encode() not in (MAIL_DIR / one("malformed-truncated-mime")).read_bytes()
    )
    mbox_raw = (MAIL_DIR / one("mbox-envelope")).read_bytes()
    assert mbox_raw.startswith(b"From ") and not mbox_raw.startswith(b"From:")
    mbox = load(one("mbox-envelope"))
    assert mbox.get_unixfrom() and mbox["Message-ID"]


def test_hostile_message() -> None:
    name = one("hostile-")
    raw = (MAIL_DIR / name).read_bytes()
    msg = load(name)
    subject = str(msg["Subject"])
    assert "[/] " in subject and "[@click=app.quit]" in subject
    assert "\x1b[" in subject
    subject_header = raw.split(b"\r\nDate:")[0].split(b"Subject:")[1]
    assert b"\x1b" not in subject_header and b"=?UTF-8?B?" in subject_header  # ESC via RFC 2047
    assert "\u202e" in msg["From"].addresses[0].display_name
    assert "../../etc/passwd" in [p.get_filename() for p in attachments(msg)]


# ---------------------------------------------------------------------------- config & deployment


def test_example_config_keys() -> None:
    with (EXAMPLES / "inboxwatch.toml").open("rb") as fh:
        config = tomllib.load(fh)
    assert set(config) == {"database", "system", "smtp", "mailbox"}
    assert set(config["database"]) == {"url"}
    assert set(config["system"]) == {
        "notifications_address",
        "reply_address",
        "general_address",
        "notice_cc",
        "notices",
        "retention_days",
    }
    assert config["system"]["notifications_address"] == "notify@helpdesk.example.com"
    assert config["system"]["reply_address"] == "updates@helpdesk.example.com"
    assert config["system"]["general_address"] == "helpdesk@helpdesk.example.com"
    assert isinstance(config["system"]["notice_cc"], list)
    assert isinstance(config["system"]["notices"], bool)
    assert set(config["smtp"]) == {"host", "port", "security", "username", "password_env"}
    assert config["smtp"]["security"] in {"tls", "starttls", "plain"}
    assert isinstance(config["mailbox"], list) and len(config["mailbox"]) == 1
    mailbox = config["mailbox"][0]
    assert set(mailbox) == {
        "name",
        "host",
        "port",
        "security",
        "username",
        "auth",
        "password_env",
        "folder",
        "after_ingest",
        "interval_seconds",
        "idle",
        "max_message_bytes",
    }
    assert mailbox["security"] in {"tls", "starttls", "plain"}
    assert mailbox["auth"] in {"password", "xoauth2"}
    assert re.fullmatch(r"keep|seen|move:.+", mailbox["after_ingest"])
    assert isinstance(mailbox["idle"], bool)
    for key in ("port", "interval_seconds", "max_message_bytes"):
        assert isinstance(mailbox[key], int) and not isinstance(mailbox[key], bool)


def test_example_config_has_no_secrets() -> None:
    text = (EXAMPLES / "inboxwatch.toml").read_text("utf-8")
    for line in text.splitlines():
        key = line.split("#", 1)[0].split("=", 1)[0].strip()
        assert key not in {"password", "secret", "token", "api_key"}, line


def test_systemd_unit() -> None:
    unit = (EXAMPLES / "inboxwatch.service").read_text("utf-8")
    exec_start = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    assert len(exec_start) == 1 and exec_start[0].rstrip().endswith("inboxwatch run")
    for directive in (
        "User=inboxwatch",
        "Restart=on-failure",
        "RestartSec=",
        "KillSignal=SIGTERM",
        "TimeoutStopSec=60",
        "Environment=INBOXWATCH_CONFIG=/etc/inboxwatch/inboxwatch.toml",
        "EnvironmentFile=-/etc/inboxwatch/secrets.env",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/inboxwatch",
        "PrivateTmp=yes",
    ):
        assert re.search(rf"^{re.escape(directive)}", unit, re.M), directive
    assert re.search(r"^\[Install\]\nWantedBy=multi-user.target", unit, re.M)


def test_crontab() -> None:
    lines = [
        line
        for line in (EXAMPLES / "crontab").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    commands = [line.split(None, 5) for line in lines]
    assert all(fields[:5] == ["*"] * 5 for fields in commands[:2])
    assert commands[2][:5] == ["17", "3", "*", "*", "*"]  # once a day
    assert [fields[5].split(">>")[0].strip() for fields in commands] == [
        "inboxwatch poll", "inboxwatch outbox send", "inboxwatch purge"]
    assert "lock" in (EXAMPLES / "crontab").read_text("utf-8")


def test_readme_lists_every_file() -> None:
    readme = (EXAMPLES / "README.md").read_text("utf-8")
    for name in ("inboxwatch.toml", "inboxwatch.service", "crontab", "make_mail.py"):
        assert f"`{name}`" in readme
    numbers = {int(m) for m in re.findall(r"mail/(\d{2})", readme)}
    numbers |= {
        n
        for a, b in re.findall(r"mail/(\d{2})`–`(\d{2})", readme)
        for n in range(int(a), int(b) + 1)
    }
    assert numbers == {int(p.name[:2]) for p in MAIL_FILES}
