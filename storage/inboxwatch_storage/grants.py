"""PostgreSQL for a team: each operator's own database role, and grants that hold in psql too.

In a team deployment on PostgreSQL every process connects over the Unix socket with peer
authentication and no user name, so the server knows the OS login and the connection is
that login's own role (README "Running it for a team"). The inboxwatch roles map onto three
group roles, named after the database (``inboxwatch_viewer`` for database ``inboxwatch``):

- ``_viewer``: ``SELECT`` on every table, nothing else;
- ``_operator`` (a member of ``_viewer``): writes the triage tables (messages, cases, the
  audit log, the outbox, feedback), may add a contact (a user with no login, of role
  ``client``: row-level policies on ``user``, ``useremail`` and ``userrole``), and never
  touches the poller's own state;
- ``_admin`` (a member of ``_operator``): writes the user tables too, and may call
  :data:`SYNC_FUNCTION`, which creates an operator's login role and sets its group roles.

The tables belong to the service account's role, which bypasses these rules. An inboxwatch
``client`` or a deactivated user gets no group role: their connection can read nothing.
The sync function is ``SECURITY DEFINER`` and owned by that role (it has ``CREATEROLE``), so
an admin's connection needs no role-creating privilege of its own, and it refuses to touch
superusers and the owner.

SQLite cannot do any of this: everyone who can open the file can change anything in it, so
there the group's file permissions are the boundary and inboxwatch's checks are the rules.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

__all__ = ["GROUP_ROLES", "SYNC_FUNCTION", "group_role", "setup_team_roles", "sync_login",
           "team_roles_enabled"]

GROUP_ROLES = ("viewer", "operator", "admin")  # each is also an inboxwatch role name
USER_TABLES = ("user", "useremail", "userrole", "role", "permission", "rolepermission")
POLLER_TABLES = ("synccheckpoint", "unfetchedmessage", "mailboxstate", "mailboxlease",
                 "alembic_version")
SYNC_FUNCTION = "inboxwatch_sync_login"

_SYNC_SQL = """
CREATE OR REPLACE FUNCTION {fn}(login text, wanted text[], active boolean)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $body$
DECLARE
    kind text;
    grp text;
    target pg_roles%ROWTYPE;
BEGIN
    IF login IS NULL OR login !~ '^[A-Za-z0-9_][A-Za-z0-9_.@-]{{0,62}}$' THEN
        RAISE EXCEPTION 'not a login name: %', login;
    END IF;
    SELECT * INTO target FROM pg_roles WHERE rolname = login;
    IF FOUND AND (target.rolsuper OR target.rolname = session_user
                  OR target.rolname = {owner}) THEN
        RAISE EXCEPTION 'role % is not an operator''s role', login;
    END IF;
    IF NOT FOUND THEN
        IF NOT active THEN
            RETURN;
        END IF;
        EXECUTE format('CREATE ROLE %I LOGIN', login);
    END IF;
    FOREACH kind IN ARRAY ARRAY['viewer', 'operator', 'admin'] LOOP
        grp := {prefix} || '_' || kind;
        IF active AND kind = ANY(wanted) THEN
            EXECUTE format('GRANT %I TO %I', grp, login);
        ELSE
            EXECUTE format('REVOKE %I FROM %I', grp, login);
        END IF;
    END LOOP;
END
$body$
"""


def group_role(database: str, kind: str) -> str:
    return f"{database}_{kind}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def team_roles_enabled(conn: Connection) -> bool:
    """Whether this PostgreSQL database was set up for a team (the sync function exists)."""
    if conn.dialect.name != "postgresql":
        return False
    found = conn.execute(text("SELECT to_regproc(:fn)"), {"fn": f"public.{SYNC_FUNCTION}"})
    return found.scalar() is not None


def setup_team_roles(engine: Engine) -> list[str]:
    """Create the group roles, grants, the ``userrole`` policy and the sync function.

    Run as the role that owns the tables (the service account); idempotent, so it is also
    how grants are put right after an upgrade. Returns what it did, one line a step.
    """
    if engine.dialect.name != "postgresql":
        raise ValueError("database roles are a PostgreSQL feature")
    with engine.begin() as conn:
        database = str(conn.execute(text("SELECT current_database()")).scalar())
        owner = str(conn.execute(text("SELECT current_user")).scalar())
        tables = [str(t) for t in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()]
        roles = {kind: group_role(database, kind) for kind in GROUP_ROLES}
        for role in roles.values():
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                  {"r": role}).scalar()
            if not exists:
                conn.execute(text(f"CREATE ROLE {_q(role)} NOLOGIN"))
        conn.execute(text(f"GRANT {_q(roles['viewer'])} TO {_q(roles['operator'])}"))
        conn.execute(text(f"GRANT {_q(roles['operator'])} TO {_q(roles['admin'])}"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {_q(roles['viewer'])}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO "
                          f"{_q(roles['viewer'])}"))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "
                          f"{_q(roles['operator'])}"))
        triage = [t for t in tables if t not in USER_TABLES and t not in POLLER_TABLES]
        if triage:
            conn.execute(text(f"GRANT INSERT, UPDATE, DELETE ON "
                              f"{', '.join(_q(t) for t in triage)} TO {_q(roles['operator'])}"))
        conn.execute(text(f'GRANT INSERT ON "user", useremail, userrole TO '
                          f"{_q(roles['operator'])}"))
        conn.execute(text(f"GRANT INSERT, UPDATE, DELETE ON "
                          f"{', '.join(_q(t) for t in USER_TABLES)} TO {_q(roles['admin'])}"))
        # Tables added by later migrations (created by the owner): read by viewers, written
        # by operators.
        conn.execute(text(f"ALTER DEFAULT PRIVILEGES FOR ROLE {_q(owner)} IN SCHEMA public "
                          f"GRANT SELECT ON TABLES TO {_q(roles['viewer'])}"))
        conn.execute(text(f"ALTER DEFAULT PRIVILEGES FOR ROLE {_q(owner)} IN SCHEMA public "
                          f"GRANT INSERT, UPDATE, DELETE ON TABLES TO {_q(roles['operator'])}"))
        conn.execute(text(f"ALTER DEFAULT PRIVILEGES FOR ROLE {_q(owner)} IN SCHEMA public "
                          f"GRANT USAGE, SELECT ON SEQUENCES TO {_q(roles['operator'])}"))
        # An operator adds contacts only (no login, role client, an address of a contact);
        # an admin changes anything.
        contact = 'user_id IN (SELECT id FROM "user" WHERE login IS NULL)'
        for table, check in (('"user"', "login IS NULL"),
                             ("useremail", contact),
                             ("userrole", f"role = 'client' AND {contact}")):
            plain = table.strip('"')
            conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
            for name, sql in (
                (f"{plain}_read", f"FOR SELECT TO {_q(roles['viewer'])} USING (true)"),
                (f"{plain}_contacts", f"FOR INSERT TO {_q(roles['operator'])} "
                                      f"WITH CHECK ({check})"),
                (f"{plain}_admin", f"FOR ALL TO {_q(roles['admin'])} USING (true) "
                                   "WITH CHECK (true)"),
            ):
                conn.execute(text(f"DROP POLICY IF EXISTS {name} ON {table}"))
                conn.execute(text(f"CREATE POLICY {name} ON {table} {sql}"))
        conn.execute(text(_SYNC_SQL.format(fn=f"public.{SYNC_FUNCTION}", owner=_lit(owner),
                                           prefix=_lit(database))))
        signature = f"public.{SYNC_FUNCTION}(text, text[], boolean)"
        conn.execute(text(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC"))
        conn.execute(text(f"GRANT EXECUTE ON FUNCTION {signature} TO {_q(roles['admin'])}"))
    return [f"database roles: {', '.join(roles.values())} (granted on {len(tables)} tables; "
            f"owner {owner})"]


def sync_login(conn: Connection, login: str, roles: list[str], active: bool) -> bool:
    """Give ``login``'s database role the group roles of its inboxwatch ``roles`` (none when
    not ``active``), creating the role if needed; False where there are no team roles."""
    if not team_roles_enabled(conn):
        return False
    conn.execute(text(f"SELECT public.{SYNC_FUNCTION}(:login, :roles, :active)"),
                 {"login": login, "roles": [r for r in roles if r in GROUP_ROLES],
                  "active": active})
    return True
