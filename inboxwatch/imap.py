"""Connections to an IMAP mailbox: TLS, STARTTLS or plain; LOGIN, XOAUTH2 or OAUTHBEARER.

:func:`connect` returns a logged-in :class:`MailboxConnection` or raises one of two errors,
each one line naming the mailbox and what to fix, never the secret:

- :class:`~inboxwatch.errors.AuthenticationFailed` (exit 3): the server refused the
  credentials, or the secret could not be obtained;
- :class:`~inboxwatch.errors.ServerUnreachable` (exit 4): DNS, TCP, TLS or a greeting that
  never came.

Once connected, :class:`MailboxConnection` offers the few operations the sync needs, with the
imapclient 4.1 traps of docs/testing.md handled: explicit UID lists instead of ranges, ``BYE`` or an
early empty ``idle_check`` treated as a dead connection (:class:`ConnectionLost`).
"""

from __future__ import annotations

import functools
import imaplib
import logging
import re
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from inboxwatch.config import MailboxConfig
from inboxwatch.errors import AuthenticationFailed, InboxwatchError, ServerUnreachable
from inboxwatch.secrets import SecretError, resolve_secret

__all__ = [
    "CONNECTION_ERRORS",
    "ConnectionLost",
    "FolderMissing",
    "FolderStatus",
    "IdleEvent",
    "MailboxConnection",
    "MessageMeta",
    "connect",
    "secret_key",
]

log = logging.getLogger(__name__)

SEEN = b"\\Seen"
# What a broken connection looks like from imapclient: the socket, TLS, or imaplib's abort.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError, ssl.SSLError, IMAPClientAbortError, imaplib.IMAP4.abort, EOFError,
)


class ConnectionLost(InboxwatchError):
    """The server closed the connection (BYE, kick, reset) after we were logged in."""

    exit_code = 4


class FolderMissing(InboxwatchError):
    """The configured folder does not exist on the server."""


def secret_key(mailbox: MailboxConfig) -> str:
    """The keyring key of a mailbox's secret (also the name used in error messages)."""
    return f"mailbox:{mailbox.name}"


@dataclass(frozen=True, slots=True)
class FolderStatus:
    """What SELECT told us about the folder."""

    uidvalidity: int
    uidnext: int | None
    exists: int


@dataclass(frozen=True, slots=True)
class MessageMeta:
    """The cheap facts about one message, fetched before any body."""

    uid: int
    size: int
    flags: tuple[bytes, ...]
    internal_date: datetime | None


@dataclass(frozen=True, slots=True)
class IdleEvent:
    """What one IDLE wait produced: new mail, nothing (timeout), or a dead connection."""

    new_mail: bool
    dead: bool = False


def connect(mailbox: MailboxConfig) -> MailboxConnection:
    """A logged-in connection to ``mailbox``; see the module docstring for the errors."""
    where = f"mailbox {mailbox.name!r} ({mailbox.host}:{mailbox.port}, {mailbox.security})"
    try:
        secret = resolve_secret(key=secret_key(mailbox), password_env=mailbox.password_env,
                                password_command=mailbox.password_command)
    except SecretError as exc:
        raise AuthenticationFailed(f"{where}: cannot get the secret: {exc}") from None
    context: ssl.SSLContext | None = None
    if mailbox.security in ("tls", "starttls"):
        try:
            context = _tls_context(mailbox.ca_file)
        except (OSError, ssl.SSLError) as exc:  # a configuration problem: exit 1, not 4
            raise InboxwatchError(f"{where}: cannot load ca_file {mailbox.ca_file}: "
                                  f"{_reason(exc)}") from None
    try:
        client = IMAPClient(mailbox.host, mailbox.port, ssl=mailbox.security == "tls",
                            ssl_context=context if mailbox.security == "tls" else None,
                            timeout=mailbox.timeout_seconds)
    except CONNECTION_ERRORS as exc:
        raise ServerUnreachable(f"{where}: cannot connect: {_reason(exc)}") from None
    except IMAPClientError as exc:
        raise ServerUnreachable(f"{where}: unexpected greeting: {_reason(exc)}") from None
    keep_alive(client.socket())
    # imapclient turns imaplib's protocol trace on (debug = 5) and sends it to a DEBUG
    # logger: imaplib then formats every response line and the repr() of every message it
    # receives, for a log record that is thrown away. That was most of a capture's CPU.
    client._imap.debug = 0
    try:
        if mailbox.security == "starttls":
            client.starttls(context)
        _login(client, mailbox, secret)
    except LoginError:
        _close_quietly(client)
        raise AuthenticationFailed(
            f"{where}: authentication failed for user {mailbox.username!r} "
            f"({mailbox.auth}); check the secret from {_secret_source(mailbox)}") from None
    except CONNECTION_ERRORS as exc:
        _close_quietly(client)
        raise ServerUnreachable(f"{where}: connection failed during login: "
                                f"{_reason(exc)}") from None
    except IMAPClientError as exc:
        _close_quietly(client)
        # imaplib's "error" during STARTTLS/AUTHENTICATE carries the server's text, which
        # never contains what we sent.
        raise AuthenticationFailed(f"{where}: login refused: {_reason(exc)}") from None
    return MailboxConnection(client, mailbox)


# TCP keepalive: a connection whose peer vanished without a word (a dropped NAT entry, a
# black-holed route) is reported dead by the kernel after ~30 s of silence, instead of the
# two hours of the default. Also used for SMTP (inboxwatch.notify).
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 15, 5, 3


def keep_alive(sock: socket.socket | None) -> None:
    """Turn on TCP keepalive with short intervals where the platform allows."""
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (("TCP_KEEPIDLE", KEEPALIVE_IDLE),
                            ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
                            ("TCP_KEEPCNT", KEEPALIVE_COUNT)):
            if hasattr(socket, name):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    except OSError:  # not a TCP socket (a test's socketpair): nothing to tune
        pass


@functools.lru_cache(maxsize=16)
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    """One verifying TLS context per CA file, made once per process: loading the system's
    CA store takes about 50 ms, most of what a poll with nothing new cost. (A changed
    ``ca_file`` is read again when the service restarts.)"""
    return ssl.create_default_context(cafile=ca_file)


def _login(client: IMAPClient, mailbox: MailboxConfig, secret: str) -> None:
    if mailbox.auth == "xoauth2":
        caps = client.capabilities()
        if b"AUTH=OAUTHBEARER" in caps and b"AUTH=XOAUTH2" not in caps:
            client.oauthbearer_login(mailbox.username, secret)
        else:
            client.oauth2_login(mailbox.username, secret)
    else:
        client.login(mailbox.username, secret)


def _secret_source(mailbox: MailboxConfig) -> str:
    if mailbox.password_env:
        return f"environment variable {mailbox.password_env}"
    if mailbox.password_command:
        return "password_command"
    return f"the keyring ({secret_key(mailbox)})"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:300]


def _close_quietly(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except CONNECTION_ERRORS + (IMAPClientError,):
        log.debug("closing a failed connection raised; ignored")


class MailboxConnection:
    """A logged-in IMAP session on one mailbox. Not thread-safe: one user at a time."""

    def __init__(self, client: IMAPClient, mailbox: MailboxConfig) -> None:
        self.client = client
        self.client.normalise_times = False  # keep INTERNALDATE's zone; we store UTC
        self.mailbox = mailbox
        self._idling = False

    @property
    def supports_idle(self) -> bool:
        return bool(self.client.has_capability("IDLE"))

    @property
    def supports_move(self) -> bool:
        return bool(self.client.has_capability("MOVE"))

    def select(self, folder: str) -> FolderStatus:
        """SELECT ``folder`` read-write; :class:`FolderMissing` when it does not exist."""
        try:
            info = self.client.select_folder(folder)
        except IMAPClientError as exc:
            if isinstance(exc, CONNECTION_ERRORS):
                raise
            if not self.client.folder_exists(folder):
                raise FolderMissing(f"mailbox {self.mailbox.name!r}: folder {folder!r} does "
                                    "not exist on the server") from None
            raise
        uidnext = info.get(b"UIDNEXT")
        return FolderStatus(uidvalidity=int(info[b"UIDVALIDITY"]),
                            uidnext=int(uidnext) if uidnext is not None else None,
                            exists=int(info.get(b"EXISTS", 0)))

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs greater than ``last_uid``, ascending (``n:*`` always matches the highest UID,
        so the answer is filtered)."""
        found = self.client.search(["UID", f"{last_uid + 1}:*"])
        return sorted(uid for uid in found if uid > last_uid)

    def uids_in(self, uids: Sequence[int]) -> set[int]:
        """Which of ``uids`` still exist in the selected folder."""
        if not uids:
            return set()
        return set(self.client.search(["UID", _uid_set(uids)]))

    def unseen_among(self, uids: Sequence[int]) -> list[int]:
        if not uids:
            return []
        return sorted(self.client.search(["UNSEEN", "UID", _uid_set(uids)]))

    def metadata(self, uids: Sequence[int]) -> dict[int, MessageMeta]:
        """UID, RFC822.SIZE, FLAGS and INTERNALDATE of ``uids``; no body is read."""
        if not uids:
            return {}
        wanted = set(uids)
        out = {}
        for item in self._uid_fetch(uids, "(UID RFC822.SIZE FLAGS INTERNALDATE)"):
            if isinstance(item, tuple):  # a literal where an atom was expected: not ours
                continue
            meta = _parse_metadata(item)
            if meta is not None and meta.uid in wanted:
                out[meta.uid] = meta
        return out

    def bodies(self, uids: Sequence[int], *, header_only: bool = False) -> dict[int, bytes]:
        """``BODY.PEEK[]`` (or ``BODY.PEEK[HEADER]``) of ``uids``: never sets \\Seen.

        A UID missing from the answer is one the server would not give us (expunged meanwhile,
        or unreadable); the caller decides what to do with it.
        """
        if not uids:
            return {}
        part = "BODY.PEEK[HEADER]" if header_only else "BODY.PEEK[]"
        wanted = set(uids)
        found: dict[int, bytes] = {}
        data = self._uid_fetch(uids, f"(UID {part})")
        for i, item in enumerate(data):
            if not isinstance(item, tuple):
                continue
            # ("<seq> (UID <uid> BODY[] {<n>}", literal), then the rest of the line; the
            # server may put UID before or after the literal.
            after = data[i + 1] if i + 1 < len(data) else b""
            uid = _uid_of(item[0]) or _uid_of(after if isinstance(after, bytes) else b"")
            if uid in wanted:
                found[uid] = bytes(item[1])
        return found

    def _uid_fetch(self, uids: Sequence[int], items: str) -> list[Any]:
        """``UID FETCH`` through imaplib itself, as its raw response list.

        imapclient's generic FETCH response parser tokenises every byte of the response
        outside the literals in Python; it was most of the CPU a capture cost. The few
        items the sync asks for are read here with regular expressions instead.
        """
        typ, data = self.client._imap.uid("FETCH", _uid_set(uids), items)
        if typ != "OK":
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("ascii", "replace")
            raise IMAPClientError(f"UID FETCH failed: {detail[:200]}")
        return [d for d in data if d is not None]

    def mark_seen(self, uids: Sequence[int]) -> None:
        if uids:
            self.client.add_flags(list(uids), [SEEN], silent=True)

    def move(self, uids: Sequence[int], folder: str) -> None:
        """MOVE ``uids`` to ``folder`` (created if missing); COPY + delete without MOVE."""
        if not uids:
            return
        if not self.client.folder_exists(folder):
            self.client.create_folder(folder)
        if self.supports_move:
            self.client.move(list(uids), folder)
            return
        self.client.copy(list(uids), folder)
        self.client.delete_messages(list(uids), silent=True)
        if self.client.has_capability("UIDPLUS"):
            self.client.uid_expunge(list(uids))
        else:
            self.client.expunge()

    def noop(self) -> None:
        self.client.noop()

    def reopen(self) -> None:
        """Replace a broken session with a fresh login (same object, new socket)."""
        _close_quietly(self.client)
        self._idling = False
        fresh = connect(self.mailbox)
        self.client = fresh.client

    def idle_wait(self, timeout: float) -> IdleEvent:
        """Wait in IDLE up to ``timeout`` seconds for new mail; detects dead connections.

        After the server drops an IDLE connection imapclient 4.1 returns one ``BYE`` and then
        ``[]`` instantly forever: a ``BYE``, or an empty answer long before the timeout, means
        the connection is dead.
        """
        if not self._idling:
            self.client.idle()
            self._idling = True
        started = time.monotonic()
        try:
            responses = self.client.idle_check(timeout=timeout)
        except CONNECTION_ERRORS:
            self._idling = False
            return IdleEvent(new_mail=False, dead=True)
        elapsed = time.monotonic() - started
        dead = any(_is_bye(r) for r in responses) or \
            (not responses and elapsed < min(timeout, 1.0) * 0.5)
        if dead:
            self._idling = False
            return IdleEvent(new_mail=False, dead=True)
        new_mail = any(_is_new_mail(r) for r in responses)
        return IdleEvent(new_mail=new_mail)

    def probe(self, timeout: float) -> IdleEvent:
        """Leave IDLE and send NOOP, each answer awaited at most ``timeout`` seconds: the
        check that finds a connection that went silent (no RST, no FIN) while idling, and
        any new mail it reports. Back in IDLE at the next :meth:`idle_wait`."""
        sock = self.client.socket()
        previous = sock.gettimeout() if sock is not None else None
        try:
            if sock is not None:
                sock.settimeout(timeout)
            self.idle_done()
            _, responses = self.client.noop()
        except (OSError, *CONNECTION_ERRORS, IMAPClientError):
            self._idling = False
            return IdleEvent(new_mail=False, dead=True)
        finally:
            if sock is not None:
                try:
                    sock.settimeout(previous)
                except OSError:
                    pass
        return IdleEvent(new_mail=any(_is_new_mail(r) for r in responses))

    def idle_done(self) -> None:
        """Leave IDLE (before any other command)."""
        if self._idling:
            self._idling = False
            self.client.idle_done()

    def close(self) -> None:
        """Log out; a connection already dead is simply dropped."""
        try:
            if self._idling:
                self.idle_done()
            self.client.logout()
        except CONNECTION_ERRORS + (IMAPClientError,):
            _close_quietly(self.client)

    def __enter__(self) -> MailboxConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_bye(response: Any) -> bool:
    return isinstance(response, tuple) and len(response) >= 1 and response[0] == b"BYE"


def _is_new_mail(response: Any) -> bool:
    return isinstance(response, tuple) and len(response) >= 2 and \
        response[1] in (b"EXISTS", b"RECENT")


def _uid_set(uids: Sequence[int]) -> str:
    """A compact IMAP sequence set (``1:5,9,12:14``) for sorted or unsorted UIDs."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    start = prev = ordered[0]
    for uid in ordered[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        parts.append(f"{start}:{prev}" if start != prev else str(start))
        start = prev = uid
    parts.append(f"{start}:{prev}" if start != prev else str(start))
    return ",".join(parts)


_FETCH_UID_RE = re.compile(rb"[( ]UID (\d+)")
_FETCH_SIZE_RE = re.compile(rb"[( ]RFC822\.SIZE (\d+)")
_FETCH_FLAGS_RE = re.compile(rb"[( ]FLAGS \(([^()]*)\)")
_FETCH_DATE_RE = re.compile(
    rb'[( ]INTERNALDATE "\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"')
_MONTHS = {m: i for i, m in enumerate(
    (b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
     b"dec"), start=1)}


def _uid_of(line: bytes) -> int | None:
    found = _FETCH_UID_RE.search(line)
    return int(found.group(1)) if found else None


def _parse_metadata(line: bytes) -> MessageMeta | None:
    """One ``* n FETCH (UID .. RFC822.SIZE .. FLAGS (..) INTERNALDATE "..")`` line (as
    imaplib hands it over, without ``* n FETCH``); None for an unsolicited FETCH (no UID)."""
    uid = _uid_of(line)
    if uid is None:
        return None
    size = _FETCH_SIZE_RE.search(line)
    flags = _FETCH_FLAGS_RE.search(line)
    return MessageMeta(uid=uid, size=int(size.group(1)) if size else 0,
                       flags=tuple(flags.group(1).split()) if flags else (),
                       internal_date=_internal_date(line))


def _internal_date(line: bytes) -> datetime | None:
    found = _FETCH_DATE_RE.search(line)
    if found is None:
        return None
    day, month, year, hh, mm, ss, sign, zh, zm = found.groups()
    month_number = _MONTHS.get(month.lower())
    if month_number is None:
        return None
    offset = timedelta(hours=int(zh), minutes=int(zm)) * (-1 if sign == b"-" else 1)
    try:
        local = datetime(int(year), month_number, int(day), int(hh), int(mm), int(ss),
                         tzinfo=timezone(offset))
    except ValueError:
        return None
    return local.astimezone(UTC)


