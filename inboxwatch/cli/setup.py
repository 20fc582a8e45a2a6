"""``init``, ``secret set`` and ``demo``: getting started."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from rich.text import Text
from sqlmodel import Session

from inboxwatch.cli._access import OPEN, SERVICE
from inboxwatch.cli._context import Context
from inboxwatch.config import default_config_path, system_config_path
from inboxwatch.deployment import (
    SERVICE_USER,
    SYSTEM_CONFIG_DIR,
    SYSTEM_DATA_DIR,
    SYSTEM_GROUP,
    SystemLayout,
    init_system,
)
from inboxwatch.errors import InboxwatchError, UsageError
from inboxwatch.messages import list_inbound
from inboxwatch.sanitize import clean_line
from inboxwatch.secrets import plaintext_keyring, store_secret
from inboxwatch_storage.queries import MessageFilter

__all__ = ["register"]

CONFIG_TEMPLATE = """\
# inboxwatch configuration. Secrets never go in this file: use password_env,
# password_command, or the keyring (`inboxwatch secret set NAME`).

# [database]
# url = "sqlite:////var/lib/inboxwatch/inboxwatch.db"   # default: the user data directory

[system]
notifications_address = "notify@example.com"   # From of every email we send
reply_address = "updates@example.com"           # replies route via updates+<token>@example.com
general_address = "helpdesk@example.com"        # where New Inbound Message Notices go
notice_cc = []
notices = true

# [smtp]
# host = "smtp.example.com"
# port = 587
# security = "starttls"            # tls | starttls | plain
# username = "notify@example.com"
# password_env = "SMTP_PASSWORD"   # or password_command = "...", or omit to use the keyring

# [[mailbox]]
# name = "support"
# host = "imap.example.com"
# port = 993
# security = "tls"                 # tls | starttls | plain
# username = "support@example.com"
# auth = "password"                # password | xoauth2 (token from password_command)
# password_env = "SUPPORT_IMAP_PASSWORD"
# folder = "INBOX"
# after_ingest = "seen"            # keep | seen | move:Processed
# interval_seconds = 60
# idle = true
# max_message_bytes = 26214400
"""


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[parent],
                       help="write a commented config and create the store")
    p.add_argument("--force", action="store_true", help="overwrite an existing config file")
    p.add_argument("--system", action="store_true",
                   help="set up a team deployment (as root): group, service account, "
                        "/etc/inboxwatch, /var/lib/inboxwatch, store, key, first admin")
    p.add_argument("--admin", metavar="LOGIN",
                   help="with --system: the OS account to make the first admin "
                        "(default: the account that ran sudo)")
    p.add_argument("--group", default=SYSTEM_GROUP,
                   help=f"with --system: the operators' group (default {SYSTEM_GROUP})")
    p.add_argument("--service-user", default=SERVICE_USER, metavar="ACCOUNT",
                   help=f"with --system: the account the service runs as "
                        f"(default {SERVICE_USER})")
    p.add_argument("--config-dir", default=str(SYSTEM_CONFIG_DIR), metavar="DIR",
                   help="with --system: where the config goes (default %(default)s)")
    p.add_argument("--data-dir", default=str(SYSTEM_DATA_DIR), metavar="DIR",
                   help="with --system: store and keys (default %(default)s)")
    p.set_defaults(func=cmd_init, access=OPEN)

    p = sub.add_parser("secret", parents=[parent], help="store secrets in the keyring")
    ssub = p.add_subparsers(dest="secret_command", metavar="ACTION", required=True)
    q = ssub.add_parser("set", parents=[parent],
                        help="store the password of mailbox NAME (or 'smtp') in the keyring")
    q.add_argument("name", metavar="NAME", help="a [[mailbox]] name, or smtp")
    q.set_defaults(func=cmd_secret_set, access=OPEN)

    q = ssub.add_parser("rotate-reply-key", parents=[parent],
                        help="add a new reply-token signing key; earlier keys keep "
                             "verifying for the grace period")
    q.add_argument("--grace-days", type=int, default=90, metavar="DAYS",
                   help="how long tokens signed by earlier keys still route (default 90)")
    q.set_defaults(func=cmd_secret_rotate, access=SERVICE)

    p = sub.add_parser("demo", parents=[parent],
                       help="build a demo store from the example mail and show it")
    p.add_argument("--reset", action="store_true", help="rebuild the demo store from scratch")
    p.add_argument("--no-tui", action="store_true", help="print a table instead of the TUI")
    p.set_defaults(func=cmd_demo, access=OPEN)


def write_private(path: Path, text: str, mode: int = 0o640) -> None:
    """Write ``text`` to ``path`` (replacing it), never readable by others: the config
    names mail hosts and accounts."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    temp = path.with_name(f".{path.name}.{os.getpid()}.new")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(temp, mode & ~0o007)
    os.replace(temp, path)


def system_config_text(layout: SystemLayout) -> str:
    """The config of a team deployment: the shared store and data directory, then the
    usual commented template."""
    head = (f"# A team deployment (README \"Running it for a team\"): the service runs as\n"
            f"# {layout.service_user}; operators are OS accounts in group {layout.group}.\n\n"
            f"[database]\nurl = \"{layout.store_url}\"\n\n")
    body = CONFIG_TEMPLATE.replace('# [database]\n# url = "sqlite:////var/lib/inboxwatch/'
                                   'inboxwatch.db"   # default: the user data directory\n\n',
                                   "")
    return head + body.replace("[system]\n", f"[system]\ndata_dir = \"{layout.data_dir}\"  "
                               "# the reply-token keys\n", 1)


def cmd_init_system(ctx: Context, args: argparse.Namespace) -> int:
    layout = SystemLayout(config_dir=Path(args.config_dir), data_dir=Path(args.data_dir),
                          group=args.group, service_user=args.service_user,
                          db_url=ctx.db_url)
    admin = args.admin or (os.environ.get("SUDO_USER") if os.geteuid() == 0 else None)
    steps = init_system(layout, system_config_text(layout), admin_login=admin,
                        force=args.force)
    steps.append(f"next: add operators to the group (`usermod -aG {layout.group} LOGIN`), "
                 "then `inboxwatch users add EMAIL --name NAME --login LOGIN`; run the "
                 "service as " + layout.service_user + " (examples/inboxwatch.service)")
    if ctx.json:
        ctx.emit_json({"config": str(layout.config_path), "steps": steps})
    else:
        for line in steps:
            ctx.console.print(Text(line))
    return 0


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    if args.system:
        return cmd_init_system(ctx, args)
    system = system_config_path()
    if not ctx.config_path and not default_config_path().exists() and system.exists():
        raise UsageError(f"this machine has a team deployment ({system}), which this "
                         "account already uses; `inboxwatch init` would make a private one "
                         "instead: pass --config PATH to do that on purpose")
    path = Path(ctx.config_path) if ctx.config_path else default_config_path()
    wrote = False
    if path.exists() and not args.force:
        message = f"config exists, left unchanged: {path}"
    else:
        write_private(path, CONFIG_TEMPLATE)
        wrote = True
        message = f"wrote config: {path}"
    ctx.config_path = str(path)
    engine = ctx.engine  # creates the schema on a new store
    steps = [message, f"store ready: {engine.url.render_as_string(hide_password=True)}"]
    for step in INIT_STEPS:
        note = step(ctx)
        if note:
            steps.append(note)
    if ctx.json:
        ctx.emit_json({"config": str(path), "wrote_config": wrote, "steps": steps})
    else:
        for line in steps:
            ctx.console.print(Text(line))
    return 0


# More set-up steps (first admin, reply-token secret) register here: each gets the context
# and returns a line to report, or None.
INIT_STEPS: list[Any] = []


def _init_reply_secret(ctx: Context) -> str:
    """Generate the reply-token secret (0600 file in the data directory) unless one exists."""
    from inboxwatch.tokens import ensure_reply_secret

    return ensure_reply_secret(system=ctx.config.system)


INIT_STEPS.append(_init_reply_secret)


def cmd_secret_set(ctx: Context, args: argparse.Namespace) -> int:
    name = args.name
    if name != "smtp":
        ctx.config.mailbox(name)  # a clear error for an unknown mailbox
    if sys.stdin.isatty():
        value = getpass.getpass(f"Password for {name}: ")
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise UsageError("no password given")
    key = "smtp" if name == "smtp" else f"mailbox:{name}"
    store_secret(key, value)
    ctx.console.print(Text(f"stored the secret for {name} in the keyring"))
    plain = plaintext_keyring()
    if plain is not None:
        ctx.err.print(Text(f"warning: this keyring is a plaintext file, {clean_line(plain)}: "
                           "whoever can read that file can read the password (use a Secret "
                           "Service keyring, password_command or password_env)"))
    return 0


def cmd_secret_rotate(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.tokens import reply_secret_path, rotate_reply_secret

    path = reply_secret_path(ctx.config.system)
    ctx.service_actor("rotate the reply-token key")
    line = rotate_reply_secret(grace_days=args.grace_days, path=path)
    if ctx.json:
        ctx.emit_json({"path": str(path), "result": line})
    else:
        ctx.console.print(Text(line))
    return 0


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.demo import build_demo_store, demo_db_url

    url = ctx.db_url or demo_db_url()
    engine, report = build_demo_store(url, reset=args.reset)
    ctx.db_url = url
    ctx.__dict__["engine"] = engine
    if not ctx.json:
        ctx.err.print(Text(f"demo store: {url} (stored {report.stored}, already there "
                           f"{report.duplicates})"))
    if not args.no_tui and not ctx.json and sys.stdin.isatty() and sys.stdout.isatty():
        try:
            from inboxwatch.cli.ui import open_tui
        except ImportError:
            pass
        else:
            return open_tui(ctx)
    with Session(engine) as session:
        rows = list_inbound(session, ctx.actor(session), MessageFilter(), limit=100)
    if ctx.json:
        ctx.emit_json({"db": url, "import": report.to_json(),
                       "messages": [r.to_json() for r in rows]})
        return 0
    from inboxwatch.cli.messages import messages_table

    ctx.console.print(messages_table(rows, ctx.console.width))
    if not rows:
        raise InboxwatchError("the demo store is empty: examples/mail was not found")
    return 0
