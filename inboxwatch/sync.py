"""Incremental, crash-safe sync of one mailbox folder into the store.

The promise (docs/product.md "No mail lost, none duplicated"):

- A :class:`~inboxwatch_storage.tables.SyncCheckpoint` per mailbox+folder records the folder's
  UIDVALIDITY and the last UID committed. A poll asks the server only for UIDs above it, so a
  poll with nothing new fetches no body at all.
- New UIDs are handled in batches: metadata first (UID, RFC822.SIZE, FLAGS, INTERNALDATE),
  then ``BODY.PEEK[]`` (never sets \\Seen); a message over ``max_message_bytes`` is captured
  header-only (``BODY.PEEK[HEADER]``) and its server copy left alone. Each batch's raw bytes
  (:func:`inboxwatch.ingest.capture`), its unfetchable UIDs and the new checkpoint commit in
  one transaction; only then is ``after_ingest`` (seen / move) applied on the server. A crash
  anywhere re-fetches at most the uncommitted batch; ``applied_uid`` lets the next poll finish
  flagging a batch committed just before a crash.
- A message the server lists but will not give us becomes an
  :class:`~inboxwatch_storage.tables.UnfetchedMessage` (retried on every poll, never flagged).
- A UIDVALIDITY change restarts the folder from UID 1 and skips every message whose bytes
  (hence Message-ID and SHA-256) are already stored.
- Parsing stays off the fetch path: :class:`PendingProcessor` turns captures into messages in
  a background thread (the ingest worker processes do the analysis and the storing) while
  fetching goes on.

:func:`poll_mailbox` is one complete pass (lease, connect, sync, process, heartbeat) as used by
``inboxwatch poll`` and by the scheduler's polling jobs.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from imapclient.exceptions import IMAPClientError
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from inboxwatch.config import MailboxConfig
from inboxwatch.errors import AuthenticationFailed, InboxwatchError, ServerUnreachable
from inboxwatch.imap import (
    CONNECTION_ERRORS,
    ConnectionLost,
    MailboxConnection,
    MessageMeta,
    connect,
)
from inboxwatch.ingest import IngestReport, RawMail, capture, process_pending
from inboxwatch.lease import Lease, LeaseHeld, acquire_lease
from inboxwatch.route import RoutingContext
from inboxwatch_storage.bulk import known_shas
from inboxwatch_storage.tables import (
    MailboxState,
    RawCapture,
    SyncCheckpoint,
    UnfetchedMessage,
    utcnow,
)

__all__ = [
    "PendingProcessor",
    "PollResult",
    "SyncReport",
    "poll_mailbox",
    "record_heartbeat",
    "error_kind",
    "record_poll_failure",
    "sync_folder",
]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SyncReport:
    """What one sync pass did on the server side."""

    mailbox: str
    folder: str
    new: int = 0
    captured: int = 0
    duplicates: int = 0
    header_only: int = 0
    unfetched: int = 0
    bodies_fetched: int = 0
    actioned: int = 0
    uidvalidity_changed: bool = False
    interrupted: bool = False
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"mailbox": self.mailbox, "folder": self.folder, "new": self.new,
                "captured": self.captured, "duplicates": self.duplicates,
                "header_only": self.header_only, "unfetched": self.unfetched,
                "bodies_fetched": self.bodies_fetched, "actioned": self.actioned,
                "uidvalidity_changed": self.uidvalidity_changed,
                "interrupted": self.interrupted, "problems": list(self.problems)}


@dataclass(slots=True)
class _Fetched:
    mails: list[RawMail] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # uid -> why


def sync_folder(conn: MailboxConnection, engine: Engine, *, folder: str | None = None,
                stop: threading.Event | None = None, lease: Lease | None = None,
                on_batch: Callable[[], None] | None = None,
                max_reopens: int = 10) -> SyncReport:
    """Capture every message above the checkpoint of the connection's mailbox ``folder``.

    Returns after the last batch, or after the batch in hand when ``stop`` is set. A session
    dropped while fetching bodies is reopened up to ``max_reopens`` times; other connection
    errors propagate (the uncommitted batch is simply fetched again next time);
    :class:`~inboxwatch.imap.FolderMissing` when the folder does not exist.
    """
    mailbox = conn.mailbox
    folder = folder or mailbox.folder
    report = SyncReport(mailbox=mailbox.name, folder=folder)
    status = conn.select(folder)
    checkpoint = _checkpoint(engine, mailbox.name, folder, status.uidvalidity, report)
    rescan = report.uidvalidity_changed

    retry = _unfetched_uids(engine, mailbox.name, folder, status.uidvalidity)
    if retry:
        present = conn.uids_in(retry)
        gone = [u for u in retry if u not in present]
        if gone:
            _forget_unfetched(engine, mailbox.name, folder, status.uidvalidity, gone)
            log.info("%s: %d unfetchable message(s) are gone from the server", mailbox.name,
                     len(gone))
        retry = sorted(present)

    if checkpoint.applied_uid < checkpoint.last_uid and mailbox.after_ingest != "keep":
        report.actioned += _catch_up_actions(conn, engine, checkpoint, retry)

    new_uids = conn.uids_after(checkpoint.last_uid)
    report.new = len(new_uids)
    todo = retry + new_uids
    budget = _ReopenBudget(folder, status.uidvalidity, left=max_reopens)
    if todo:
        log.info("%s/%s: %d new message(s)%s", mailbox.name, folder, len(new_uids),
                 f", retrying {len(retry)} unfetched" if retry else "")
    # Fetching batch k+1 overlaps committing batch k (a thread of its own: SQLite and the
    # socket both release the GIL); batch k is flagged/moved only once its commit is done.
    committer = _Committer(engine, mailbox, folder, status.uidvalidity, rescan, report)

    def act_on_committed(wait: bool) -> None:
        for chunk_max, committed in committer.committed(wait=wait):
            if lease is not None:
                lease.renew()
            report.actioned += _apply_after_ingest(conn, mailbox, committed)
            _mark_applied(engine, mailbox.name, folder, chunk_max)
            if on_batch is not None:
                on_batch()

    try:
        start = 0
        while start < len(todo):
            if stop is not None and stop.is_set():
                report.interrupted = True
                log.info("%s: stopping after the batch in hand", mailbox.name)
                break
            window = todo[start:start + mailbox.batch_size]
            meta = conn.metadata(window)
            chunk = _within_bytes(window, meta, mailbox.max_message_bytes)
            start += len(chunk)
            fetched = _fetch_batch(conn, chunk, meta, status.uidvalidity, folder, report,
                                   budget)
            committer.submit(chunk, fetched)
            act_on_committed(wait=False)
    finally:
        committer.close()  # commits what was fetched, even when fetching failed
    act_on_committed(wait=True)
    return report


class _Committer:
    """Commits fetched batches in order on a thread of its own; hands back what it committed.

    At most two batches wait, so memory stays bounded by a few batches of raw mail.
    """

    def __init__(self, engine: Engine, mailbox: MailboxConfig, folder: str, uidvalidity: int,
                 rescan: bool, report: SyncReport) -> None:
        self._args = (engine, mailbox, folder, uidvalidity)
        self._rescan = rescan
        self._report = report
        self._todo: queue.Queue[tuple[list[int], _Fetched] | None] = queue.Queue(maxsize=2)
        self._done: queue.Queue[tuple[int, list[int]]] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="inboxwatch-capture",
                                        daemon=True)
        self._thread.start()

    def submit(self, chunk: list[int], fetched: _Fetched) -> None:
        if self._error is not None:
            raise self._error
        self._todo.put((chunk, fetched))

    def committed(self, *, wait: bool) -> list[tuple[int, list[int]]]:
        """(highest UID of the batch, committed UIDs to act on) for each batch committed."""
        if wait:
            self._thread.join()
        out = []
        while True:
            try:
                out.append(self._done.get_nowait())
            except queue.Empty:
                break
        if self._error is not None:
            raise self._error
        return out

    def close(self) -> None:
        self._todo.put(None)
        self._thread.join()

    def _run(self) -> None:
        engine, mailbox, folder, uidvalidity = self._args
        while (item := self._todo.get()) is not None:
            if self._error is not None:
                continue  # drain: nothing after a failed commit may be committed
            chunk, fetched = item
            try:
                committed = _commit_batch(engine, mailbox, folder, uidvalidity, chunk, fetched,
                                          self._rescan, self._report)
            except BaseException as exc:  # noqa: BLE001 - re-raised on the fetching thread
                self._error = exc
                continue
            self._done.put((max(chunk), committed))


def _checkpoint(engine: Engine, mailbox: str, folder: str, uidvalidity: int,
                report: SyncReport) -> SyncCheckpoint:
    with Session(engine, expire_on_commit=False) as session:
        checkpoint = session.exec(select(SyncCheckpoint).where(
            SyncCheckpoint.mailbox == mailbox, SyncCheckpoint.folder == folder)).first()
        if checkpoint is None:
            checkpoint = SyncCheckpoint(mailbox=mailbox, folder=folder, uidvalidity=uidvalidity)
        elif checkpoint.uidvalidity != uidvalidity:
            log.warning("%s/%s: UIDVALIDITY changed from %d to %d: rescanning the folder, "
                        "skipping messages already stored", mailbox, folder,
                        checkpoint.uidvalidity, uidvalidity)
            report.uidvalidity_changed = True
            session.execute(delete(UnfetchedMessage).where(
                col(UnfetchedMessage.mailbox) == mailbox, col(UnfetchedMessage.folder) == folder))
            checkpoint.uidvalidity = uidvalidity
            checkpoint.last_uid = 0
            checkpoint.applied_uid = 0
        else:
            return checkpoint
        checkpoint.updated_at = utcnow()
        session.add(checkpoint)
        session.commit()
        return checkpoint


# The most bytes of mail one batch holds in memory (a single larger message is a batch of
# its own): a batch is fetched whole, and a few are in memory at once.
BATCH_BYTES = 32 * 1024 * 1024
HEADER_ONLY_BYTES = 64 * 1024  # what an oversize message's header block is reckoned at


def _within_bytes(window: list[int], meta: dict[int, MessageMeta],
                  max_message_bytes: int) -> list[int]:
    """The first UIDs of ``window`` whose bodies fit in :data:`BATCH_BYTES` (at least one)."""
    total = 0
    for n, uid in enumerate(window):
        size = meta[uid].size if uid in meta else 0
        total += size if size <= max_message_bytes else HEADER_ONLY_BYTES
        if total > BATCH_BYTES and n > 0:
            return window[:n]
    return window


def _fetch_batch(conn: MailboxConnection, uids: list[int], meta: dict[int, MessageMeta],
                 uidvalidity: int, folder: str, report: SyncReport,
                 budget: _ReopenBudget) -> _Fetched:
    mailbox = conn.mailbox
    whole = [u for u in uids if u in meta and meta[u].size <= mailbox.max_message_bytes]
    oversize = [u for u in uids if u in meta and meta[u].size > mailbox.max_message_bytes]
    out = _Fetched()
    bodies = _fetch_tolerant(conn, whole, header_only=False, failed=out.failed, budget=budget)
    report.bodies_fetched += len(bodies)
    headers = _fetch_tolerant(conn, oversize, header_only=True, failed=out.failed,
                              budget=budget)
    for uid in oversize:
        log.warning("%s: UID %d is %d bytes, over max_message_bytes (%d): storing its header "
                    "only, the server copy is left alone", mailbox.name, uid, meta[uid].size,
                    mailbox.max_message_bytes)
    for uid in uids:
        if uid not in meta:
            continue  # expunged since the search: nothing to store
        raw = bodies.get(uid)
        header_only = False
        if raw is None and uid in headers:
            raw, header_only = headers[uid], True
        if raw is None:
            out.failed.setdefault(uid, "the server returned no data for it")
            continue
        out.mails.append(_raw_mail(mailbox, folder, uidvalidity, meta[uid], raw, header_only))
        report.header_only += int(header_only)
    return out


def _raw_mail(mailbox: MailboxConfig, folder: str, uidvalidity: int, meta: MessageMeta,
              raw: bytes, header_only: bool) -> RawMail:
    return RawMail(raw=raw, source="imap", mailbox=mailbox.name, folder=folder,
                   uidvalidity=uidvalidity, uid=meta.uid, origin=f"{folder}/{meta.uid}",
                   header_only=header_only, received_at=meta.internal_date)


def _fetch_tolerant(conn: MailboxConnection, uids: list[int], *, header_only: bool,
                    failed: dict[int, str], budget: _ReopenBudget) -> dict[int, bytes]:
    """Fetch in one command; when that fails, one UID at a time, so one unreadable message
    does not hold back the rest.

    Dovecot drops the connection after a FETCH it cannot serve, which looks exactly like a
    network drop mid-literal: so the session is reopened (within ``budget``) and each UID
    tried once on its own; a UID that fails alone is recorded in ``failed``.
    """
    if not uids:
        return {}
    try:
        return conn.bodies(uids, header_only=header_only)
    except CONNECTION_ERRORS + (IMAPClientError,) as exc:
        log.warning("%s: fetching %d message(s) failed (%s); retrying one by one",
                    conn.mailbox.name, len(uids), _one_line(exc))
        if _is_connection_error(exc):
            budget.reopen(conn)
    found: dict[int, bytes] = {}
    for uid in uids:
        try:
            found.update(conn.bodies([uid], header_only=header_only))
        except CONNECTION_ERRORS + (IMAPClientError,) as exc:
            failed[uid] = _one_line(exc)
            if _is_connection_error(exc):
                budget.reopen(conn)
    return found


def _is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, CONNECTION_ERRORS)


@dataclass(slots=True)
class _ReopenBudget:
    """How many times one sync may reopen a dropped session before giving up."""

    folder: str
    uidvalidity: int
    left: int = 10

    def reopen(self, conn: MailboxConnection) -> None:
        if self.left <= 0:
            raise ConnectionLost(f"mailbox {conn.mailbox.name!r}: the connection kept "
                                 "dropping; giving up for this pass")
        self.left -= 1
        log.info("%s: connection dropped; reconnecting", conn.mailbox.name)
        conn.reopen()
        status = conn.select(self.folder)
        if status.uidvalidity != self.uidvalidity:
            raise ConnectionLost(f"mailbox {conn.mailbox.name!r}: UIDVALIDITY changed "
                                 "during the sync; starting over")


def _commit_batch(engine: Engine, mailbox: MailboxConfig, folder: str, uidvalidity: int,
                  chunk: list[int], fetched: _Fetched, rescan: bool,
                  report: SyncReport) -> list[int]:
    """Commit captures, unfetchable UIDs and the checkpoint together; the committed UIDs."""
    mails = fetched.mails
    with Session(engine) as session:
        skipped: list[RawMail] = []
        if rescan:
            mails, skipped = _split_known(session, mails)
            report.duplicates += len(skipped)
        result = capture(session, mails)
        report.captured += result.captured
        report.duplicates += result.duplicates
        stored_uids = [m.uid for m in fetched.mails if m.uid is not None]
        if stored_uids:
            session.execute(delete(UnfetchedMessage).where(
                col(UnfetchedMessage.mailbox) == mailbox.name,
                col(UnfetchedMessage.folder) == folder,
                col(UnfetchedMessage.uidvalidity) == uidvalidity,
                col(UnfetchedMessage.uid).in_(stored_uids)))
        for uid, why in fetched.failed.items():
            _note_unfetched(session, mailbox.name, folder, uidvalidity, uid, why)
            log.error("%s/%s: UID %d could not be fetched (%s); it stays on the server "
                      "untouched and is retried on the next poll", mailbox.name, folder, uid,
                      why)
            report.problems.append(f"UID {uid}: {why}")
        report.unfetched += len(fetched.failed)
        checkpoint = session.exec(select(SyncCheckpoint).where(
            SyncCheckpoint.mailbox == mailbox.name, SyncCheckpoint.folder == folder)).one()
        checkpoint.last_uid = max(checkpoint.last_uid, max(chunk))
        checkpoint.updated_at = utcnow()
        session.add(checkpoint)
        session.commit()
    # Oversize messages were only partly stored: their server copy is left alone.
    return sorted(m.uid for m in fetched.mails if m.uid is not None and not m.header_only)


def _split_known(session: Session, mails: list[RawMail]) -> tuple[list[RawMail], list[RawMail]]:
    """Separate mail whose bytes are already stored (as a message or a capture), or appear
    earlier in the same batch."""
    shas = [m.sha256 for m in mails]
    known = known_shas(session, shas, processed_captures=True)
    fresh: list[RawMail] = []
    skipped: list[RawMail] = []
    for sha, mail in zip(shas, mails, strict=True):
        (skipped if sha in known else fresh).append(mail)
        known.add(sha)
    return fresh, skipped


def _note_unfetched(session: Session, mailbox: str, folder: str, uidvalidity: int, uid: int,
                    why: str) -> None:
    row = session.exec(select(UnfetchedMessage).where(
        UnfetchedMessage.mailbox == mailbox, UnfetchedMessage.folder == folder,
        UnfetchedMessage.uidvalidity == uidvalidity, UnfetchedMessage.uid == uid)).first()
    if row is None:
        row = UnfetchedMessage(mailbox=mailbox, folder=folder, uidvalidity=uidvalidity,
                               uid=uid, error=why)
    else:
        row.attempts += 1
        row.error = why
        row.last_attempt_at = utcnow()
    session.add(row)


def _unfetched_uids(engine: Engine, mailbox: str, folder: str, uidvalidity: int) -> list[int]:
    with Session(engine) as session:
        return sorted(session.exec(select(UnfetchedMessage.uid).where(
            UnfetchedMessage.mailbox == mailbox, UnfetchedMessage.folder == folder,
            UnfetchedMessage.uidvalidity == uidvalidity)).all())


def _forget_unfetched(engine: Engine, mailbox: str, folder: str, uidvalidity: int,
                      uids: Sequence[int]) -> None:
    with Session(engine) as session:
        session.execute(delete(UnfetchedMessage).where(
            col(UnfetchedMessage.mailbox) == mailbox, col(UnfetchedMessage.folder) == folder,
            col(UnfetchedMessage.uidvalidity) == uidvalidity,
            col(UnfetchedMessage.uid).in_(list(uids))))
        session.commit()


def _apply_after_ingest(conn: MailboxConnection, mailbox: MailboxConfig,
                        uids: Sequence[int]) -> int:
    """Flag or move committed ``uids`` as configured; how many were actioned."""
    if not uids or mailbox.after_ingest == "keep":
        return 0
    if mailbox.move_to is not None:
        conn.move(uids, mailbox.move_to)
    else:
        conn.mark_seen(uids)
    return len(uids)


def _catch_up_actions(conn: MailboxConnection, engine: Engine, checkpoint: SyncCheckpoint,
                      unfetched: Sequence[int]) -> int:
    """Apply after_ingest to messages committed before a crash that stopped the flagging."""
    pending = conn.uids_after(checkpoint.applied_uid)
    with Session(engine) as session:
        partial = session.exec(select(RawCapture.uid).where(
            RawCapture.mailbox == checkpoint.mailbox, RawCapture.folder == checkpoint.folder,
            RawCapture.uidvalidity == checkpoint.uidvalidity, col(RawCapture.header_only),
            col(RawCapture.uid) > checkpoint.applied_uid)).all()
    skip = set(unfetched) | {u for u in partial if u is not None}
    uids = [u for u in pending if u <= checkpoint.last_uid and u not in skip]
    done = _apply_after_ingest(conn, conn.mailbox, uids)
    if done:
        log.info("%s: applied %s to %d message(s) committed by an interrupted run",
                 conn.mailbox.name, conn.mailbox.after_ingest, done)
    _mark_applied(engine, checkpoint.mailbox, checkpoint.folder, checkpoint.last_uid)
    return done


def _mark_applied(engine: Engine, mailbox: str, folder: str, upto: int) -> None:
    """Record that after_ingest was applied to every committed UID up to ``upto``."""
    with Session(engine) as session:
        checkpoint = session.exec(select(SyncCheckpoint).where(
            SyncCheckpoint.mailbox == mailbox, SyncCheckpoint.folder == folder)).one()
        upto = min(upto, checkpoint.last_uid)
        if checkpoint.applied_uid < upto:
            checkpoint.applied_uid = upto
            session.add(checkpoint)
            session.commit()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:300]


class PendingProcessor:
    """Turns pending captures into messages in a background thread while fetching goes on.

    :meth:`wake` after each committed capture batch; :meth:`finish` processes what is left
    and returns the combined :class:`~inboxwatch.ingest.IngestReport`. When ``stop`` is set
    it finishes the batch in hand and leaves the rest pending for the next run.
    """

    def __init__(self, engine: Engine, routing: RoutingContext, *,
                 stop: threading.Event | None = None, workers: int | None = None) -> None:
        self.engine = engine
        self.routing = routing
        self.stop = stop
        self.workers = workers
        self.report = IngestReport()
        self._wake = threading.Event()
        self._done = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="inboxwatch-process",
                                        daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def finish(self, *, lease: Lease | None = None) -> IngestReport:
        """Wait until everything pending is processed; ``lease`` is renewed meanwhile, so
        the mailbox stays ours until its last capture is stored (a second poll started
        now is skipped, not run beside this one)."""
        self._done = True
        self._wake.set()
        while self._thread.is_alive():
            self._thread.join(lease.seconds / 3 if lease is not None else None)
            if lease is not None and self._thread.is_alive():
                lease.renew()
        if self._error is not None:
            raise self._error
        return self.report

    def _run(self) -> None:
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                final = self._done
                if self.stop is None or not self.stop.is_set():
                    # Runs until nothing is pending, including captures committed meanwhile.
                    self.report.merge(process_pending(self.engine, self.routing,
                                                      workers=self.workers, stop=self.stop))
                if final:
                    return
        except BaseException as exc:  # noqa: BLE001 - re-raised in finish() on the caller's thread
            self._error = exc


@dataclass(slots=True)
class PollResult:
    """One mailbox's pass: the sync report, what processing stored, or why it failed."""

    mailbox: str
    sync: SyncReport | None = None
    ingest: IngestReport | None = None
    skipped: str | None = None  # another poller holds the lease
    error: InboxwatchError | None = None

    def to_json(self) -> dict[str, object]:
        return {"mailbox": self.mailbox,
                "sync": self.sync.to_json() if self.sync else None,
                "stored": self.ingest.stored if self.ingest else 0,
                "ingest": self.ingest.to_json() if self.ingest else None,
                "skipped": self.skipped,
                "error": str(self.error) if self.error else None,
                "exit_code": self.error.exit_code if self.error else 0}


def poll_mailbox(mailbox: MailboxConfig, engine: Engine, routing: RoutingContext, *,
                 owner: str | None = None, stop: threading.Event | None = None,
                 workers: int | None = None, log_errors: bool = True) -> PollResult:
    """One complete pass over ``mailbox``: lease, connect, sync, process, heartbeat.

    Never raises for the mailbox's own problems: the error (authentication, unreachable,
    missing folder, dropped connection) is in the result, recorded in
    :class:`~inboxwatch_storage.tables.MailboxState` and logged unless ``log_errors`` is False (the
    ``poll`` command prints it as its one error line instead).
    """
    result = PollResult(mailbox=mailbox.name)
    try:
        lease = acquire_lease(engine, mailbox.name, owner)
    except LeaseHeld as held:
        log.info("%s: skipped: %s", mailbox.name, held)
        result.skipped = str(held)
        return result
    processor = PendingProcessor(engine, routing, stop=stop, workers=workers)
    try:
        with lease:
            processor.wake()  # captures left pending by an earlier run
            try:
                with connect(mailbox) as conn:
                    result.sync = sync_folder(conn, engine, stop=stop, lease=lease,
                                              on_batch=processor.wake)
            except InboxwatchError as exc:
                result.error = exc
            except CONNECTION_ERRORS as exc:
                result.error = ConnectionLost(
                    f"mailbox {mailbox.name!r}: connection lost: {_one_line(exc)}")
            except IMAPClientError as exc:
                result.error = InboxwatchError(
                    f"mailbox {mailbox.name!r}: the server refused a command: {_one_line(exc)}")
            result.ingest = processor.finish(lease=lease)  # the lease held to the end
    finally:
        if result.ingest is None:
            result.ingest = processor.finish()
    if result.error is not None:
        if log_errors:
            log.error("%s", result.error)
        record_poll_failure(engine, mailbox, str(result.error), kind=error_kind(result.error))
    else:
        stored = result.ingest.stored if result.ingest else 0
        record_heartbeat(engine, mailbox, mode="poll", success=True, stored=stored)
        if result.sync is not None and (result.sync.new or result.sync.unfetched or stored):
            log.info("%s: %d new, %d captured, %d stored, %d duplicate(s), %d unfetched",
                     mailbox.name, result.sync.new, result.sync.captured, stored,
                     result.sync.duplicates, result.sync.unfetched)
    return result


def record_heartbeat(engine: Engine, mailbox: MailboxConfig, *, mode: str, success: bool,
                     stored: int = 0) -> None:
    """Write the mailbox's heartbeat; ``success`` also moves its last successful poll."""
    now = utcnow()
    with Session(engine) as session:
        state = session.get(MailboxState, mailbox.name) or MailboxState(mailbox=mailbox.name)
        state.interval_seconds = mailbox.interval_seconds
        state.mode = mode
        state.heartbeat_at = now
        state.last_attempt_at = now
        if success:
            state.last_success_at = now
            state.last_error_kind = None
        state.messages_stored += stored
        state.host = socket.gethostname()[:255]
        state.pid = os.getpid()
        session.add(state)
        session.commit()


def error_kind(error: BaseException) -> str:
    """What ``status`` and the service's backoff make of a failure: ``auth`` (the server
    refused the login: retrying soon risks locking the account), ``unreachable``, ``error``."""
    if isinstance(error, AuthenticationFailed):
        return "auth"
    if isinstance(error, ServerUnreachable | ConnectionLost):
        return "unreachable"
    return "error"


def record_poll_failure(engine: Engine, mailbox: MailboxConfig, error: str, *,
                        kind: str = "error") -> None:
    """Record a failed attempt (the message must already be free of secrets)."""
    now = utcnow()
    with Session(engine) as session:
        state = session.get(MailboxState, mailbox.name) or MailboxState(mailbox=mailbox.name)
        state.interval_seconds = mailbox.interval_seconds
        state.last_attempt_at = now
        state.heartbeat_at = now
        state.last_error = error[:2000]
        state.last_error_at = now
        state.last_error_kind = kind
        session.add(state)
        session.commit()
