"""A connection dropped in the middle of a literal (a message body half sent): the sync
reconnects and carries on, or gives up without committing or marking anything."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from inboxwatch.config import load_config
from inboxwatch.imap import ConnectionLost, connect
from inboxwatch.route import RoutingContext
from inboxwatch.sync import poll_mailbox, sync_folder
from inboxwatch_storage.tables import Message, RawCapture, UnfetchedMessage
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, make_message, write_config


class CuttingProxy:
    """A TCP proxy to Dovecot that cuts the first ``cut_connections`` connections once the
    server has sent ``after_bytes`` bytes through them (mid-FETCH for big enough batches)."""

    def __init__(self, target: tuple[str, int], after_bytes: int, cut_connections: int) -> None:
        self.target = target
        self.after_bytes = after_bytes
        self.cuts_left = cut_connections
        self.cuts = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._closing = False
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def _serve(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            cut = self.cuts_left > 0
            self.cuts_left -= int(cut)
            for src, dst, limit in ((client, server, None),
                                    (server, client, self.after_bytes if cut else None)):
                t = threading.Thread(target=self._pump, args=(src, dst, limit, client, server),
                                     daemon=True)
                t.start()
                self._threads.append(t)

    def _pump(self, src: socket.socket, dst: socket.socket, limit: int | None,
              a: socket.socket, b: socket.socket) -> None:
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None and sent + len(data) > limit:
                    dst.sendall(data[: limit - sent])  # half a literal, then nothing
                    self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self._closing = True
        self.listener.close()
        for t in self._threads:
            t.join(5)


@pytest.fixture
def imap_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    yield


def _seen_count(server: Dovecot, user: str) -> int:
    imap = server.client(user)
    try:
        imap.select_folder("INBOX", readonly=True)
        return len(imap.search(["SEEN"]))
    finally:
        imap.logout()


def test_drop_mid_literal_reconnects_and_stores_everything_once(
        dovecot: Dovecot, tmp_path: Path, engine: Engine, imap_env: None,
        caplog: pytest.LogCaptureFixture) -> None:
    user = dovecot.new_user()
    dovecot.append(user, (make_message(i, tag=user, size=8000) for i in range(60)))
    proxy = CuttingProxy((dovecot.host, dovecot.plain_port), after_bytes=100_000,
                         cut_connections=1)
    try:
        mailbox = load_config(write_config(tmp_path / "c.toml", dovecot, user,
                                           port=proxy.port, batch_size=30)).mailboxes[0]
        with caplog.at_level("INFO"):
            result = poll_mailbox(mailbox, engine, RoutingContext())
    finally:
        proxy.close()
    assert proxy.cuts == 1
    assert result.error is None, result.error
    assert "connection dropped; reconnecting" in caplog.text
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Message)).one() == 60
        assert session.exec(select(func.count()).select_from(UnfetchedMessage)).one() == 0
    assert _seen_count(dovecot, user) == 60


def test_drop_mid_literal_without_retry_commits_and_marks_nothing(
        dovecot: Dovecot, tmp_path: Path, engine: Engine, imap_env: None) -> None:
    user = dovecot.new_user()
    dovecot.append(user, (make_message(i, tag=user, size=8000) for i in range(60)))
    proxy = CuttingProxy((dovecot.host, dovecot.plain_port), after_bytes=100_000,
                         cut_connections=1)
    try:
        mailbox = load_config(write_config(tmp_path / "c.toml", dovecot, user,
                                           port=proxy.port, batch_size=30)).mailboxes[0]
        conn = connect(mailbox)
        with pytest.raises(ConnectionLost, match="kept dropping"):
            sync_folder(conn, engine, max_reopens=0)
        conn.close()
    finally:
        proxy.close()
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(RawCapture)).one() == 0
    assert _seen_count(dovecot, user) == 0  # nothing was committed, so nothing is marked
