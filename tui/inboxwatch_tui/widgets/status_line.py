"""A one-row line of text that repaints without asking the screen for a new layout."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

__all__ = ["StatusLine"]


class StatusLine(Widget):
    """Fixed height 1, full width: changing its text never moves other widgets, so an
    update costs one repaint of one row instead of a layout of the whole screen."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()

    def set_text(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return self._text
