"""``inboxwatch poll`` and ``status`` as a user or cron sees them: exit codes, one-line errors,
no secrets, TLS/STARTTLS/XOAUTH2 logins, the lock against overlapping runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from inboxwatch.cli import main
from inboxwatch.lease import acquire_lease
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import MailboxState, utcnow
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, free_port, make_message, write_config

pytestmark = pytest.mark.subprocess  # runs inboxwatch or tools in other processes


INBOXWATCH = [sys.executable, "-c", "from inboxwatch.cli import entry_point; entry_point()"]


def _cli(*args: str, password: str = DEFAULT_PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IW_TEST_IMAP_PW": password}
    return subprocess.run([*INBOXWATCH, *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_wrong_password_exits_3_with_one_line(dovecot: Dovecot, tmp_path: Path,
                                              db_url: str) -> None:
    user = dovecot.new_user()
    config = write_config(tmp_path / "c.toml", dovecot, user)
    result = _cli("--config", str(config), "--db", db_url, "poll", password="not-it-Zx9")
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "authentication failed" in lines[0] and "IW_TEST_IMAP_PW" in lines[0]
    assert "not-it-Zx9" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_closed_port_exits_4_with_one_line(tmp_path: Path, db_url: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f"""
[[mailbox]]
name = "support"
host = "127.0.0.1"
port = {free_port()}
security = "tls"
username = "someone"
password_env = "IW_TEST_IMAP_PW"
""")
    result = _cli("--config", str(config), "--db", db_url, "poll")
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "mailbox 'support'" in lines[0] and "cannot connect" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls_with_a_private_ca(dovecot: Dovecot, tmp_path: Path, db_url: str,
                                            security: str) -> None:
    user = dovecot.new_user()
    dovecot.append(user, [make_message(1, tag=user)])
    port = dovecot.tls_port if security == "tls" else dovecot.plain_port
    trusted = write_config(tmp_path / "c.toml", dovecot, user, security=security, port=port,
                           ca_file=str(dovecot.cert_file))
    result = _cli("--config", str(trusted), "--db", db_url, "poll")
    assert result.returncode == 0, result.stderr
    assert "1 new, 1 stored" in result.stdout
    untrusted = write_config(tmp_path / "u.toml", dovecot, user, security=security, port=port)
    result = _cli("--config", str(untrusted), "--db", db_url, "poll")
    assert result.returncode == 4
    assert "certificate verify failed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_xoauth2_token_from_password_command(dovecot: Dovecot, tmp_path: Path,
                                             db_url: str) -> None:
    user = dovecot.new_user()
    dovecot.append(user, [make_message(1, tag=user)])
    # The test server accepts the account password as the bearer token.
    token_script = tmp_path / "token.sh"
    token_script.write_text(f"#!/bin/sh\necho '{DEFAULT_PASSWORD}'\n")
    token_script.chmod(0o700)
    config = tmp_path / "c.toml"
    config.write_text(f"""
[[mailbox]]
name = "oauth"
host = "{dovecot.host}"
port = {dovecot.plain_port}
security = "plain"
username = "{user}"
auth = "xoauth2"
password_command = "{token_script}"
""")
    result = _cli("--config", str(config), "--db", db_url, "--json", "poll")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["stored"] == 1
    assert DEFAULT_PASSWORD not in result.stdout + result.stderr


def test_overlapping_poll_is_skipped_while_another_holds_the_mailbox(
        dovecot: Dovecot, tmp_path: Path, db_url: str) -> None:
    user = dovecot.new_user()
    dovecot.append(user, [make_message(1, tag=user)])
    config = write_config(tmp_path / "c.toml", dovecot, user)
    engine = open_engine(db_url)
    with acquire_lease(engine, "support", "otherhost:1:abcd", seconds=60):
        result = _cli("--config", str(config), "--db", db_url, "poll")
        assert result.returncode == 0, result.stderr
        assert "support: skipped (mailbox 'support' is being polled by otherhost:1:abcd" \
            in result.stdout
    result = _cli("--config", str(config), "--db", db_url, "poll")
    assert "1 new, 1 stored" in result.stdout
    engine.dispose()


def test_status_reports_last_success_and_goes_stale(
        dovecot: Dovecot, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    user = dovecot.new_user()
    config = write_config(tmp_path / "c.toml", dovecot, user, interval_seconds=60)
    assert main(["--config", str(config), "--db", db_url, "status"]) == 1
    assert "support: STALE, never polled successfully" in capsys.readouterr().out

    assert main(["--config", str(config), "--db", db_url, "poll"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "--db", db_url, "--json", "status"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["mailbox"] == "support" and row["ok"] is True and row["mode"] == "poll"

    engine = open_engine(db_url)
    with Session(engine) as session:
        state = session.get(MailboxState, "support")
        assert state is not None
        state.last_success_at = utcnow() - timedelta(seconds=181)
        session.add(state)
        session.commit()
    engine.dispose()
    assert main(["--config", str(config), "--db", db_url, "status"]) == 1
    assert "support: STALE, last success 181s ago" in capsys.readouterr().out


def test_status_exit_codes_for_monitoring(dovecot: Dovecot, tmp_path: Path, db_url: str,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """0 ok, 1 stale, 2 config error, 3 a login refused: what a Nagios/Icinga check reads."""
    user = dovecot.new_user()
    config = write_config(tmp_path / "c.toml", dovecot, user, interval_seconds=60)
    base = ["--config", str(config), "--db", db_url]
    monkeypatch.setenv("IW_TEST_IMAP_PW", "not-it-Zx9")
    assert main([*base, "poll"]) == 3
    capsys.readouterr()
    assert main([*base, "status"]) == 3
    out = capsys.readouterr().out
    assert "support: LOGIN REFUSED" in out and "not-it-Zx9" not in out
    assert main([*base, "--json", "status"]) == 3
    assert json.loads(capsys.readouterr().out)[0]["last_error_kind"] == "auth"

    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    assert main([*base, "poll"]) == 0
    capsys.readouterr()
    assert main([*base, "status"]) == 0
    assert "support: ok" in capsys.readouterr().out

    broken = tmp_path / "broken.toml"
    broken.write_text("[[mailbox]\nname = \n")
    assert main(["--config", str(broken), "--db", db_url, "status"]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert main(["--config", str(tmp_path), "--db", db_url, "status"]) == 2


@pytest.mark.parametrize("idle", [True, False], ids=["idle", "polling"])
def test_run_backs_off_for_long_after_a_refused_login(dovecot: Dovecot, tmp_path: Path,
                                                       db_url: str, idle: bool) -> None:
    """A wrong password is tried once, then not again for 5 minutes (a lockout risk), and
    the log line says so; ``status`` meanwhile says LOGIN REFUSED, exit 3."""
    user = dovecot.new_user()
    config = write_config(tmp_path / "c.toml", dovecot, user, interval_seconds=1, idle=idle)
    env = {**os.environ, "IW_TEST_IMAP_PW": "not-it-Zx9"}
    before = dovecot.log_tail(100000).count(f"user=<{user}>")
    service = subprocess.Popen([*INBOXWATCH, "--config", str(config), "--db", db_url, "run"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    try:
        deadline = utcnow() + timedelta(seconds=30)
        while utcnow() < deadline:
            status = _cli("--config", str(config), "--db", db_url, "status")
            if status.returncode == 3:
                break
        assert status.returncode == 3, status.stdout + status.stderr
        # Eight intervals later: still that one attempt.
        import time

        time.sleep(8)
    finally:
        service.terminate()
        out, err = service.communicate(timeout=60)
    attempts = dovecot.log_tail(100000).count(f"user=<{user}>") - before
    assert attempts == 1, dovecot.log_tail(20)
    assert "next attempt in 5 min" in err and "can lock the account" in err, err
    assert "not-it-Zx9" not in out + err
