"""A help desk of several people on one server, each with their own OS account.

``init --system`` as root; the service account imports mail; operators in the group triage;
a viewer, a login outside the group and an in-group login unknown to inboxwatch are refused
with one line; nothing written is readable by accounts outside the group.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.osaccounts import Accounts
from tests.triage_support import MAIL, PDF_QUESTION, PLAIN_QUESTION

pytestmark = pytest.mark.subprocess  # runs inboxwatch as other OS accounts


def _init_team(accounts: Accounts, *, extra_config: str = "") -> tuple[dict[str, str], Path]:
    """Group, service account, admin, operator, viewer, an outsider and a stranger (in the
    group, no inboxwatch user); ``init --system`` as root. Returns logins and the data dir."""
    group = accounts.group("team")
    people = {
        "service": accounts.name("svc"),
        "admin": accounts.user("ada", groups=(group,)),
        "operator": accounts.user("bob", groups=(group,)),
        "viewer": accounts.user("vic", groups=(group,)),
        "stranger": accounts.user("sam", groups=(group,)),
        "outsider": accounts.user("out"),
        "group": group,
    }
    etc, data = accounts.base / "etc", accounts.base / "var"
    done = subprocess.run(
        [*_inboxwatch(), "--json", "init", "--system", "--admin", people["admin"],
         "--group", group, "--service-user", people["service"], "--config-dir", str(etc),
         "--data-dir", str(data)], capture_output=True, text=True, check=False,
        env={**accounts.env("root"), "INBOXWATCH_SYSTEM_CONFIG": str(etc / "x.toml")})
    assert done.returncode == 0, done.stderr
    accounts.users.append(people["service"])  # made by init: removed with the others
    steps = json.loads(done.stdout)["steps"]
    assert any("first admin" in s for s in steps)
    if extra_config:
        config = etc / "inboxwatch.toml"
        config.write_text(config.read_text() + extra_config)
    return people, data


def _inboxwatch() -> list[str]:
    import sys

    return [sys.executable, "-c", "from inboxwatch.cli import entry_point; entry_point()"]


def _env(accounts: Accounts, login: str, **extra: str) -> dict[str, str]:
    return accounts.env(login, INBOXWATCH_SYSTEM_CONFIG=str(accounts.base / "etc" /
                                                            "inboxwatch.toml"), **extra)


def _as(accounts: Accounts, login: str, *argv: str, **extra: str
        ) -> subprocess.CompletedProcess[str]:
    return accounts.run(login, *argv, env=_env(accounts, login, **extra))


def _owner(path: Path) -> tuple[str, str, int]:
    info = path.stat()
    return (pwd.getpwuid(info.st_uid).pw_name, grp.getgrgid(info.st_gid).gr_name,
            stat.S_IMODE(info.st_mode))


def _nothing_for_others(*roots: Path) -> list[str]:
    """Every file and directory under ``roots`` that others can read, write or enter."""
    found = []
    for root in roots:
        for path in [root, *root.rglob("*")]:
            if path.stat().st_mode & stat.S_IRWXO:
                found.append(f"{path} {stat.S_IMODE(path.stat().st_mode):04o}")
    return found


def test_team_deployment_modes_identity_and_refusals(os_accounts: Accounts) -> None:
    people, data = _init_team(os_accounts)
    group, service = people["group"], people["service"]
    etc = os_accounts.base / "etc"
    assert _owner(data) == (service, group, 0o2770)
    assert _owner(etc / "inboxwatch.toml") == ("root", group, 0o640)
    assert _owner(data / "inboxwatch.db") == (service, group, 0o660)
    assert _owner(data / "reply-token.key") == (service, group, 0o640)

    # The admin adds colleagues; the service account imports mail.
    for login, role in ((people["operator"], "operator"), (people["viewer"], "viewer")):
        done = _as(os_accounts, people["admin"], "users", "add", f"{login}@helpdesk.example",
                   "--name", login, "--login", login, "--role", role)
        assert done.returncode == 0, done.stderr
    mail = os_accounts.base / "mail"
    mail.mkdir()
    for name in (PLAIN_QUESTION, PDF_QUESTION):
        (mail / name).write_bytes((MAIL / name).read_bytes())
    mail.chmod(0o755)
    done = _as(os_accounts, service, "import", str(mail))
    assert done.returncode == 0, done.stderr

    # An operator reads and triages; the audit log names them, not the service.
    listed = _as(os_accounts, people["operator"], "--json", "messages")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 2
    done = _as(os_accounts, people["operator"], "mark", "1", "needs_attention")
    assert done.returncode == 0, done.stderr

    # LOGNAME/USER naming the admin change nothing: the viewer's uid acts, and is refused.
    spoof = _as(os_accounts, people["viewer"], "mark", "1", "closed",
                LOGNAME=people["admin"], USER=people["admin"])
    assert spoof.returncode == 5 and spoof.stdout == ""
    assert spoof.stderr.count("\n") == 1 and "lacks permission" in spoof.stderr
    assert f"{people['viewer']}@helpdesk.example" in spoof.stderr

    # An account outside the group cannot open the store or read the config.
    outside = _as(os_accounts, people["outsider"], "messages")
    assert outside.returncode in (1, 5) and outside.stdout == ""
    assert outside.stderr.count("\n") == 1 and "permission denied" in outside.stderr
    assert group in outside.stderr or "group" in outside.stderr

    # A login in the group that inboxwatch does not know: one line, exit 5, nothing shown.
    for argv in (["messages"], ["show", "1"], ["show", "1", "--raw"], ["outbox", "list"],
                 ["watch", "--once"], ["case", "find", "x"], ["tui"]):
        stranger = _as(os_accounts, people["stranger"], *argv)
        assert stranger.returncode == 5, (argv, stranger.stderr)
        assert stranger.stdout == "" and stranger.stderr.count("\n") == 1
        assert "no inboxwatch user has login" in stranger.stderr

    # The operator saves an attachment: the file is theirs alone.
    saved_dir = os_accounts.base / "home" / people["operator"] / "saved"
    save = os_accounts.python(people["operator"], SAVE_ATTACHMENT, str(saved_dir),
                              env=_env(os_accounts, people["operator"]))
    assert save.returncode == 0, save.stderr
    [saved] = list(saved_dir.iterdir())
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600

    # Everything in the deployment stays out of others' reach; the SQLite side files
    # (written by the service and the operators alike) are the group's.
    assert _nothing_for_others(data, etc) == []
    for suffix in ("-wal", "-shm"):
        part = data / f"inboxwatch.db{suffix}"
        if part.exists():
            owner, part_group, mode = _owner(part)
            assert part_group == group and mode & 0o060 == 0o060, (part, mode)

    # A key file made private to the service: the operator is told what to fix.
    key = data / "reply-token.key"
    key.chmod(0o600)
    update = _as(os_accounts, people["operator"], "case", "create", "--title", "T",
                 "--client", "c@client.example")
    assert update.returncode == 0, update.stderr
    update = _as(os_accounts, people["operator"], "case", "update", "1", "--text", "x",
                 "--email")
    assert update.returncode != 0 and update.stderr.count("\n") == 1
    assert "reply-token" in update.stderr and "permission denied" in update.stderr
    key.chmod(0o640)

    # `init` by an operator would shadow the team's config with a private one: refused.
    private = _as(os_accounts, people["operator"], "init")
    assert private.returncode == 2 and "team deployment" in private.stderr
    assert not (os_accounts.base / "home" / people["operator"] / ".config").exists()

    # A system config that is not there, named on purpose: one line.
    missing = os_accounts.run(people["operator"], "messages", env=os_accounts.env(
        people["operator"], INBOXWATCH_SYSTEM_CONFIG=str(etc / "nope.toml")))
    assert missing.returncode == 1 and "system config not found" in missing.stderr
    assert missing.stderr.count("\n") == 1


def test_init_system_needs_root(os_accounts: Accounts, tmp_path: Path) -> None:
    login = os_accounts.user("plain")
    done = os_accounts.run(login, "init", "--system", "--config-dir",
                           str(os_accounts.base / "e"), "--data-dir",
                           str(os_accounts.base / "d"))
    assert done.returncode == 5 and done.stderr.count("\n") == 1
    assert "as root" in done.stderr
    assert not (os_accounts.base / "d").exists()


SAVE_ATTACHMENT = """
import sys
from pathlib import Path
from typing import Any
from sqlmodel import Session, select
from inboxwatch.cli._context import Context
from inboxwatch.attachments import save_attachments
from inboxwatch_storage.tables import MessageAttachment
ctx = Context()
target = Path(sys.argv[1]); target.mkdir()
with Session(ctx.engine) as session:
    att = session.exec(select(MessageAttachment)).first()
    save_attachments(session, ctx.actor(session), [att.id], target)
"""


@pytest.fixture(autouse=True)
def _no_os_environ_leak() -> None:
    assert "INBOXWATCH_SYSTEM_CONFIG" not in os.environ


def _reply(sender: str, to: str, body: str, message_id: str, *, subject: str,
           references: str | None = None) -> bytes:
    """A client's reply with no In-Reply-To; References only when given."""
    from email.message import EmailMessage
    from email.policy import SMTP

    reply = EmailMessage()
    reply["From"] = f"Carla Client <{sender}>"
    reply["To"] = to
    reply["Subject"] = subject
    reply["Message-ID"] = message_id
    reply["Date"] = "Wed, 02 Dec 2026 09:00:00 +0000"
    if references:
        reply["References"] = references
    reply.set_content(body)
    return reply.as_bytes(policy=SMTP)


@pytest.mark.slow
def test_replies_to_two_operators_case_updates_route_by_token_and_by_references(
        os_accounts: Accounts, dovecot: Any) -> None:
    from tests.dovecot import DEFAULT_PASSWORD, write_config
    from tests.test_notify import Captured, Smtp, free_port

    people, data = _init_team(os_accounts)
    group, service = people["group"], people["service"]
    mailbox_user = dovecot.new_user()
    smtp = Smtp(free_port(), Captured())
    smtp.start()
    try:
        config = os_accounts.base / "etc" / "inboxwatch.toml"
        scratch = os_accounts.base / "scratch.toml"
        write_config(scratch, dovecot, mailbox_user, idle=False, extra=f'data_dir = "{data}"',
                     mailboxes=f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\n'
                               'security = "plain"\ntimeout_seconds = 10\n')
        config.write_text(f'[database]\nurl = "sqlite:///{data / "inboxwatch.db"}"\n\n'
                          + scratch.read_text())
        scratch.unlink()
        first, second = people["admin"], people["operator"]
        assert _as(os_accounts, first, "users", "add", f"{second}@helpdesk.example", "--name",
                   "Bob", "--login", second).returncode == 0
        assert _as(os_accounts, first, "users", "add", "carla@client.example", "--name",
                   "Carla Client", "--role", "client").returncode == 0
        # Each operator, from their own login, opens a case and emails an update.
        for number, login in ((1, first), (2, second)):
            done = _as(os_accounts, login, "case", "create", "--title", f"Case of {login}",
                       "--client", "carla@client.example")
            assert done.returncode == 0, done.stderr
            done = _as(os_accounts, login, "case", "update", str(number), "--text",
                       f"Update from {login}.", "--email")
            assert done.returncode == 0, done.stderr
        sent = _as(os_accounts, service, "--json", "outbox", "send")
        assert sent.returncode == 0, sent.stderr
        assert json.loads(sent.stdout)["sent"] == 2
        emails = {str(m["Subject"]): m for _, _, m in smtp.captured.mails}
        assert len(emails) == 2
        replies = []
        for number, login in ((1, first), (2, second)):
            email = emails[f"[Case #{number}] Case of {login}"]
            token_address = str(email["Reply-To"])
            assert token_address.startswith("updates+")
            # By token only: Reply pressed in a client that drops In-Reply-To/References.
            replies.append(_reply("carla@client.example", token_address,
                                  f"token reply to case {number}",
                                  f"<token-{number}@client.example>",
                                  subject=f"Re: {email['Subject']}"))
            # By References only: to the plain address, a subject that names no case.
            replies.append(_reply("carla@client.example", "updates@helpdesk.example.com",
                                  f"references reply to case {number}",
                                  f"<refs-{number}@client.example>", subject="Re: thanks",
                                  references=str(email["Message-ID"]).strip()))
        dovecot.append(mailbox_user, replies)
        polled = _as(os_accounts, service, "poll", IW_TEST_IMAP_PW=DEFAULT_PASSWORD)
        assert polled.returncode == 0, polled.stderr

        listed = _as(os_accounts, first, "--json", "messages", "--disposition", "case_update")
        assert listed.returncode == 0, listed.stderr
        rows = json.loads(listed.stdout)
        assert len(rows) == 4
        how = {}
        for row in rows:
            shown = json.loads(_as(os_accounts, first, "--json", "show", str(row["id"])).stdout)
            rules = {h["rule"] for h in shown["explanation"]}
            via = "token" if "reply_via_token" in rules else \
                "references" if "reply_via_references" in rules else "other"
            how[shown["message_id"]] = (shown["case_id"], via)
        assert how == {"<token-1@client.example>": (1, "token"),
                       "<refs-1@client.example>": (1, "references"),
                       "<token-2@client.example>": (2, "token"),
                       "<refs-2@client.example>": (2, "references")}
        assert _nothing_for_others(data) == []
        assert _owner(data / "inboxwatch.db")[1] == group
    finally:
        smtp.stop()
