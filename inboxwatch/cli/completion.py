"""``inboxwatch completion SHELL``: a completion script for bash, zsh or tcsh.

Generated from the parser itself by shtab, so every command and option completes, and a new
one needs no edit here. Install: ``inboxwatch completion bash | sudo tee
/etc/bash_completion.d/inboxwatch`` (zsh: into a directory on ``$fpath`` as ``_inboxwatch``).
"""

from __future__ import annotations

import argparse
from typing import Any

from inboxwatch.cli._access import OPEN
from inboxwatch.cli._context import Context

SHELLS = ("bash", "zsh", "tcsh")


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("completion", parents=[parent],
                       help="print a shell completion script (bash, zsh, tcsh)")
    p.add_argument("shell", choices=SHELLS, help="the shell to complete for")
    p.set_defaults(func=cmd_completion, access=OPEN)


def cmd_completion(ctx: Context, args: argparse.Namespace) -> int:
    import shtab

    from inboxwatch.cli import build_parser

    print(shtab.complete(build_parser(), shell=args.shell), end="")
    return 0
