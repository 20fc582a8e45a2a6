"""Users, their email addresses, roles and permissions, and who is acting.

The six permissions and the four built-in roles (docs/product.md) are data in
:mod:`inboxwatch.roles` (:data:`PERMISSIONS`, :data:`BUILTIN_ROLES`, :class:`Actor`),
seeded idempotently into the store by :func:`seed_roles`. Every service action names the
permission it needs and calls :meth:`Actor.require`, so the CLI and the TUI obey the same
rules.

The acting user is the one whose ``login`` equals the OS login of the process's real uid
(:func:`resolve_actor`, :mod:`inboxwatch.identity`; never ``$LOGNAME``); an admin may act as another user with ``--as EMAIL``. Clients and
staff are both users: a client who writes in before anyone added them becomes an *inactive
contact* (:func:`ensure_contact`), which can own cases but can never act.

User management (:func:`add_user`, :func:`deactivate_user`, :func:`grant_role`) follows
the same rules as the triage actions: one transaction, ``manage_users`` checked first,
one audit entry; any error rolls everything back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from inboxwatch import identity
from inboxwatch.audit import record_audit
from inboxwatch.errors import Conflict, InboxwatchError, NotFound, PermissionDenied, UsageError
from inboxwatch.roles import (
    BUILTIN_ROLES,
    DEFAULT_CONTACT_ROLE,
    DEFAULT_STAFF_ROLE,
    MANAGE_USERS,
    PERMISSIONS,
    SYSTEM_ACTOR,
    VIEW_INBOUND_MESSAGES,
    Actor,
)
from inboxwatch_storage.engine import insert_ignoring_duplicates
from inboxwatch_storage.grants import sync_login
from inboxwatch_storage.tables import Permission, Role, RolePermission, User, UserEmail, UserRole

__all__ = [
    "UnknownOperator",
    "UserInfo",
    "activate_user",
    "add_user",
    "bootstrap_first_admin",
    "deactivate_user",
    "ensure_contact",
    "find_user_by_email",
    "grant_role",
    "list_users",
    "normalize_email",
    "resolve_actor",
    "seed_roles",
    "sync_database_roles",
    "transaction",
    "user_info",
    "was_deactivated",
]

_EMAIL_RE = re.compile(r"[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_LOGIN_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,99}")


class UnknownOperator(InboxwatchError):
    """The OS login (or the ``--as`` address) is not an active inboxwatch user."""

    exit_code = 5


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as lists and ``--json`` show it."""

    id: int
    name: str
    login: str | None
    active: bool
    emails: tuple[str, ...]
    roles: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.emails[0] if self.emails else (self.login or self.name)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "login": self.login, "active": self.active,
                "emails": list(self.emails), "roles": list(self.roles)}


@contextmanager
def transaction(session: Session) -> Iterator[None]:
    """One service action = one transaction: commit at the end, roll back on any error.

    A message a colleague changed between our read and our write (its version moved on:
    the UPDATE matched no row) is a :class:`~inboxwatch.errors.Conflict`."""
    from sqlalchemy.orm.exc import StaleDataError

    try:
        yield
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("a message changed while this action saved it (a colleague acted "
                       "on it at the same moment); nothing was done: look at it again and "
                       "retry") from exc
    except BaseException:
        session.rollback()
        raise


def normalize_email(text: str) -> str:
    """``text`` as a lower-cased address, or :class:`UsageError` naming what is wrong."""
    value = (text or "").strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    if len(value) > 320 or not _EMAIL_RE.fullmatch(value):
        raise UsageError(f"not an email address: {value[:80]!r} (expected name@domain.tld)")
    return value.lower()


def seed_roles(session: Session) -> None:
    """Make the permission, role and role-permission rows match the tables above.

    Idempotent and additive: running it again changes nothing; it never removes a role an
    admin created. Inserts that skip rows already there, so two processes seeding one new
    store at once (two ``init``) both succeed. Does not commit.
    """
    dialect = session.get_bind().dialect
    for model, rows in (
            (Permission, [{"name": name} for name in PERMISSIONS]),
            (Role, [{"name": name, "description": spec.description}
                    for name, spec in BUILTIN_ROLES.items()]),
            (RolePermission, [{"role": name, "permission": permission}
                              for name, spec in BUILTIN_ROLES.items()
                              for permission in sorted(spec.permissions)])):
        session.execute(insert_ignoring_duplicates(model.__table__, dialect), rows)  # type: ignore[union-attr]
    session.flush()


def _roles_of(session: Session, user_id: int) -> list[str]:
    stmt = select(UserRole.role).where(UserRole.user_id == user_id).order_by(col(UserRole.role))
    return list(session.exec(stmt).all())


def _emails_of(session: Session, user_id: int) -> list[str]:
    stmt = select(UserEmail.email).where(UserEmail.user_id == user_id) \
        .order_by(col(UserEmail.id))
    return list(session.exec(stmt).all())


def _permissions_of(session: Session, roles: list[str]) -> frozenset[str]:
    if not roles:
        return frozenset()
    stmt = select(RolePermission.permission).where(col(RolePermission.role).in_(roles))
    return frozenset(session.exec(stmt).all())


def user_info(session: Session, user: User) -> UserInfo:
    assert user.id is not None
    return UserInfo(user.id, user.name, user.login, user.active,
                    tuple(_emails_of(session, user.id)), tuple(_roles_of(session, user.id)))


def _actor_for(session: Session, user: User) -> Actor:
    assert user.id is not None
    roles = _roles_of(session, user.id)
    emails = _emails_of(session, user.id)
    label = emails[0] if emails else (user.login or user.name)
    return Actor(user.id, user.name, label, frozenset(roles), _permissions_of(session, roles))


def actor_for_user(session: Session, user: User) -> Actor:
    """``user`` as an :class:`Actor`: their roles and permissions (say, to check that a
    colleague a message is handed to may work on it)."""
    return _actor_for(session, user)


def find_user_by_email(session: Session, email: str) -> User | None:
    """The user owning ``email`` (compared lower-cased), or None."""
    stmt = select(User).join(UserEmail, col(UserEmail.user_id) == col(User.id)) \
        .where(UserEmail.email == email.strip().lower())
    return session.exec(stmt).first()


def resolve_actor(session: Session, *, login: str | None = None,
                  as_email: str | None = None) -> Actor:
    """The user acting now: the active user whose ``login`` is the OS login name.

    ``login`` defaults to the login of the process's real uid (tests pass one). ``as_email`` switches to another active
    user and is allowed for admins only. Raises :class:`UnknownOperator` (exit 5) with what
    to do when the login is not a user, and :class:`PermissionDenied` when a non-admin uses
    ``--as``.
    """
    login = login or identity.current_login()
    user = session.exec(select(User).where(User.login == login)).first()
    if user is None:
        raise UnknownOperator(
            f"no inboxwatch user has login {login!r}: ask an admin to run "
            f"`inboxwatch users add EMAIL --name NAME --login {login}`")
    if not user.active:
        raise UnknownOperator(f"the inboxwatch user with login {login!r} is deactivated: "
                              "ask an admin to reactivate it")
    actor = _actor_for(session, user)
    if as_email is None:
        return actor
    if not actor.is_admin:
        raise PermissionDenied(MANAGE_USERS, f"{actor.label} (only admins may use --as)")
    target = find_user_by_email(session, normalize_email(as_email))
    if target is None:
        raise UnknownOperator(f"--as {as_email}: no inboxwatch user has that address")
    if not target.active:
        raise UnknownOperator(f"--as {as_email}: that user is deactivated")
    return _actor_for(session, target)


def _sync_database_role(session: Session, user: User) -> None:
    """Keep a PostgreSQL team deployment's login role in step with ``user`` (a no-op on
    SQLite and on a database without team roles; see :mod:`inboxwatch_storage.grants`)."""
    if user.login is None or user.id is None:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    sync_login(connection, user.login, _roles_of(session, user.id), user.active)


def _check_role(role: str) -> None:
    if role not in BUILTIN_ROLES:
        raise UsageError(f"unknown role {role!r} (roles: {', '.join(BUILTIN_ROLES)})")


def _check_login(login: str) -> None:
    if not _LOGIN_RE.fullmatch(login):
        raise UsageError(f"not a login name: {login[:40]!r}")


def add_user(session: Session, actor: Actor, email: str, *, name: str,
             login: str | None = None, roles: tuple[str, ...] = ()) -> UserInfo:
    """Add a user (needs ``manage_users``), or complete an inactive contact with that email.

    A contact created from a client's message becomes a full user here: it gets the name,
    login and roles given and is activated. Roles default to ``operator`` for a user with a
    login and ``client`` otherwise. An address or login that an *active* user already has is
    an error.
    """
    actor.require(MANAGE_USERS)
    address = normalize_email(email)
    name = " ".join((name or "").split())
    if not name:
        raise UsageError("a user needs a name (--name)")
    if login is not None:
        _check_login(login)
    roles = roles or ((DEFAULT_STAFF_ROLE,) if login else (DEFAULT_CONTACT_ROLE,))
    for role in roles:
        _check_role(role)
    with transaction(session):
        seed_roles(session)
        if login is not None:
            holder = session.exec(select(User).where(User.login == login)).first()
            if holder is not None:
                raise UsageError(f"login {login!r} already belongs to user {holder.name!r}")
        user = find_user_by_email(session, address)
        before: dict[str, Any] = {}
        if user is not None:
            if user.active:
                raise UsageError(f"{address} is already a user ({user.name})")
            before = {"active": False, "name": user.name}
            user.name, user.login, user.active = name[:300], login, True
        else:
            user = User(name=name[:300], login=login, active=True)
            session.add(user)
            session.flush()
            assert user.id is not None
            session.add(UserEmail(user_id=user.id, email=address))
        assert user.id is not None
        have = set(_roles_of(session, user.id))
        for role in roles:
            if role not in have:
                session.add(UserRole(user_id=user.id, role=role))
        session.flush()
        _sync_database_role(session, user)
        info = user_info(session, user)
        record_audit(session, actor, "user_add", before=before,
                     after={"active": True, "roles": list(info.roles), "login": login},
                     detail=address)
    return info


def _user_by_email_or_fail(session: Session, email: str) -> User:
    address = normalize_email(email)
    user = find_user_by_email(session, address)
    if user is None:
        raise NotFound(f"no user has the address {address}")
    return user


def deactivate_user(session: Session, actor: Actor, email: str) -> UserInfo:
    """Deactivate a user (needs ``manage_users``): they can no longer act, and mail from
    them no longer counts as from a known user. An actor cannot deactivate themselves."""
    actor.require(MANAGE_USERS)
    with transaction(session):
        user = _user_by_email_or_fail(session, email)
        if user.id == actor.user_id:
            raise UsageError("you cannot deactivate yourself: ask another admin")
        before = {"active": user.active}
        user.active = False
        session.add(user)
        session.flush()
        _sync_database_role(session, user)
        info = user_info(session, user)
        record_audit(session, actor, "user_deactivate", before=before,
                     after={"active": False}, detail=info.label)
    return info


def activate_user(session: Session, actor: Actor, email: str) -> UserInfo:
    """Activate a user (needs ``manage_users``): a client whose replies should route to
    their cases, or a colleague back from leave."""
    actor.require(MANAGE_USERS)
    with transaction(session):
        user = _user_by_email_or_fail(session, email)
        before = {"active": user.active}
        user.active = True
        session.add(user)
        session.flush()
        _sync_database_role(session, user)
        info = user_info(session, user)
        record_audit(session, actor, "user_activate", before=before, after={"active": True},
                     detail=info.label)
    return info


def was_deactivated(session: Session, user: User) -> bool:
    """Whether someone deactivated ``user`` on purpose (an audited ``users deactivate``),
    as opposed to a contact that was created inactive."""
    from inboxwatch_storage.tables import AuditEntry

    labels = _emails_of(session, user.id) if user.id is not None else []
    if not labels:
        return False
    found = session.exec(select(AuditEntry.id).where(
        AuditEntry.action == "user_deactivate", col(AuditEntry.detail).in_(labels))).first()
    return found is not None


def grant_role(session: Session, actor: Actor, email: str, role: str) -> UserInfo:
    """Give a user one more role (needs ``manage_users``); granting a role held is a no-op
    that is still audited."""
    actor.require(MANAGE_USERS)
    _check_role(role)
    with transaction(session):
        seed_roles(session)
        user = _user_by_email_or_fail(session, email)
        assert user.id is not None
        before = _roles_of(session, user.id)
        if role not in before:
            session.add(UserRole(user_id=user.id, role=role))
            session.flush()
        _sync_database_role(session, user)
        info = user_info(session, user)
        record_audit(session, actor, "user_grant", before={"roles": before},
                     after={"roles": list(info.roles)}, detail=f"{info.label} +{role}")
    return info


def list_users(session: Session, actor: Actor, *, include_inactive: bool = True) -> list[UserInfo]:
    """Every user, by name (needs ``view_inbound_messages``: staff see who is who)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    stmt = select(User).order_by(col(User.name), col(User.id))
    if not include_inactive:
        stmt = stmt.where(User.active == True)  # noqa: E712 - SQL comparison
    return [user_info(session, u) for u in session.exec(stmt).all()]


def ensure_contact(session: Session, email: str, name: str = "", *,
                   active: bool = False) -> User:
    """The user owning ``email``, created as a contact (role ``client``) if none: active
    when ``active`` (a case's client, whose replies then route), else inactive.

    For the service layer (a case's client is the sender of a message); no permission check
    of its own and no commit: it runs inside the caller's transaction.
    """
    address = normalize_email(email)
    user = find_user_by_email(session, address)
    if user is not None:
        return user
    seed_roles(session)
    user = User(name=(" ".join(name.split()) or address)[:300], active=active)
    session.add(user)
    session.flush()
    assert user.id is not None
    session.add(UserEmail(user_id=user.id, email=address))
    session.add(UserRole(user_id=user.id, role=DEFAULT_CONTACT_ROLE))
    session.flush()
    return user


def sync_database_roles(session: Session) -> int:
    """Put every staff user's PostgreSQL login role in step with their inboxwatch roles
    (``db setup-team``; run by the service account). Returns how many were synced."""
    with transaction(session):
        users = session.exec(select(User).where(col(User.login).is_not(None))).all()
        for user in users:
            _sync_database_role(session, user)
    return len(users)


def bootstrap_first_admin(session: Session, login: str | None = None,
                          name: str | None = None) -> UserInfo | None:
    """On a store with no staff user yet, make the OS login an admin; else do nothing.

    "No staff user" means no user with a login (inactive contacts made from mail do not
    count), so ``init`` on a store that was fed mail before still gets its first admin.
    Returns the new admin, or None when the store already had one. Commits.
    """
    login = login or identity.current_login()
    _check_login(login)
    try:
        return _bootstrap(session, login, name)
    except IntegrityError:  # another process made the first admin at the same moment
        return None


def _bootstrap(session: Session, login: str, name: str | None) -> UserInfo | None:
    with transaction(session):
        seed_roles(session)
        staff = session.exec(select(func.count()).select_from(User)
                             .where(col(User.login).is_not(None))).one()
        if staff:
            return None
        user = User(name=(name or login)[:300], login=login, active=True)
        session.add(user)
        session.flush()
        assert user.id is not None
        session.add(UserRole(user_id=user.id, role="admin"))
        session.flush()
        _sync_database_role(session, user)
        info = user_info(session, user)
        record_audit(session, SYSTEM_ACTOR, "user_add", after={"roles": ["admin"],
                     "login": login}, detail=f"first admin: {login}")
    return info
