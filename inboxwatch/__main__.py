"""``python -m inboxwatch``: the same as the ``inboxwatch`` command."""

from inboxwatch.cli import entry_point

entry_point()
