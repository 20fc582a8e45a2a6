"""The detail pane: one message, read, rendered and wrapped off the UI thread.

A message is read once the cursor has rested on it for a moment (:data:`SETTLE_SECONDS`), in
an exclusive thread worker (group ``detail``), so holding ``j`` never queues stale loads:
only the last message asked for is shown. The worker also wraps the text to
the pane's width, so the UI thread only swaps in a list of lines. The pane draws with
Textual's Line API (:class:`TextPane`): a new message changes what the pane's own lines
show and its scroll range, never the size of a child widget, so it costs a repaint of the
pane instead of a reflow of every widget on the screen. Everything shown is built by
:func:`inboxwatch_tui.render.detail_text` (sanitised, never markup).
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.text import Text
from textual import events, work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import get_current_worker

from inboxwatch.messages import MessageDetail
from inboxwatch_tui.render import detail_text
from inboxwatch_tui.services import StoreReader

__all__ = ["SETTLE_SECONDS", "DetailPane", "TextPane", "wrap_text"]

SETTLE_SECONDS = 0.05
STRIP_CACHE_SIZE = 500


def wrap_text(console: Console, text: Text, width: int) -> list[Text]:
    """``text`` as the lines a pane ``width`` cells wide shows: word-wrapped, words longer
    than a line folded, tabs expanded."""
    if width < 1:
        return []
    shown = text.copy()
    shown.expand_tabs()
    return list(shown.wrap(console, width, overflow="fold"))


class TextPane(ScrollView, can_focus=True):
    """A read-only, scrollable, word-wrapped :class:`~rich.text.Text`, drawn line by line.

    :meth:`set_lines` takes lines already wrapped to :attr:`wrap_width` (so a worker can do
    the wrapping); :meth:`set_text` wraps on the calling thread. The vertical scrollbar is
    always shown, so a long text neither narrows the pane (forcing a second wrap) nor
    changes the screen's layout; lines are wrapped, so there is nothing to scroll sideways.
    """

    DEFAULT_CSS = """
    TextPane {
        overflow-y: scroll;
        overflow-x: hidden;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()
        self.lines: list[Text] = []
        self.wrap_width = 0  # the width lines are wrapped to; read by loading threads
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(STRIP_CACHE_SIZE)

    def set_text(self, text: Text) -> None:
        self.set_lines(text, wrap_text(self.app.console, text, self.wrap_width),
                       self.wrap_width)

    def set_lines(self, text: Text, lines: list[Text], width: int) -> None:
        """Show ``text``, whose lines wrapped to ``width`` are ``lines``; if the pane has
        been resized since they were wrapped, wrap again."""
        self.text = text
        if width != self.wrap_width:
            lines = wrap_text(self.app.console, text, self.wrap_width)
        self.lines = lines
        self._strips.clear()
        self.scroll_to(0, 0, animate=False, force=True, immediate=True)
        self._update_virtual_size()
        self.refresh()

    def _update_virtual_size(self) -> None:
        size = Size(self.wrap_width, len(self.lines))
        if size != self.virtual_size:
            # Setting ``virtual_size`` the ordinary way asks the screen for a new layout of
            # every widget; the pane's own size and scrollbars do not change with its
            # content, so only its scroll range (and the scrollbar's thumb) is updated.
            self.set_reactive(TextPane.virtual_size, size)
            scrollbar = self.vertical_scrollbar
            scrollbar.window_virtual_size = size.height
            scrollbar.window_size = self.scrollable_content_region.height
            self.scroll_y = self.validate_scroll_y(self.scroll_y)

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if width and width != self.wrap_width:
            self.wrap_width = width
            self.lines = wrap_text(self.app.console, self.text, width)
            self._strips.clear()
            self._update_virtual_size()
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        index = scroll_y + y
        if not 0 <= index < len(self.lines):
            return Strip.blank(width, base)
        key = (index, base)
        strip = self._strips.get(key)
        if strip is None:
            line = self.lines[index]
            strip = Strip(list(Segment.apply_style(line.render(self.app.console), base)))
            self._strips[key] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base)


class DetailPane(TextPane):
    """Shows the message with primary key :attr:`message_pk`; ``None`` shows a hint."""

    def __init__(self, reader: StoreReader, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.reader = reader
        self.message_pk: int | None = None
        self.detail: MessageDetail | None = None
        self.text = Text("No message selected.", style="dim")
        self._settle: Timer | None = None

    def show_message(self, message_pk: int | None) -> None:
        """Show ``message_pk`` once the cursor has rested on it for :data:`SETTLE_SECONDS`:
        holding ``j`` moves the cursor ~30 rows a second, and only the message the operator
        stops on is read and laid out (each move restarts the wait; no thread is started
        until it ends)."""
        self.message_pk = message_pk
        if self._settle is not None:
            self._settle.stop()
            self._settle = None
        if message_pk is None:
            self.detail = None
            self.set_text(Text("No message to show: the list is empty or filtered out.",
                               style="dim"))
            return
        self._settle = self.set_timer(SETTLE_SECONDS, self._settled, name="detail-settle")

    def _settled(self) -> None:
        self._settle = None
        if self.message_pk is not None:
            self._load(self.message_pk)

    @work(thread=True, exclusive=True, group="detail")
    def _load(self, message_pk: int) -> None:
        worker = get_current_worker()
        detail = self.reader.detail(message_pk)
        if worker.is_cancelled:
            return
        text = (detail_text(detail) if detail is not None
                else Text(f"Message {message_pk} is no longer in the store.", style="dim"))
        width = self.wrap_width
        lines = wrap_text(self.app.console, text, width)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._loaded, message_pk, detail, text, lines, width)

    def _loaded(self, message_pk: int, detail: MessageDetail | None, text: Text,
                lines: list[Text], width: int) -> None:
        if message_pk != self.message_pk:
            return  # the operator moved on while this was loading
        self.detail = detail
        self.set_lines(text, lines, width)
