"""The TOML contract: strict validation with errors that name the file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxwatch.config import ConfigError, load_config

EXAMPLE = Path(__file__).parent.parent / "examples" / "inboxwatch.toml"

MAILBOX = """
[[mailbox]]
name = "support"
host = "imap.example.com"
username = "support@example.com"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inboxwatch.toml"
    path.write_text(text)
    return path


def test_example_config_loads() -> None:
    config = load_config(EXAMPLE)
    [mailbox] = config.mailboxes
    assert mailbox.security in ("tls", "starttls", "plain")
    assert config.system.general_address
    assert config.smtp is not None


def test_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MAILBOX))
    mb = config.mailbox("support")
    assert (mb.port, mb.security, mb.folder, mb.after_ingest, mb.idle) == (
        993, "tls", "INBOX", "seen", True)
    assert mb.max_message_bytes == 26_214_400


@pytest.mark.parametrize(("text", "message"), [
    ("[system]\nnotices = 'yes'\n", "system.notices = 'yes': expected true or false"),
    ("[sytem]\n", "unknown key 'sytem'"),
    ("[[mailbox]]\nname = 'x'\nhost = 'h'\n", "mailbox 'x'.username is missing"),
    ("[[mailbox]]\nhost = 'h'\n", "mailbox number 1 (no name).name is missing"),
    (MAILBOX + "password = 'hunter2'\n", "secrets do not belong in the config file"),
    (MAILBOX + "port = '993'\n", "mailbox 'support'.port = '993': expected a port number"),
    ("[system]\ngeneral_address = 'not an address'\n",
     "system.general_address = 'not an address': expected an email address"),
    ("[system]\nnotice_cc = ['lead@example.com', 'lead at example.com']\n",
     "'lead at example.com' is not an email address"),
    ("[system]\nown_domains = ['@example.com']\n", "'@example.com' is not a domain name"),
    ("[system]\nnotice_skip_categories = ['spam', 'auto-reply']\n",
     "unknown category 'auto-reply' (expected some of: normal, malformed"),
    ("[system]\nretention_days = -1\n", "system.retention_days must be 0 or more"),
    (MAILBOX + "after_ingest = 'archive'\n", "expected keep, seen or move:<folder>"),
    (MAILBOX + "security = 'ssl'\n", "expected one of tls, starttls, plain"),
    (MAILBOX + "auth = 'xoauth2'\n", "needs password_command"),
    (MAILBOX + MAILBOX, "mailbox name 'support' is used twice"),
    ("[system\n", "not valid TOML"),
])
def test_errors_name_file_key_and_expectation(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert message in str(exc.value)
    assert str(path) in str(exc.value)
    assert "hunter2" not in str(exc.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_unknown_mailbox(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no mailbox named 'other'"):
        load_config(write(tmp_path, MAILBOX)).mailbox("other")
