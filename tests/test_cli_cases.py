"""The triage commands through ``inboxwatch.cli.main``, against a real SQLite store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch.cli import main
from inboxwatch.route import RoutingContext
from inboxwatch_storage.tables import AuditEntry, Case, Message, User
from tests.triage_support import CSV_QUESTION, PLAIN_QUESTION, THREE_ATTACHMENTS, import_examples


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setattr("inboxwatch.identity.current_login", lambda: "ada")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", db_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def as_json(out: str) -> Any:
    return json.loads(out)


def test_init_makes_the_os_login_the_first_admin(cli, tmp_path) -> None:
    code, out, _ = cli("--config", str(tmp_path / "c.toml"), "--json", "init")
    assert code == 0
    assert any("first admin" in step for step in as_json(out)["steps"])
    code, out, _ = cli("--json", "users", "list")
    assert code == 0 and as_json(out)[0]["login"] == "ada"
    code, out, _ = cli("--config", str(tmp_path / "c.toml"), "--json", "init")
    assert not any("first admin" in step for step in as_json(out)["steps"])


def test_case_workflow(cli, engine: Engine, routing: RoutingContext, tmp_path) -> None:
    ids = import_examples(engine, routing, THREE_ATTACHMENTS, CSV_QUESTION, PLAIN_QUESTION)
    assert cli("--config", str(tmp_path / "c.toml"), "init")[0] == 0

    code, out, _ = cli("--json", "case", "create", "--from-message", str(ids[THREE_ATTACHMENTS]))
    assert code == 0
    case = as_json(out)
    assert len(case["files"]) == 3 and case["client_email"] == "dave.okoro@client-one.example.com"
    number = str(case["number"])

    code, out, _ = cli("--json", "case", "find", "dave")
    assert [c["number"] for c in as_json(out)] == [case["number"]]
    assert cli("case", "link", str(ids[CSV_QUESTION]), f"#{number}")[0] == 0
    names = [f["name"] for f in case["files"]][:2]
    code, out, _ = cli("--json", "case", "update", number, "--from-message",
                       str(ids[CSV_QUESTION]), "--file", names[0], "--file", names[1])
    assert code == 0 and sorted(f["name"] for f in as_json(out)["files"]) == sorted(names)

    code, out, _ = cli("case", "show", number)
    assert code == 0 and "Mette Jensen" in out and names[0] in out

    code, out, _ = cli("--json", "mark", str(ids[PLAIN_QUESTION]), "needs_attention")
    assert as_json(out)["status"] == "needs_attention"
    code, out, _ = cli("--json", "delete", str(ids[PLAIN_QUESTION]), "--as-spam")
    assert as_json(out) == {"id": ids[PLAIN_QUESTION], "status": "needs_attention",
                            "category": "spam", "case_id": None, "deleted": True,
                            "version": 3}
    assert cli("undelete", str(ids[PLAIN_QUESTION]))[0] == 0
    code, out, _ = cli("--json", "purge", "--older-than", "30")
    assert code == 0 and as_json(out)["count"] == 0


def test_purge_without_days_keeps_system_retention_days(cli, engine: Engine,
                                                       routing: RoutingContext,
                                                       tmp_path) -> None:
    ids = import_examples(engine, routing, PLAIN_QUESTION, CSV_QUESTION)
    config = tmp_path / "c.toml"
    assert cli("--config", str(config), "init")[0] == 0
    assert cli("delete", str(ids[PLAIN_QUESTION]), str(ids[CSV_QUESTION]))[0] == 0
    with Session(engine) as session:
        m = session.get(Message, ids[PLAIN_QUESTION])
        assert m is not None and m.deleted_at is not None
        m.deleted_at = m.deleted_at.replace(year=m.deleted_at.year - 1)  # a year ago
        session.add(m)
        session.commit()
    code, out, _ = cli("--config", str(config), "--json", "purge")  # 30 days by default
    assert code == 0 and as_json(out)["purged"] == [ids[PLAIN_QUESTION]]
    config.write_text(config.read_text().replace("[system]", "[system]\nretention_days = 0",
                                                 1))
    code, out, _ = cli("--config", str(config), "--json", "purge")
    assert code == 0 and as_json(out)["purged"] == [ids[CSV_QUESTION]]


@pytest.mark.parametrize("args, code, text", [
    (("mark", "999", "closed"), 1, "message 999 does not exist"),
    (("case", "show", "77"), 1, "case #77 does not exist"),
    (("case", "link", "1", "77"), 1, "case #77 does not exist"),
    (("case", "update", "77", "--text", "hi"), 1, "case #77 does not exist"),
    (("case", "create", "--title", "T", "--client", "not-an-address"), 2,
     "not an email address"),
    (("users", "add", "bob", "--name", "Bob"), 2, "not an email address"),
    (("users", "deactivate", "ghost@client-one.example.com"), 1, "no user has the address"),
    (("--as", "nobody@client-one.example.com", "mark", "1", "closed"), 5, "no inboxwatch user"),
])
def test_bad_input_one_line_nothing_changed(cli, engine: Engine, routing: RoutingContext,
                                            tmp_path, args, code: int, text: str) -> None:
    import_examples(engine, routing, PLAIN_QUESTION)
    cli("--config", str(tmp_path / "c.toml"), "init")
    with Session(engine) as session:
        before = (len(session.exec(select(AuditEntry)).all()),
                  len(session.exec(select(Case)).all()), len(session.exec(select(User)).all()))
    got, _, err = cli(*args)
    assert got == code
    assert err.count("\n") == 1 and text in err and "Traceback" not in err
    with Session(engine) as session:
        after = (len(session.exec(select(AuditEntry)).all()),
                 len(session.exec(select(Case)).all()), len(session.exec(select(User)).all()))
    assert after == before


def test_deleted_message_is_refused(cli, engine: Engine, routing: RoutingContext,
                                    tmp_path) -> None:
    pk = import_examples(engine, routing, PLAIN_QUESTION)[PLAIN_QUESTION]
    cli("--config", str(tmp_path / "c.toml"), "init")
    assert cli("delete", str(pk))[0] == 0
    code, _, err = cli("case", "create", "--from-message", str(pk))
    assert code == 1 and f"message {pk} was deleted" in err
    with Session(engine) as session:
        assert session.exec(select(Case)).all() == []
        assert session.get(Message, pk).case_id is None  # type: ignore[union-attr]


def test_users_commands_and_as(cli, tmp_path) -> None:
    cli("--config", str(tmp_path / "c.toml"), "init")
    code, out, _ = cli("--json", "users", "add", "op@helpdesk.example.com", "--name", "Op",
                       "--login", "op")
    assert code == 0 and as_json(out)["roles"] == ["operator"]
    code, out, _ = cli("--json", "users", "grant", "op@helpdesk.example.com", "viewer")
    assert as_json(out)["roles"] == ["operator", "viewer"]
    code, _, err = cli("--as", "op@helpdesk.example.com", "users", "add",
                       "x@helpdesk.example.com", "--name", "X")
    assert code == 5 and "'manage_users'" in err
    code, out, _ = cli("--json", "users", "deactivate", "op@helpdesk.example.com")
    assert as_json(out)["active"] is False
    code, out, _ = cli("users", "list")
    assert code == 0 and "op@helpdesk.example.com" in out


def test_mark_and_delete_several_at_once_all_or_none(cli, engine: Engine,
                                                     routing: RoutingContext, tmp_path) -> None:
    pks = import_examples(engine, routing, PLAIN_QUESTION, CSV_QUESTION, THREE_ATTACHMENTS)
    ids = [str(pks[k]) for k in (PLAIN_QUESTION, CSV_QUESTION, THREE_ATTACHMENTS)]
    cli("--config", str(tmp_path / "c.toml"), "init")
    code, out, _ = cli("--json", "mark", *ids, "closed")
    assert code == 0 and [s["status"] for s in as_json(out)] == ["closed"] * 3
    # One of them cannot be marked: none is, and the line names it.
    code, _, err = cli("mark", *ids, "99999", "needs_attention")
    assert code == 1 and "99999" in err and err.count("\n") == 1
    with Session(engine) as session:
        assert {session.get(Message, int(i)).status for i in ids} == {"closed"}  # type: ignore[union-attr]
    code, _, _ = cli("delete", ids[0], ids[1], "--as-spam")
    assert code == 0
    with Session(engine) as session:
        deleted = [session.get(Message, int(i)) for i in ids]
        assert [m.deleted_at is not None for m in deleted] == [True, True, False]  # type: ignore[union-attr]
        assert len(session.exec(select(AuditEntry).where(AuditEntry.action == "delete")).all()) == 2


def test_id_at_version_refuses_a_message_changed_since(cli, engine: Engine,
                                                       routing: RoutingContext,
                                                       tmp_path) -> None:
    """``mark ID@VERSION`` acts only on the version read; a colleague's change since is
    refused with exit 6 and who changed what; nothing changes."""
    ids = import_examples(engine, routing, PLAIN_QUESTION, CSV_QUESTION)
    assert cli("--config", str(tmp_path / "c.toml"), "init")[0] == 0
    pk = ids[PLAIN_QUESTION]
    code, out, _ = cli("--json", "show", str(pk))
    version = as_json(out)["version"]
    assert (code, version) == (0, 1)
    assert cli("mark", str(pk), "closed")[0] == 0  # the "colleague" (same login here)
    code, out, err = cli("mark", f"{pk}@{version}", str(ids[CSV_QUESTION]),
                         "needs_attention")
    assert code == 6
    assert f"message {pk} was changed by ada" in err
    assert "status awaiting_review → closed" in err and "nothing was done" in err
    with Session(engine) as session:
        assert session.get(Message, pk).status == "closed"  # type: ignore[union-attr]
        assert session.get(Message, ids[CSV_QUESTION]).status == "awaiting_review"  # type: ignore[union-attr]
    assert cli("mark", f"{pk}@2", "needs_attention")[0] == 0
    with pytest.raises(SystemExit) as exc:  # argparse: usage error, exit 2
        cli("mark", f"{pk}@x", "closed")
    assert exc.value.code == 2


def test_mark_and_delete_by_filter(cli, engine: Engine, routing: RoutingContext,
                                   tmp_path) -> None:
    ids = import_examples(engine, routing, PLAIN_QUESTION, CSV_QUESTION, THREE_ATTACHMENTS)
    assert cli("--config", str(tmp_path / "c.toml"), "init")[0] == 0
    code, out, _ = cli("--json", "mark", "--in-status", "awaiting_review", "needs_attention")
    assert code == 0 and sorted(s["id"] for s in as_json(out)) == sorted(ids.values())
    code, out, _ = cli("--json", "delete", "--search", "enrolled MFA")
    assert code == 0 and as_json(out)["id"] == ids[CSV_QUESTION]  # one: an object
    code, _, err = cli("mark", "--category", "phishing", "closed")
    assert code == 1 and "no inbound message matches" in err
    code, _, err = cli("delete", str(ids[PLAIN_QUESTION]), "--search", "x")
    assert code == 2 and "not both" in err
    code, _, err = cli("delete")
    assert code == 2 and "which messages?" in err
