"""A throw-away PostgreSQL cluster for the tests that prove the store works by URL.

Started with ``initdb`` and ``pg_ctl`` as the ``postgres`` OS user on a free loopback port,
once per session. Tests that need it skip with a loud reason when PostgreSQL or psycopg is
missing, and fail instead when ``INBOXWATCH_REQUIRE_POSTGRES=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from inboxwatch_storage import open_engine
from tests.dovecot import free_port


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _unavailable(why: str) -> None:
    message = f"POSTGRESQL NOT AVAILABLE: {why}"
    if os.environ.get("INBOXWATCH_REQUIRE_POSTGRES", "") not in ("", "0"):
        pytest.fail(message + " (INBOXWATCH_REQUIRE_POSTGRES=1)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
    if initdb is None or pg_ctl is None:
        _unavailable("needs initdb and pg_ctl (apt-get install postgresql)")
    if importlib.util.find_spec("psycopg") is None:
        _unavailable("needs psycopg (pip install 'inboxwatch[postgres]')")
    try:
        pg_user = pwd.getpwnam("postgres")
    except KeyError:
        _unavailable("no postgres OS user to run the server as")
        raise
    assert initdb is not None and pg_ctl is not None
    root = Path(tempfile.mkdtemp(prefix="inboxwatch-pg-"))
    root.chmod(0o755)
    data = root / "data"
    os.chown(root, pg_user.pw_uid, pg_user.pw_gid)
    port = free_port()

    def as_postgres(*cmd: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)

    as_postgres(initdb, "-D", str(data), "-A", "trust", "-U", "postgres")
    as_postgres(pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-o",
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def peer_postgres() -> Iterator[tuple[Path, int]]:
    """A cluster whose Unix socket uses peer authentication, as a team deployment's does:
    a connection with no user name is the OS login's own role. Yields (socket dir, port)."""
    initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
    if initdb is None or pg_ctl is None or _tool("psql") is None:
        _unavailable("needs initdb, pg_ctl and psql (apt-get install postgresql)")
    if importlib.util.find_spec("psycopg") is None:
        _unavailable("needs psycopg (pip install 'inboxwatch[postgres]')")
    try:
        pg_user = pwd.getpwnam("postgres")
    except KeyError:
        _unavailable("no postgres OS user to run the server as")
        raise
    assert initdb is not None and pg_ctl is not None
    root = Path(tempfile.mkdtemp(prefix="inboxwatch-pgpeer-"))
    root.chmod(0o755)  # the socket is reached by the test's throw-away accounts
    data = root / "data"
    os.chown(root, pg_user.pw_uid, pg_user.pw_gid)
    port = free_port()

    def as_postgres(*cmd: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)

    as_postgres(initdb, "-D", str(data), "--auth-local=peer", "--auth-host=reject",
                "-U", "postgres")
    as_postgres(pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-o",
                f"-p {port} -k {root} -c listen_addresses=''", "start")
    try:
        yield root, port
    finally:
        as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def psql_tool() -> str:
    found = _tool("psql")
    assert found is not None
    return found


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the cluster at ``server_url``, dropped afterwards: its URL."""
    name = f"iw_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_db(postgres_url: str) -> Iterator[str]:
    """The URL of a new, empty database on the test cluster."""
    with fresh_database(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def each_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A new store, once on SQLite and once on PostgreSQL: for claims about both."""
    url = f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("pg_db")
    engine = open_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
