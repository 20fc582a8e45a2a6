"""``outbox send``, ``outbox list`` and ``notify check-templates``: the email we send."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from inboxwatch.cli._access import OPEN, SERVICE, needs
from inboxwatch.cli._context import Context
from inboxwatch.errors import InboxwatchError
from inboxwatch.roles import VIEW_INBOUND_MESSAGES
from inboxwatch.sanitize import clean_line, shorten
from inboxwatch_storage.tables import OUTBOX_STATUS_VALUES

__all__ = ["register"]


class OutboxDeliveryError(InboxwatchError):
    """The SMTP server could not be used; the emails stay queued."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("outbox", parents=[parent], help="queued email: send it, list it")
    osub = p.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    q = osub.add_parser("send", parents=[parent],
                        help="send every due email now (retries with backoff; for cron)")
    q.set_defaults(func=cmd_outbox_send, access=SERVICE)
    q = osub.add_parser("list", parents=[parent], help="queued and sent email, newest first")
    q.add_argument("--status", choices=OUTBOX_STATUS_VALUES, help="only this status")
    q.add_argument("--limit", type=int, default=50, metavar="N",
                   help="at most N rows (default 50)")
    q.set_defaults(func=cmd_outbox_list, access=needs(VIEW_INBOUND_MESSAGES))

    p = sub.add_parser("notify", parents=[parent], help="New Inbound Message Notices")
    nsub = p.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    q = nsub.add_parser("check-templates", parents=[parent],
                        help="compile the notice templates in the sandbox and show a sample")
    q.set_defaults(func=cmd_check_templates, access=OPEN)


def cmd_outbox_send(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.notify import deliver_pending  # SMTP and templates: only when used

    ctx.service_actor("send the outbox")
    report = deliver_pending(ctx.engine, ctx.config)
    if ctx.json:
        ctx.emit_json(report.to_json())
    else:
        ctx.console.print(Text(f"sent {report.sent}, deferred {report.deferred}, failed "
                               f"{report.failed}, still queued {report.still_queued}"))
    if report.error:
        raise OutboxDeliveryError(f"{report.error}; {report.still_queued} email(s) stay queued "
                                  "and are retried with backoff", report.error_exit_code or 4)
    return 0


def cmd_outbox_list(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.notify import list_outbox

    with Session(ctx.engine) as session:
        rows = list_outbox(session, ctx.actor(session), status=args.status, limit=args.limit)
    if ctx.json:
        ctx.emit_json([r.to_json() for r in rows])
        return 0
    show_errors = any(r.last_error for r in rows)
    fixed = {"id": 4, "kind": 6, "status": 7, "tries": 5, "next / sent": 11}
    room = max(20, ctx.console.width - sum(fixed.values()) - 3 * (len(fixed) + 3)
               - (30 if show_errors else 0))
    widths = {**fixed, "to": min(28, room // 3), "subject": room - min(28, room // 3),
              "error": 30}
    table = Table(show_edge=False, highlight=False)
    columns = ("id", "kind", "status", "to", "subject", "tries", "next / sent",
               *(("error",) if show_errors else ()))
    for column in columns:
        table.add_column(column, width=widths[column], no_wrap=column != "error",
                         overflow="fold" if column == "error" else "ellipsis")
    for r in rows:
        when = r.sent_at if r.sent_at else r.next_attempt_at
        cells: list[str | Text] = [str(r.id), r.kind, r.status,
                                   Text(shorten(clean_line(", ".join(r.recipients)), 40)),
                                   Text(shorten(clean_line(r.subject), 80)), str(r.attempts),
                                   when.strftime("%m-%d %H:%M")]
        if show_errors:
            cells.append(Text(clean_line(r.last_error or "", max_chars=120)))
        table.add_row(*cells)
    ctx.console.print(table)
    return 0


def cmd_check_templates(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.notify import check_notice_settings, load_notice_templates
    from inboxwatch.notify._templates import render_pair, sample_message

    system = ctx.config.system
    check_notice_settings(system)
    templates = load_notice_templates(system)
    subject, body = render_pair(templates.notice_subject, templates.notice_body,
                                {"message": sample_message()}, templates.sources[:2])
    if ctx.json:
        ctx.emit_json({"ok": True, "sources": list(templates.sources),
                       "sample_subject": subject, "sample_body": body})
        return 0
    ctx.console.print(Text(f"templates ok ({', '.join(templates.sources[:2])})"))
    ctx.console.print(Text(f"sample subject: {subject}"))
    ctx.console.print(Text(body))
    return 0
