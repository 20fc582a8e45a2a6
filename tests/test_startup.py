"""What ``inboxwatch tui`` loads before its first paint: the machinery of other commands
(parsers and classifiers, IMAP, SMTP and templates, migrations) stays unloaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # runs inboxwatch or tools in other processes


REPO = Path(__file__).resolve().parents[1]
NOT_FOR_THE_TUI = ("alembic", "imapclient", "apscheduler", "jinja2", "smtplib",
                   "inboxwatch.route", "inboxwatch.classify", "inboxwatch.ingest",
                   "inboxwatch.sync", "inboxwatch.notify")


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout


def test_tui_start_loads_no_other_commands_machinery(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    _run(f"from inboxwatch_storage import open_engine; open_engine({url!r}).dispose()")  # created
    loaded = _run(
        "import sys\n"
        "import inboxwatch.cli, inboxwatch_tui.app\n"
        "from inboxwatch_storage import open_engine\n"
        "inboxwatch.cli.build_parser()\n"  # as main() does: every command registered
        f"open_engine({url!r}).dispose()\n"  # an up-to-date store: no migration machinery
        f"print(' '.join(m for m in {NOT_FOR_THE_TUI!r} if m in sys.modules))\n")
    assert loaded.split() == []
