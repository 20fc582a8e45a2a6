"""The ingest pipeline: capture raw bytes, then parse -> route -> classify -> store.

Two stages, each its own transaction, so that no mail is lost and none is duplicated:

1. :func:`capture` commits the raw bytes (a :class:`~inboxwatch_storage.tables.RawCapture`
   row plus its blob) and nothing else. It is cheap, so the IMAP worker can commit a batch
   and only then flag or move the server copies.
2. :func:`process_pending` turns pending captures into messages: worker processes, one
   per core, each take a batch, analyse it (parse, rule tables, spam scoring), then route
   and store it in one transaction that also marks the captures processed; the store
   transactions take turns. A crash between the two stages leaves captures pending; the
   next run processes them. Duplicates (same bytes) are recognised and skipped at both
   stages.

No message can block the ones behind it: when a batch fails (a bug in any stage, a value
the database refuses) it is done again one capture at a time, and a capture that fails on
its own is **quarantined** (:func:`_quarantine`): its error and attempt count are recorded
on the capture, it is stored as a ``malformed`` message that needs attention, its raw bytes
kept as they came, and the batch goes on. ``inboxwatch reprocess`` tries quarantined
captures again (after an upgrade that fixed the bug). Only a store that cannot be reached
or is locked stops processing: that is an outage, retried by the next run.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session, col, select

from inboxwatch.analysis import Analysis, Decision, RoutingContext, analyze_batch
from inboxwatch.explain import RuleHit, hits_to_json
from inboxwatch.lookups import batch_lookups, delivery_key
from inboxwatch.route import route_message
from inboxwatch.workers import default_workers, pool, store_turn
from inboxwatch_storage.bulk import chunked, insert_rows, known_shas, update_rows
from inboxwatch_storage.queries import get_blobs, put_blobs
from inboxwatch_storage.tables import Message, MessageAttachment, RawCapture, utcnow

__all__ = [
    "IngestReport",
    "RawMail",
    "capture",
    "ingest",
    "process_pending",
]

log = logging.getLogger(__name__)

INLINE_THRESHOLD = 64  # fewer pending captures than this are analysed in-process
BATCH_SIZE = 200

# Core statements and inboxwatch_storage.bulk on the tables, not ORM bulk operations: the
# ORM's per-row bookkeeping for a batch cost more than the SQL.
_CAPTURES = RawCapture.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class RawMail:
    """Raw bytes and where they came from."""

    raw: bytes
    source: str = "import"
    mailbox: str | None = None
    folder: str | None = None
    uidvalidity: int | None = None
    uid: int | None = None
    origin: str | None = None
    header_only: bool = False
    received_at: datetime | None = None
    # Of ``raw``; made with the object, i.e. on the thread that fetched or read the mail,
    # not on the one that commits the capture (hashing was a tenth of a capture's time).
    sha256: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.raw).hexdigest())


@dataclass(slots=True)
class IngestReport:
    captured: int = 0
    duplicates: int = 0
    stored: int = 0
    malformed: int = 0
    case_updates: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    message_ids: list[int] = field(default_factory=list)
    quarantined: int = 0

    def merge(self, other: IngestReport) -> None:
        self.captured += other.captured
        self.quarantined += other.quarantined
        self.duplicates += other.duplicates
        self.stored += other.stored
        self.malformed += other.malformed
        self.case_updates += other.case_updates
        for k, v in other.by_category.items():
            self.by_category[k] = self.by_category.get(k, 0) + v
        self.message_ids.extend(other.message_ids)

    def to_json(self) -> dict[str, object]:
        return {"captured": self.captured, "duplicates": self.duplicates,
                "stored": self.stored, "malformed": self.malformed,
                "case_updates": self.case_updates, "by_category": dict(self.by_category),
                "quarantined": self.quarantined}


def capture(session: Session, mails: Iterable[RawMail]) -> IngestReport:
    """Add raw mail to the capture journal in a few bulk statements. The caller commits.

    IMAP mail is unique by (mailbox, folder, UIDVALIDITY, UID); imported mail by its bytes
    (already stored as a message, or already waiting as a capture).
    """
    report = IngestReport()
    batch = [(m.sha256, m) for m in mails]
    if not batch:
        return report
    known = known_shas(session, (sha for sha, m in batch if m.uid is None),
                       processed_captures=False)
    known_uids = _known_uids(session, [m for _, m in batch if m.uid is not None])
    rows: list[dict[str, object]] = []
    blobs: dict[str, bytes] = {}
    for sha, mail in batch:
        if mail.uid is not None:
            key = (mail.mailbox, mail.folder, mail.uidvalidity, mail.uid)
            duplicate = key in known_uids
            known_uids.add(key)
        else:
            duplicate = sha in known
            known.add(sha)
        if duplicate:
            report.duplicates += 1
            continue
        blobs.setdefault(sha, mail.raw)
        rows.append({
            "source": mail.source, "mailbox": mail.mailbox, "folder": mail.folder,
            "uidvalidity": mail.uidvalidity, "uid": mail.uid, "origin": mail.origin,
            "sha256": sha, "size": len(mail.raw), "header_only": mail.header_only,
            "received_at": mail.received_at, "captured_at": utcnow(), "processed_at": None,
            "message_pk": None,
        })
    put_blobs(session, list(blobs.items()))
    if rows:
        session.execute(insert(_CAPTURES), rows)
    report.captured = len(rows)
    return report


def _known_uids(session: Session, mails: list[RawMail]) -> set[tuple[str | None, str | None,
                                                                    int | None, int | None]]:
    found: set[tuple[str | None, str | None, int | None, int | None]] = set()
    groups: dict[tuple[str | None, str | None, int | None], list[int]] = {}
    for m in mails:
        assert m.uid is not None
        groups.setdefault((m.mailbox, m.folder, m.uidvalidity), []).append(m.uid)
    for (mailbox, folder, uidvalidity), uids in groups.items():
        for chunk in chunked(uids):
            stmt = select(RawCapture.uid).where(
                RawCapture.mailbox == mailbox, RawCapture.folder == folder,
                RawCapture.uidvalidity == uidvalidity, col(RawCapture.uid).in_(chunk))
            found.update((mailbox, folder, uidvalidity, uid) for uid in session.exec(stmt).all())
    return found


def process_pending(
    engine: Engine, ctx: RoutingContext, *, workers: int | None = None,
    batch_size: int = BATCH_SIZE, limit: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
) -> IngestReport:
    """Turn every pending capture into a message (or a recognised duplicate).

    A backlog is shared out in batches to the worker processes, each of which reads a
    batch's bytes from the store, analyses them (parse and classify, the costly part) and
    routes and stores them in one transaction; the store transactions take turns (a lock),
    so no two batches route against each other's half-written state. The bytes and the
    results never pass through this process, and both cores do all of the work. A small
    backlog (fewer than :data:`INLINE_THRESHOLD`), an in-memory store, or ``workers=1`` is
    done here. Captures committed while it runs are picked up too. ``stop`` set ends it after
    the batches in hand (the rest stays pending for the next run).
    """
    workers = default_workers() if workers is None else workers
    url = _shareable_url(engine) if workers > 1 else None
    pool_batch = max(INLINE_THRESHOLD, batch_size // max(workers, 1))
    report = IngestReport()
    in_flight: deque[tuple[int, Future[IngestReport]]] = deque()
    submitted = 0
    last_id = 0

    def finished(size: int, result: IngestReport) -> None:
        report.merge(result)
        if on_progress:
            on_progress(size)

    def stopping() -> bool:
        return (stop is not None and stop.is_set()) or (limit is not None and submitted >= limit)

    while True:
        # Keep every worker busy with one batch and one more waiting.
        while len(in_flight) < 2 * workers and not stopping():
            ids = _pending_ids(engine, after_id=last_id,
                               limit=pool_batch if url is not None else batch_size)
            if not ids:
                break
            last_id = ids[-1]
            submitted += len(ids)
            if url is None or (len(ids) < INLINE_THRESHOLD and not in_flight):
                finished(len(ids), _process_batch(engine, ctx, ids))
                continue
            in_flight.append((len(ids), pool(workers).submit(_process_in_worker, url, ctx,
                                                               ids)))
        if not in_flight:
            return report
        if stop is not None and stop.is_set():
            for _, future in in_flight:
                future.cancel()  # not started: its captures stay pending
        size, future = in_flight.popleft()
        if not future.cancelled():
            finished(size, future.result())


def _shareable_url(engine: Engine) -> str | None:
    """The store's URL for the workers to open, or None when they cannot share it (an
    in-memory SQLite database exists in this process only)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and (
            url.database in (None, "", ":memory:") or "mode=memory" in str(url)):
        return None
    return url.render_as_string(hide_password=False)


_WORKER_ENGINE: tuple[str, Engine] | None = None  # in a worker: the store it last opened


def _process_in_worker(url: str, ctx: RoutingContext, ids: list[int]) -> IngestReport:
    """A worker's whole job for one batch (the store is opened once, and again only when
    another store is asked for)."""
    global _WORKER_ENGINE
    if _WORKER_ENGINE is None or _WORKER_ENGINE[0] != url:
        from inboxwatch_storage import open_engine

        if _WORKER_ENGINE is not None:
            _WORKER_ENGINE[1].dispose()
        _WORKER_ENGINE = (url, open_engine(url))
    return _process_batch(_WORKER_ENGINE[1], ctx, ids)


# An outage, not a poison: the store cannot be reached or is locked. Processing stops and
# the captures stay pending for the next run.
_OUTAGES = (OperationalError, InterfaceError)
MAX_ATTEMPTS = 3  # a capture whose quarantine could not be stored either is then skipped


def _process_batch(engine: Engine, ctx: RoutingContext, ids: list[int]) -> IngestReport:
    """Analyse, route and store the captures ``ids``; a capture that fails on its own is
    quarantined and the others are stored (see the module docstring)."""
    batch = _load_captures(engine, ids)
    try:
        return _analyse_and_store(engine, ctx, batch)
    except _OUTAGES:
        raise
    except Exception as exc:  # noqa: BLE001 - any bug: find the capture, keep the rest
        if len(batch) == 1:
            return _quarantine(engine, batch[0], exc)
        log.warning("a batch of %d failed (%s); storing its captures one by one",
                    len(batch), _describe(exc))
    report = IngestReport()
    for pending in batch:
        report.merge(_process_batch(engine, ctx, [pending.id]))
    return report


def _analyse_and_store(engine: Engine, ctx: RoutingContext, batch: list[_Pending],
                       ) -> IngestReport:
    analyses = analyze_batch([(p.raw, p.header_only) for p in batch], ctx.settings)
    with store_turn():
        return _store_pending(engine, batch, analyses, ctx)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"


def _quarantine(engine: Engine, pending: _Pending, exc: BaseException) -> IngestReport:
    """Store a capture that processing failed on as a ``malformed`` message needing
    attention, its error on the capture and in the explanation; the raw bytes stay as they
    came (``show --raw``). Should even that fail, the error is recorded and the capture is
    skipped after :data:`MAX_ATTEMPTS`."""
    error = _describe(exc)
    log.error("capture %d: processing failed (%s): stored as a malformed message needing "
              "attention; `inboxwatch reprocess` tries again", pending.id, error)
    report = IngestReport()
    try:
        from inboxwatch.parse import parse_message

        try:
            parsed = parse_message(pending.raw)
            message_id, subject = parsed.message_id, parsed.subject
            sender = parsed.from_addr
        except Exception:  # noqa: BLE001 - the parser may be what failed
            message_id, subject, sender = None, "", None
        with store_turn(), \
                Session(engine) as session:
            capture_row = session.get(RawCapture, pending.id)
            if capture_row is None or capture_row.processed_at is not None:
                return report  # another process has dealt with it
            hit = RuleHit("ingest", "quarantined",
                          f"processing failed ({error}); the raw message is kept as it came "
                          "(show --raw); `inboxwatch reprocess` tries again after an upgrade")
            message = Message(
                sha256=capture_row.sha256, message_id=message_id, mailbox=capture_row.mailbox,
                source=capture_row.source,
                received_at=capture_row.received_at or capture_row.captured_at,
                from_addr=sender.email[:320] if sender else "",
                from_name=sender.name[:500] if sender else "", subject=subject[:2000],
                size=capture_row.size, disposition="inbound", status="needs_attention",
                reason="malformed", category="malformed", malformed=True,
                header_only=capture_row.header_only, defects=[f"processing failed: {error}"],
                explanation=hits_to_json([hit]))
            session.add(message)
            session.flush()
            capture_row.error = error
            capture_row.attempts += 1
            capture_row.processed_at = utcnow()
            capture_row.message_pk = message.id
            session.add(capture_row)
            session.commit()
            assert message.id is not None
            report.stored = report.malformed = report.quarantined = 1
            report.by_category["malformed"] = 1
            report.message_ids.append(message.id)
    except _OUTAGES:
        raise
    except Exception as second:  # noqa: BLE001 - record why, and give up after a few
        log.error("capture %d: could not be quarantined either (%s)", pending.id,
                  _describe(second))
        with Session(engine) as session:
            capture_row = session.get(RawCapture, pending.id)
            if capture_row is not None:
                capture_row.error = f"{error}; quarantine failed: {_describe(second)}"[:4000]
                capture_row.attempts += 1
                session.add(capture_row)
                session.commit()
    return report


@dataclass(frozen=True, slots=True)
class _Pending:
    id: int
    raw: bytes
    header_only: bool


def _pending_ids(engine: Engine, *, after_id: int, limit: int) -> list[int]:
    with Session(engine) as session:
        stmt = select(RawCapture.id).where(
            col(RawCapture.processed_at).is_(None), col(RawCapture.id) > after_id,
            col(RawCapture.attempts) < MAX_ATTEMPTS,
        ).order_by(col(RawCapture.id)).limit(limit)
        return [cid for cid in session.exec(stmt).all() if cid is not None]


def _load_captures(engine: Engine, ids: list[int]) -> list[_Pending]:
    """The bytes of those of ``ids`` still pending (another process may have stored some
    since they were listed: they are not analysed again)."""
    with Session(engine) as session:
        stmt = select(RawCapture.id, RawCapture.sha256, RawCapture.header_only).where(
            col(RawCapture.id).in_(ids), col(RawCapture.processed_at).is_(None),
        ).order_by(col(RawCapture.id))
        rows = [(cid, sha, header_only) for cid, sha, header_only in session.exec(stmt).all()
                if cid is not None]
        raw = get_blobs(session, [sha for _, sha, _ in rows])
        return [_Pending(cid, raw.get(sha, b""), header_only) for cid, sha, header_only in rows]


def _store_pending(engine: Engine, batch: list[_Pending], analyses: list[Analysis],
                   ctx: RoutingContext) -> IngestReport:
    """Route and store one analysed batch in one transaction (one by one on a conflict)."""
    ids = [p.id for p in batch]
    with Session(engine) as session:
        try:
            captures = _fresh_captures(session, ids)
            report = _store_batch(session, [captures[i] for i in ids if i in captures],
                                  [a for p, a in zip(batch, analyses, strict=True)
                                   if p.id in captures], ctx)
            session.commit()
            return report
        except IntegrityError:
            # Another process stored some of these first: redo one by one.
            session.rollback()
    report = IngestReport()
    for pending, analysis in zip(batch, analyses, strict=True):
        with Session(engine) as one:
            fresh = _fresh_captures(one, [pending.id])
            if fresh:
                report.merge(_store_batch(one, [fresh[pending.id]], [analysis], ctx))
                one.commit()
    return report


@dataclass(frozen=True, slots=True)
class _Capture:
    """What storing a message needs of its capture (read as plain columns: loading ORM
    objects for a batch cost more than routing it)."""

    id: int
    sha256: str
    source: str
    mailbox: str | None
    size: int
    header_only: bool
    received_at: datetime | None
    captured_at: datetime


def _fresh_captures(session: Session, ids: list[int]) -> dict[int, _Capture]:
    """The still-unprocessed captures among ``ids`` (another process may have taken some)."""
    table = _CAPTURES
    stmt = sa_select(table.c.id, table.c.sha256, table.c.source, table.c.mailbox,
                     table.c.size, table.c.header_only, table.c.received_at,
                     table.c.captured_at).where(table.c.id.in_(ids),
                                                table.c.processed_at.is_(None))
    return {row[0]: _Capture(*row) for row in session.execute(stmt).all()}


def _store_batch(session: Session, captures: list[_Capture], analyses: list[Analysis],
                 ctx: RoutingContext) -> IngestReport:
    """Route and store one batch: every decision first (nothing is written, so nothing is
    flushed per message), then all new messages in one multi-row INSERT (plain rows, not
    ORM objects: building and flushing those cost more than the rest of the store step),
    then their attachments, the follow-ups, and the captures marked processed."""
    report = IngestReport()
    lookups = batch_lookups(session, analyses)
    rows: list[dict[str, Any]] = []
    new: list[tuple[Analysis, Decision]] = []
    row_of_sha: dict[str, int] = {}
    row_of_key: dict[tuple[str, str], int] = {}
    target: list[int] = []  # per capture: its row in ``rows`` (>= 0), or -1 - the stored id
    for cap, analysis in zip(captures, analyses, strict=True):
        if cap.sha256 in row_of_sha:  # the same bytes twice in this batch
            target.append(row_of_sha[cap.sha256])
            report.duplicates += 1
            continue
        key = delivery_key(analysis)
        if key is not None and key in row_of_key:  # one mail delivered twice in this batch
            target.append(row_of_key[key])
            report.duplicates += 1
            continue
        decision = route_message(session, analysis, ctx, lookups)
        if decision.duplicate_of is not None:
            target.append(-1 - decision.duplicate_of)
            report.duplicates += 1
            continue
        if key is not None:
            row_of_key[key] = len(rows)
        row_of_sha[cap.sha256] = len(rows)
        target.append(len(rows))
        rows.append(_message_row(cap, analysis, decision))
        new.append((analysis, decision))
    ids = insert_rows(session, Message, rows, key="sha256")
    _insert_attachments(session, [(pk, analysis) for pk, (analysis, _) in
                                  zip(ids, new, strict=True)])
    _follow_up(session, ids, new, ctx)
    for pk, row in zip(ids, rows, strict=True):
        report.stored += 1
        report.malformed += int(row["malformed"])
        report.case_updates += int(row["disposition"] == "case_update")
        category = row["category"]
        report.by_category[category] = report.by_category.get(category, 0) + 1
        report.message_ids.append(pk)
    if captures:
        _mark_processed(session, [(cap.id, ids[found] if found >= 0 else -1 - found)
                                  for cap, found in zip(captures, target, strict=True)])
    return report


def _mark_processed(session: Session, stored: list[tuple[int, int]]) -> None:
    """Mark captures processed, each with its message's key: ``(capture id, message id)``,
    in one executemany (the time put in the driver's form once, not once a row)."""
    now = utcnow()
    update_rows(session, RawCapture, ("processed_at", "message_pk"), where="id",
                params=[(now, message_pk, cid) for cid, message_pk in stored])


def _insert_attachments(session: Session, stored: list[tuple[int, Analysis]]) -> None:
    """The attachments of just-stored messages: bytes once per SHA-256, then the rows."""
    blobs: dict[str, bytes] = {}
    rows: list[dict[str, Any]] = []
    for message_pk, analysis in stored:
        for position, att in enumerate(analysis.parsed.attachments):
            blobs.setdefault(att.sha256, att.payload)
            rows.append({
                "message_pk": message_pk, "position": position, "filename": att.filename,
                "original_filename": att.original_filename,
                "content_type": att.content_type[:255], "size": att.size,
                "sha256": att.sha256, "inline": att.inline,
                "content_id": att.content_id[:1000] if att.content_id else None})
    put_blobs(session, list(blobs.items()))
    if rows:
        session.execute(insert(MessageAttachment.__table__), rows)  # type: ignore[attr-defined]


def _follow_up(session: Session, ids: list[int], new: list[tuple[Analysis, Decision]],
               ctx: RoutingContext) -> None:
    """What freshly stored messages set in motion, in the ingest transaction: an auto case
    update for a related reply, a notice for an inbound message when ``ctx.system`` is
    configured (only those messages are loaded as ORM objects)."""
    wanted = {pk: (analysis, decision) for pk, (analysis, decision) in zip(ids, new, strict=True)
              if (decision.disposition == "case_update" and decision.case_id is not None)
              or (ctx.system is not None and decision.disposition == "inbound")}
    if not wanted:
        return
    # Imported here, not at the top: most batches set nothing in motion, and every poll,
    # import and worker process would otherwise load the case service, the mail templates
    # (Jinja2) and SMTP at start-up.
    from inboxwatch.cases import apply_auto_case_update
    from inboxwatch.notify import queue_new_message_notice

    loaded = {m.id: m for m in session.exec(select(Message).where(
        col(Message.id).in_(list(wanted)))).all()}
    for pk, (analysis, decision) in wanted.items():
        message = loaded[pk]
        if message.disposition == "case_update" and decision.case_id is not None:
            # The case update, with the message's attachments as case files.
            apply_auto_case_update(session, message, decision.case_id, decision.case_update_id)
        elif ctx.system is not None and message.disposition == "inbound":
            # Its New Inbound Message Notice, unless a notice rule suppresses it.
            queue_new_message_notice(session, message, ctx.system,
                                     headers=analysis.parsed.headers)


def _received_at(cap: _Capture, analysis: Analysis) -> datetime:
    if cap.received_at is not None:
        return cap.received_at
    date = analysis.parsed.date
    captured = cap.captured_at if cap.captured_at.tzinfo else cap.captured_at.replace(tzinfo=UTC)
    if cap.source == "import" and date is not None and date <= captured + timedelta(days=1):
        return date
    return captured


def _message_row(cap: _Capture, analysis: Analysis, decision: Decision) -> dict[str, Any]:
    """The ``message`` row for a routed capture (columns left out take their defaults)."""
    p = analysis.parsed
    return {
        "sha256": cap.sha256, "message_id": p.message_id, "mailbox": cap.mailbox,
        "source": cap.source, "received_at": _received_at(cap, analysis), "sent_at": p.date,
        "from_addr": p.from_addr.email if p.from_addr else "",
        "from_name": p.from_addr.name if p.from_addr else "",
        "to_addrs": [a.email for a in p.to], "cc_addrs": [a.email for a in p.cc],
        "reply_to": p.reply_to[0].email if p.reply_to else None,
        "subject": p.subject, "in_reply_to": p.in_reply_to[0] if p.in_reply_to else None,
        "references": p.references, "body_text": p.text, "has_html": p.html is not None,
        "links": [{"text": link.text, "href": link.href} for link in p.links[:200]],
        "auth_results": _auth_results(p.header_all("Authentication-Results")),
        "size": cap.size, "attachment_count": len(p.attachments),
        "disposition": decision.disposition, "status": decision.status,
        "reason": decision.reason, "category": decision.category,
        "spam_score": decision.spam_score,
        "explanation": hits_to_json(decision.explanation),
        "defects": p.defects[:50], "malformed": p.malformed, "header_only": cap.header_only,
        "case_id": decision.case_id, "case_update_id": decision.case_update_id,
        "owner_id": decision.owner_id,
    }


def _auth_results(values: list[str]) -> dict[str, str]:
    """``{"spf": "pass", "dkim": "fail", "dmarc": "none"}`` from Authentication-Results."""
    import re

    found: dict[str, str] = {}
    for value in values[:5]:
        for method, result in re.findall(r"\b(spf|dkim|dmarc|arc)\s*=\s*([a-z]+)", value, re.I):
            found.setdefault(method.lower(), result.lower())
    return found


@dataclass
class ReprocessReport:
    """What :func:`reprocess_quarantined` did."""

    retried: int = 0  # placeholders removed, captures pending again, then processed
    kept: list[int] = field(default_factory=list)  # placeholders an operator has touched
    processed: IngestReport = field(default_factory=lambda: IngestReport())

    def to_json(self) -> dict[str, object]:
        return {"retried": self.retried, "kept": self.kept,
                "still_quarantined": self.processed.quarantined,
                "stored": self.processed.stored}


def reprocess_quarantined(engine: Engine, ctx: RoutingContext, *,
                          workers: int | None = None) -> ReprocessReport:
    """Process quarantined captures again (after an upgrade fixed what failed).

    A placeholder message nobody has acted on (still ``needs_attention``, on no case, not
    deleted, nothing in the audit log) is removed and its capture made pending again, then
    processed as new mail; one an operator has already handled is kept as it is, and named.
    """
    from inboxwatch_storage.tables import AuditEntry

    report = ReprocessReport()
    with Session(engine) as session:
        captures = session.exec(select(RawCapture).where(
            col(RawCapture.error).is_not(None))).all()
        for cap in captures:
            message = session.get(Message, cap.message_pk) if cap.message_pk else None
            if message is not None:
                touched = (message.status != "needs_attention" or message.case_id is not None
                           or message.deleted_at is not None
                           or session.exec(select(AuditEntry.id).where(
                               AuditEntry.message_pk == message.id).limit(1)).first())
                if touched:
                    report.kept.append(message.id or 0)
                    continue
            cap.processed_at = None
            cap.message_pk = None
            cap.error = None
            cap.attempts = 0
            session.add(cap)
            session.flush()
            if message is not None:
                session.delete(message)
            report.retried += 1
        session.commit()
    if report.retried:
        report.processed = process_pending(engine, ctx, workers=workers)
    return report


def ingest(engine: Engine, ctx: RoutingContext, mails: Iterable[RawMail], *,
           workers: int | None = None, batch_size: int = BATCH_SIZE,
           on_progress: Callable[[int], None] | None = None) -> IngestReport:
    """Capture then process ``mails``: what ``import`` and tests use."""
    report = IngestReport()
    batch: list[RawMail] = []

    def flush() -> None:
        with Session(engine) as session:
            report.merge(capture(session, batch))
            session.commit()
        batch.clear()

    for mail in mails:
        batch.append(mail)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    processed = process_pending(engine, ctx, workers=workers, batch_size=batch_size,
                                on_progress=on_progress)
    report.stored = processed.stored
    report.malformed = processed.malformed
    report.case_updates = processed.case_updates
    report.quarantined = processed.quarantined
    report.by_category = processed.by_category
    report.message_ids = processed.message_ids
    report.duplicates += processed.duplicates
    return report
