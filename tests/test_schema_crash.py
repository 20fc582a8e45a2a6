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
                for _ in range(2)]
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
