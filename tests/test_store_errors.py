"""Every database and config-path problem a sysadmin meets ends as one line and an exit code.

In-process through ``main`` (an uncaught exception would fail the test with its traceback),
and once through the installed entry point, as a shell sees it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from inboxwatch.cli import main
from tests.osaccounts import Accounts


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("inboxwatch: error: ")
    return lines[0]


@pytest.mark.parametrize(("url", "code", "says"), [
    ("nonsense://", 1, "does not run on 'nonsense' databases"),
    ("::::", 1, "is not a database URL"),
    ("mysql://u@localhost/helpdesk", 1, "does not run on 'mysql' databases"),
    ("postgresql+nodriver://u@localhost/helpdesk", 1, "unknown driver"),
    ("postgresql://u:hunter2@127.0.0.1:1/helpdesk", 4, "cannot reach the database server"),
])
def test_a_bad_database_url_is_one_line(url: str, code: int, says: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", url, "messages"]) == code
    line = _one_line(capsys)
    assert says in line
    assert "hunter2" not in line  # a password in the URL is never printed


def test_sqlite_paths_that_cannot_be_a_store(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", f"sqlite:///{tmp_path}", "messages"]) == 1
    assert "is a directory" in _one_line(capsys)

    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("these are my notes, not a database\n" * 100)
    assert main(["--db", f"sqlite:///{not_sqlite}", "messages"]) == 1
    assert "not an inboxwatch store" in _one_line(capsys)
    assert not_sqlite.read_text().startswith("these are my notes")  # left as it was

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["--db", f"sqlite:///{blocker}/sub/store.db", "messages"]) == 1
    assert "cannot create the store" in _one_line(capsys)


@pytest.mark.accounts
def test_an_unwritable_directory_is_permission_denied(os_accounts: Accounts) -> None:
    """As an ordinary account (root writes anywhere): a store in a directory it may not
    write, and a store file it may not open."""
    login = os_accounts.user("nowrite")
    locked = os_accounts.base / "locked"
    locked.mkdir(mode=0o755)  # root's, others may only read
    done = os_accounts.run(login, "--db", f"sqlite:///{locked}/store.db", "messages")
    assert done.returncode == 5, done.stderr
    assert "permission denied" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    private = locked / "private.db"
    private.write_bytes(b"")
    private.chmod(0o600)
    done = os_accounts.run(login, "--db", f"sqlite:///{private}", "messages")
    assert done.returncode == 5 and "permission denied" in done.stderr, done.stderr


def test_config_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path), "messages"]) == 1
    assert "is a directory, not a config file" in _one_line(capsys)
    assert main(["--config", str(tmp_path / "missing.toml"), "messages"]) == 1
    assert "config file not found" in _one_line(capsys)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["--config", str(binary), "messages"]) == 1
    assert "not a UTF-8 text file" in _one_line(capsys)


@pytest.mark.postgres
def test_postgresql_wrong_role_or_database(postgres_url: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    base = postgres_url.rsplit("/", 1)[0]
    assert main(["--db", f"{base}/no_such_database", "messages"]) == 1
    assert "does not exist" in _one_line(capsys)
    wrong_role = base.replace("//postgres@", "//no_such_role@") + "/postgres"
    assert main(["--db", wrong_role, "messages"]) == 5
    assert 'role "no_such_role" does not exist' in _one_line(capsys)


@pytest.mark.subprocess
def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "inboxwatch", "--db", "nonsense://",
                           "messages"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "INBOXWATCH_CONFIG": str(tmp_path / "none.toml")})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "does not run on 'nonsense' databases" in done.stderr


@pytest.mark.subprocess
def test_a_locked_store_waits_then_says_so_in_one_line(tmp_path: Path) -> None:
    """A backup or a sqlite3 session holds the write lock: import waits the busy timeout,
    then one line, exit 1; the mail is imported by the next run."""
    import sqlite3

    from inboxwatch_storage import open_engine

    db = tmp_path / "store.db"
    open_engine(f"sqlite:///{db}").dispose()
    mail = tmp_path / "m.eml"
    mail.write_bytes(b"From: a@client.example\nSubject: hi\nMessage-ID: <lock@x>\n\nbody\n")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    env = {**os.environ, "INBOXWATCH_BUSY_TIMEOUT_SECONDS": "1.5"}
    try:
        done = subprocess.run([sys.executable, "-m", "inboxwatch", "--db", f"sqlite:///{db}",
                               "import", str(mail)], capture_output=True, text=True,
                              timeout=120, env=env)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "the store is locked by another process" in done.stderr
    again = subprocess.run([sys.executable, "-m", "inboxwatch", "--db", f"sqlite:///{db}",
                            "import", str(mail)], capture_output=True, text=True, timeout=120,
                           env=env)
    assert again.returncode == 0 and "stored 1" in again.stdout, again.stderr
