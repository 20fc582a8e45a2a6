"""First-run setup is crash-safe and can race: the store's creation is one transaction,
serialised between processes; a half-made store (from an older inboxwatch) is finished."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from inboxwatch_storage import open_engine
from inboxwatch_storage.schema import HEAD_REVISION

pytestmark = pytest.mark.subprocess

CREATE = [sys.executable, "-c",
          "import sys; from inboxwatch_storage import open_engine; open_engine(sys.argv[1])"]
COMMAND = [sys.executable, "-c", "from inboxwatch.cli import entry_point; entry_point()"]


def _works(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, "--db", url, "db", "current"], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.slow
def test_sigkill_at_twenty_moments_of_creation_leaves_a_store_that_works(
        tmp_path: Path) -> None:
    rng = random.Random(20261203)
    killed_mid_way = 0
    for n in range(20):
        url = f"sqlite:///{tmp_path / f'store{n}.db'}"
        creator = subprocess.Popen([*CREATE, url], stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.9))  # Python's start, then the schema's creation
        if creator.poll() is None:
            os.kill(creator.pid, signal.SIGKILL)
            killed_mid_way += 1
        creator.wait(timeout=60)
        done = _works(url)
        assert done.returncode == 0, (n, done.stderr)
        assert HEAD_REVISION in done.stdout
    assert killed_mid_way >= 10  # most kills landed while it was still working


def test_two_processes_creating_one_store_both_succeed(tmp_path: Path) -> None:
    for n in range(8):
        url = f"sqlite:///{tmp_path / f'race{n}.db'}"
        both = [subprocess.Popen([*CREATE, url], stderr=subprocess.PIPE, text=True)
                for _ in range(3)]  # three at once: a wider race than two
        for proc in both:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        assert _works(url).returncode == 0


def test_a_half_made_store_is_finished(tmp_path: Path) -> None:
    """What a kill during creation left with earlier versions (DDL outside a transaction):
    some tables, no schema version, no rows. It is made again, not refused."""
    url = f"sqlite:///{tmp_path / 'half.db'}"
    engine = open_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("DROP TABLE auditentry"))
    engine.dispose()
    engine = open_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == \
            HEAD_REVISION
    engine.dispose()


def test_wal_switch_waits_for_a_store_being_created(tmp_path: Path) -> None:
    """SQLite answers the switch to WAL with "database is locked" at once, busy timeout or
    not, while another process creates the store (what made one of two concurrent first
    runs crash in CI): the switch is retried until the other is done."""
    import sqlite3
    import threading

    from inboxwatch_storage.engine import _sqlite_on_connect

    path = tmp_path / "new.db"
    creator = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    creator.execute("BEGIN IMMEDIATE")
    creator.execute("CREATE TABLE t (x)")
    second = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("PRAGMA busy_timeout=3000")
        second.execute("PRAGMA journal_mode=WAL")  # the plain way fails at once
    timer = threading.Timer(0.5, lambda: creator.execute("COMMIT"))
    timer.start()
    started = time.monotonic()
    _sqlite_on_connect(second, None)
    assert 0.3 < time.monotonic() - started < 5
    assert second.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    timer.join()
    creator.close()
    second.close()


def test_two_inits_at_once_both_succeed_with_one_first_admin(tmp_path: Path) -> None:
    """Two ``inboxwatch init`` on one new store at once (the roles were seeded by both, the
    second crashed on a duplicate permission): both exit 0, and there is one first admin."""
    from sqlmodel import Session, select

    from inboxwatch_storage.tables import User, UserRole

    for n in range(6):
        url = f"sqlite:///{tmp_path / f'init{n}.db'}"
        env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / f"data{n}")}
        both = [subprocess.Popen([*COMMAND, "--db", url, "--config",
                                  str(tmp_path / f"c{n}.toml"), "init"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        for proc in both:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0 and "Traceback" not in err, err
        engine = open_engine(url)
        with Session(engine) as session:
            admins = session.exec(select(UserRole).where(UserRole.role == "admin")).all()
            assert len(admins) == 1 and len(session.exec(select(User)).all()) == 1
        engine.dispose()
