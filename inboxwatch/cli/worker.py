"""``inboxwatch poll``, ``run`` and ``status``: the IMAP worker's commands.

- ``poll [--mailbox NAME]`` — one pass over the mailboxes (for cron). Exit 3 when a mailbox
  refused our credentials, 4 when its server was unreachable, with one line per failure.
- ``run`` — the service (:mod:`inboxwatch.scheduler`); SIGTERM/SIGINT stop it cleanly.
- ``status`` — each mailbox's last successful poll; exit 1 when one is older than three
  intervals (or never happened), for monitoring.
"""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Any

from rich.text import Text
from sqlmodel import Session, col, func, select

from inboxwatch.cli._access import SERVICE, needs
from inboxwatch.cli._context import Context
from inboxwatch.config import ConfigError
from inboxwatch.errors import InboxwatchError
from inboxwatch.roles import DELETE_INBOUND_MESSAGE, VIEW_INBOUND_MESSAGES
from inboxwatch.sanitize import clean_line
from inboxwatch_storage.tables import MailboxState, RawCapture, UnfetchedMessage, utcnow

if TYPE_CHECKING:
    from inboxwatch.sync import PollResult

__all__ = ["cmd_poll", "cmd_run", "cmd_status", "register"]

STALE_INTERVALS = 3


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("poll", parents=[parent], help="one pass over the mailboxes (for cron)")
    p.add_argument("--mailbox", metavar="NAME", help="only this mailbox")
    p.add_argument("--workers", type=int, default=None,
                   help="parser processes (default: one per core)")
    p.set_defaults(func=cmd_poll, access=SERVICE)

    p = sub.add_parser("run", parents=[parent],
                       help="the service: scheduled polls, IDLE push where supported")
    p.add_argument("--mailbox", metavar="NAME", action="append",
                   help="only these mailboxes (repeatable)")
    p.add_argument("--no-purge", action="store_true",
                   help="do not purge, once a day, what was deleted more than "
                        "system.retention_days ago (when a timer runs `inboxwatch purge`)")
    p.set_defaults(func=cmd_run, access=SERVICE)

    p = sub.add_parser("reprocess", parents=[parent],
                       help="process quarantined captures again (after an upgrade fixed "
                            "what made them fail)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="parser processes (default: one per core)")
    p.set_defaults(func=cmd_reprocess, access=SERVICE)

    p = sub.add_parser("status", parents=[parent],
                       help="last successful poll per mailbox; exit 0 ok, 1 a mailbox stale, "
                            "2 config error, 3 a login refused (for Nagios/Icinga checks)")
    p.set_defaults(func=cmd_status, access=needs(VIEW_INBOUND_MESSAGES, owner_too=True))


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def cmd_poll(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.sync import poll_mailbox  # the IMAP stack: only the commands using it

    ctx.service_actor("run the poller")
    config = ctx.config
    mailboxes = [config.mailbox(args.mailbox)] if args.mailbox else list(config.mailboxes)
    if not mailboxes:
        raise InboxwatchError(f"{config.path or 'no config file'}: no [[mailbox]] configured; "
                              "add one (see `inboxwatch init`)")
    engine = ctx.engine
    routing = ctx.routing_context()
    stop = threading.Event()
    _stop_on_signals(stop)
    results: list[PollResult] = []
    try:
        for mailbox in mailboxes:
            if stop.is_set():
                break
            results.append(poll_mailbox(mailbox, engine, routing, stop=stop,
                                        workers=args.workers, log_errors=False))
    finally:
        from inboxwatch.workers import shutdown_pool

        shutdown_pool()
    if ctx.json:
        ctx.emit_json([r.to_json() for r in results])
    else:
        for r in results:
            if r.error is None:
                _print_poll_line(ctx, r)
    exit_code = 0
    for r in results:
        if r.error is not None:
            ctx.err.print(f"inboxwatch: error: {clean_line(str(r.error))}", soft_wrap=True)
            exit_code = exit_code or r.error.exit_code
    return exit_code


def _print_poll_line(ctx: Context, r: PollResult) -> None:
    if r.skipped:
        ctx.console.print(f"{r.mailbox}: skipped ({clean_line(r.skipped)})", soft_wrap=True)
        return
    sync, ingest = r.sync, r.ingest
    assert sync is not None
    stored = ingest.stored if ingest else 0
    parts = [f"{sync.new} new", f"{stored} stored"]
    if sync.duplicates or (ingest and ingest.duplicates):
        parts.append(f"{sync.duplicates + (ingest.duplicates if ingest else 0)} duplicate(s)")
    if sync.header_only:
        parts.append(f"{sync.header_only} oversize (header only)")
    if sync.unfetched:
        parts.append(f"{sync.unfetched} could not be fetched")
    if sync.uidvalidity_changed:
        parts.append("UIDVALIDITY changed: rescanned")
    if sync.interrupted:
        parts.append("interrupted")
    ctx.console.print(f"{r.mailbox}: " + ", ".join(parts), soft_wrap=True)


def cmd_run(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.scheduler import WorkerService

    actor = ctx.service_actor("run the service")
    config = ctx.config
    mailboxes = [config.mailbox(n) for n in args.mailbox] if args.mailbox \
        else list(config.mailboxes)
    if not mailboxes:
        raise InboxwatchError(f"{config.path or 'no config file'}: no [[mailbox]] configured; "
                              "add one (see `inboxwatch init`)")
    purger = None if args.no_purge or not actor.can(DELETE_INBOUND_MESSAGE) else actor
    service = WorkerService(config, ctx.engine, ctx.routing_context(), mailboxes=mailboxes,
                            purge_actor=purger)
    _stop_on_signals(service.stop_event)
    service.run_until_stopped()
    return 0


def cmd_reprocess(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.ingest import reprocess_quarantined

    ctx.service_actor("reprocess quarantined captures")
    report = reprocess_quarantined(ctx.engine, ctx.routing_context(), workers=args.workers)
    if ctx.json:
        ctx.emit_json(report.to_json())
        return 0
    line = (f"retried {report.retried} quarantined capture(s): stored "
            f"{report.processed.stored}, still failing {report.processed.quarantined}")
    if report.kept:
        line += (f"; kept {len(report.kept)} an operator has handled already (messages "
                 f"{', '.join(map(str, report.kept[:20]))})")
    ctx.console.print(Text(clean_line(line)), soft_wrap=True)  # Text: never markup
    return 0


# ``status`` exit codes for monitoring (Nagios/Icinga plugins read 0 OK, 1 WARNING,
# 2 CRITICAL, 3 UNKNOWN): every mailbox fresh; one stale; the config cannot be read; a
# mailbox's login refused. A store that cannot be opened keeps its own code (4, 5).
STATUS_OK, STATUS_STALE, STATUS_CONFIG_ERROR, STATUS_AUTH_FAILED = 0, 1, 2, 3


class StatusConfigError(InboxwatchError):
    exit_code = STATUS_CONFIG_ERROR


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    try:
        config = ctx.config
    except ConfigError as exc:  # one line from the CLI's error path, with status's own code
        raise StatusConfigError(str(exc)) from None
    now = utcnow()
    rows: list[dict[str, object]] = []
    stale = False
    with Session(ctx.engine) as session:
        ctx.owner_or_actor(session).require(VIEW_INBOUND_MESSAGES)
        states = {s.mailbox: s for s in session.exec(select(MailboxState)).all()}
        pending = dict(session.exec(
            select(RawCapture.mailbox, func.count())
            .where(col(RawCapture.processed_at).is_(None)).group_by(col(RawCapture.mailbox))
        ).all())
        unfetched = dict(session.exec(
            select(UnfetchedMessage.mailbox, func.count())
            .group_by(col(UnfetchedMessage.mailbox))).all())
        quarantined = dict(session.exec(
            select(RawCapture.mailbox, func.count())
            .where(col(RawCapture.error).is_not(None)).group_by(col(RawCapture.mailbox))
        ).all())
    names = [m.name for m in config.mailboxes] or sorted(states)
    intervals = {m.name: m.interval_seconds for m in config.mailboxes}
    for name in names:
        state = states.get(name)
        interval = intervals.get(name) or (state.interval_seconds if state else 60)
        last_ok = state.last_success_at if state else None
        age = (now - _aware(last_ok)).total_seconds() if last_ok else None
        is_stale = age is None or age > STALE_INTERVALS * interval
        # The session's last word was a failure (an IDLE check unanswered, a lost
        # connection): not ok, even before it has been quiet for three intervals.
        failing = bool(state and state.last_error_at and (
            state.last_success_at is None
            or _aware(state.last_error_at) > _aware(state.last_success_at)))
        is_stale = is_stale or failing
        stale = stale or is_stale
        rows.append({
            "mailbox": name, "ok": not is_stale, "failing": failing,
            "mode": state.mode if state else None,
            "interval_seconds": interval, "last_success_at": last_ok,
            "seconds_since_success": round(age, 1) if age is not None else None,
            "heartbeat_at": state.heartbeat_at if state else None,
            "last_error": state.last_error if state else None,
            "last_error_at": state.last_error_at if state else None,
            "last_error_kind": state.last_error_kind if state else None,
            "messages_stored": state.messages_stored if state else 0,
            "pending_captures": pending.get(name, 0),
            "unfetched": unfetched.get(name, 0),
            "quarantined": quarantined.get(name, 0),
            "host": state.host if state else None, "pid": state.pid if state else None,
        })
    if ctx.json:
        ctx.emit_json(rows)
    else:
        for row in rows:
            _print_status_line(ctx, row)
    if any(row["last_error_kind"] == "auth" for row in rows):
        return STATUS_AUTH_FAILED
    return STATUS_STALE if stale else STATUS_OK


def _print_status_line(ctx: Context, row: dict[str, object]) -> None:
    age = row["seconds_since_success"]
    state = "ok" if row["ok"] else \
        "LOGIN REFUSED" if row["last_error_kind"] == "auth" else \
        "DOWN" if row["failing"] else "STALE"
    since = f"last success {age:.0f}s ago" if isinstance(age, float | int) \
        else "never polled successfully"
    line = f"{row['mailbox']}: {state}, {since} (every {row['interval_seconds']}s"
    line += f", {row['mode']})" if row["mode"] else ")"
    if row["unfetched"]:
        line += f", {row['unfetched']} message(s) could not be fetched"
    if row["quarantined"]:
        line += (f", {row['quarantined']} capture(s) quarantined (processing failed: "
                 "`inboxwatch reprocess` after an upgrade)")
    if row["pending_captures"]:
        line += f", {row['pending_captures']} capture(s) waiting to be processed"
    if row["last_error"] and not row["ok"]:
        line += f"; last error: {row['last_error']}"
    ctx.console.print(Text(clean_line(line)), soft_wrap=True)  # Text: never markup


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
