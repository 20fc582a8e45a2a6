"""Widgets of the triage app."""

from tui.widgets.detail import DetailPane
from tui.widgets.message_list import MessageList

__all__ = ["DetailPane", "MessageList"]
