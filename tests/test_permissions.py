"""The permission matrix: every built-in role x every action -> done and audited, or
PermissionDenied (exit 5) naming the missing permission, with nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch import roles, triage, users
from inboxwatch.cli import main
from inboxwatch.errors import PermissionDenied
from inboxwatch.route import RoutingContext
from inboxwatch_storage.tables import (
    AuditEntry,
    Case,
    CaseUpdate,
    ClassifierFeedback,
    Message,
    User,
    UserRole,
    utcnow,
)
from tests.triage_support import (
    CSV_QUESTION,
    PLAIN_QUESTION,
    THREE_ATTACHMENTS,
    import_examples,
    make_admin,
    make_user,
)

Action = Callable[[Session, roles.Actor, dict[str, int]], Any]

# action name -> (the permission it needs, how to perform it on the prepared store)
ACTIONS: dict[str, tuple[str, Action]] = {
    "create_case": ("create_case", lambda s, a, ids: triage.create_case(
        s, a, from_message=ids["fresh"])),
    "find_cases": ("view_inbound_messages", lambda s, a, ids: triage.find_cases(s, a, "x")),
    "link_case": ("modify_inbound_message_status", lambda s, a, ids: triage.link_case(
        s, a, ids["fresh"], ids["case"])),
    "create_case_update": ("create_case_update", lambda s, a, ids: triage.create_case_update(
        s, a, ids["case"], from_message=ids["linked"])),
    "mark": ("modify_inbound_message_status", lambda s, a, ids: triage.mark(
        s, a, ids["fresh"], "needs_attention")),
    "mark_not_spam": ("modify_inbound_message_status", lambda s, a, ids: triage.mark_not_spam(
        s, a, ids["fresh"])),
    "delete": ("delete_inbound_message", lambda s, a, ids: triage.delete(
        s, a, ids["fresh"], as_label="spam")),
    "undelete": ("delete_inbound_message", lambda s, a, ids: triage.undelete(
        s, a, ids["deleted"])),
    "purge": ("delete_inbound_message", lambda s, a, ids: triage.purge(
        s, a, now=utcnow() + timedelta(days=31))),
    "users_add": ("manage_users", lambda s, a, ids: users.add_user(
        s, a, "new@client-one.example.com", name="New")),
    "users_deactivate": ("manage_users", lambda s, a, ids: users.deactivate_user(
        s, a, "dave.okoro@client-one.example.com")),
    "users_grant": ("manage_users", lambda s, a, ids: users.grant_role(
        s, a, "dave.okoro@client-one.example.com", "viewer")),
    "users_list": ("view_inbound_messages", lambda s, a, ids: users.list_users(s, a)),
}
READ_ONLY = {"find_cases", "users_list"}
ROLES = tuple(roles.BUILTIN_ROLES)


def test_roles_grant_what_product_md_says() -> None:
    perms = {r: spec.permissions for r, spec in roles.BUILTIN_ROLES.items()}
    assert perms["admin"] == set(roles.PERMISSIONS) and len(roles.PERMISSIONS) == 6
    assert perms["operator"] == set(roles.PERMISSIONS) - {"manage_users"}
    assert perms["viewer"] == {"view_inbound_messages"}
    assert perms["client"] == set()
    assert {p for p, _ in ACTIONS.values()} == set(roles.PERMISSIONS)  # every one exercised


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything an action could change."""
    with Session(engine) as session:
        return {
            "messages": [(m.id, m.status, m.category, m.case_id, m.deleted_at is not None)
                         for m in session.exec(select(Message).order_by(Message.id))],
            "cases": [(c.id, c.title) for c in session.exec(select(Case))],
            "updates": len(session.exec(select(CaseUpdate)).all()),
            "users": [(u.id, u.active) for u in session.exec(select(User))],
            "roles": sorted((r.user_id, r.role) for r in session.exec(select(UserRole))),
            "feedback": len(session.exec(select(ClassifierFeedback)).all()),
            "audit": len(session.exec(select(AuditEntry)).all()),
        }


@pytest.fixture
def prepared(engine: Engine, routing: RoutingContext) -> dict[str, int]:
    files = import_examples(engine, routing, PLAIN_QUESTION, THREE_ATTACHMENTS, CSV_QUESTION)
    admin = make_admin(engine)
    with Session(engine) as session:
        case = triage.create_case(session, admin, from_message=files[THREE_ATTACHMENTS])
        triage.link_case(session, admin, files[CSV_QUESTION], case.number)
    pending = import_examples(engine, routing, "02-client-direct-question-pdf-attachment.eml")
    deleted = next(iter(pending.values()))
    with Session(engine) as session:
        triage.delete(session, admin, deleted)
        old = session.get(Message, deleted)
        assert old is not None
        old.deleted_at = utcnow() - timedelta(days=40)  # purgeable
        session.add(old)
        session.commit()
    return {"fresh": files[PLAIN_QUESTION], "linked": files[CSV_QUESTION],
            "case": case.number, "deleted": deleted}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(engine: Engine, prepared: dict[str, int], role: str, action: str) -> None:
    permission, perform = ACTIONS[action]
    admin = make_admin(engine)
    actor = admin if role == "admin" else make_user(engine, admin, role)
    allowed = permission in roles.BUILTIN_ROLES[role].permissions
    before = snapshot(engine)
    with Session(engine) as session:
        if not allowed:
            with pytest.raises(PermissionDenied) as excinfo:
                perform(session, actor, prepared)
            assert excinfo.value.exit_code == 5
            assert repr(permission) in str(excinfo.value)
            assert snapshot(engine) == before  # nothing changed, not even the audit log
            return
        perform(session, actor, prepared)
    after = snapshot(engine)
    if action in READ_ONLY:
        assert after == before
        return
    assert after != before
    assert after["audit"] > before["audit"]
    with Session(engine) as session:
        last = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()  # type: ignore[union-attr]
        assert last is not None and last.actor_id == actor.user_id


@pytest.mark.parametrize("role", ROLES)
def test_cli_exit_code_5_names_the_permission(
        engine: Engine, db_url: str, prepared: dict[str, int], role: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    admin = make_admin(engine)
    if role != "admin":
        make_user(engine, admin, role)
    monkeypatch.setattr("inboxwatch.identity.current_login", lambda: role if role != "admin" else "ada")
    before = snapshot(engine)
    code = main(["--db", db_url, "delete", str(prepared["fresh"])])
    err = capsys.readouterr().err
    if "delete_inbound_message" in roles.BUILTIN_ROLES[role].permissions:
        assert code == 0
        return
    assert code == 5
    assert err.count("\n") == 1 and "'delete_inbound_message'" in err
    assert snapshot(engine) == before
