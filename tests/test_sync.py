"""Incremental sync against a real Dovecot: counts, server flags, no bodies on a second poll,
UIDVALIDITY change, oversize and unfetchable messages."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from inboxwatch.cli import main
from inboxwatch.config import load_config
from inboxwatch.imap import connect
from inboxwatch.sync import poll_mailbox, sync_folder
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import Message, RawCapture, SyncCheckpoint, UnfetchedMessage
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, make_message, write_config


@pytest.fixture(autouse=True)
def _imap_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)


def _count(db_url: str, model: type) -> int:
    engine = open_engine(db_url)
    try:
        with Session(engine) as session:
            return int(session.exec(select(func.count()).select_from(model)).one())
    finally:
        engine.dispose()


def _flags(server: Dovecot, user: str, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
    imap = server.client(user)
    try:
        imap.select_folder(folder, readonly=True)
        uids = imap.search(["ALL"])
        return {u: d[b"FLAGS"] for u, d in imap.fetch(uids, [b"FLAGS"]).items()} if uids else {}
    finally:
        imap.logout()


def _settled_sessions(server: Dovecot, user: str) -> int:
    """How many sessions of ``user`` have ended, once Dovecot has logged the last logout."""
    count, stable_since = -1, time.monotonic()
    while time.monotonic() - stable_since < 0.4:
        now = len(server.logout_stats(user))
        if now != count:
            count, stable_since = now, time.monotonic()
        time.sleep(0.05)
    return count


def test_500_messages_stored_once_and_second_poll_fetches_no_body(
        dovecot: Dovecot, tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    user = dovecot.new_user()
    dovecot.append(user, (make_message(i, tag=user) for i in range(500)))
    config = write_config(tmp_path / "c.toml", dovecot, user, after_ingest="seen")
    before = _settled_sessions(dovecot, user)

    assert main(["--config", str(config), "--db", db_url, "poll"]) == 0
    assert "500 new, 500 stored" in capsys.readouterr().out
    assert _count(db_url, Message) == 500
    after_first = _settled_sessions(dovecot, user)
    first = dovecot.logout_stats(user)[before:after_first]
    flags = _flags(dovecot, user)
    assert len(flags) == 500 and all(b"\\Seen" in f for f in flags.values())
    before_second = _settled_sessions(dovecot, user)

    assert main(["--config", str(config), "--db", db_url, "poll"]) == 0
    assert "0 new, 0 stored" in capsys.readouterr().out
    assert _count(db_url, Message) == 500
    # The server's own counters: the first poll fetched 500 bodies, the second none.
    second = dovecot.logout_stats(user)[before_second:_settled_sessions(dovecot, user)]
    assert [s.body_fetches for s in first] == [500]
    assert [(s.body_fetches, s.header_fetches) for s in second] == [(0, 0)]


def test_keep_leaves_flags_and_move_moves(dovecot: Dovecot, tmp_path: Path, db_url: str) -> None:
    keep_user, move_user = dovecot.new_user(), dovecot.new_user()
    dovecot.append(keep_user, (make_message(i, tag=keep_user) for i in range(20)))
    dovecot.append(move_user, (make_message(i, tag=move_user) for i in range(20)))
    config = write_config(tmp_path / "c.toml", dovecot, keep_user, name="keep",
                          after_ingest="keep", mailboxes=f"""
[[mailbox]]
name = "moved"
host = "{dovecot.host}"
port = {dovecot.plain_port}
security = "plain"
username = "{move_user}"
password_env = "IW_TEST_IMAP_PW"
after_ingest = "move:Processed"
""")
    assert main(["--config", str(config), "--db", db_url, "poll"]) == 0
    assert _count(db_url, Message) == 40
    assert all(b"\\Seen" not in f for f in _flags(dovecot, keep_user).values())
    assert len(_flags(dovecot, keep_user)) == 20
    assert _flags(dovecot, move_user) == {}
    assert len(_flags(dovecot, move_user, "Processed")) == 20


def test_uidvalidity_change_rescans_without_duplicates(
        dovecot: Dovecot, tmp_path: Path, db_url: str) -> None:
    user = dovecot.new_user()
    dovecot.append(user, (make_message(i, tag=user) for i in range(30)))
    config = write_config(tmp_path / "c.toml", dovecot, user, after_ingest="keep")
    assert main(["--config", str(config), "--db", db_url, "poll"]) == 0
    engine = open_engine(db_url)
    with Session(engine) as session:
        before = session.exec(select(SyncCheckpoint)).one().uidvalidity

    dovecot.recreate_folder(user)
    dovecot.append(user, [make_message(100, tag=user)])  # and one genuinely new message
    assert main(["--config", str(config), "--db", db_url, "poll"]) == 0
    with Session(engine) as session:
        checkpoint = session.exec(select(SyncCheckpoint)).one()
        shas = session.exec(select(Message.sha256)).all()
        ids = session.exec(select(Message.message_id)).all()
    engine.dispose()
    assert checkpoint.uidvalidity != before
    assert len(shas) == len(set(shas)) == 31
    assert len(ids) == len(set(ids))


def test_oversize_message_is_stored_header_only_and_left_alone(
        dovecot: Dovecot, tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    user = dovecot.new_user()
    big = make_message(1, tag=user, size=100 * 1024 * 1024)
    dovecot.append(user, [big, make_message(2, tag=user)])
    del big
    config = write_config(tmp_path / "c.toml", dovecot, user, after_ingest="seen")
    engine = open_engine(db_url)
    mailbox = load_config(config).mailboxes[0]
    from inboxwatch.route import RoutingContext

    with caplog.at_level("WARNING"):
        result = poll_mailbox(mailbox, engine, RoutingContext())
    assert result.error is None and result.sync is not None
    assert result.sync.header_only == 1 and result.ingest and result.ingest.stored == 2
    with Session(engine) as session:
        oversize = session.exec(select(Message).where(Message.header_only)).one()
        assert oversize.status == "needs_attention"
        assert oversize.message_id is not None and user in oversize.message_id
        capture = session.exec(select(RawCapture).where(RawCapture.header_only)).one()
        assert capture.size < 4096
    engine.dispose()
    assert "over max_message_bytes" in caplog.text
    # The large copy stays on the server as it was: still there, not even marked \Seen.
    files = dovecot.maildir_files(user)
    assert len(files) == 2 and max(f.stat().st_size for f in files) > 95 * 1024 * 1024
    flags = _flags(dovecot, user)
    assert [b"\\Seen" in flags[uid] for uid in sorted(flags)] == [False, True]


def test_message_the_server_cannot_give_is_flagged_not_marked_and_retried(
        dovecot: Dovecot, tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    user = dovecot.new_user()
    dovecot.append(user, (make_message(i, tag=user) for i in range(10)))
    victim = dovecot.maildir_files(user)[4]
    victim.chmod(0)  # Dovecot (uid 65534) can list it but not read it
    config = write_config(tmp_path / "c.toml", dovecot, user, after_ingest="seen")
    engine = open_engine(db_url)
    mailbox = load_config(config).mailboxes[0]
    from inboxwatch.route import RoutingContext

    with caplog.at_level("WARNING"):
        result = poll_mailbox(mailbox, engine, RoutingContext())
    assert result.error is None and result.sync is not None
    assert result.sync.unfetched == 1 and result.ingest and result.ingest.stored == 9
    assert "could not be fetched" in caplog.text
    with Session(engine) as session:
        unfetched = session.exec(select(UnfetchedMessage)).one()
    flags = _flags(dovecot, user)
    assert b"\\Seen" not in flags[unfetched.uid]
    assert sum(b"\\Seen" in f for f in flags.values()) == 9

    # readable again (Dovecot moved it from new/ to cur/): the next poll stores it, then marks it
    unique = victim.name.split(",")[0]
    next(f for f in dovecot.maildir_files(user) if f.name.startswith(unique)).chmod(0o600)
    result = poll_mailbox(mailbox, engine, RoutingContext())
    assert result.sync is not None and result.sync.unfetched == 0
    assert result.ingest and result.ingest.stored == 1
    with Session(engine) as session:
        assert session.exec(select(UnfetchedMessage)).first() is None
        assert session.exec(select(func.count()).select_from(Message)).one() == 10
    engine.dispose()
    assert all(b"\\Seen" in f for f in _flags(dovecot, user).values())


def test_missing_folder_is_one_clear_error(dovecot: Dovecot, tmp_path: Path, db_url: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    user = dovecot.new_user()
    config = write_config(tmp_path / "c.toml", dovecot, user, folder="NoSuchFolder")
    assert main(["--config", str(config), "--db", db_url, "poll"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "folder 'NoSuchFolder' does not exist" in err[0]


def test_sync_folder_reports_connection_facts(dovecot: Dovecot, tmp_path: Path,
                                              engine: object) -> None:
    user = dovecot.new_user()
    dovecot.append(user, (make_message(i, tag=user) for i in range(3)))
    mailbox = load_config(write_config(tmp_path / "c.toml", dovecot, user)).mailboxes[0]
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    with connect(mailbox) as conn:
        report = sync_folder(conn, engine)
        again = sync_folder(conn, engine)
    assert (report.new, report.captured, report.bodies_fetched) == (3, 3, 3)
    assert (again.new, again.captured, again.bodies_fetched) == (0, 0, 0)


def test_a_batch_holds_a_bounded_number_of_bytes() -> None:
    """Batches stop at BATCH_BYTES of mail (memory stays bounded with large messages); one
    larger message is a batch alone; oversize ones count only for their header block."""
    from inboxwatch.imap import MessageMeta
    from inboxwatch.sync import BATCH_BYTES, HEADER_ONLY_BYTES, _within_bytes

    def meta(sizes: dict[int, int]) -> dict[int, MessageMeta]:
        return {uid: MessageMeta(uid, size, (), None) for uid, size in sizes.items()}

    third = BATCH_BYTES // 3
    assert _within_bytes([1, 2, 3, 4], meta({1: third, 2: third, 3: third, 4: third}),
                         10 * BATCH_BYTES) == [1, 2, 3]
    assert _within_bytes([7, 8], meta({7: 2 * BATCH_BYTES, 8: 10}), 10 * BATCH_BYTES) == [7]
    # over max_message_bytes: stored header-only, so reckoned small; unknown UIDs cost nothing
    assert _within_bytes([1, 2, 3], meta({1: 5 * BATCH_BYTES, 2: 5 * BATCH_BYTES}),
                         BATCH_BYTES) == [1, 2, 3]
    assert HEADER_ONLY_BYTES < BATCH_BYTES
