"""Log output for a terminal and for the systemd journal.

Under systemd, stderr is the journal: ``$JOURNAL_STREAM`` names the device and inode of that
stream (systemd.exec(5)). Then a line carries no timestamp of its own (the journal stamps
it) but starts with its syslog priority, ``<3>`` for an error, ``<4>`` a warning, ``<6>``
information, ``<7>`` debug, which journald turns into the entry's priority (sd-daemon(3)), so
``journalctl -p warning -u inboxwatch`` shows what needs a person. Anywhere else a line is
``2026-12-03 09:00:00 WARNING inboxwatch.sync: ...``.

How much is said: ``inboxwatch``'s own loggers at WARNING (INFO for the long-lived ``run``,
whose one line per poll that stored something and per state change is how a healthy service
shows it is alive), one step more per ``-v``; other libraries (APScheduler, imapclient,
SQLAlchemy) at WARNING unless ``-vv``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

__all__ = ["JournalFormatter", "configure_logging", "stderr_is_journal"]

_PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
               logging.CRITICAL: 2}
_HANDLER_NAME = "inboxwatch"


def stderr_is_journal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (stderr) is the journal stream ``$JOURNAL_STREAM`` names."""
    value = os.environ.get("JOURNAL_STREAM", "")
    device, _, inode = value.partition(":")
    if not (device.isdigit() and inode.isdigit()):
        return False
    try:
        info = os.fstat((stream or sys.stderr).fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (info.st_dev, info.st_ino) == (int(device), int(inode))


class JournalFormatter(logging.Formatter):
    """``<priority>logger: message``, one line (journald adds time, host and unit)."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        priority = _PRIORITIES.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)
        text = super().format(record)
        # A traceback continues on later lines: each gets the prefix so none is lost as
        # "info", and the record stays one journal entry per line.
        return "\n".join(f"<{priority}>{line}" for line in text.splitlines() or [""])


def configure_logging(verbosity: int, *, service: bool = False,
                      stream: TextIO | None = None) -> None:
    """Set the handler and levels for this process (see the module docstring)."""
    out = stream or sys.stderr
    handler = logging.StreamHandler(out)
    handler.set_name(_HANDLER_NAME)
    if stderr_is_journal(out):
        handler.setFormatter(JournalFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                               "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    own = logging.INFO if service else logging.WARNING
    own_level = max(logging.DEBUG, own - 10 * verbosity)
    root.setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    logging.getLogger("inboxwatch").setLevel(own_level)
    logging.getLogger("inboxwatch_storage").setLevel(own_level)
