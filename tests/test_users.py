"""Users, roles, identity from the OS login, --as for admins, first admin."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch import users
from inboxwatch.errors import NotFound, PermissionDenied, UsageError
from inboxwatch_storage.tables import AuditEntry, Permission, RolePermission
from tests.triage_support import make_admin


def test_seed_roles_is_idempotent(engine: Engine) -> None:
    with Session(engine) as session:
        users.seed_roles(session)
        users.seed_roles(session)
        session.commit()
        assert set(session.exec(select(Permission.name)).all()) == set(users.PERMISSIONS)
        pairs = set(session.exec(select(RolePermission.role, RolePermission.permission)).all())
        assert pairs == {(r, p) for r, spec in users.BUILTIN_ROLES.items()
                         for p in spec.permissions}


def test_first_admin_only_on_a_store_without_staff(engine: Engine) -> None:
    with Session(engine) as session:
        users.ensure_contact(session, "client@client-one.example.com", "A Client")
        session.commit()
        first = users.bootstrap_first_admin(session, login="ada")
        assert first is not None and first.roles == ("admin",)
        assert users.bootstrap_first_admin(session, login="bob") is None
        actor = users.resolve_actor(session, login="ada")
        assert actor.is_admin and actor.can("manage_users")


def test_unknown_login_says_what_to_do(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    make_admin(engine)
    monkeypatch.setattr("inboxwatch.identity.current_login", lambda: "x")
    with Session(engine) as session, pytest.raises(users.UnknownOperator) as excinfo:
        users.resolve_actor(session)
    assert str(excinfo.value) == ("no inboxwatch user has login 'x': ask an admin to run "
                                  "`inboxwatch users add EMAIL --name NAME --login x`")
    assert excinfo.value.exit_code == 5


def test_as_is_for_admins_only(engine: Engine) -> None:
    admin = make_admin(engine)
    with Session(engine) as session:
        users.add_user(session, admin, "op@helpdesk.example.com", name="Op", login="op")
        users.add_user(session, admin, "client@client-one.example.com", name="Client")
        as_op = users.resolve_actor(session, login="ada", as_email="OP@helpdesk.example.com")
        assert as_op.label == "op@helpdesk.example.com" and as_op.roles == {"operator"}
        with pytest.raises(PermissionDenied, match="'manage_users'"):
            users.resolve_actor(session, login="op", as_email="client@client-one.example.com")
        with pytest.raises(users.UnknownOperator, match="no inboxwatch user"):
            users.resolve_actor(session, login="ada", as_email="nobody@client-one.example.com")


def test_add_completes_a_contact_and_rejects_duplicates(engine: Engine) -> None:
    admin = make_admin(engine)
    with Session(engine) as session:
        users.ensure_contact(session, "dave@client-one.example.com", "Dave")
        session.commit()
        info = users.add_user(session, admin, "Dave@Client-One.example.com", name="Dave O",
                              login="dave", roles=("viewer",))
        assert info.active and info.roles == ("client", "viewer")
        assert info.emails == ("dave@client-one.example.com",)
        with pytest.raises(UsageError, match="already a user"):
            users.add_user(session, admin, "dave@client-one.example.com", name="Again")
        with pytest.raises(UsageError, match="login 'dave' already belongs"):
            users.add_user(session, admin, "other@client-one.example.com", name="O",
                           login="dave")


@pytest.mark.parametrize("bad", ["bob", "bob@", "@x.example.com", "a b@x.example.com",
                                 "bob@localhost", "x@y..example.com", ""])
def test_not_an_email_address(engine: Engine, bad: str) -> None:
    admin = make_admin(engine)
    with Session(engine) as session:
        with pytest.raises(UsageError, match="not an email address"):
            users.add_user(session, admin, bad, name="B")
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "user_add")
                            .where(AuditEntry.detail == bad)).all() == []


def test_deactivate_and_grant(engine: Engine) -> None:
    admin = make_admin(engine)
    with Session(engine) as session:
        users.add_user(session, admin, "op@helpdesk.example.com", name="Op", login="op")
        assert users.grant_role(session, admin, "op@helpdesk.example.com",
                                "admin").roles == ("admin", "operator")
        assert not users.deactivate_user(session, admin, "op@helpdesk.example.com").active
        with pytest.raises(users.UnknownOperator, match="deactivated"):
            users.resolve_actor(session, login="op")
        with pytest.raises(NotFound, match="no user has the address"):
            users.deactivate_user(session, admin, "ghost@helpdesk.example.com")
        with pytest.raises(UsageError, match="unknown role"):
            users.grant_role(session, admin, "op@helpdesk.example.com", "root")
        actions = session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert list(actions)[-3:] == ["user_add", "user_grant", "user_deactivate"]
