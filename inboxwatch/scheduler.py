"""``inboxwatch run``: the long-lived service that keeps every mailbox in the store.

An APScheduler :class:`~apscheduler.schedulers.background.BackgroundScheduler` runs one job
per mailbox at its ``interval_seconds``:

- a mailbox with ``idle = true`` on a server that advertises IDLE gets an **IDLE session**: a
  thread of its own that syncs, then waits in IDLE (renewed every :data:`IDLE_RENEW_SECONDS`,
  well under the 29 minutes of RFC 2177) and syncs again as soon as the server reports new
  mail. A dead connection (a ``BYE``, or ``idle_check`` answering nothing long before its
  timeout) ends the session; the session reconnects with exponential backoff and full jitter.
  The mailbox's job only makes sure that thread is alive;
- any other mailbox gets one polling pass per interval (:func:`inboxwatch.sync.poll_mailbox`);
  after a failure further passes wait out an exponential backoff with jitter.

A login the server refused is different: retrying a wrong password every few seconds gets the
account locked on Microsoft 365 and Gmail, so the next attempt waits
:data:`AUTH_RETRY_SECONDS` (5 min, then 15, 30, 60), logged as an error and shown by
``status`` (exit 3).

Each mailbox holds its lease (:mod:`inboxwatch.lease`) while it works, so a second service or a
cron ``poll`` never fetches the same mailbox, and writes its heartbeat
(:class:`~inboxwatch_storage.tables.MailboxState`) for ``inboxwatch status``. A periodic job
delivers the outbox through :func:`inboxwatch.notify.deliver_pending`; another purges, once a
day, what was deleted more than ``system.retention_days`` ago. Under systemd
(``Type=notify``) the service says ``READY=1`` once its jobs are scheduled and pings the
watchdog from a scheduler job (:mod:`inboxwatch.sdnotify`).

:meth:`WorkerService.stop_event` set (SIGTERM/SIGINT in the CLI) makes every mailbox finish the
batch in hand, commit, and return; :meth:`WorkerService.run_until_stopped` then shuts the
scheduler down. Logs name the mailbox and what happened, never a secret.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from imapclient.exceptions import IMAPClientError
from sqlalchemy import Engine

from inboxwatch.config import Config, MailboxConfig
from inboxwatch.errors import AuthenticationFailed, InboxwatchError
from inboxwatch.imap import CONNECTION_ERRORS, ConnectionLost, MailboxConnection, connect
from inboxwatch.lease import Lease, LeaseHeld, acquire_lease, new_owner_id
from inboxwatch.notify import deliver_pending
from inboxwatch.roles import Actor
from inboxwatch.route import RoutingContext
from inboxwatch.sdnotify import notify, watchdog_seconds
from inboxwatch.sync import (
    PendingProcessor,
    error_kind,
    poll_mailbox,
    record_heartbeat,
    record_poll_failure,
    sync_folder,
)
from inboxwatch.workers import shutdown_pool
from inboxwatch_storage.tables import utcnow

__all__ = [
    "AUTH_RETRY_SECONDS",
    "IDLE_RENEW_SECONDS",
    "AuthBackoff",
    "Backoff",
    "MailboxWorker",
    "WorkerService",
]

log = logging.getLogger(__name__)

IDLE_RENEW_SECONDS = 600.0  # re-issue IDLE every 10 minutes (servers may drop it after 29)
IDLE_CHECK_SECONDS = 1.0  # how long one idle_check waits: bounds the reaction to a stop
# A silent network (packets dropped, no RST) gives IDLE nothing to read, ever: every
# IDLE_PROBE_SECONDS the session leaves IDLE for a NOOP that must be answered within
# IDLE_PROBE_TIMEOUT, else the connection is dead and is made again.
IDLE_PROBE_SECONDS = 30.0
IDLE_PROBE_TIMEOUT = 10.0
HEARTBEAT_SECONDS = 30.0
MAX_CATCH_UP_SYNCS = 100  # looks for mail that came during a batch, before IDLE again
PURGE_INTERVAL_SECONDS = 24 * 3600  # `run` purges once a day (system.retention_days)
PURGE_FIRST_DELAY = 600  # ... the first time ten minutes after start, not in the rush
OUTBOX_INTERVAL_SECONDS = 30
# After the server refuses the login, wait this long before the n-th retry (the last one
# repeats): retrying a wrong password every few seconds is how Microsoft 365 and Gmail come to
# lock an account. A right password is picked up at the next attempt, or at once on restart.
AUTH_RETRY_SECONDS = (300.0, 900.0, 1800.0, 3600.0)


@dataclass
class AuthBackoff:
    """The long waits between logins the server refused (:data:`AUTH_RETRY_SECONDS`)."""

    steps: tuple[float, ...] = AUTH_RETRY_SECONDS
    failures: int = 0

    def next_delay(self) -> float:
        delay = self.steps[min(self.failures, len(self.steps) - 1)]
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


@dataclass
class Backoff:
    """Exponential backoff with full jitter: the n-th delay is uniform in
    ``[base, min(cap, base * 2**n)]``, so many workers that failed together do not retry
    together."""

    base: float = 1.0
    cap: float = 300.0
    attempts: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * (2 ** self.attempts))
        self.attempts += 1
        return self.rng.uniform(self.base, max(self.base, ceiling))

    def reset(self) -> None:
        self.attempts = 0


def _auth_wait(backoff: AuthBackoff, delay: float, message: str = "the login was refused",
               ) -> str:
    return (f"{message}; login refused {backoff.failures} time(s) in a row: next attempt in "
            f"{delay / 60:.0f} min (frequent retries of a wrong password can lock the account; "
            "fix the password, then restart the service to retry at once)")


class MailboxWorker:
    """One mailbox inside the service: its polling passes or its IDLE session."""

    def __init__(self, mailbox: MailboxConfig, engine: Engine, routing: RoutingContext,
                 stop: threading.Event, *, owner: str | None = None,
                 backoff: Backoff | None = None) -> None:
        self.mailbox = mailbox
        self.engine = engine
        self.routing = routing
        self.stop = stop
        self.owner = owner or new_owner_id()
        # Never longer than the poll interval: mail behind an outage is fetched within one
        # interval of the network coming back (a down server is retried no more often
        # than it is polled anyway).
        self.backoff = backoff or Backoff(cap=max(30.0, float(mailbox.interval_seconds)))
        self.auth_backoff = AuthBackoff()
        self.idle_supported: bool | None = None if mailbox.idle else False
        self.not_before = 0.0  # monotonic time before which no polling pass starts
        self._idle_thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- the scheduled job ----------------------------------------------------------------
    def tick(self) -> None:
        """The mailbox's job: keep the IDLE session alive, or run one polling pass."""
        if self.stop.is_set():
            return
        with self._lock:
            if self.idle_supported is not False:
                if self._idle_thread is None or not self._idle_thread.is_alive():
                    self._idle_thread = threading.Thread(
                        target=self._idle_session, name=f"idle:{self.mailbox.name}")
                    self._idle_thread.start()
                return
        self._poll_pass()

    def join(self, timeout: float | None = None) -> None:
        thread = self._idle_thread
        if thread is not None:
            thread.join(timeout)

    # -- polling --------------------------------------------------------------------------
    def _poll_pass(self) -> None:
        if time.monotonic() < self.not_before:
            return
        result = poll_mailbox(self.mailbox, self.engine, self.routing, owner=self.owner,
                              stop=self.stop)
        if isinstance(result.error, AuthenticationFailed):
            delay = self.auth_backoff.next_delay()
            self.not_before = time.monotonic() + delay
            log.error("%s: %s", self.mailbox.name, _auth_wait(self.auth_backoff, delay))
        elif result.error is not None:
            delay = self.backoff.next_delay()
            self.not_before = time.monotonic() + delay
            log.warning("%s: poll failed; next attempt in %.1fs at the earliest",
                        self.mailbox.name, delay)
        else:
            failures = self.backoff.attempts + self.auth_backoff.failures
            if failures:
                log.info("%s: polling again after %d failed attempt(s)", self.mailbox.name,
                         failures)
            self.backoff.reset()
            self.auth_backoff.reset()
            self.not_before = 0.0

    # -- IDLE -----------------------------------------------------------------------------
    def _idle_session(self) -> None:
        name = self.mailbox.name
        while not self.stop.is_set():
            try:
                lease = acquire_lease(self.engine, name, self.owner)
            except LeaseHeld as held:
                log.info("%s: %s; waiting", name, held)
                self.stop.wait(self.mailbox.interval_seconds)
                continue
            try:
                with lease:
                    polling_instead = self._idle_connection(lease)
                if polling_instead:
                    return
            except (InboxwatchError, IMAPClientError, *CONNECTION_ERRORS) as exc:
                message = str(exc) if isinstance(exc, InboxwatchError) else \
                    f"mailbox {name!r}: connection lost: {' '.join(str(exc).split())[:300]}"
                self._failed(message, error_kind(exc) if isinstance(exc, InboxwatchError)
                             else "unreachable")
            except Exception as exc:  # a bug must not end the mailbox's service
                log.exception("%s: unexpected error in the IDLE session", name)
                self._failed(f"mailbox {name!r}: unexpected error: {type(exc).__name__}",
                             "error")

    def _failed(self, message: str, kind: str) -> None:
        try:
            record_poll_failure(self.engine, self.mailbox, message, kind=kind)
        except Exception:  # the store may be the thing that failed
            log.exception("%s: could not record the failure", self.mailbox.name)
        if kind == "auth":
            delay = self.auth_backoff.next_delay()
            log.error("%s", _auth_wait(self.auth_backoff, delay, message))
        else:
            delay = self.backoff.next_delay()
            log.warning("%s; reconnecting in %.1fs", message, delay)
        self.stop.wait(delay)

    def _idle_connection(self, lease: Lease) -> bool:
        """One connection's life in IDLE; True when the server has no IDLE (poll instead)."""
        name = self.mailbox.name
        with connect(self.mailbox) as conn:
            if not conn.supports_idle:
                log.warning("%s: the server does not support IDLE; polling every %ds instead",
                            name, self.mailbox.interval_seconds)
                self.idle_supported = False
                self._sync(conn, lease, mode="poll")
                return True
            self.idle_supported = True
            log.info("%s: connected; waiting for new mail in IDLE", name)
            self.auth_backoff.reset()
            self._sync(conn, lease, mode="idle")
            self.backoff.reset()
            renew_at = time.monotonic() + IDLE_RENEW_SECONDS
            # Often enough that `status` (stale after 3 intervals) never misreads a quiet IDLE.
            heartbeat = min(HEARTBEAT_SECONDS, float(self.mailbox.interval_seconds))
            beat_at = time.monotonic() + heartbeat
            lease_at = time.monotonic() + lease.seconds / 3
            probe_at = time.monotonic() + IDLE_PROBE_SECONDS
            while not self.stop.is_set():
                event = conn.idle_wait(IDLE_CHECK_SECONDS)
                if event.dead:
                    raise ConnectionLost(f"mailbox {name!r}: the server closed the IDLE "
                                         "connection")
                now = time.monotonic()
                if now >= probe_at and not event.new_mail:
                    event = conn.probe(IDLE_PROBE_TIMEOUT)
                    if event.dead:
                        raise ConnectionLost(
                            f"mailbox {name!r}: no answer to NOOP within "
                            f"{IDLE_PROBE_TIMEOUT:g} s: the connection is dead")
                    probe_at = time.monotonic() + IDLE_PROBE_SECONDS
                if now >= lease_at:
                    lease_at = now + lease.seconds / 3
                    if not lease.renew():
                        raise ConnectionLost(f"mailbox {name!r}: lease lost; reconnecting")
                if event.new_mail or now >= renew_at:
                    conn.idle_done()
                    self._sync(conn, lease, mode="idle")
                    renew_at = time.monotonic() + IDLE_RENEW_SECONDS
                    beat_at = time.monotonic() + heartbeat
                elif now >= beat_at:
                    beat_at = now + heartbeat
                    record_heartbeat(self.engine, self.mailbox, mode="idle", success=True)
            conn.idle_done()
            log.info("%s: stopping", name)
        return False

    def _sync(self, conn: MailboxConnection, lease: Lease, *, mode: str) -> None:
        """Fetch everything above the checkpoint, then look again, until a look finds
        nothing new: mail that arrived while a batch was fetched was announced (EXISTS)
        during other commands, not in the IDLE about to start, and would otherwise wait for
        the next renewal, ten minutes away."""
        processor = PendingProcessor(self.engine, self.routing, stop=self.stop)
        try:
            processor.wake()
            report = sync_folder(conn, self.engine, stop=self.stop, lease=lease,
                                 on_batch=processor.wake)
            latest = report.new
            for _ in range(MAX_CATCH_UP_SYNCS):
                if not latest or self.stop.is_set():
                    break
                more = sync_folder(conn, self.engine, stop=self.stop, lease=lease,
                                   on_batch=processor.wake)
                latest = more.new
                report.new += more.new
                report.unfetched += more.unfetched
                report.duplicates += more.duplicates
        finally:
            ingest = processor.finish(lease=lease)
        record_heartbeat(self.engine, self.mailbox, mode=mode, success=True,
                         stored=ingest.stored)
        if report.new or report.unfetched or ingest.stored:
            log.info("%s: %d new, %d stored, %d duplicate(s), %d unfetched", self.mailbox.name,
                     report.new, ingest.stored, report.duplicates + ingest.duplicates,
                     report.unfetched)


class WorkerService:
    """The scheduler, its mailbox workers and the outbox job; see the module docstring."""

    def __init__(self, config: Config, engine: Engine, routing: RoutingContext, *,
                 mailboxes: Sequence[MailboxConfig] | None = None,
                 outbox_interval: int = OUTBOX_INTERVAL_SECONDS,
                 purge_actor: Actor | None = None) -> None:
        self.config = config
        self.engine = engine
        self.purge_actor = purge_actor  # None: no daily purge (a test, or `run --no-purge`)
        self.stop_event = threading.Event()
        owner = new_owner_id()
        chosen = list(mailboxes if mailboxes is not None else config.mailboxes)
        self.workers = [MailboxWorker(m, engine, routing, self.stop_event, owner=owner)
                        for m in chosen]
        self.outbox_interval = outbox_interval
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=len(self.workers) + 2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )

    def start(self) -> None:
        now = datetime.now(tz=utcnow().tzinfo)
        for worker in self.workers:
            self.scheduler.add_job(
                worker.tick, IntervalTrigger(seconds=worker.mailbox.interval_seconds),
                id=f"mailbox:{worker.mailbox.name}", name=f"mailbox {worker.mailbox.name}",
                next_run_time=now)
            log.info("%s: scheduled every %ds (%s)", worker.mailbox.name,
                     worker.mailbox.interval_seconds,
                     "IDLE where supported" if worker.mailbox.idle else "polling")
        self.scheduler.add_job(self._deliver_outbox, IntervalTrigger(seconds=self.outbox_interval),
                               id="outbox", name="outbox delivery",
                               next_run_time=now + timedelta(seconds=1))
        if self.purge_actor is not None:
            self.scheduler.add_job(self._purge, IntervalTrigger(seconds=PURGE_INTERVAL_SECONDS),
                                   id="purge", name="daily purge",
                                   next_run_time=now + timedelta(seconds=PURGE_FIRST_DELAY))
        watchdog = watchdog_seconds()
        if watchdog is not None:
            # From a scheduler job: the ping proves the scheduler still runs jobs; a hung
            # scheduler misses it and systemd restarts the service. The first ping is one
            # period away: systemd starts the watchdog clock at READY=1.
            period = max(1.0, watchdog / 3)
            self.scheduler.add_job(self._watchdog, IntervalTrigger(seconds=period),
                                   id="watchdog", name="systemd watchdog",
                                   next_run_time=now + timedelta(seconds=period))
        # Every job is scheduled: ready. Said before the scheduler's threads start, so it is
        # always the first thing systemd hears, however slow this machine is.
        names = ", ".join(w.mailbox.name for w in self.workers)
        notify("READY=1", f"STATUS=watching {len(self.workers)} mailbox(es): {names}"[:400])
        self.scheduler.start()

    def _deliver_outbox(self) -> None:
        """Send due notices and case-update emails; an outage is logged and retried."""
        if self.stop_event.is_set():
            return
        try:
            report = deliver_pending(self.engine, self.config)
        except InboxwatchError as exc:
            log.warning("outbox: %s", exc)
            return
        if report.error:
            log.warning("outbox: %s", report.error)

    def _watchdog(self) -> None:
        if not self.stop_event.is_set():
            notify("WATCHDOG=1")

    def _purge(self) -> None:
        """Remove for good what was deleted more than ``system.retention_days`` ago."""
        if self.stop_event.is_set() or self.purge_actor is None:
            return
        from sqlmodel import Session

        from inboxwatch.triage import purge

        try:
            with Session(self.engine) as session:
                report = purge(session, self.purge_actor,
                               older_than_days=self.config.system.retention_days)
        except Exception as exc:  # noqa: BLE001 - the service goes on; tomorrow tries again
            log.warning("purge failed: %s", " ".join(str(exc).split())[:300])
            return
        if report.purged:
            log.info("purged %d message(s) deleted more than %d days ago", len(report.purged),
                     self.config.system.retention_days)

    def shutdown(self) -> None:
        """Stop: each mailbox finishes the batch in hand and commits; then return."""
        notify("STOPPING=1")
        self.stop_event.set()
        self.scheduler.shutdown(wait=True)
        for worker in self.workers:
            worker.join()
        shutdown_pool()
        log.info("stopped")

    def run_until_stopped(self) -> None:
        self.start()
        try:
            while not self.stop_event.wait(0.5):
                pass
        finally:
            self.shutdown()
