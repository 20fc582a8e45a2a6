"""Triage commands: ``mark``, ``delete``, ``answer``, ``undelete``, ``purge``, ``not-spam``, ``case ...``,
``users ...`` and ``watch``.

Each command resolves the acting user (the OS login, or ``--as EMAIL`` for admins), calls
one service function of :mod:`inboxwatch.triage` / :mod:`inboxwatch.users` and prints its
read model (``--json`` for data). Permission errors exit 5 naming the permission; a
missing message or case exits 1 with one line; nothing is ever half-done because each
service function is one transaction.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from inboxwatch import triage, users
from inboxwatch.cases import CaseDetail, CaseInfo, CaseUpdateInfo
from inboxwatch.cli._access import needs
from inboxwatch.cli._context import Context
from inboxwatch.conflicts import parse_seen
from inboxwatch.errors import NotFound, UsageError
from inboxwatch.messages import versions_inbound
from inboxwatch.roles import (
    CREATE_CASE,
    CREATE_CASE_UPDATE,
    DELETE_INBOUND_MESSAGE,
    MANAGE_USERS,
    MODIFY_INBOUND_MESSAGE_STATUS,
    VIEW_INBOUND_MESSAGES,
    Actor,
)
from inboxwatch.sanitize import clean, clean_line, shorten
from inboxwatch.triage import MessageState
from inboxwatch.users import UserInfo
from inboxwatch_storage.queries import MessageFilter
from inboxwatch_storage.tables import CATEGORY_VALUES, STATUS_VALUES

__all__ = ["first_admin_step", "register"]


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("mark", parents=[parent],
                       help="set the status of inbound messages (all of them, or none)")
    p.add_argument("ids", type=_message_ref, nargs="*", metavar="ID[@VERSION]",
                   help=_IDS_HELP)
    p.add_argument("status", choices=STATUS_VALUES, metavar="STATUS",
                   help=" | ".join(STATUS_VALUES))
    _add_filter(p)
    p.set_defaults(func=cmd_mark, access=needs(MODIFY_INBOUND_MESSAGE_STATUS))

    p = sub.add_parser("delete", parents=[parent],
                       help="soft-delete messages (restorable until purged; all or none)")
    p.add_argument("ids", type=_message_ref, nargs="*", metavar="ID[@VERSION]",
                   help=_IDS_HELP)
    _add_filter(p)
    label = p.add_mutually_exclusive_group()
    label.add_argument("--as-spam", dest="label", action="store_const", const="spam",
                       help="it is spam: also teach the classifier")
    label.add_argument("--as-phishing", dest="label", action="store_const", const="phishing",
                       help="it is phishing: also teach the classifier")
    p.set_defaults(func=cmd_delete, access=needs(DELETE_INBOUND_MESSAGE), label=None)

    for name, helptext in (
            ("take", "you work on these messages: the Owner column and --mine show it"),
            ("hand-over", "a colleague works on these messages now (--to EMAIL)"),
            ("release", "nobody works on these messages any more")):
        p = sub.add_parser(name, parents=[parent], help=helptext)
        p.add_argument("ids", type=_message_ref, nargs="+", metavar="ID[@VERSION]",
                       help=_IDS_HELP.split("; or none")[0])
        if name == "hand-over":
            p.add_argument("--to", required=True, metavar="EMAIL",
                           help="the colleague (an active user who may change statuses)")
        p.set_defaults(func=cmd_assign, access=needs(MODIFY_INBOUND_MESSAGE_STATUS),
                       assign=name)

    p = sub.add_parser("answer", parents=[parent],
                       help="email the sender of an inbound message (their reply routes "
                            "back to it)")
    p.add_argument("id", type=_message_ref, metavar="ID[@VERSION]", help=_ID_HELP)
    text = p.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", metavar="T", help="the answer")
    text.add_argument("--text-file", metavar="FILE",
                      help="read the answer from FILE (- for standard input)")
    p.add_argument("--status", choices=STATUS_VALUES, metavar="STATUS",
                   help="also set the message's status, e.g. closed")
    p.set_defaults(func=cmd_answer, access=needs(CREATE_CASE_UPDATE))

    p = sub.add_parser("undelete", parents=[parent], help="restore a deleted message")
    p.add_argument("id", type=_message_ref, metavar="ID[@VERSION]", help=_ID_HELP)
    p.set_defaults(func=cmd_undelete, access=needs(DELETE_INBOUND_MESSAGE))

    p = sub.add_parser("not-spam", parents=[parent],
                       help="a message is not spam/phishing: category normal, teach the "
                            "classifier")
    p.add_argument("id", type=_message_ref, metavar="ID[@VERSION]", help=_ID_HELP)
    p.set_defaults(func=cmd_not_spam, access=needs(MODIFY_INBOUND_MESSAGE_STATUS))

    p = sub.add_parser("purge", parents=[parent],
                       help="remove for good messages deleted more than DAYS ago")
    p.add_argument("--older-than", type=int, default=None, metavar="DAYS",
                   help="retention in days (default: system.retention_days of the config, "
                        f"{triage.DEFAULT_RETENTION_DAYS} unless set)")
    p.set_defaults(func=cmd_purge, access=needs(DELETE_INBOUND_MESSAGE, owner_too=True))

    _register_case(sub, parent)
    _register_users(sub, parent)

    p = sub.add_parser("watch", parents=[parent],
                       help="live counts, oldest awaiting age and newest arrivals")
    p.add_argument("--once", action="store_true", help="print one frame and exit")
    p.add_argument("--interval", type=float, default=5.0, metavar="SECONDS",
                   help="refresh interval (default 5)")
    p.set_defaults(func=cmd_watch, access=needs(VIEW_INBOUND_MESSAGES))

    from inboxwatch.cli.setup import INIT_STEPS

    if first_admin_step not in INIT_STEPS:
        INIT_STEPS.append(first_admin_step)


_ID_HELP = ("the message (its number in `messages`); ID@VERSION acts only if it is still "
            "the version you read (`show` gives it), else exits 6 saying who changed it")
_IDS_HELP = ("the messages (their numbers in `messages`); ID@VERSION acts only if still "
             "at that version (exit 6 otherwise); or none, with a filter below")
FILTER_LIMIT = 10_000  # a bulk action by filter acts on at most this many messages


def _message_ref(text: str) -> tuple[int, int | None]:
    try:
        return parse_seen(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_filter(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("or every message matching (instead of IDs; all or none)")
    g.add_argument("--in-status", choices=STATUS_VALUES, metavar="STATUS",
                   help="messages whose status is STATUS now")
    g.add_argument("--category", choices=CATEGORY_VALUES, help="messages of this category")
    g.add_argument("--search", metavar="TEXT", help="messages the full-text search finds")


def _targets(ctx: Context, session: Session, actor: Actor,
             args: argparse.Namespace) -> tuple[list[int], dict[int, int]]:
    """The messages a bulk command acts on, and the versions it says it saw: the IDs given
    (a version where one was given as ID@VERSION), or every inbound message matching the
    filter options, each at the version it matched at."""
    refs: list[tuple[int, int | None]] = args.ids
    has_filter = any((args.in_status, args.category, args.search))
    if refs and has_filter:
        raise UsageError("give message IDs or filter options (--in-status, --category, "
                         "--search), not both")
    if refs:
        return [pk for pk, _ in refs], {pk: v for pk, v in refs if v is not None}
    if not has_filter:
        raise UsageError("which messages? give IDs, or a filter (--in-status, --category, "
                         "--search)")
    flt = MessageFilter(status=args.in_status, category=args.category, search=args.search,
                        disposition="inbound")
    seen = versions_inbound(session, actor, flt, limit=FILTER_LIMIT + 1)
    if len(seen) > FILTER_LIMIT:
        raise UsageError(f"the filter matches more than {FILTER_LIMIT:,} messages: narrow it")
    if not seen:
        raise NotFound("no inbound message matches the filter; nothing was done")
    return list(seen), seen


def _register_case(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("case", parents=[parent], help="create, find, link and update cases")
    csub = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)

    q = csub.add_parser("create", parents=[parent],
                        help="create a case from a message, or from a title and a client")
    source = q.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-message", type=_message_ref, metavar="ID[@VERSION]",
                        help="the inbound message it starts from: title, client, notes and "
                             "files from it")
    source.add_argument("--title", metavar="T", help="the case title (with --client)")
    q.add_argument("--client", metavar="EMAIL", help="the client (with --title)")
    q.add_argument("--notes", metavar="TEXT",
                   help="the case notes (default with --from-message: the message's new text)")
    q.set_defaults(func=cmd_case_create, access=needs(CREATE_CASE))

    q = csub.add_parser("find", parents=[parent],
                        help="search cases by number, title, client name or email")
    q.add_argument("query", metavar="QUERY",
                   help="a case number, or words of a title, a client's name or email")
    q.add_argument("--limit", type=int, default=50, metavar="N",
                   help="at most N cases (default 50)")
    q.set_defaults(func=cmd_case_find, access=needs(VIEW_INBOUND_MESSAGES))

    q = csub.add_parser("link", parents=[parent], help="link a message to a case")
    q.add_argument("message_id", type=_message_ref, metavar="MESSAGE_ID[@VERSION]",
                   help=_ID_HELP)
    q.add_argument("case", type=_case_number, metavar="CASE", help="the case number")
    q.set_defaults(func=cmd_case_link, access=needs(MODIFY_INBOUND_MESSAGE_STATUS))

    q = csub.add_parser("update", parents=[parent], help="add an update to a case")
    q.add_argument("case", type=_case_number, metavar="CASE", help="the case number")
    source = q.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-message", type=_message_ref, metavar="ID[@VERSION]",
                        help="a message linked to the case: text from its body, closes it")
    source.add_argument("--text", metavar="T", help="the update's text")
    q.add_argument("--file", dest="files", action="append", default=[], metavar="NAME",
                   help="attach a case file (or the message's attachment) by name; repeat")
    q.add_argument("--email", action="store_true", help="email the update to the client")
    q.set_defaults(func=cmd_case_update, access=needs(CREATE_CASE_UPDATE))

    q = csub.add_parser("add-participant", parents=[parent],
                        help="let someone's replies to a case attach by themselves")
    q.add_argument("case", type=int, nargs="?", metavar="CASE",
                   help="the case (default: the case of --from-message)")
    q.add_argument("--email", metavar="EMAIL", help="the participant's address")
    q.add_argument("--from-message", type=int, metavar="ID",
                   help="the sender of this message, on its (pre-linked) case")
    q.set_defaults(func=cmd_case_add_participant, access=needs(CREATE_CASE_UPDATE))

    q = csub.add_parser("show", parents=[parent], help="one case: notes, files, updates")
    q.add_argument("case", type=_case_number, metavar="N", help="the case number")
    q.set_defaults(func=cmd_case_show, access=needs(VIEW_INBOUND_MESSAGES))


def _register_users(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("users", parents=[parent], help="users and roles")
    usub = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    q = usub.add_parser("add", parents=[parent], help="add a user")
    q.add_argument("email", metavar="EMAIL", help="their email address")
    q.add_argument("--name", required=True, metavar="N", help="their name, as mail shows it")
    q.add_argument("--login", metavar="L", help="OS login name (staff)")
    q.add_argument("--role", dest="roles", action="append", default=[],
                   choices=tuple(users.BUILTIN_ROLES), metavar="R",
                   help=f"{' | '.join(users.BUILTIN_ROLES)}; repeat for several (default: "
                        "operator with --login, client without)")
    q.set_defaults(func=cmd_users_add, access=needs(MANAGE_USERS))

    q = usub.add_parser("list", parents=[parent], help="list users")
    q.set_defaults(func=cmd_users_list, access=needs(VIEW_INBOUND_MESSAGES))

    q = usub.add_parser("deactivate", parents=[parent], help="deactivate a user")
    q.add_argument("email", metavar="EMAIL", help="the user, by one of their email addresses")
    q.set_defaults(func=cmd_users_deactivate, access=needs(MANAGE_USERS))

    q = usub.add_parser("activate", parents=[parent],
                        help="activate a user: a client whose replies should route, or a "
                             "colleague back")
    q.add_argument("email", metavar="EMAIL", help="the user, by one of their email addresses")
    q.set_defaults(func=cmd_users_activate, access=needs(MANAGE_USERS))

    q = usub.add_parser("grant", parents=[parent], help="give a user a role")
    q.add_argument("email", metavar="EMAIL", help="the user, by one of their email addresses")
    q.add_argument("role", choices=tuple(users.BUILTIN_ROLES), metavar="ROLE",
                   help=" | ".join(users.BUILTIN_ROLES))
    q.set_defaults(func=cmd_users_grant, access=needs(MANAGE_USERS))


def _case_number(text: str) -> int:
    value = text.strip().removeprefix("#")
    if not value.isdigit() or len(value) > 12:
        raise argparse.ArgumentTypeError(f"not a case number: {text!r}")
    return int(value)


def _actor(ctx: Context, session: Session) -> Actor:
    return ctx.actor(session)


def _say(ctx: Context, line: str) -> None:
    ctx.console.print(Text(clean_line(line, max_chars=2000)))


# ------------------------------------------------------------------------------ messages


def _print_state(ctx: Context, state: MessageState, verb: str) -> None:
    if ctx.json:
        ctx.emit_json(state.to_json())
        return
    case = f", case #{state.case_id}" if state.case_id else ""
    _say(ctx, f"message {state.id} {verb}: {state.status}, {state.category}{case}")


def _print_states(ctx: Context, states: list[MessageState], verb: str) -> None:
    if ctx.json and len(states) > 1:
        ctx.emit_json([s.to_json() for s in states])
        return
    for state in states:
        _print_state(ctx, state, verb)


def cmd_mark(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        actor = _actor(ctx, session)
        ids, seen = _targets(ctx, session, actor, args)
        states = triage.mark_many(session, actor, ids, args.status, seen=seen)
    _print_states(ctx, states, "marked")
    return 0


def cmd_delete(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        actor = _actor(ctx, session)
        ids, seen = _targets(ctx, session, actor, args)
        states = triage.delete_many(session, actor, ids, as_label=args.label, seen=seen)
    _print_states(ctx, states, f"deleted{' as ' + args.label if args.label else ''}")
    return 0


def cmd_assign(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.ownership import assign

    refs: list[tuple[int, int | None]] = args.ids
    seen = {pk: v for pk, v in refs if v is not None}
    with Session(ctx.engine) as session:
        states = assign(session, _actor(ctx, session), [pk for pk, _ in refs],
                        to_email=getattr(args, "to", None),
                        release=args.assign == "release", seen=seen)
    verb = {"take": "taken by you", "release": "released",
            "hand-over": f"handed over to {getattr(args, 'to', '')}"}[args.assign]
    _print_states(ctx, states, verb)
    return 0


def cmd_answer(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.answers import answer_sender

    pk, seen = args.id
    text = args.text if args.text is not None else _read_text(args.text_file)
    with Session(ctx.engine) as session:
        answered = answer_sender(session, _actor(ctx, session), pk, text, seen=seen,
                                 status=args.status, system=ctx.config.system)
    if ctx.json:
        ctx.emit_json({"id": answered.message_pk, "outbox_id": answered.outbox_id,
                       "to": answered.to, "subject": answered.subject,
                       "status": answered.status, "version": answered.version})
    else:
        _say(ctx, clean_line(answered.line(), max_chars=400)
             + " (`inboxwatch run` or `outbox send` delivers it)")
    return 0


def _read_text(name: str) -> str:
    import sys

    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--text-file {name}: cannot read it ({exc.__class__.__name__}: "
                         f"{getattr(exc, 'strerror', None) or exc})") from None


def cmd_undelete(ctx: Context, args: argparse.Namespace) -> int:
    pk, seen = args.id
    with Session(ctx.engine) as session:
        state = triage.undelete(session, _actor(ctx, session), pk, seen=seen)
    _print_state(ctx, state, "restored")
    return 0


def cmd_not_spam(ctx: Context, args: argparse.Namespace) -> int:
    pk, seen = args.id
    with Session(ctx.engine) as session:
        state = triage.mark_not_spam(session, _actor(ctx, session), pk, seen=seen)
    _print_state(ctx, state, "marked not spam")
    return 0


def cmd_purge(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        days = args.older_than if args.older_than is not None \
            else ctx.config.system.retention_days
        report = triage.purge(session, ctx.owner_or_actor(session), older_than_days=days)
    if ctx.json:
        ctx.emit_json(report.to_json())
    else:
        _say(ctx, f"purged {len(report.purged)} message(s) deleted before "
                  f"{report.cutoff:%Y-%m-%d %H:%M} UTC")
    return 0


# ------------------------------------------------------------------------------ cases


def cmd_case_create(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        actor = _actor(ctx, session)
        pk, seen = args.from_message or (None, None)
        case = triage.create_case(session, actor, from_message=pk, seen=seen,
                                  title=args.title, client_email=args.client, notes=args.notes,
                                  activate_client=ctx.config.system.activate_clients)
        detail = triage.case_detail(session, actor, case.number)
    if ctx.json:
        ctx.emit_json({**detail.to_json(), "client_activated": case.client_activated})
    else:
        _say(ctx, f"created case #{case.number}: {case.title} (client {_client(case)}, "
                  f"{len(detail.files)} file(s))")
        if case.client_activated:
            _say(ctx, f"{_client(case)} is now an active user (role client): their replies "
                      "to this case's emails route to it by themselves")
    return 0


def cmd_case_add_participant(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        number, address = triage.add_participant(session, _actor(ctx, session), args.case,
                                                 email=args.email,
                                                 from_message=args.from_message)
    if ctx.json:
        ctx.emit_json({"case": number, "participant": address})
    else:
        _say(ctx, f"{address} is a participant of case #{number}: their replies attach")
    return 0


def _client(case: CaseInfo) -> str:
    return f"{case.client_name} <{case.client_email}>" if case.client_email \
        else case.client_name


def cmd_case_find(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        found = triage.find_cases(session, _actor(ctx, session), args.query, limit=args.limit)
    if ctx.json:
        ctx.emit_json([c.to_json() for c in found])
        return 0
    if not found:
        _say(ctx, "no case matches")
        return 0
    table = Table(pad_edge=False)
    table.add_column("Case", no_wrap=True, min_width=4)
    table.add_column("Status", no_wrap=True, min_width=6)
    table.add_column("Client", no_wrap=True, overflow="ellipsis", ratio=1)
    table.add_column("Title", no_wrap=True, overflow="ellipsis", ratio=2)
    table.add_column("Created", no_wrap=True, min_width=10)
    for c in found:
        table.add_row(Text(f"#{c.number}"), Text(c.status),
                      Text(shorten(clean_line(_client(c)), 50)),
                      Text(shorten(clean_line(c.title), 80)),
                      Text(c.created_at.strftime("%Y-%m-%d")))
    ctx.console.print(table)
    return 0


def cmd_case_link(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        pk, seen = args.message_id
        state = triage.link_case(session, _actor(ctx, session), pk, args.case, seen=seen)
    _print_state(ctx, state, f"linked to case #{args.case}")
    return 0


def cmd_case_update(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        pk, seen = args.from_message or (None, None)
        update = triage.create_case_update(
            session, _actor(ctx, session), args.case, from_message=pk, seen=seen,
            text=args.text, file_names=args.files, email_client=args.email,
            system=ctx.config.system if args.email else None)
    if ctx.json:
        ctx.emit_json(update.to_json())
    else:
        files = ", ".join(clean_line(f.name) for f in update.files) or "no files"
        mailed = ", emailed to the client" if update.emailed or args.email else ""
        _say(ctx, f"case #{update.case_number}: added update {update.id} ({files}){mailed}")
    return 0


def cmd_case_show(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        detail = triage.case_detail(session, _actor(ctx, session), args.case)
    if ctx.json:
        ctx.emit_json(detail.to_json())
        return 0
    _print_case(ctx, detail)
    return 0


def _print_case(ctx: Context, detail: CaseDetail) -> None:
    out = ctx.console
    case = detail.case
    out.print(Text(clean_line(f"Case #{case.number}: {case.title}"), style="bold"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in (("Client", _client(case)), ("Status", case.status),
                         ("Created", case.created_at.strftime("%Y-%m-%d %H:%M")),
                         ("Participants", ", ".join(detail.participants) or "-")):
        grid.add_row(Text(label), Text(clean_line(value, max_chars=1000)))
    out.print(grid)
    if case.notes.strip():
        out.print(Text("\nNotes", style="bold"))
        out.print(Text(clean(case.notes, max_chars=20_000)))
    if detail.files:
        out.print(Text("\nFiles", style="bold"))
        for f in detail.files:
            out.print(Text(f"  {clean_line(f.name)}  {clean_line(f.content_type)}  "
                           f"{f.size} bytes  sha256 {f.sha256[:16]}…"))
    for update in detail.updates:
        _print_update(ctx, update)


def _print_update(ctx: Context, update: CaseUpdateInfo) -> None:
    emailed = "  (emailed)" if update.emailed else ""
    ctx.console.print(Text(clean_line(
        f"\nUpdate {update.id} · {update.created_at:%Y-%m-%d %H:%M} · {update.author}"
        f"{emailed}"), style="bold"))
    ctx.console.print(Text(clean(update.text, max_chars=20_000)))
    if update.files:
        ctx.console.print(Text("  files: " + ", ".join(clean_line(f.name)
                                                       for f in update.files)))


# ------------------------------------------------------------------------------ users


def _print_user(ctx: Context, info: UserInfo, verb: str) -> None:
    if ctx.json:
        ctx.emit_json(info.to_json())
        return
    state = "active" if info.active else "inactive"
    _say(ctx, f"{verb} {info.name} <{info.label}>: {state}, roles {', '.join(info.roles) or '-'}")


def cmd_users_add(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        info = users.add_user(session, _actor(ctx, session), args.email, name=args.name,
                              login=args.login, roles=tuple(args.roles))
    _print_user(ctx, info, "added")
    return 0


def cmd_users_list(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        found = users.list_users(session, _actor(ctx, session))
    if ctx.json:
        ctx.emit_json([u.to_json() for u in found])
        return 0
    table = Table(pad_edge=False)
    for name in ("ID", "Name", "Email", "Login", "Roles", "Active"):
        table.add_column(name, no_wrap=True, overflow="ellipsis")
    for u in found:
        table.add_row(Text(str(u.id)), Text(clean_line(u.name)),
                      Text(clean_line(", ".join(u.emails))), Text(u.login or ""),
                      Text(", ".join(u.roles)), Text("yes" if u.active else "no"))
    ctx.console.print(table)
    return 0


def cmd_users_deactivate(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        info = users.deactivate_user(session, _actor(ctx, session), args.email)
    _print_user(ctx, info, "deactivated")
    return 0


def cmd_users_activate(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        info = users.activate_user(session, _actor(ctx, session), args.email)
    _print_user(ctx, info, "activated")
    return 0


def cmd_users_grant(ctx: Context, args: argparse.Namespace) -> int:
    with Session(ctx.engine) as session:
        info = users.grant_role(session, _actor(ctx, session), args.email, args.role)
    _print_user(ctx, info, f"granted {args.role} to")
    return 0


# ------------------------------------------------------------------------------ watch, init


def cmd_watch(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.watch import run_watch, take_snapshot

    engine = ctx.engine
    with Session(engine) as session:
        actor = _actor(ctx, session)
        if ctx.json:
            ctx.emit_json(take_snapshot(session, actor).to_json())
            return 0
    return run_watch(engine, actor, ctx.console, interval=max(0.5, args.interval),
                     once=args.once)


def first_admin_step(ctx: Context) -> str | None:
    """``init`` step: on a store with no staff user, make the OS login an admin."""
    with Session(ctx.engine) as session:
        info = users.bootstrap_first_admin(session)
    if info is None:
        return None
    return (f"made OS login {info.login!r} the first admin; add colleagues with "
            "`inboxwatch users add EMAIL --name NAME --login LOGIN`")
