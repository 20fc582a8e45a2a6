"""``inboxwatch tui``: the triage app (also what plain ``inboxwatch`` opens on a terminal)."""

from __future__ import annotations

import argparse
import sys

from inboxwatch.cli._access import needs
from inboxwatch.cli._context import Context
from inboxwatch.errors import UsageError
from inboxwatch.roles import VIEW_INBOUND_MESSAGES

__all__ = ["open_tui", "register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser],
             parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("tui", parents=[parent], help="open the triage app")
    p.set_defaults(func=cmd_tui, access=needs(VIEW_INBOUND_MESSAGES))


def cmd_tui(ctx: Context, args: argparse.Namespace) -> int:
    return open_tui(ctx)


def open_tui(ctx: Context) -> int:
    """Run the triage app on the context's store, with the keymap from ``[keys]``."""
    from sqlmodel import Session

    from inboxwatch.roles import VIEW_INBOUND_MESSAGES

    engine = ctx.engine
    with Session(engine) as session:
        actor = ctx.actor(session)  # exit 5 before the screen opens: nothing is shown
    actor.require(VIEW_INBOUND_MESSAGES)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("the triage app needs a terminal (use `inboxwatch messages` in scripts)")
    from inboxwatch_tui.app import (
        run_app,  # the domain never imports textual; only this command does
    )

    run_app(engine, actor, keymap=ctx.config.keys,
            activate_clients=ctx.config.system.activate_clients)
    return 0
