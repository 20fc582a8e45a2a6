"""Who may run the service side of a deployment: the poller, imports, the outbox, upgrades.

These commands act for the system, not for one operator (what they store is audited as
``system``). They may be run by the account that owns the store, the service account of a
team deployment (README "Running it for a team"), or by an active admin. Anyone else gets
exit 5: an operator who runs ``inboxwatch poll`` by hand would otherwise create files the
service cannot use, and a viewer must not feed mail into the queue.

Owning the store means: for a SQLite file, the file's owner is the process's real uid;
for PostgreSQL, the connected database role owns the ``message`` table or is a member of
the role that does. A store that does not exist yet belongs to whoever creates it.
"""

from __future__ import annotations

import os

from sqlalchemy import Engine, text
from sqlmodel import Session

from inboxwatch import identity
from inboxwatch.errors import PermissionDenied
from inboxwatch.roles import MANAGE_USERS, SYSTEM_ACTOR, Actor
from inboxwatch.users import UnknownOperator, resolve_actor
from inboxwatch_storage.engine import is_sqlite

__all__ = ["owns_store", "service_actor"]


def owns_store(engine: Engine) -> bool:
    """Whether this process owns the store (see the module docstring)."""
    if is_sqlite(engine):
        database = engine.url.database or ""
        if not database or database == ":memory:":
            return True
        try:
            return os.stat(database).st_uid == identity.current_uid()
        except FileNotFoundError:
            return True  # this process creates it, and so will own it
        except OSError:
            return False
    with engine.connect() as conn:
        owner = conn.execute(text(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'message' "
            "AND schemaname = current_schema()")).scalar()
        if owner is None:
            return True  # no schema yet: whoever creates it owns it
        return bool(conn.execute(text("SELECT pg_has_role(current_user, :owner, 'MEMBER')"),
                                 {"owner": owner}).scalar())


def service_actor(engine: Engine, *, as_email: str | None = None,
                  what: str = "run the poller") -> Actor:
    """The actor of a service command: :data:`SYSTEM_ACTOR` for the store's owner or an
    admin; :class:`PermissionDenied` (exit 5) naming who may, for anyone else."""
    if as_email is None and owns_store(engine):
        return SYSTEM_ACTOR
    with Session(engine) as session:
        try:
            actor = resolve_actor(session, as_email=as_email)
        except UnknownOperator as exc:
            raise UnknownOperator(f"{exc} (or {what} as the account that owns the store)") \
                from None
    if not actor.is_admin:
        raise PermissionDenied(MANAGE_USERS, f"{actor.label} (only admins and the account "
                               f"that owns the store may {what})")
    return SYSTEM_ACTOR


