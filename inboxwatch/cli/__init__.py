"""The ``inboxwatch`` command line (docs/product.md "Command line": a stable contract).

Each command group lives in its own module and registers its sub-commands on the parser;
every command is a function ``(ctx, args) -> int`` that calls the domain's service layer.
Errors end as one line on stderr with the exit code of :mod:`inboxwatch.errors`; tracebacks
are for bugs only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence

from sqlalchemy.exc import DBAPIError

from inboxwatch.cli._access import Access
from inboxwatch.cli._context import Context
from inboxwatch.cli._examples import EXAMPLES
from inboxwatch.config import ConfigError
from inboxwatch.errors import InboxwatchError
from inboxwatch.logs import configure_logging
from inboxwatch.sanitize import clean_line
from inboxwatch_storage.engine import StoreError, explain_database_error
from inboxwatch_storage.schema import SchemaError

__all__ = ["build_parser", "iter_commands", "main"]

COMMAND_MODULES = (
    "inboxwatch.cli.messages",
    "inboxwatch.cli.setup",
    "inboxwatch.cli.worker",
    "inboxwatch.cli.cases",
    "inboxwatch.cli.evaluate",
    "inboxwatch.cli.ui",
    "inboxwatch.cli.notify",
    "inboxwatch.cli.completion",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inboxwatch",
        description="Inbound mail for a case-management help desk: poll, route, triage.",
    )
    parser.add_argument("--version", action="version", version=f"inboxwatch {_version()}")
    _add_globals(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, _common_parent())
    for words, command in iter_commands(parser):
        if not isinstance(command.get_default("access"), Access):
            raise RuntimeError(f"command {' '.join(words)!r} declares no access "
                               "(set_defaults(access=...), see inboxwatch/cli/_access.py)")
        example = EXAMPLES.get(" ".join(words))
        if example is not None:
            command.epilog = f"example:\n  {example}"
            command.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("inboxwatch")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def iter_commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = (),
                  ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every runnable command of ``parser`` as (its words, its parser), in order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                if child.get_default("func") is not None:
                    yield (*words, name), child
                yield from iter_commands(child, (*words, name))


def _add_globals(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--config", metavar="PATH", default=default,
                        help="config file (env INBOXWATCH_CONFIG)")
    parser.add_argument("--db", metavar="URL", default=default,
                        help="database URL (env INBOXWATCH_DB; default: a SQLite file in the "
                             "user data directory)")
    parser.add_argument("--json", action="store_true", default=False if top else
                        argparse.SUPPRESS, help="machine-readable output where output is data")
    parser.add_argument("--as", dest="as_email", metavar="EMAIL", default=default,
                        help="act as this user (admins only; default: the user whose login "
                             "is the OS account running inboxwatch, by its uid)")
    parser.add_argument("-v", "--verbose", action="count", default=0 if top else
                        argparse.SUPPRESS, help="more log output (-vv for debug)")


def _common_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    _add_globals(parent, top=False)
    return parent


def keep_files_from_others() -> None:
    """Add "others: no access" to the umask, whatever the caller's was: a store, its WAL
    and SHM files, keys, configs and saved attachments are for the deployment's group
    only. The group bits are left as the account set them (a team shares through them)."""
    old = os.umask(0o007)
    os.umask(old | 0o007)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose, service=args.command == "run")
    ctx = Context(config_path=args.config, db_url=args.db, json=args.json,
                  as_email=args.as_email)
    try:
        if args.command is None:
            if sys.stdin.isatty() and sys.stdout.isatty():
                from inboxwatch.cli.ui import open_tui

                return _run(lambda: open_tui(ctx), lambda: ctx.database_url)
            parser.print_help()
            return 0
        return _run(lambda: args.func(ctx, args), lambda: ctx.database_url)
    finally:
        ctx.close()


def _run(action: Callable[[], int | None], url: Callable[[], str] = lambda: "") -> int:
    try:
        return int(action() or 0)
    except DBAPIError as exc:
        explained = explain_database_error(exc, _safe(url))
        if explained is None:
            raise
        _fail(explained[0])
        return explained[1]
    except InboxwatchError as exc:
        _fail(str(exc))
        return exc.exit_code
    except (ConfigError, SchemaError) as exc:
        _fail(str(exc))
        return 1
    except StoreError as exc:
        _fail(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _safe(url: Callable[[], str]) -> str:
    try:
        return url()
    except Exception:  # noqa: BLE001 - only naming the database in a message
        return "the database"


def _fail(message: str) -> None:
    print(f"inboxwatch: error: {clean_line(message)}", file=sys.stderr)


def entry_point() -> None:
    keep_files_from_others()  # process-wide: here, not in main(), which tests call in-process
    sys.exit(main())
