"""One poller per mailbox at a time, across processes and hosts: a renewable lease.

A lease is a :class:`~inboxwatch_storage.tables.MailboxLease` row: the mailbox, its owner
(host, pid and a random token) and when it expires. Taking it is one INSERT, or one
conditional UPDATE when the row exists and has expired, so two pollers racing for it cannot
both win, on SQLite or PostgreSQL alike. The holder renews it while it works
(:meth:`MailboxLease.renew`); a holder that dies without releasing it is replaced once the
lease expires, or at once when it ran on this host and its process is gone (a SIGKILLed
``poll`` does not block the next cron run).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from inboxwatch_storage.tables import MailboxLease, utcnow

__all__ = ["DEFAULT_LEASE_SECONDS", "Lease", "LeaseHeld", "acquire_lease", "new_owner_id"]

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 120.0


class LeaseHeld(Exception):
    """Another poller holds the mailbox; ``owner`` says who (host:pid:token)."""

    def __init__(self, mailbox: str, owner: str, expires_at: datetime) -> None:
        super().__init__(f"mailbox {mailbox!r} is being polled by {owner} "
                         f"(lease until {expires_at:%Y-%m-%d %H:%M:%S} UTC)")
        self.mailbox = mailbox
        self.owner = owner


def new_owner_id() -> str:
    """``host:pid:token``: the host and pid let a crashed holder on this host be recognised."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Lease:
    """A held lease; renew it more often than ``seconds``, release it when done."""

    engine: Engine
    mailbox: str
    owner: str
    seconds: float

    def renew(self) -> bool:
        """Push the expiry forward; False when the lease was lost (expired and taken)."""
        with Session(self.engine) as session:
            result = session.execute(
                update(MailboxLease)
                .where(col(MailboxLease.mailbox) == self.mailbox,
                       col(MailboxLease.owner) == self.owner)
                .values(expires_at=utcnow() + timedelta(seconds=self.seconds)))
            session.commit()
        renewed = bool(getattr(result, "rowcount", 0))
        if not renewed:
            log.warning("%s: lease lost (taken over after it expired)", self.mailbox)
        return renewed

    def release(self) -> None:
        with Session(self.engine) as session:
            session.execute(delete(MailboxLease).where(
                col(MailboxLease.mailbox) == self.mailbox,
                col(MailboxLease.owner) == self.owner))
            session.commit()

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire_lease(engine: Engine, mailbox: str, owner: str | None = None, *,
                  seconds: float = DEFAULT_LEASE_SECONDS) -> Lease:
    """Take the lease on ``mailbox`` or raise :class:`LeaseHeld`."""
    owner = owner or new_owner_id()
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    with Session(engine) as session:
        try:
            session.add(MailboxLease(mailbox=mailbox, owner=owner, acquired_at=now,
                                     expires_at=expires))
            session.commit()
            return Lease(engine, mailbox, owner, seconds)
        except IntegrityError:
            session.rollback()
        current = session.get(MailboxLease, mailbox)
        if current is None:  # released between our INSERT and now: try once more
            return acquire_lease(engine, mailbox, owner, seconds=seconds)
        takeable = current.owner == owner or _expired(current.expires_at, now) or \
            _holder_died_here(current.owner)
        if takeable:
            result = session.execute(
                update(MailboxLease)
                .where(col(MailboxLease.mailbox) == mailbox,
                       col(MailboxLease.owner) == current.owner)
                .values(owner=owner, acquired_at=now, expires_at=expires))
            session.commit()
            if getattr(result, "rowcount", 0):
                if current.owner != owner:
                    log.info("%s: took over the lease of %s (expired or process gone)",
                             mailbox, current.owner)
                return Lease(engine, mailbox, owner, seconds)
            current = session.get(MailboxLease, mailbox) or current
        raise LeaseHeld(mailbox, current.owner, current.expires_at)


def _expired(expires_at: datetime, now: datetime) -> bool:
    if expires_at.tzinfo is None:
        now = now.replace(tzinfo=None)
    return expires_at <= now


def _holder_died_here(owner: str) -> bool:
    """True when ``owner`` ran on this host and its process no longer exists."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().split(b")")[-1].split()[0] == b"Z"
    except OSError:
        return False
