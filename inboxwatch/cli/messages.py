"""Commands over the store itself: ``import``, ``messages``, ``show``, ``db``, ``init``,
``demo``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from inboxwatch.cli._access import OPEN, SERVICE, needs
from inboxwatch.cli._context import Context
from inboxwatch.cli._progress import import_progress
from inboxwatch.errors import NotFound, UsageError
from inboxwatch.messages import list_inbound, message_detail, raw_message
from inboxwatch.roles import VIEW_INBOUND_MESSAGES
from inboxwatch.sanitize import clean, clean_line, shorten
from inboxwatch_storage.queries import MessageFilter, MessageRow
from inboxwatch_storage.tables import CATEGORY_VALUES, STATUS_VALUES

if TYPE_CHECKING:
    from inboxwatch.ingest import IngestReport
    from inboxwatch.sources import Skipped

__all__ = ["register"]


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import", parents=[parent], help="import .eml files, folders, mbox, "
                       "Maildir through the same pipeline as IMAP")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help=".eml files, mbox files, Maildirs or folders of them")
    p.add_argument("--format", choices=("auto", "eml", "mbox"), default="auto",
                   help="what a file named here is: auto (an mbox by its name or its "
                        "whole shape, else one message), eml (one message), mbox")
    p.add_argument("--workers", type=int, default=None,
                   help="parser processes (default: one per core)")
    p.set_defaults(func=cmd_import, access=SERVICE)

    p = sub.add_parser("messages", parents=[parent], help="list messages")
    p.add_argument("--status", choices=STATUS_VALUES, help="only this status")
    p.add_argument("--category", choices=CATEGORY_VALUES, help="only this category")
    p.add_argument("--disposition", choices=("inbound", "case_update"),
                   help="inbound (the queue) or case_update (attached by themselves)")
    p.add_argument("--search", metavar="TEXT", help="full-text search: subject, sender, body")
    p.add_argument("--deleted", action="store_true", help="list deleted messages instead")
    owner = p.add_mutually_exclusive_group()
    owner.add_argument("--mine", action="store_true",
                       help="only messages you are working on (`take`)")
    owner.add_argument("--unassigned", action="store_true",
                       help="only messages nobody is working on")
    p.add_argument("--limit", type=int, default=50, metavar="N",
                   help="at most N messages (default 50)")
    p.add_argument("--offset", type=int, default=0, metavar="N",
                   help="skip the first N (the next page: --offset 50)")
    p.set_defaults(func=cmd_messages, access=needs(VIEW_INBOUND_MESSAGES))

    p = sub.add_parser("show", parents=[parent], help="one message in full")
    p.add_argument("id", type=int, metavar="ID", help="the message (its number in `messages`)")
    p.add_argument("--raw", action="store_true", help="the original bytes, unchanged (not to "
                   "a terminal, where they could act as escape sequences, unless --force)")
    p.add_argument("--force", action="store_true",
                   help="with --raw: write to a terminal all the same")
    p.set_defaults(func=cmd_show, access=needs(VIEW_INBOUND_MESSAGES))

    p = sub.add_parser("db", parents=[parent], help="database schema")
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    q = dbsub.add_parser("upgrade", parents=[parent], help="migrate the schema to this version")
    q.set_defaults(func=cmd_db_upgrade, access=SERVICE)
    q = dbsub.add_parser("setup-team", parents=[parent],
                         help="PostgreSQL: the group roles, grants and policies of a team "
                              "deployment; syncs every operator's login role (idempotent)")
    q.add_argument("--admin", metavar="LOGIN",
                   help="make this OS login the first admin if the store has none")
    q.set_defaults(func=cmd_db_setup_team, access=SERVICE)
    q = dbsub.add_parser("current", parents=[parent], help="print the schema revision")
    q.set_defaults(func=cmd_db_current, access=OPEN)


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    # The pipeline is imported by the commands that run it: every command pays for the
    # imports of this module, and the TUI starts faster without parsers and classifiers.
    from inboxwatch.ingest import ingest
    from inboxwatch.sources import Skipped, check_paths, iter_mail

    engine = ctx.engine
    ctx.service_actor("import mail")
    paths = check_paths(args.paths)
    skipped: list[Skipped] = []

    def mails() -> Any:
        for item in iter_mail(paths, file_format=args.format):
            if isinstance(item, Skipped):
                skipped.append(item)
                if not ctx.json:
                    ctx.err.print(Text(f"skipped {clean_line(item.path)}: {clean_line(item.why)}"))
                continue
            yield item

    show_progress = not ctx.json and sys.stderr.isatty()
    if show_progress:
        with import_progress(ctx.err) as progress:
            read = progress.add_task("reading", total=None)
            parse = progress.add_task("parsing and routing", total=None)

            def counted() -> Any:
                count = 0
                for m in mails():
                    count += 1
                    progress.advance(read)
                    yield m
                # Everything is read: now the totals are known, and so is the time left.
                progress.update(read, total=count, completed=count)
                progress.update(parse, total=count)

            report = ingest(engine, ctx.routing_context(), counted(), workers=args.workers,
                            on_progress=lambda n: progress.advance(parse, n))
    else:
        report = ingest(engine, ctx.routing_context(), mails(), workers=args.workers)
    _print_import_summary(ctx, report, skipped)
    return 1 if any("permission" in s.why.lower() or "error" in s.why.lower()
                    for s in skipped) else 0


def _print_import_summary(ctx: Context, report: IngestReport, skipped: list[Skipped]) -> None:
    if ctx.json:
        ctx.emit_json({**report.to_json(), "skipped": [{"path": s.path, "why": s.why}
                                                        for s in skipped]})
        return
    parts = [f"stored {report.stored}", f"already stored {report.duplicates}"]
    if report.malformed:
        parts.append(f"flagged malformed {report.malformed}")
    if report.quarantined:
        parts.append(f"quarantined {report.quarantined} (processing failed; see "
                     "`inboxwatch status`)")
    if report.case_updates:
        parts.append(f"auto case updates {report.case_updates}")
    if skipped:
        parts.append(f"skipped {len(skipped)}")
    ctx.console.print(Text(", ".join(parts)))
    if report.by_category:
        cats = ", ".join(f"{k} {v}" for k, v in sorted(report.by_category.items()))
        ctx.console.print(Text(f"by category: {cats}"))


def cmd_messages(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        actor = ctx.actor(session)
        flt = MessageFilter(status=args.status, category=args.category,
                            disposition=args.disposition, search=args.search,
                            only_deleted=args.deleted, unassigned=args.unassigned,
                            owner_id=actor.user_id if args.mine else None)
        if args.mine and actor.user_id is None:
            raise UsageError(f"{actor.label} is not a user and owns no messages")
        rows = list_inbound(session, actor, flt, offset=args.offset, limit=args.limit)
    if ctx.json:
        ctx.emit_json([r.to_json() for r in rows])
        return 0
    ctx.console.print(messages_table(rows, ctx.console.width))
    if not rows:
        ctx.console.print(Text("no messages match"))
    return 0


_WIDE = 120  # below this many columns the least needed columns are left out


def messages_table(rows: list[MessageRow], width: int = _WIDE) -> Table:
    """A rich table of messages; every cell is plain, sanitised text (never markup).

    The short columns keep their natural width and sender and subject share the rest; on a
    narrow terminal the reason, attachment count and case columns are left out."""
    wide = width >= _WIDE
    fixed: list[tuple[str, int, str]] = [
        ("ID", max([2, *(len(str(r.id)) for r in rows)]), "right"),
        ("Status", 15, "left"), ("Category", 10, "left"),
        *([("Reason", 17, "left")] if wide else []),
    ]
    tail: list[tuple[str, int, str]] = [
        ("Received", 16 if wide else 11, "left"),
        *([("Att", 3, "right"), ("Case", 5, "left")] if wide else []),
    ]
    columns = len(fixed) + len(tail) + 2
    room = max(20, width - sum(w for _, w, _ in fixed + tail) - 3 * columns - 1)
    sender_width = min(32, room // 3)
    table = Table(show_lines=False, pad_edge=False)
    for name, w, justify in fixed:
        table.add_column(name, width=w, no_wrap=True, overflow="ellipsis",
                         justify=justify)  # type: ignore[arg-type]
    table.add_column("From", width=sender_width, no_wrap=True, overflow="ellipsis")
    table.add_column("Subject", width=room - sender_width, no_wrap=True, overflow="ellipsis")
    for name, w, justify in tail:
        table.add_column(name, width=w, no_wrap=True, overflow="ellipsis",
                         justify=justify)  # type: ignore[arg-type]
    for r in rows:
        cells = [Text(str(r.id)), Text(r.status), Text(r.category)]
        if wide:
            cells.append(Text(r.reason))
        cells += [Text(shorten(clean_line(r.from_addr), 40)),
                  Text(shorten(clean_line(r.subject, max_chars=500), 200)),
                  Text(r.received_at.strftime("%Y-%m-%d %H:%M" if wide else "%m-%d %H:%M"))]
        if wide:
            cells += [Text(str(r.attachments or "")), Text(f"#{r.case_id}" if r.case_id else "")]
        table.add_row(*cells)
    return table


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        actor = ctx.actor(session)
        if args.raw:
            if sys.stdout.isatty() and not args.force:
                raise UsageError("not writing a raw message to a terminal: its bytes may "
                                 "hold escape sequences that act on it; pipe it "
                                 f"(`inboxwatch show {args.id} --raw > message.eml`, "
                                 "`| less`) or add --force")
            raw = raw_message(session, actor, args.id)
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()
            return 0
        detail = message_detail(session, actor, args.id)
        if detail is None:
            raise NotFound(f"message {args.id} does not exist")
    if ctx.json:
        ctx.emit_json(detail.to_json())
        return 0
    out = ctx.console
    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold")
    header.add_column()
    for label, value in detail.summary_fields():
        header.add_row(Text(label), Text(clean_line(value, max_chars=2000)))
    out.print(header)
    # Everything below comes from the message or is built from it: each value through the
    # sanitiser, as plain Text (never markup).
    if detail.auth_results:
        out.print(Text("Authentication: " + ", ".join(
            f"{clean_line(k)}={clean_line(v)}" for k, v in sorted(detail.auth_results.items()))))
    for warning in detail.warnings:
        out.print(Text("WARNING: " + clean_line(warning, max_chars=500), style="bold red"))
    out.print(Text("\nWhy: the routing decision", style="bold"))
    for hit in detail.explanation:
        score = f" ({hit.score:+.1f})" if hit.score else ""
        out.print(Text(f"  [{clean_line(hit.step)}] {clean_line(hit.rule)}{score}: "
                       f"{clean_line(hit.evidence, max_chars=300)}"))
    if detail.attachments:
        out.print(Text("\nAttachments", style="bold"))
        for a in detail.attachments:
            out.print(Text(f"  {clean_line(a.filename)}  {clean_line(a.content_type)}  "
                           f"{a.size} bytes  sha256 {clean_line(a.sha256)}"))
    if detail.links:
        out.print(Text("\nLinks", style="bold"))
        for link in detail.links[:50]:
            out.print(Text(f"  {clean_line(link['text'], max_chars=80)} -> "
                           f"{clean_line(link['href'], max_chars=300)}"))
    out.print(Text("\n" + clean(detail.body_text, max_chars=200_000)))
    return 0


def cmd_db_upgrade(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch_storage.engine import make_engine
    from inboxwatch_storage.schema import current_revision, head_revision, upgrade

    engine = make_engine(ctx.database_url)
    ctx.service_actor("upgrade the schema", engine)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    if ctx.json:
        ctx.emit_json({"before": before, "after": after, "head": head_revision()})
    else:
        ctx.console.print(Text(f"schema {before or 'empty'} -> {after}" if before != after
                               else f"schema already at {after}"))
    return 0


def cmd_db_setup_team(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.errors import UsageError
    from inboxwatch.users import bootstrap_first_admin, sync_database_roles
    from inboxwatch_storage.grants import setup_team_roles

    engine = ctx.engine
    ctx.service_actor("set up the team's database roles")
    if engine.dialect.name != "postgresql":
        raise UsageError("db setup-team is for PostgreSQL; on SQLite the file's group is "
                         "the boundary (README \"Running it for a team\")")
    steps = setup_team_roles(engine)
    with Session(engine) as session:
        if args.admin:
            info = bootstrap_first_admin(session, login=args.admin)
            steps.append(f"first admin: OS account {args.admin!r}" if info else
                         "first admin: the store has staff already, left unchanged")
        steps.append(f"login roles synced: {sync_database_roles(session)}")
    if ctx.json:
        ctx.emit_json({"steps": steps})
    else:
        for line in steps:
            ctx.console.print(Text(line))
    return 0


def cmd_db_current(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch_storage.engine import make_engine
    from inboxwatch_storage.schema import current_revision, head_revision

    current = current_revision(make_engine(ctx.database_url))
    if ctx.json:
        ctx.emit_json({"current": current, "head": head_revision()})
    else:
        ctx.console.print(Text(f"{current or 'empty'} (this inboxwatch: {head_revision()})"))
    return 0
