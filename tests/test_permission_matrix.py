"""Every command x every built-in role (and an unknown and a deactivated login): allowed, or
exit 5 with one line and nothing shown or changed.

The commands come from the parser itself (:func:`inboxwatch.cli.iter_commands`) and the
expected outcome from each command's declared access and the role table, so a command added
without a sample here, or one whose service skips its check, fails this test.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from inboxwatch import roles, triage
from inboxwatch.cli import build_parser, iter_commands, main
from inboxwatch.cli._access import Access
from inboxwatch.demo import DEMO_CONTEXT
from inboxwatch.tokens import ensure_reply_secret
from inboxwatch.users import add_user, bootstrap_first_admin, deactivate_user, resolve_actor
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import AuditEntry, Message
from tests.triage_support import MAIL, PDF_QUESTION, PLAIN_QUESTION, import_examples

NOT_THE_OWNER = 65534  # the store files belong to the test's uid; the caller is someone else
IDENTITIES = (*roles.BUILTIN_ROLES, "unknown", "inactive")

# What each command is run with: {db}, {cfg}, {tmp}, {mail} are filled in. A command that
# is not here fails test_every_command_has_a_sample.
SAMPLES: dict[tuple[str, ...], list[str]] = {
    ("import",): ["import", "{mail}"],
    ("messages",): ["messages"],
    ("show",): ["show", "1"],
    ("db", "upgrade"): ["db", "upgrade"],
    ("db", "current"): ["db", "current"],
    ("db", "setup-team"): ["db", "setup-team"],
    ("init",): ["init"],
    ("secret", "set"): ["secret", "set", "smtp"],
    ("secret", "rotate-reply-key"): ["secret", "rotate-reply-key"],
    ("demo",): ["demo", "--no-tui", "--db", "sqlite:///{tmp}/demo.db"],
    ("poll",): ["poll"],
    ("run",): ["run"],
    ("status",): ["status"],
    ("mark",): ["mark", "1", "closed"],
    ("delete",): ["delete", "1"],
    ("take",): ["take", "1"],
    ("hand-over",): ["hand-over", "1", "--to", "operator@helpdesk.example.com"],
    ("release",): ["release", "1"],
    ("undelete",): ["undelete", "3"],
    ("not-spam",): ["not-spam", "1"],
    ("answer",): ["answer", "1", "--text", "Thanks, noted."],
    ("purge",): ["purge"],
    ("case", "create"): ["case", "create", "--from-message", "1"],
    ("case", "find"): ["case", "find", "VPN"],
    ("case", "link"): ["case", "link", "1", "1"],
    ("case", "update"): ["case", "update", "1", "--text", "We are on it."],
    ("case", "show"): ["case", "show", "1"],
    ("case", "add-participant"): ["case", "add-participant", "1", "--email",
                                  "p@client.example"],
    ("users", "add"): ["users", "add", "new@helpdesk.example.com", "--name", "New"],
    ("users", "list"): ["users", "list"],
    ("users", "deactivate"): ["users", "deactivate", "operator@helpdesk.example.com"],
    ("users", "activate"): ["users", "activate", "inactive@helpdesk.example.com"],
    ("users", "grant"): ["users", "grant", "viewer@helpdesk.example.com", "operator"],
    ("watch",): ["watch", "--once"],
    ("eval",): ["eval", "--label", "normal", "--workers", "1", "{mail}"],
    ("tui",): ["tui"],
    ("completion",): ["completion", "bash"],
    ("reprocess",): ["reprocess"],
    ("outbox", "send"): ["outbox", "send"],
    ("outbox", "list"): ["outbox", "list"],
    ("notify", "check-templates"): ["notify", "check-templates"],
}
# Allowed, these stop after the permission check: no mailbox is configured, no terminal,
# a PostgreSQL command on SQLite.
ALLOWED_EXIT = {("poll",): 1, ("run",): 1, ("tui",): 2, ("db", "setup-team"): 2}
ALL_COMMANDS = [(words, command.get_default("access"))
                for words, command in iter_commands(build_parser())]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Messages 1-3 (3 deleted), case 1, and one user per built-in role plus an inactive one."""
    path = tmp_path_factory.mktemp("matrix") / "store.db"
    engine = open_engine(f"sqlite:///{path}")
    import_examples(engine, DEMO_CONTEXT, PLAIN_QUESTION, PDF_QUESTION,
                    "03-client-direct-question-png-screenshot.eml")
    with Session(engine) as session:
        bootstrap_first_admin(session, login="admin", name="Ada Admin")
        admin = resolve_actor(session, login="admin")
        for role in ("operator", "viewer", "client", "inactive"):
            add_user(session, admin, f"{role}@helpdesk.example.com", name=role.title(),
                     login=role, roles=(role if role != "inactive" else "operator",))
        deactivate_user(session, admin, "inactive@helpdesk.example.com")
        triage.create_case(session, admin, title="VPN drops", client_email="c@client.example")
        triage.delete(session, admin, 3)
    engine.dispose()
    return path


def _fingerprint(db: Path) -> str:
    """A digest of what a denied command must not change: messages and the audit log."""
    engine = open_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        rows = [repr(m.model_dump()) for m in session.exec(select(Message)
                                                            .order_by(Message.id)).all()]
        rows += [repr(a.model_dump()) for a in session.exec(select(AuditEntry)).all()]
    engine.dispose()
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def _expected_allowed(access: Access, identity: str) -> bool:
    if access.kind == "open":
        return True
    if identity not in roles.BUILTIN_ROLES:
        return False
    return access.allows_role(roles.BUILTIN_ROLES[identity].permissions,
                              is_admin=identity == "admin")


def test_every_command_has_a_sample() -> None:
    missing = [" ".join(w) for w, _ in ALL_COMMANDS if w not in SAMPLES]
    assert not missing, f"add these commands to SAMPLES: {missing}"
    assert len(ALL_COMMANDS) >= 30


def _cases() -> Iterator[object]:
    for words, access in ALL_COMMANDS:
        for identity in IDENTITIES:
            yield pytest.param(words, access, identity, id=f"{'-'.join(words)}-{identity}")


@pytest.mark.parametrize(("words", "access", "identity"), list(_cases()))
def test_command_as_identity(words: tuple[str, ...], access: Access, identity: str,
                             template: Path, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "store.db"
    shutil.copy(template, db)
    config = tmp_path / "c.toml"
    config.write_text('[system]\nreply_address = "updates@helpdesk.example.com"\n'
                      'notifications_address = "notify@helpdesk.example.com"\n'
                      'general_address = "helpdesk@helpdesk.example.com"\n'
                      f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    ensure_reply_secret(path=tmp_path / "data" / "reply-token.key")
    mail = tmp_path / "mail"
    mail.mkdir()
    shutil.copy(MAIL / PLAIN_QUESTION, mail)
    monkeypatch.setattr("inboxwatch.identity.current_uid", lambda: NOT_THE_OWNER)
    monkeypatch.setattr("inboxwatch.identity.current_login",
                        lambda: "someone" if identity == "unknown" else identity)
    monkeypatch.setattr("sys.stdin", _Stdin("s3cret\n"))
    argv = [a.format(db=db, cfg=config, tmp=tmp_path, mail=mail) for a in SAMPLES[words]]
    before = _fingerprint(db)
    code = main(["--db", f"sqlite:///{db}", "--config", str(config), *argv])
    out, err = capsys.readouterr()
    if _expected_allowed(access, identity):
        assert code == ALLOWED_EXIT.get(words, 0), f"{' '.join(argv)} as {identity}: {err}"
        return
    assert code == 5, f"{' '.join(argv)} as {identity}: exit {code}, expected 5: {err}"
    assert out == "", f"a refused command showed something: {out[:200]!r}"
    assert err.count("\n") == 1 and err.startswith("inboxwatch: error: "), err
    assert _fingerprint(db) == before, "a refused command changed the store"


class _Stdin:
    """A non-terminal stdin with one line on it (for ``secret set``)."""

    def __init__(self, text: str) -> None:
        self.lines = [text]

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        return self.lines.pop() if self.lines else ""


def test_env_login_does_not_change_who_acts(template: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """LOGNAME/USER name the admin, the uid is the viewer's: the viewer acts, and is refused."""
    db = tmp_path / "store.db"
    shutil.copy(template, db)
    monkeypatch.setattr("pwd.getpwuid", lambda uid: _Passwd("viewer"))
    monkeypatch.setenv("LOGNAME", "admin")
    monkeypatch.setenv("USER", "admin")
    code = main(["--db", f"sqlite:///{db}", "mark", "1", "closed"])
    err = capsys.readouterr().err
    assert code == 5 and "viewer@helpdesk.example.com lacks" in err


class _Passwd:
    def __init__(self, name: str) -> None:
        self.pw_name = name
