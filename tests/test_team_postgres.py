"""PostgreSQL for a team: each operator connects as their own database role (peer
authentication over the Unix socket) and the database itself enforces the inboxwatch roles.

A viewer's role gets "permission denied" from psql for an UPDATE of a message while an
operator's change goes through inboxwatch; an operator cannot make themselves admin from
psql; a deactivated operator's role reads nothing; a login with no database role is told
what to fix in one line.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.osaccounts import Accounts
from tests.postgres import psql_tool
from tests.triage_support import MAIL, PDF_QUESTION, PLAIN_QUESTION

pytestmark = pytest.mark.subprocess  # runs inboxwatch and psql as other OS accounts


@pytest.mark.slow
def test_database_roles_follow_inboxwatch_roles(os_accounts: Accounts,
                                                peer_postgres: tuple[Path, int]) -> None:
    socket_dir, port = peer_postgres
    url = f"postgresql+psycopg:///inboxwatch?host={socket_dir}&port={port}"
    group = os_accounts.group("team")
    admin = os_accounts.user("ada", groups=(group,))
    operator = os_accounts.user("bob", groups=(group,))
    viewer = os_accounts.user("vic", groups=(group,))
    stranger = os_accounts.user("sam", groups=(group,))
    service = os_accounts.name("svc")
    etc, data = os_accounts.base / "etc", os_accounts.base / "var"
    done = subprocess.run(
        [*_inboxwatch(), "--db", url, "--json", "init", "--system", "--admin", admin,
         "--group", group, "--service-user", service, "--config-dir", str(etc),
         "--data-dir", str(data)], capture_output=True, text=True, check=False,
        env=os_accounts.env("root"))
    os_accounts.users.append(service)
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)["steps"]
    assert any("database roles" in s for s in steps), steps
    env = {"INBOXWATCH_SYSTEM_CONFIG": str(etc / "inboxwatch.toml")}

    def inboxwatch(login: str, *argv: str) -> subprocess.CompletedProcess[str]:
        return os_accounts.run(login, *argv, env=os_accounts.env(login, **env))

    def psql(login: str, sql: str) -> subprocess.CompletedProcess[str]:
        return os_accounts.command(login, [psql_tool(), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                                           "-h", str(socket_dir), "-p", str(port),
                                           "-d", "inboxwatch", "-c", sql])

    for login, role in ((operator, "operator"), (viewer, "viewer")):
        added = inboxwatch(admin, "users", "add", f"{login}@helpdesk.example", "--name", login,
                           "--login", login, "--role", role)
        assert added.returncode == 0, added.stderr
    mail = os_accounts.base / "mail"
    mail.mkdir()
    for name in (PLAIN_QUESTION, PDF_QUESTION):
        (mail / name).write_bytes((MAIL / name).read_bytes())
    imported = inboxwatch(service, "import", str(mail))
    assert imported.returncode == 0, imported.stderr

    # The viewer reads through inboxwatch; the database refuses their UPDATE from psql.
    listed = inboxwatch(viewer, "--json", "messages")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 2
    update = psql(viewer, "UPDATE message SET status = 'closed' WHERE id = 1")
    assert update.returncode != 0 and "permission denied for table message" in update.stderr
    # The operator's change goes through inboxwatch.
    marked = inboxwatch(operator, "mark", "1", "closed")
    assert marked.returncode == 0, marked.stderr
    status = psql(viewer, "SELECT status FROM message WHERE id = 1")
    assert status.returncode == 0 and "closed" in status.stdout
    # An operator cannot make themselves admin, nor a staff user, from psql.
    escalate = psql(operator, "INSERT INTO userrole (user_id, role) SELECT id, 'admin' "
                              f"FROM \"user\" WHERE login = '{operator}'")
    assert escalate.returncode != 0 and "row-level security" in escalate.stderr
    staff = psql(operator, "INSERT INTO \"user\" (name, login, active) "
                           "VALUES ('x', 'mallory', true)")
    assert staff.returncode != 0 and "row-level security" in staff.stderr
    # A login in the group with no database role: one line saying what to fix.
    unknown = inboxwatch(stranger, "messages")
    assert unknown.returncode == 5 and unknown.stdout == ""
    assert unknown.stderr.count("\n") == 1 and "users add" in unknown.stderr
    # Deactivated: the app refuses, and the database gives the role nothing.
    off = inboxwatch(admin, "users", "deactivate", f"{operator}@helpdesk.example")
    assert off.returncode == 0, off.stderr
    refused = inboxwatch(operator, "messages")
    assert refused.returncode == 5 and refused.stderr.count("\n") == 1, refused.stderr
    select = psql(operator, "SELECT count(*) FROM message")
    assert select.returncode != 0 and "permission denied" in select.stderr


def _inboxwatch() -> list[str]:
    import sys

    return [sys.executable, "-c", "from inboxwatch.cli import entry_point; entry_point()"]
