"""A deployment: who may run its service side, and setting one up for a team.

Who may run the service side of a deployment: the poller, imports, the outbox, upgrades.

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

import grp
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from inboxwatch import identity
from inboxwatch.config import SYSTEM_CONFIG_PATH, SYSTEM_DATA_DIR
from inboxwatch.errors import InboxwatchError, PermissionDenied, UsageError
from inboxwatch.roles import MANAGE_USERS, SYSTEM_ACTOR, Actor
from inboxwatch.users import UnknownOperator, resolve_actor
from inboxwatch_storage.engine import is_sqlite

__all__ = ["SYSTEM_CONFIG_DIR", "SYSTEM_DATA_DIR", "SystemLayout", "init_system", "owns_store", "service_actor"]


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


# --------------------------------------------------------------------- init --system

class NeedsRoot(InboxwatchError):
    exit_code = 5


SYSTEM_CONFIG_DIR = SYSTEM_CONFIG_PATH.parent
SYSTEM_GROUP = "inboxwatch"
SERVICE_USER = "inboxwatch"


@dataclass(frozen=True, slots=True)
class SystemLayout:
    """Where a team deployment lives and whose it is (README "Running it for a team")."""

    config_dir: Path = SYSTEM_CONFIG_DIR
    data_dir: Path = SYSTEM_DATA_DIR
    group: str = SYSTEM_GROUP
    service_user: str = SERVICE_USER
    db_url: str | None = None  # default: a SQLite file in data_dir

    @property
    def config_path(self) -> Path:
        return self.config_dir / "inboxwatch.toml"

    @property
    def store_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'inboxwatch.db'}"


def init_system(layout: SystemLayout, config_text: str, *, admin_login: str | None,
                force: bool = False) -> list[str]:
    """Set up a team deployment; returns what was done, one line a step. Run as root.

    Idempotent: an existing group, account, directory, config, store or key is kept (the
    config is rewritten with ``force``) and its ownership and mode put right. Creates:

    - the group and a system account for the service (no login shell, no home of its own);
    - ``data_dir`` owned by the service account and the group, mode 2770 (set-group-id, so
      what an operator's process creates there, such as SQLite's WAL files, stays in the
      group);
    - ``config_dir`` 0750 and the config 0640, root and the group (read by operators);
    - the store (SQLite: mode 0660, service account and group), its schema, the roles;
    - the reply-token key file, 0640, service account and group;
    - the first admin: ``admin_login``, an OS account, as an inboxwatch user.
    """
    if os.geteuid() != 0:
        raise NeedsRoot("`inboxwatch init --system` creates an account, a group and "
                        "system directories: run it as root (sudo)")
    if admin_login is not None:
        try:
            pwd.getpwnam(admin_login)
        except KeyError:
            raise UsageError(f"--admin {admin_login}: no such OS account") from None
    steps = [_ensure_group(layout.group), _ensure_service_user(layout)]
    gid = grp.getgrnam(layout.group).gr_gid
    uid = pwd.getpwnam(layout.service_user).pw_uid
    _ensure_dir(layout.data_dir, uid, gid, 0o2770)
    _ensure_dir(layout.config_dir, 0, gid, 0o2750)
    steps.append(f"directories: {layout.data_dir} (2770 {layout.service_user}:"
                 f"{layout.group}), {layout.config_dir} (2750 root:{layout.group})")
    if layout.config_path.exists() and not force:
        steps.append(f"config exists, left unchanged: {layout.config_path}")
    else:
        _write_file(layout.config_path, config_text, 0, gid, 0o640)
        steps.append(f"wrote config: {layout.config_path} (0640 root:{layout.group})")
    os.chown(layout.config_path, 0, gid)
    os.chmod(layout.config_path, 0o640)
    steps += _init_store(layout, uid, gid, admin_login)
    from inboxwatch.tokens import ensure_reply_secret

    key = layout.data_dir / "reply-token.key"
    steps.append(ensure_reply_secret(path=key))
    os.chown(key, uid, gid)
    os.chmod(key, 0o640)
    return steps


def _run(*argv: str) -> None:
    tool = shutil.which(argv[0])
    if tool is None:
        raise InboxwatchError(f"{argv[0]} not found: create the account by hand "
                              "(README \"Running it for a team\")")
    done = subprocess.run([tool, *argv[1:]], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InboxwatchError(f"{' '.join(argv)} failed: {done.stderr.strip()[:300]}")


def _ensure_group(group: str) -> str:
    try:
        grp.getgrnam(group)
        return f"group {group}: exists"
    except KeyError:
        _run("groupadd", "--system", group)
        return f"group {group}: created"


def _ensure_service_user(layout: SystemLayout) -> str:
    try:
        pwd.getpwnam(layout.service_user)
        return f"service account {layout.service_user}: exists"
    except KeyError:
        _run("useradd", "--system", "--gid", layout.group, "--no-create-home",
             "--home-dir", str(layout.data_dir), "--shell", "/usr/sbin/nologin",
             "--comment", "inboxwatch service", layout.service_user)
        return f"service account {layout.service_user}: created (no login shell)"


def _ensure_dir(path: Path, uid: int, gid: int, mode: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def _write_file(path: Path, text: str, uid: int, gid: int, mode: int) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.new")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chown(temp, uid, gid)
    os.chmod(temp, mode)
    os.replace(temp, path)


def _init_postgres(layout: SystemLayout, admin_login: str | None) -> list[str]:
    """The two halves of a PostgreSQL team store. As the ``postgres`` account (peer
    authentication): the service account's login role, with CREATEROLE so that it can make
    operators' roles, and the database it owns. Then, as the service account itself: the
    schema, group roles, grants and policies, and the first admin (``db setup-team``)."""
    url = make_url(layout.store_url)
    database = url.database
    if not database or url.username:
        raise UsageError(f"--db {layout.store_url}: a team's PostgreSQL URL names the "
                         "database and no user (peer authentication over the socket), e.g. "
                         "postgresql+psycopg:///inboxwatch?host=/var/run/postgresql")
    host = str(url.query.get("host") or url.host or "/var/run/postgresql")
    port = str(url.query.get("port") or url.port or 5432)
    psql = shutil.which("psql")
    if psql is None:
        raise InboxwatchError("psql not found: install postgresql-client")
    role, owner = _sql_ident(layout.service_user), _sql_ident(layout.service_user)
    script = (f"SELECT 'CREATE ROLE {role} LOGIN CREATEROLE' WHERE NOT EXISTS "
              f"(SELECT FROM pg_roles WHERE rolname = {_sql_lit(layout.service_user)})\\gexec\n"
              f"ALTER ROLE {role} CREATEROLE;\n"
              f"SELECT 'CREATE DATABASE {_sql_ident(database)} OWNER {owner}' WHERE NOT EXISTS "
              f"(SELECT FROM pg_database WHERE datname = {_sql_lit(database)})\\gexec\n")
    done = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port,
                           "-d", "postgres"], input=script, capture_output=True, text=True,
                          user="postgres", check=False, timeout=120)
    if done.returncode != 0:
        raise InboxwatchError(f"PostgreSQL set-up as postgres failed: "
                              f"{done.stderr.strip()[:300]}")
    info = pwd.getpwnam(layout.service_user)
    argv = [sys.executable, "-c", "from inboxwatch.cli import entry_point; entry_point()",
            "--config", str(layout.config_path), "--json", "db", "setup-team"]
    if admin_login:
        argv += ["--admin", admin_login]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(layout.data_dir),
           "LANG": "C.UTF-8"}
    done = subprocess.run(argv, capture_output=True, text=True, user=info.pw_uid,
                          group=info.pw_gid, extra_groups=[], env=env, cwd=layout.data_dir,
                          check=False, timeout=300)
    if done.returncode != 0:
        raise InboxwatchError(f"db setup-team as {layout.service_user} failed: "
                              f"{done.stderr.strip()[:300]}")
    import json

    return [f"PostgreSQL: role {layout.service_user} (CREATEROLE) owns database {database}",
            *json.loads(done.stdout)["steps"]]


def _sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _init_store(layout: SystemLayout, uid: int, gid: int,
                admin_login: str | None) -> list[str]:
    from inboxwatch.users import bootstrap_first_admin
    from inboxwatch_storage import open_engine

    if make_url(layout.store_url).get_backend_name() == "postgresql":
        return _init_postgres(layout, admin_login)
    steps = []
    engine = open_engine(layout.store_url)
    try:
        if admin_login is not None:
            with Session(engine) as session:
                info = bootstrap_first_admin(session, login=admin_login)
            steps.append(f"first admin: OS account {admin_login!r}" if info else
                         "first admin: the store has staff already, left unchanged")
        else:
            steps.append("no first admin named: run `sudo inboxwatch init --system --admin "
                         "LOGIN` with the OS account of the help desk's admin")
        if is_sqlite(engine):
            database = Path(engine.url.database or "")
            engine.dispose()  # checkpoint the WAL before the files change hands
            for suffix in ("", "-wal", "-shm"):
                part = Path(f"{database}{suffix}")
                if part.exists():
                    os.chown(part, uid, gid)
                    os.chmod(part, 0o660)
            steps.append(f"store ready: {database} (0660 {layout.service_user}:"
                         f"{layout.group})")
        else:
            steps.append(f"store ready: "
                         f"{engine.url.render_as_string(hide_password=True)}")
    finally:
        engine.dispose()
    return steps
