"""``inboxwatch import``, ``messages``, ``show``: real SQLite files, real example mail."""

from __future__ import annotations

import hashlib
import json
import mailbox
import shutil
from pathlib import Path

import pytest

from inboxwatch.cli import main

EXAMPLES = Path(__file__).parent.parent / "examples" / "mail"


pytestmark = pytest.mark.usefixtures("admin_login")  # the CLI runs as admin ada


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stored_ids(capsys: pytest.CaptureFixture[str], db: str) -> list[dict[str, object]]:
    code, out, _ = run(capsys, "--db", db, "--json", "messages", "--limit", "1000")
    assert code == 0
    return list(json.loads(out))


def test_import_folder_then_reimport_adds_nothing(capsys: pytest.CaptureFixture[str],
                                                  db_url: str) -> None:
    files = sorted(EXAMPLES.glob("*.eml"))
    code, out, _ = run(capsys, "--db", db_url, "--json", "import", str(EXAMPLES))
    assert code == 0
    summary = json.loads(out)
    # 47/48-duplicate-* are one mail delivered to two addresses: one item
    assert summary["stored"] == len(files) - 1 and summary["duplicates"] == 1
    assert summary["malformed"] == 1
    code, out, _ = run(capsys, "--db", db_url, "--json", "import", str(EXAMPLES))
    assert json.loads(out)["stored"] == 0
    assert json.loads(out)["duplicates"] == len(files)
    rows = stored_ids(capsys, db_url)
    assert len(rows) == len(files) - 1
    assert {"id", "message_id", "sha256", "mailbox", "from_addr", "subject", "received_at",
            "disposition", "status", "reason", "category", "case_id",
            "attachments"} <= set(rows[0])


def test_show_raw_is_byte_exact(capsysbinary: pytest.CaptureFixture[bytes],
                                db_url: str) -> None:
    source = EXAMPLES / "40-mbox-envelope-from-line.eml"
    assert main(["--db", db_url, "--json", "import", str(source)]) == 0
    summary = json.loads(capsysbinary.readouterr().out)
    assert summary["stored"] == 1
    assert main(["--db", db_url, "show", "1", "--raw"]) == 0
    raw = capsysbinary.readouterr().out
    assert hashlib.sha256(raw).hexdigest() == hashlib.sha256(source.read_bytes()).hexdigest()


def test_show_json_has_explanation(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    run(capsys, "--db", db_url, "import", str(EXAMPLES / "01-client-direct-question.eml"))
    code, out, _ = run(capsys, "--db", db_url, "--json", "show", "1")
    data = json.loads(out)
    assert code == 0 and data["id"] == 1
    assert data["reason"] == "direct_to_system"
    assert "direct_to_system" in [hit["rule"] for hit in data["explanation"]]


def test_show_text_is_sanitised(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    run(capsys, "--db", db_url, "import", str(EXAMPLES / "42-hostile-terminal-escapes-and-markup.eml"))
    code, out, _ = run(capsys, "--db", db_url, "show", "1")
    assert code == 0
    assert "\x1b" not in out and "\u202e" not in out and "\x9b" not in out
    assert "[/]" in out  # shown as text, not eaten as markup
    code, out, _ = run(capsys, "--db", db_url, "messages")
    assert "\x1b" not in out and "\u202e" not in out


def test_missing_path_is_one_line_and_changes_nothing(capsys: pytest.CaptureFixture[str],
                                                      db_url: str, tmp_path: Path) -> None:
    run(capsys, "--db", db_url, "import", str(EXAMPLES / "01-client-direct-question.eml"))
    code, out, err = run(capsys, "--db", db_url, "import", str(EXAMPLES), str(tmp_path / "nope"))
    assert code == 1
    assert err.count("\n") == 1 and "no such file or directory" in err
    assert "Traceback" not in err
    assert len(stored_ids(capsys, db_url)) == 1


def test_not_mail_is_stored_flagged(capsys: pytest.CaptureFixture[str], db_url: str,
                                    tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (folder / "empty.eml").write_bytes(b"")
    code, out, err = run(capsys, "--db", db_url, "import", str(folder))
    assert code == 0
    assert "stored 1" in out and "flagged malformed 1" in out
    assert "skipped" in err and "empty file" in err


def test_text_without_headers_is_stored_flagged(capsys: pytest.CaptureFixture[str],
                                                db_url: str, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("just some words, no headers at all\n")
    code, out, _ = run(capsys, "--db", db_url, "--json", "import", str(note))
    assert json.loads(out)["malformed"] == 1
    [row] = stored_ids(capsys, db_url)
    assert row["category"] == "malformed" and row["status"] == "needs_attention"


def test_mbox_with_broken_from_lines(capsys: pytest.CaptureFixture[str], db_url: str,
                                     tmp_path: Path) -> None:
    box = tmp_path / "archive.mbox"
    box.write_bytes(
        b"From a@example.com Mon Nov 23 10:00:00 2026\nFrom: a@example.com\nSubject: one\n\n"
        b"first\n>From the quoted line\n\n"
        b"From broken-envelope-line\nFrom: b@example.com\nSubject: two\n\nsecond\n\n"
        b"From c@example.com Mon Nov 23 10:02:00 2026\nSubject: three\n\nthird\n"
    )
    code, out, _ = run(capsys, "--db", db_url, "--json", "import", str(box))
    assert code == 0
    assert json.loads(out)["stored"] == 3
    subjects = sorted(str(r["subject"]) for r in stored_ids(capsys, db_url))
    assert subjects == ["one", "three", "two"]


def test_maildir(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> None:
    md = mailbox.Maildir(tmp_path / "Maildir")
    for name in ("01-client-direct-question.eml", "16-bounce-rfc3464-dsn-null-return-path.eml"):
        path = EXAMPLES / name
        if path.exists():
            md.add(path.read_bytes())
    code, out, _ = run(capsys, "--db", db_url, "--json", "import", str(tmp_path / "Maildir"))
    assert code == 0 and json.loads(out)["stored"] == len(md)


def test_large_message(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> None:
    big = tmp_path / "big.eml"
    line = b"0123456789" * 7 + b"\r\n"
    big.write_bytes(b"From: a@example.com\r\nSubject: big\r\n\r\n" + line * (50 * 1024 * 1024
                                                                             // len(line)))
    code, out, _ = run(capsys, "--db", db_url, "--json", "import", str(big))
    assert code == 0 and json.loads(out)["stored"] == 1


def test_unknown_config_key(capsys: pytest.CaptureFixture[str], db_url: str,
                            tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[system]\nnotifications_adress = "x@example.com"\n')
    code, _, err = run(capsys, "--config", str(cfg), "--db", db_url, "import", str(EXAMPLES))
    assert code == 1
    assert "unknown key system.notifications_adress" in err and str(cfg) in err
    assert err.count("\n") == 1


def test_search_and_filters(capsys: pytest.CaptureFixture[str], db_url: str,
                            tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    for f in sorted(EXAMPLES.glob("*.eml"))[:12]:
        shutil.copy(f, folder / f.name)
    run(capsys, "--db", db_url, "import", str(folder))
    code, out, _ = run(capsys, "--db", db_url, "--json", "messages", "--search", "printer")
    assert code == 0
    hits = json.loads(out)
    assert hits and all("printer" in (str(h["subject"]) + str(h["from_addr"])).lower()
                        or h["id"] for h in hits)
    code, out, _ = run(capsys, "--db", db_url, "--json", "messages", "--status", "closed")
    assert all(r["status"] == "closed" for r in json.loads(out))


def test_show_unknown_id(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    code, _, err = run(capsys, "--db", db_url, "show", "999")
    assert code == 1 and "message 999 does not exist" in err


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["show", "not-a-number"])
    assert exc.value.code == 2
