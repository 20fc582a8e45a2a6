"""A file is one message unless it is an mbox: never split at a "From " line in a body."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxwatch.cli import main
from inboxwatch.sources import FORMATS, looks_like_mbox, split_mbox
from inboxwatch_storage import open_engine

# What a mail client saves: an envelope line, and a paragraph that starts with "From".
SINGLE = (b"From alice@client.example Tue Mar  5 09:00:00 2024\n"
          b"From: Alice <alice@client.example>\nTo: support@helpdesk.example.com\n"
          b"Subject: the printer\nMessage-ID: <single@client.example>\n\n"
          b"Hello,\n\nFrom what I can tell the printer is broken.\n\n"
          b"From Monday on it has jammed.\n\nFrom: this line looks like a header too\n"
          b"Alice\n")
# A bounce that quotes the original with its envelope line inside the MIME report.
BOUNCE = (b"From MAILER-DAEMON Tue Mar  5 09:00:00 2024\n"
          b"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\n"
          b"To: notify@helpdesk.example.com\nSubject: Undelivered Mail Returned to Sender\n"
          b"Message-ID: <bounce@mx.example.com>\nMIME-Version: 1.0\n"
          b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\n\n"
          b"--B1\nContent-Type: text/plain\n\nYour mail could not be delivered.\n\n"
          b"--B1\nContent-Type: message/rfc822\n\n"
          b"From notify@helpdesk.example.com Tue Mar  5 08:59:00 2024\n"
          b"From: notify@helpdesk.example.com\nTo: gone@client.example\nSubject: case\n\n"
          b"text\n\n--B1--\n")


def test_shapes() -> None:
    assert set(FORMATS) == {"auto", "eml", "mbox"}
    assert not looks_like_mbox(SINGLE)
    assert not looks_like_mbox(BOUNCE)
    two = SINGLE + b"\n" + SINGLE.replace(b"<single@", b"<second@")
    assert looks_like_mbox(two)
    first, second = split_mbox(two)
    assert first == SINGLE.split(b"\n", 1)[1] and b"<second@" in second
    assert split_mbox(BOUNCE + b"\n" + SINGLE)[0] == BOUNCE.split(b"\n", 1)[1]


@pytest.mark.parametrize(("name", "raw"), [("mail", SINGLE), ("mail.eml", SINGLE),
                                           ("bounce", BOUNCE), ("bounce.eml", BOUNCE)])
def test_a_single_file_is_stored_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       db_url: str, admin_login: str, name: str,
                                       raw: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    db = db_url
    assert main(["--db", db, "--json", "import", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["stored"] == 1
    assert main(["--db", db, "show", "1", "--raw", "--force"]) == 0
    assert capsys.readouterr().out.encode() == raw  # byte for byte, nothing shortened
    open_engine(db).dispose()


def test_an_mbox_by_name_shape_or_option(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    two = SINGLE + b"\n" + SINGLE.replace(b"<single@", b"<second@")
    for n, (name, args) in enumerate([("box.mbox", []), ("box", []),
                                      ("box.eml", ["--format", "mbox"])]):
        path = tmp_path / name
        path.write_bytes(two)
        db = f"sqlite:///{tmp_path / f'{n}.db'}"
        assert main(["--db", db, "--json", "import", *args, str(path)]) == 0
        assert json.loads(capsys.readouterr().out)["stored"] == 2, name
    path = tmp_path / "forced"
    path.write_bytes(two)
    db = f"sqlite:///{tmp_path / 'forced.db'}"
    assert main(["--db", db, "--json", "import", "--format", "eml", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["stored"] == 1


HOSTILE = (b"From: Mallory <m@evil.example>\nTo: support@helpdesk.example.com\n"
           b"Subject: hi \x1b]52;c;ZWNobyBwd25lZA==\x07 \x1b[8mhidden\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=\"X\"\n\n--X\nContent-Type: text/plain\n\n"
           b"body \x1b]0;title\x07 \x1b[2J\n--X\n"
           b"Content-Type: application/x-\x1b[8mevil; name=\"a\x1b[31m.txt\"\n"
           b"Content-Disposition: attachment; filename=\"a\x1b[31m.txt\"\n\nx\n--X--\n")


def test_show_sends_every_byte_of_the_message_through_the_sanitiser(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], db_url: str,
        admin_login: str) -> None:
    path = tmp_path / "hostile.eml"
    path.write_bytes(HOSTILE)
    assert main(["--db", db_url, "import", str(path)]) == 0
    capsys.readouterr()
    assert main(["--db", db_url, "show", "1"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "evil" in out and "a" in out  # shown, made harmless


@pytest.mark.subprocess
def test_show_raw_refuses_a_terminal_unless_forced(tmp_path: Path, db_url: str,
                                                   admin_login: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import pty
    import subprocess
    import sys

    path = tmp_path / "hostile.eml"
    path.write_bytes(HOSTILE)
    assert main(["--db", db_url, "import", str(path)]) == 0
    code = ("import sys; import inboxwatch.identity as i; i.current_login = lambda: 'ada'; "
            "from inboxwatch.cli import main; sys.exit(main(sys.argv[1:]))")

    def on_a_terminal(*args: str) -> tuple[int, bytes]:
        leader, follower = pty.openpty()
        done = subprocess.run([sys.executable, "-c", code, "--db", db_url, "show", "1",
                               "--raw", *args], stdout=follower, stderr=subprocess.PIPE,
                              timeout=60)
        os.close(follower)
        written = b""
        try:
            while chunk := os.read(leader, 65536):
                written += chunk
        except OSError:
            pass
        os.close(leader)
        return done.returncode, written + done.stderr

    code_refused, said = on_a_terminal()
    assert code_refused == 2 and b"not writing a raw message to a terminal" in said
    assert b"\x1b]52" not in said
    code_forced, written = on_a_terminal("--force")
    assert code_forced == 0 and b"\x1b]52" in written
