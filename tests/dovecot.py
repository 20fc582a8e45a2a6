"""A real Dovecot IMAP server on loopback for the IMAP worker's tests (see docs/testing.md).

The session-scoped ``dovecot`` fixture writes a self-contained config under a temp dir (nothing
from /etc/dovecot), starts ``dovecot -c CONF`` with a plain and a TLS listener on free ports and
stops it at the end of the session. ``dovecot_no_idle`` is a second server that does not
advertise IDLE. Tests isolate themselves with :meth:`Dovecot.new_user` (a fresh account with an
empty Maildir) rather than sharing folders.

When Dovecot is not installed the fixtures skip with a loud reason, unless
``INBOXWATCH_REQUIRE_DOVECOT=1`` (CI), where they fail instead.

Dovecot logs one line per IMAP logout with its fetch counters (``imap_logout_format``), so a
test can check from the server's side how many message bodies a client fetched.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from imapclient import IMAPClient

__all__ = ["DEFAULT_PASSWORD", "Dovecot", "LogoutStats", "free_port", "make_message", "write_config"]

MAIL_UID = 65534
DEFAULT_PASSWORD = "Tr0ub4dor-iw-7Hq2"  # distinctive, so tests can grep logs for it
USER_POOL = 200
LOGOUT_FORMAT = ("in=%i out=%o fetch_hdr_count=%{fetch_hdr_count} "
                 "fetch_body_count=%{fetch_body_count} fetch_body_bytes=%{fetch_body_bytes}")
_LOGOUT_RE = re.compile(
    r"imap\((?P<user>[^)]+)\).*fetch_hdr_count=(?P<hdr>\d+) fetch_body_count=(?P<body>\d+) "
    r"fetch_body_bytes=(?P<bytes>\d+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class LogoutStats:
    """What Dovecot counted for one IMAP session of ``user``."""

    user: str
    header_fetches: int
    body_fetches: int
    body_bytes: int


@dataclass
class Dovecot:
    """One running Dovecot instance and helpers to put mail into it."""

    root: Path
    plain_port: int
    tls_port: int
    cert_file: Path
    idle: bool = True
    host: str = "127.0.0.1"
    _users: dict[str, str] = field(default_factory=dict)
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def conf(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_file(self) -> Path:
        return self.root / "dovecot.log"

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self.root.chmod(0o755)
        (self.root / "mail").mkdir(exist_ok=True)
        os.chown(self.root / "mail", MAIL_UID, MAIL_UID)
        key = self.root / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(key), "-out", str(self.cert_file)],
            check=True, capture_output=True)
        # Every account exists before the server starts: Dovecot does not reliably notice a
        # passwd-file rewritten within the same second.
        self._write_users({"test": DEFAULT_PASSWORD,
                           **{f"u{i}": DEFAULT_PASSWORD for i in range(1, USER_POOL + 1)}})
        capability = "" if self.idle else \
            "  imap_capability = IMAP4rev1 LITERAL+ SASL-IR UIDPLUS MOVE ENABLE MULTIAPPEND\n"
        self.conf.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log_file}
info_log_path = {self.log_file}
ssl = yes
ssl_cert = <{self.cert_file}
ssl_key = <{key}
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
mail_location = maildir:~/Maildir
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.root}/users
}}
userdb {{
  driver = passwd-file
  args = {self.root}/users
  default_fields = uid={MAIL_UID} gid={MAIL_UID} home={self.root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
protocol imap {{
  imap_logout_format = {LOGOUT_FORMAT}
  mail_max_userip_connections = 50
{capability}}}
""")
        # The daemon inherits our descriptors: give it no pipes to hold open.
        with open(self.root / "start.err", "wb") as err:
            subprocess.run(["dovecot", "-c", str(self.conf)], check=True,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.plain_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start; log:\n{self.log_tail()}")

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().strip())
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    # -- accounts -------------------------------------------------------------------------
    def _write_users(self, users_and_passwords: dict[str, str]) -> None:
        self._users.update(users_and_passwords)
        users = self.root / "users"
        users.write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self._users.items()))
        shutil.chown(users, group="dovecot")
        users.chmod(0o640)

    def new_user(self) -> str:
        """A fresh account (password :data:`DEFAULT_PASSWORD`) with an empty INBOX: one per test."""
        number = next(self._counter)
        if number > USER_POOL:
            raise RuntimeError(f"more than {USER_POOL} test accounts used; raise USER_POOL")
        return f"u{number}"

    def client(self, user: str = "test") -> IMAPClient:
        imap = IMAPClient(self.host, self.plain_port, ssl=False, timeout=60)
        imap.login(user, self._users[user])
        return imap

    # -- mail -----------------------------------------------------------------------------
    def append(self, user: str, messages: Iterable[bytes], folder: str = "INBOX",
               chunk: int = 200) -> int:
        """APPEND ``messages`` (MULTIAPPEND in chunks); returns how many were appended."""
        count = 0
        imap = self.client(user)
        try:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            batch: list[bytes] = []
            for raw in messages:
                batch.append(raw)
                if len(batch) >= chunk:
                    imap.multiappend(folder, batch)
                    count += len(batch)
                    batch = []
            if batch:
                imap.multiappend(folder, batch)
                count += len(batch)
        finally:
            imap.logout()
        return count

    def recreate_folder(self, user: str, folder: str = "INBOX") -> None:
        """Give ``folder`` a new UIDVALIDITY while keeping the same messages.

        INBOX cannot be deleted, so its messages are copied aside, the Maildir's UID list is
        removed (Dovecot then assigns a new UIDVALIDITY) and they are put back.
        """
        imap = self.client(user)
        try:
            imap.select_folder(folder)
            uids = imap.search(["ALL"])
            data = imap.fetch(uids, [b"BODY.PEEK[]", b"FLAGS"]) if uids else {}
            messages = [(data[u][b"BODY[]"], data[u][b"FLAGS"]) for u in sorted(data)]
            before = imap.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
            if folder.upper() == "INBOX":
                if uids:
                    imap.delete_messages(uids)
                    imap.expunge()
                imap.close_folder()
            else:
                imap.close_folder()
                imap.delete_folder(folder)
                imap.create_folder(folder)
        finally:
            imap.logout()
        if folder.upper() == "INBOX":
            maildir = self.root / "mail" / user / "Maildir"
            for name in ("dovecot-uidlist", "dovecot.index", "dovecot.index.log",
                         "dovecot.index.cache"):
                (maildir / name).unlink(missing_ok=True)
            time.sleep(1.1)  # UIDVALIDITY is a timestamp: make sure it moves on
        imap = self.client(user)
        try:
            for raw, flags in messages:
                imap.append(folder, raw, flags=[f for f in flags if f != b"\\Recent"])
            after = imap.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
        finally:
            imap.logout()
        assert after != before, "the folder kept its UIDVALIDITY"

    def kick(self, user: str) -> None:
        """Disconnect every session of ``user`` (``doveadm kick``)."""
        subprocess.run(["doveadm", "-c", str(self.conf), "kick", user], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def maildir_files(self, user: str, folder: str = "INBOX") -> list[Path]:
        base = self.root / "mail" / user / "Maildir"
        if folder.upper() != "INBOX":
            base = base / f".{folder}"
        return sorted([*base.glob("cur/*"), *base.glob("new/*")])

    def logout_stats(self, user: str) -> list[LogoutStats]:
        """The fetch counters of every finished IMAP session of ``user``, oldest first."""
        stats = []
        for line in self.log_file.read_text(errors="replace").splitlines():
            m = _LOGOUT_RE.search(line)
            if m and m["user"] == user:
                stats.append(LogoutStats(user, int(m["hdr"]), int(m["body"]), int(m["bytes"])))
        return stats


def _require() -> bool:
    return os.environ.get("INBOXWATCH_REQUIRE_DOVECOT", "") not in ("", "0")


def _start(tmp_root: str, idle: bool) -> Dovecot:
    if shutil.which("dovecot") is None or shutil.which("doveadm") is None:
        reason = ("DOVECOT NOT INSTALLED: the IMAP integration tests need `dovecot-imapd` "
                  "(apt-get install -y dovecot-imapd)")
        if _require():
            pytest.fail(reason + " and INBOXWATCH_REQUIRE_DOVECOT=1 is set")
        pytest.skip(reason)
    if os.geteuid() != 0:
        reason = "DOVECOT TESTS NEED ROOT: the test server runs mail as uid 65534"
        if _require():
            pytest.fail(reason)
        pytest.skip(reason)
    root = Path(tmp_root)
    server = Dovecot(root=root, plain_port=free_port(), tls_port=free_port(),
                     cert_file=root / "cert.pem", idle=idle)
    server.start()
    return server


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    tmp = tempfile.mkdtemp(prefix="inboxwatch-dovecot-")
    server = _start(tmp, idle=True)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot_no_idle() -> Iterator[Dovecot]:
    tmp = tempfile.mkdtemp(prefix="inboxwatch-dovecot-noidle-")
    server = _start(tmp, idle=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def make_message(n: int, *, tag: str = "t", size: int = 0, subject: str | None = None) -> bytes:
    """A small, unique, well-formed message; ``size`` pads the body to about that many bytes."""
    body = f"Hello, this is message {n} of the {tag} run.\r\n"
    if size > len(body):
        line = ("x" * 76 + "\r\n").encode()
        body += (line * ((size - len(body)) // len(line) + 1)).decode()
    return (
        f"From: Client {n} <client{n}@example.org>\r\n"
        f"To: support@helpdesk.example.com\r\n"
        f"Subject: {subject or f'Question {n} ({tag})'}\r\n"
        f"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
        f"Message-ID: <{tag}-{n}@example.org>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


def write_config(path: Path, server: Dovecot, user: str, *, name: str = "support",
                 extra: str = "", mailboxes: str = "", password_env: str = "IW_TEST_IMAP_PW",
                 **fields: object) -> Path:
    """A config file with one [[mailbox]] for ``user`` on ``server`` (plain port).

    ``fields`` override mailbox keys (e.g. ``after_ingest="keep"``); ``mailboxes`` appends
    more ``[[mailbox]]`` tables verbatim. The password comes from ``password_env``.
    """
    values: dict[str, object] = {
        "name": name, "host": server.host, "port": server.plain_port, "security": "plain",
        "username": user, "password_env": password_env, "folder": "INBOX",
        "after_ingest": "seen", "interval_seconds": 2, "idle": True,
    }
    values.update(fields)
    lines = ["[system]", 'reply_address = "updates@helpdesk.example.com"',
             'notifications_address = "notify@helpdesk.example.com"', "notices = false", extra,
             "", "[[mailbox]]"]
    for key, value in values.items():
        rendered = ("true" if value else "false") if isinstance(value, bool) else \
            (str(value) if isinstance(value, int) else f'"{value}"')
        lines.append(f"{key} = {rendered}")
    path.write_text("\n".join(lines) + "\n" + mailboxes)
    return path
