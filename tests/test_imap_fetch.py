"""The sync's own reading of FETCH responses (``inboxwatch.imap``): the lines as imaplib hands
them over, and the same answers as imapclient's generic parser against a real Dovecot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from inboxwatch.config import load_config
from inboxwatch.imap import _internal_date, _parse_metadata, _uid_of, connect
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, make_message, write_config


@pytest.mark.parametrize(("line", "uid", "size", "flags"), [
    (b'1 (UID 7 RFC822.SIZE 1234 FLAGS () INTERNALDATE "26-Nov-2026 19:03:42 +0000")',
     7, 1234, ()),
    # other servers order the items differently, and keywords are flags too
    (b'3 (FLAGS (\\Seen $Forwarded) INTERNALDATE " 1-Feb-2024 08:00:00 -0130" '
     b'RFC822.SIZE 9 UID 12)', 12, 9, (b"\\Seen", b"$Forwarded")),
])
def test_metadata_line(line: bytes, uid: int, size: int, flags: tuple[bytes, ...]) -> None:
    meta = _parse_metadata(line)
    assert meta is not None
    assert (meta.uid, meta.size, meta.flags) == (uid, size, flags)
    assert meta.internal_date is not None and meta.internal_date.tzinfo is not None


def test_internal_date_is_converted_to_utc() -> None:
    assert _internal_date(b'1 (INTERNALDATE " 1-Feb-2024 08:00:00 -0130")') == \
        datetime(2024, 2, 1, 9, 30, tzinfo=UTC)
    assert _internal_date(b'1 (INTERNALDATE "31-Foo-2024 08:00:00 +0000")') is None
    assert _internal_date(b'1 (INTERNALDATE "31-Feb-2024 08:00:00 +0000")') is None


def test_unsolicited_fetch_without_uid_is_not_a_message() -> None:
    # a flag change announced by the server in the middle of our command
    assert _parse_metadata(b"5 (FLAGS (\\Seen))") is None
    assert _uid_of(b"5 (FLAGS (\\Seen))") is None
    assert _uid_of(b" UID 44)") == 44  # UID after the literal
    assert _uid_of(b"1 (XUID 44 BODY[] {3}") is None


def test_same_answers_as_imapclient(dovecot: Dovecot, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    user = dovecot.new_user()
    raws = [make_message(n, size=n * 5000) for n in range(6)]
    raws.append(b"Subject: empty body\r\n\r\n")
    dovecot.append(user, raws)
    reference = dovecot.client(user)
    reference.select_folder("INBOX")
    uids = reference.search(["ALL"])
    reference.add_flags(uids[:2], [b"\\Flagged", b"$Label1"])
    expected = reference.fetch(uids, [b"RFC822.SIZE", b"FLAGS", b"INTERNALDATE", b"BODY.PEEK[]",
                                      b"BODY.PEEK[HEADER]"])
    reference.logout()

    mailbox = load_config(write_config(tmp_path / "c.toml", dovecot, user)).mailboxes[0]
    with connect(mailbox) as conn:
        conn.select("INBOX")
        meta = conn.metadata([*uids, 999_999])  # an unknown UID is simply absent
        bodies = conn.bodies(uids)
        headers = conn.bodies(uids, header_only=True)
        assert conn.bodies([999_999]) == {}

    assert sorted(meta) == sorted(uids) == sorted(bodies) == sorted(headers)
    for uid in uids:
        item = expected[uid]
        assert meta[uid].size == item[b"RFC822.SIZE"]
        # \Recent belongs to the session that saw the message first (the reference one)
        assert set(meta[uid].flags) == set(item[b"FLAGS"]) - {b"\\Recent"}
        date = item[b"INTERNALDATE"]
        assert meta[uid].internal_date == date.astimezone(UTC)
        assert bodies[uid] == item[b"BODY[]"]
        assert headers[uid] == item[b"BODY[HEADER]"]
    assert bodies[uids[-1]].endswith(b"empty body\r\n\r\n")


def test_imaplib_protocol_trace_is_off(dovecot: Dovecot, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture) -> None:
    """imapclient turns imaplib's trace on and logs it at DEBUG: with it, every message
    fetched was formatted with repr() for a record nobody reads (and a DEBUG log would hold
    every byte of every mail). Fetching logs nothing from imaplib, even at DEBUG."""
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    user = dovecot.new_user()
    dovecot.append(user, [make_message(n) for n in range(3)])
    mailbox = load_config(write_config(tmp_path / "c.toml", dovecot, user)).mailboxes[0]
    caplog.set_level("DEBUG")
    with connect(mailbox) as conn:
        assert conn.client._imap.debug == 0
        conn.select("INBOX")
        uids = conn.uids_after(0)
        assert len(conn.bodies(uids)) == 3
    assert not [r for r in caplog.records if r.name == "imapclient.imaplib"]
