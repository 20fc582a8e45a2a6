"""Crash safety: a real ``inboxwatch poll`` SIGKILLed at random moments of a 2,000-message
poll, ten times, then run to completion, stores every message exactly once and marks every
server copy only after it was committed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import Message, RawCapture, UnfetchedMessage
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, make_message, write_config

pytestmark = pytest.mark.subprocess  # runs inboxwatch or tools in other processes


INBOXWATCH = [sys.executable, "-c", "from inboxwatch.cli import entry_point; entry_point()"]
TOTAL = 2000
KILLS = 10


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        captures = session.exec(select(func.count()).select_from(RawCapture)).one()
        messages = session.exec(select(func.count()).select_from(Message)).one()
    return int(captures), int(messages)


@pytest.mark.slow
def test_sigkill_at_random_moments_then_poll_to_completion(
        dovecot: Dovecot, tmp_path: Path, db_url: str) -> None:
    seed = int(os.environ.get("INBOXWATCH_CRASH_SEED", time.time_ns() % 10_000))
    rng = random.Random(seed)
    print(f"crash test seed {seed} (set INBOXWATCH_CRASH_SEED to replay)")
    user = dovecot.new_user()
    dovecot.append(user, (make_message(i, tag=user, size=rng.randrange(200, 6000))
                          for i in range(TOTAL)))
    config = write_config(tmp_path / "c.toml", dovecot, user, after_ingest="seen",
                          batch_size=50)
    env = {**os.environ, "IW_TEST_IMAP_PW": DEFAULT_PASSWORD}
    engine = open_engine(db_url)
    argv = [*INBOXWATCH, "--config", str(config), "--db", db_url, "poll"]
    moments = []
    for round_no in range(KILLS):
        captured0, stored0 = _counts(engine)
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        # Kill while starting, while capturing, or while processing captures. The first two
        # rounds always kill mid-capture and mid-processing, so that the run proves something
        # whatever the seed; a random "time" kill can come after a whole poll has finished.
        mode = ("capture", "process")[round_no] if round_no < 2 else rng.choice(
            ["time", "capture", "process"])
        if mode == "capture" and captured0 >= TOTAL:
            mode = "process"  # nothing left to capture: waiting for captures would outlast it
        deadline = time.monotonic() + 30
        if mode == "time":
            time.sleep(rng.uniform(0.2, 3.0))
        else:
            left = TOTAL - (captured0 if mode == "capture" else stored0)
            target = max(1, min(rng.randint(1, 400), left - 1))
            while proc.poll() is None and time.monotonic() < deadline:
                captured, stored = _counts(engine)
                if (captured - captured0 if mode == "capture" else stored - stored0) >= target:
                    break
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        moments.append((round_no, mode, *_counts(engine)))
    print("after each kill (round, mode, captures, messages):", moments)
    assert any(0 < m[2] < TOTAL or 0 < m[3] < TOTAL for m in moments), \
        "no kill landed inside the poll"

    final = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    with Session(engine) as session:
        shas = session.exec(select(Message.sha256)).all()
        ids = session.exec(select(Message.message_id)).all()
        pending = session.exec(select(func.count()).select_from(RawCapture).where(
            col(RawCapture.processed_at).is_(None))).one()
        unfetched = session.exec(select(func.count()).select_from(UnfetchedMessage)).one()
    engine.dispose()
    assert len(shas) == TOTAL, f"seed {seed}"
    assert len(set(shas)) == TOTAL and len(set(ids)) == TOTAL
    assert pending == 0 and unfetched == 0
    imap = dovecot.client(user)
    try:
        imap.select_folder("INBOX", readonly=True)
        assert len(imap.search(["ALL"])) == TOTAL
        assert imap.search(["UNSEEN"]) == []  # every copy marked, once committed
    finally:
        imap.logout()


def test_sigterm_finishes_the_batch_in_hand_commits_and_exits(
        dovecot: Dovecot, tmp_path: Path, db_url: str) -> None:
    from inboxwatch_storage.tables import SyncCheckpoint

    user = dovecot.new_user()
    dovecot.append(user, (make_message(i, tag=user, size=20_000) for i in range(1500)))
    config = write_config(tmp_path / "c.toml", dovecot, user, after_ingest="seen",
                          batch_size=25)
    env = {**os.environ, "IW_TEST_IMAP_PW": DEFAULT_PASSWORD}
    engine = open_engine(db_url)
    argv = [*INBOXWATCH, "--config", str(config), "--db", db_url, "poll"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 60
    while _counts(engine)[0] < 50 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "interrupted" in out
    captured, _ = _counts(engine)
    with Session(engine) as session:
        checkpoint = session.exec(select(SyncCheckpoint)).one()
    assert 0 < captured < 1500
    # Whole batches only, all of them committed and flagged: nothing half done.
    assert captured == checkpoint.last_uid == checkpoint.applied_uid
    assert captured % 25 == 0
    imap = dovecot.client(user)
    try:
        imap.select_folder("INBOX", readonly=True)
        assert len(imap.search(["SEEN"])) == captured
    finally:
        imap.logout()

    final = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Message)).one() == 1500
    engine.dispose()


ROUNDS = 20
PER_ROUND = TOTAL // ROUNDS


def _orphaned_workers() -> list[int]:
    """Spawned parser workers still running that are not this test process's own: a killed
    poll's workers, had they outlived it."""
    import psutil

    return [proc.info["pid"] for proc in psutil.process_iter(["pid", "ppid", "cmdline"])
            if "multiprocessing.spawn" in " ".join(proc.info["cmdline"] or [])
            and proc.info["ppid"] != os.getpid()]


@pytest.mark.slow
def test_sigkill_of_the_main_process_then_a_new_poll_at_once(
        dovecot: Dovecot, tmp_path: Path, db_url: str) -> None:
    """The OOM killer's way: SIGKILL to the poll's main process only, 20 times at random
    moments, each followed at once by a new poll, which must exit 0 (its workers may still
    be finishing a batch of the dead one's). 100 new messages a round: 2,000 in all, each
    stored once, no worker left running."""
    seed = int(os.environ.get("INBOXWATCH_CRASH_SEED", time.time_ns() % 10_000))
    rng = random.Random(seed)
    print(f"crash test seed {seed} (set INBOXWATCH_CRASH_SEED to replay)")
    user = dovecot.new_user()
    config = write_config(tmp_path / "c.toml", dovecot, user, after_ingest="seen",
                          batch_size=20)
    env = {**os.environ, "IW_TEST_IMAP_PW": DEFAULT_PASSWORD}
    argv = [*INBOXWATCH, "--config", str(config), "--db", db_url, "poll", "--workers", "2"]
    engine = open_engine(db_url)
    killed_mid_way = 0
    for round_no in range(ROUNDS):
        dovecot.append(user, (make_message(round_no * PER_ROUND + i, tag=user,
                                           size=rng.randrange(200, 6000))
                              for i in range(PER_ROUND)))
        captured0, stored0 = _counts(engine)
        victim = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        # The moment is chosen by progress, not by the clock: a fixed sleep outlasts a whole
        # poll on a fast machine. Start-up, a number of captures, or a number of stored
        # messages of this round, then a few random milliseconds.
        mode = rng.choice(["start-up", "capture", "process"])
        if mode == "start-up":
            time.sleep(rng.uniform(0.1, 0.5))
        else:
            target = rng.randint(1, PER_ROUND - 1)
            deadline = time.monotonic() + 30
            while victim.poll() is None and time.monotonic() < deadline:
                captured, stored = _counts(engine)
                done = captured - captured0 if mode == "capture" else stored - stored0
                if done >= target:
                    break
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.02))
        if victim.poll() is None:
            victim.send_signal(signal.SIGKILL)  # the main process only
            killed_mid_way += 1
        victim.wait()
        after = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
        assert after.returncode == 0, (round_no, seed, after.stderr)
        assert "Traceback" not in after.stderr
    print(f"{killed_mid_way} of {ROUNDS} kills landed while the poll ran")
    assert killed_mid_way >= 10, f"only {killed_mid_way} kills landed inside a poll"
    time.sleep(2)  # a dead poll's workers notice within half a second
    assert _orphaned_workers() == []
    with Session(engine) as session:
        shas = session.exec(select(Message.sha256)).all()
        pending = session.exec(select(func.count()).select_from(RawCapture).where(
            col(RawCapture.processed_at).is_(None))).one()
    engine.dispose()
    assert len(shas) == TOTAL and len(set(shas)) == TOTAL, f"seed {seed}"
    assert pending == 0
