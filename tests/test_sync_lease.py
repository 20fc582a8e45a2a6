"""The mailbox lease: one poller per mailbox across processes, expiry, crash takeover.

Every test runs on SQLite and on PostgreSQL (a throw-away cluster started with ``initdb`` as
the ``postgres`` user; skipped when PostgreSQL or psycopg is not installed).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from inboxwatch.lease import LeaseHeld, acquire_lease
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import MailboxLease, utcnow

pytestmark = pytest.mark.subprocess  # runs inboxwatch or tools in other processes


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, db_url: str) -> Iterator[Engine]:
    """A fresh store on each backend (overrides conftest's SQLite-only ``engine``)."""
    if request.param == "sqlite":
        eng = open_engine(db_url)
    else:
        url = request.getfixturevalue("postgres_url")
        eng = open_engine(url)
        with eng.begin() as conn:
            conn.execute(text("DELETE FROM mailboxlease"))
    yield eng
    eng.dispose()


def test_second_owner_is_refused_until_release(engine: Engine) -> None:
    lease = acquire_lease(engine, "support", "hostA:1:aaaa")
    with pytest.raises(LeaseHeld) as held:
        acquire_lease(engine, "support", "hostB:2:bbbb")
    assert held.value.owner == "hostA:1:aaaa"
    acquire_lease(engine, "other", "hostB:2:bbbb").release()  # other mailboxes are free
    lease.release()
    acquire_lease(engine, "support", "hostB:2:bbbb").release()


def test_expired_lease_is_taken_over_and_the_old_holder_learns_it(engine: Engine) -> None:
    old = acquire_lease(engine, "support", "hostA:1:aaaa", seconds=60)
    with Session(engine) as session:
        row = session.get(MailboxLease, "support")
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    new = acquire_lease(engine, "support", "hostB:2:bbbb")
    assert old.renew() is False
    assert new.renew() is True
    old.release()  # releasing a lost lease must not free the new holder's
    with pytest.raises(LeaseHeld):
        acquire_lease(engine, "support", "hostC:3:cccc")


def test_lease_of_a_dead_process_on_this_host_is_taken_at_once(engine: Engine) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    acquire_lease(engine, "support", f"{socket.gethostname()}:{dead.pid}:dead", seconds=600)
    lease = acquire_lease(engine, "support", f"{socket.gethostname()}:999999999:new")
    assert lease.owner.endswith(":new")


def test_only_one_of_many_racing_threads_wins(engine: Engine) -> None:
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def race(n: int) -> None:
        barrier.wait()
        try:
            acquire_lease(engine, "support", f"otherhost:{n}:t{n}")
            winners.append(str(n))
        except LeaseHeld:
            pass

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
