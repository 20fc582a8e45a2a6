"""Widgets of the triage app."""

from inboxwatch_tui.widgets.detail import DetailPane
from inboxwatch_tui.widgets.message_list import MessageList

__all__ = ["DetailPane", "MessageList"]
