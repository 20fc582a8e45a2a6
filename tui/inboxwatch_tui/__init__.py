"""The Textual triage app of inboxwatch (imports the domain; the domain never imports it)."""

from inboxwatch_tui.app import InboxwatchApp, run_app

__all__ = ["InboxwatchApp", "run_app"]
