"""The message list: a paged window over the store, drawn line by line.

Only the rows the operator has scrolled to are loaded (pages of :data:`PAGE_SIZE`), so a
store of 100,000 messages opens as fast as one of 100. The widget is a Textual
``ScrollView`` using the Line API: it keeps the loaded
:class:`~inboxwatch_storage.queries.MessageRow` window in a plain list and renders only the
lines on screen, each row's line cached by what it shows (the row, cursor, selection, column
widths, style). Moving the cursor therefore re-renders two rows, scrolling by one re-renders
one, and swapping in a new page of search results is a list assignment — no per-row widget
bookkeeping as in ``DataTable``.

A new view (filter, search, sort) is read by thread workers (:meth:`MessageList.set_view`):
first the page the operator will see, then, once it is painted, the exact count, so the UI
thread never waits for SQL and a huge result set shows its first rows before it is counted.
:meth:`MessageList.reload` re-reads the loaded window synchronously and puts the cursor back
on the same message (or the same position if that message left the view), which is how live
refresh and actions keep the operator's place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from inboxwatch_storage.queries import MessageFilter, MessageRow
from inboxwatch_tui.render import row_cells
from inboxwatch_tui.services import StoreReader

__all__ = ["COLUMNS", "PAGE_SIZE", "ListView", "MessageList"]

PAGE_SIZE = 200
PREFETCH_MARGIN = 30  # load the next page when the cursor is this close to the end
CELL_PADDING = 1  # blank cells each side of a column, as DataTable draws them
# key, header label, width (None: the subject takes what the others leave)
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("sel", " ", 1), ("status", "Status", 9), ("category", "Category", 9),
    ("reason", "Reason", 10), ("sender", "From", 20), ("owner", "Owner", 6),
    ("subject", "Subject", None), ("received", "Received", 10), ("attachments", "Att", 3),
    ("case", "Case", 6))
MIN_SUBJECT_WIDTH = 10
WANTED_SUBJECT_WIDTH = 24
# On a narrow terminal, what gives way first so that the subject keeps a useful width:
# (column, its narrower width; 0 = left out), in order. Status and category stay: what a
# message is and how urgent never disappears.
NARROWING: tuple[tuple[str, int], ...] = (
    ("reason", 0), ("attachments", 0), ("sender", 14), ("owner", 0), ("received", 6),
    ("case", 0), ("sender", 10))
LINE_CACHE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class ListView:
    """What the list shows: filter, sort column and direction."""

    flt: MessageFilter = MessageFilter()
    sort: str = "received"
    descending: bool = True

    def with_filter(self, **changes: object) -> ListView:
        return replace(self, flt=replace(self.flt, **changes))  # type: ignore[arg-type]


def column_widths(available: int) -> tuple[int, ...]:
    """Content width of each of :data:`COLUMNS` when the list is ``available`` cells wide
    (0: the column is left out): the fixed ones as declared, narrowed or left out in the
    order of :data:`NARROWING` while the subject would get less than
    :data:`WANTED_SUBJECT_WIDTH`; the subject whatever is left (at least
    :data:`MIN_SUBJECT_WIDTH`). At 80 columns the subject gets 27 cells, at 60 still 13."""
    widths = {key: width for key, _, width in COLUMNS if width}

    def left() -> int:
        shown = [w for w in widths.values() if w]
        return available - sum(shown) - 2 * CELL_PADDING * (len(shown) + 1)

    for key, narrower in NARROWING:
        if left() >= WANTED_SUBJECT_WIDTH:
            break
        widths[key] = narrower
    subject = max(MIN_SUBJECT_WIDTH, left())
    return tuple(widths.get(key, 0) if width else subject for key, _, width in COLUMNS)


def _line(cells: tuple[Text, ...], widths: tuple[int, ...]) -> Text:
    """One list line: every cell cut to its column (an ellipsis marks a cut) and padded with
    unstyled blanks, so a badge's background covers its text only."""
    line = Text(no_wrap=True, end="")
    pad = " " * CELL_PADDING
    for cell, width in zip(cells, widths, strict=True):
        if not width:
            continue  # left out on a narrow terminal
        fitted = cell.copy()
        fitted.truncate(width, overflow="ellipsis")
        line.append(pad)
        line.append_text(fitted)
        line.append(pad + " " * (width - fitted.cell_len))
    return line


class MessageList(ScrollView, can_focus=True, inherit_bindings=False):
    """Paged, keyed list of messages; posts :class:`MessageList.Focused` on cursor moves,
    :class:`MessageList.Opened` when a row is clicked twice and
    :class:`MessageList.ViewLoaded` when a new view's rows (then its count) are in."""

    COMPONENT_CLASSES = {"message-list--header", "message-list--cursor"}
    DEFAULT_CSS = """
    MessageList {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .message-list--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .message-list--header {
                background-tint: $foreground 5%;
            }
        }
        & > .message-list--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .message-list--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .message-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class Focused(Message):
        """The cursor is on another message (``None``: the list is empty)."""

        def __init__(self, message_pk: int | None) -> None:
            super().__init__()
            self.message_pk = message_pk

    class Opened(Message):
        """The operator clicked the message under the cursor: read it."""

        def __init__(self, message_pk: int) -> None:
            super().__init__()
            self.message_pk = message_pk

    class ViewLoaded(Message):
        """The rows of a new view are shown; ``counted`` once :attr:`MessageList.total` is
        exact (it is a lower bound until then)."""

        def __init__(self, view: ListView, counted: bool) -> None:
            super().__init__()
            self.view = view
            self.counted = counted

    def __init__(self, reader: StoreReader, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.reader = reader
        self.view = ListView()
        self.rows_loaded: list[MessageRow] = []
        self.base = 0  # offset in the whole view of rows_loaded[0]
        self.total = 0
        self.counted = True  # False while a big view's exact count is still being read
        self.reading_view = False  # True from set_view until the new view's rows are shown
        self.cursor_row = 0  # index in rows_loaded
        # Tagged messages -> the version each had when tagged: what the operator saw, so an
        # action on them is refused for one a colleague changed since. Kept across filter,
        # search and sort changes (mutt's tags), cleared by Esc or a finished action.
        self.selected: dict[int, int] = {}
        self._anchor: int | None = None  # the last row tagged: one end of a range
        self._last_posted: int | None = -1
        self._widths = column_widths(80)
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(LINE_CACHE_SIZE)
        self.owners: dict[int, str] = {}  # user id -> what the Owner column shows

    def on_mount(self) -> None:
        self._fit_columns()
        self.reload()

    # -- geometry --------------------------------------------------------------------------
    @property
    def _visible_rows(self) -> int:
        """Rows that fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    def _fit_columns(self) -> None:
        width = self.scrollable_content_region.width or self.app.size.width
        self._widths = column_widths(width)
        self._update_virtual_size()

    def _update_virtual_size(self) -> None:
        line_width = sum(self._widths) + 2 * CELL_PADDING * sum(1 for w in self._widths if w)
        size = Size(line_width, len(self.rows_loaded) + 1)
        if size != self.virtual_size:
            self.virtual_size = size

    def on_resize(self, event: events.Resize) -> None:
        """Give the subject whatever width the other columns leave; keep the cursor shown."""
        self._fit_columns()
        self._scroll_to_cursor()
        self.refresh()

    # -- drawing ---------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            strip = self._header_strip(base)
        else:
            index = scroll_y + y - 1
            if not 0 <= index < len(self.rows_loaded):
                return Strip.blank(width, base)
            strip = self._row_strip(self.rows_loaded[index], index == self.cursor_row, base)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _header_strip(self, base: Style) -> Strip:
        header = self.get_component_rich_style("message-list--header")
        key = ("header", self._widths, base, header)
        strip = self._lines.get(key)
        if strip is None:
            cells = tuple(Text(label) for _, label, _ in COLUMNS)
            strip = self._strip(_line(cells, self._widths), base + header)
            self._lines[key] = strip
        return strip

    def _row_strip(self, row: MessageRow, is_cursor: bool, base: Style) -> Strip:
        now = self._now()
        cursor = self.get_component_rich_style("message-list--cursor") if is_cursor else None
        selected = row.id in self.selected
        owner = self.owners.get(row.owner_id, "") if row.owner_id is not None else ""
        key = (row, selected, cursor, self._widths, base, now.date(), owner)
        strip = self._lines.get(key)
        if strip is None:
            cells = row_cells(row, selected=selected, now=now, owner=owner,
                              cursor=is_cursor)
            line = _line(cells, self._widths)
            # As DataTable draws its cursor: the cursor's colour wins over a cell's, a
            # cell's own background (a PHISH badge) wins over the cursor's.
            strip = self._strip(line, base + cursor if cursor else base,
                                Style.from_color(color=cursor.color) if cursor else None)
            self._lines[key] = strip
        return strip

    def _strip(self, line: Text, style: Style, post: Style | None = None) -> Strip:
        segments = list(Segment.apply_style(line.render(self.app.console), style, post))
        return Strip(segments).simplify()

    def _refresh_index(self, index: int) -> None:
        """Repaint the line of ``rows_loaded[index]`` if it is on screen."""
        y = index - int(self.scroll_y) + 1
        if 1 <= y <= self._visible_rows:
            self.refresh_line(y + int(self.scroll_y))

    # -- reading ---------------------------------------------------------------------------
    def _page(self, offset: int, limit: int) -> list[MessageRow]:
        return self.reader.page(self.view.flt, offset=offset, limit=limit,
                                sort=self.view.sort, descending=self.view.descending)

    def reload(self, *, keep_place: bool = True) -> None:
        """Re-read the loaded window (at least one page) and restore the cursor."""
        if self.reading_view:
            return  # a new view is being read: its rows are fresher than these
        if keep_place:
            keep_pk, want = self.current_pk, max(PAGE_SIZE, len(self.rows_loaded))
            base = self.base
            if keep_pk is not None:
                # The cursor follows its message, not its position: after a burst of new
                # mail above it (or a re-sort) the message is further down the list.
                at = self.reader.position(self.view.flt, keep_pk, sort=self.view.sort,
                                          descending=self.view.descending)
                if at is not None and not base <= at < base + want:
                    base = max(0, at - self.cursor_row)
            self._rebuild(base, want, keep_pk=keep_pk, keep_index=self.cursor_row)
        else:
            self._rebuild(0, PAGE_SIZE, keep_pk=None, keep_index=0)

    def _rebuild(self, base: int, want: int, *, keep_pk: int | None, keep_index: int,
                 scroll_y: float | None = None) -> None:
        total = self.reader.count(self.view.flt)
        self.owners = self.reader.staff()
        base = max(0, min(base, total - 1))
        self._show(self._page(base, want), base=base, total=total, counted=True,
                   keep_pk=keep_pk, keep_index=keep_index, scroll_y=scroll_y)

    def _show(self, rows: list[MessageRow], *, base: int, total: int, counted: bool,
              keep_pk: int | None, keep_index: int, scroll_y: float | None = None) -> None:
        """Make ``rows`` the loaded window and put the cursor on ``keep_pk`` if it is among
        them, else on ``keep_index``; scroll to ``scroll_y`` first when given."""
        self.rows_loaded = rows
        self.base = base
        self.total = total
        self.counted = counted
        index = next((i for i, r in enumerate(rows) if r.id == keep_pk), None)
        if index is None:
            index = min(max(0, keep_index), max(0, len(rows) - 1))
        self.cursor_row = index
        self._update_virtual_size()
        if scroll_y is not None:
            self.scroll_to(y=scroll_y, animate=False, force=True, immediate=True)
        self._scroll_to_cursor()
        self.refresh()
        self._post_focus()

    def set_view(self, view: ListView) -> None:
        """Show ``view`` from its first row; the rows are read off the UI thread and swapped
        in when ready (:class:`ViewLoaded`), a newer view cancelling an older one."""
        self.view = view
        self._anchor = None
        self.reading_view = True
        self._read_view(view)

    @work(thread=True, exclusive=True, group="list-view")
    def _read_view(self, view: ListView) -> None:
        worker = get_current_worker()
        rows = self.reader.page(view.flt, offset=0, limit=PAGE_SIZE, sort=view.sort,
                                descending=view.descending)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._view_read, view, rows)

    def _view_read(self, view: ListView, rows: list[MessageRow]) -> None:
        if view != self.view:
            return  # the operator asked for another view meanwhile
        self.reading_view = False
        counted = len(rows) < PAGE_SIZE
        self._show(rows, base=0, total=len(rows), counted=counted, keep_pk=None, keep_index=0)
        self.post_message(self.ViewLoaded(view, counted))
        if not counted:
            # Count once the rows are on the screen, so the count's SQL does not compete
            # with painting them.
            self.call_after_refresh(self._count_view, view)

    @work(thread=True, exclusive=True, group="list-count")
    def _count_view(self, view: ListView) -> None:
        worker = get_current_worker()
        if view != self.view:
            return
        total = self.reader.count(view.flt)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._view_counted, view, total)

    def _view_counted(self, view: ListView, total: int) -> None:
        if view != self.view or self.counted:
            return
        self.total = max(total, self.base + len(self.rows_loaded))
        self.counted = True
        self.post_message(self.ViewLoaded(view, True))

    def _count_now(self) -> None:
        """Make :attr:`total` exact on the UI thread (for a jump to the end)."""
        if not self.counted:
            self.total = self.reader.count(self.view.flt)
            self.counted = True

    @property
    def position(self) -> int:
        """1-based position of the cursor in the whole view (0 when empty)."""
        return self.base + self.cursor_row + 1 if self.rows_loaded else 0

    def _now(self) -> datetime:
        clock = getattr(self.app, "clock", None)
        return clock() if callable(clock) else datetime.now(UTC)

    def load_more(self) -> bool:
        """Append the next page; False when everything is loaded."""
        end = self.base + len(self.rows_loaded)
        if self.counted and end >= self.total:
            return False
        rows = self._page(end, PAGE_SIZE)
        if not rows:
            return False
        self.rows_loaded = self.rows_loaded + rows
        self.total = max(self.total, self.base + len(self.rows_loaded))
        self._update_virtual_size()
        return True

    @property
    def current_row(self) -> MessageRow | None:
        if not self.rows_loaded or not (0 <= self.cursor_row < len(self.rows_loaded)):
            return None
        return self.rows_loaded[self.cursor_row]

    @property
    def current_pk(self) -> int | None:
        row = self.current_row
        return None if row is None else row.id

    def target_pks(self) -> list[int]:
        """The messages an action applies to: the selection, else the current message."""
        return sorted(self.target_versions())

    def target_versions(self) -> dict[int, int]:
        """The messages an action applies to, each with the version the operator saw: the
        tagged ones (as tagged), else the one under the cursor (as shown)."""
        if self.selected:
            return dict(sorted(self.selected.items()))
        row = self.current_row
        return {} if row is None else {row.id: row.version}

    # -- moving ----------------------------------------------------------------------------
    def move_cursor(self, row: int) -> None:
        """Put the cursor on ``rows_loaded[row]`` (clamped), scroll it into view, load the
        neighbouring page when it comes near an end of the window."""
        if not self.rows_loaded:
            return
        row = min(max(0, row), len(self.rows_loaded) - 1)
        if row != self.cursor_row:
            self._refresh_index(self.cursor_row)
            self.cursor_row = row
            self._refresh_index(row)
        if self.cursor_row >= len(self.rows_loaded) - PREFETCH_MARGIN:
            self.load_more()
        elif self.cursor_row < PREFETCH_MARGIN and self.base > 0:
            self._load_before()
        self._scroll_to_cursor()
        self._post_focus()

    def _scroll_to_cursor(self) -> None:
        top, visible = int(self.scroll_y), self._visible_rows
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, force=True, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, force=True,
                           immediate=True)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._visible_rows)

    def page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._visible_rows)

    def _load_before(self) -> None:
        """Widen the window upwards by a page (the rows are re-read, the cursor kept)."""
        new_base = max(0, self.base - PAGE_SIZE)
        shift = self.base - new_base
        self._rebuild(new_base, len(self.rows_loaded) + shift, keep_pk=self.current_pk,
                      keep_index=self.cursor_row + shift, scroll_y=self.scroll_y + shift)

    def _post_focus(self) -> None:
        pk = self.current_pk
        if pk != self._last_posted:
            self._last_posted = pk
            self.post_message(self.Focused(pk))

    def go_first(self) -> None:
        if self.base > 0:
            self._rebuild(0, PAGE_SIZE, keep_pk=None, keep_index=0)
        else:
            self.move_cursor(0)

    def go_last(self) -> None:
        self._count_now()
        remaining = self.total - self.base - len(self.rows_loaded)
        if remaining > 5 * PAGE_SIZE:  # jump the window instead of loading everything
            self._rebuild(self.total - PAGE_SIZE, PAGE_SIZE, keep_pk=None, keep_index=PAGE_SIZE)
        while self.load_more():
            pass
        self.move_cursor(len(self.rows_loaded) - 1)

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on a row; a click on the cursor's row opens it."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = int(self.scroll_y) + offset.y - 1
        if not 0 <= index < len(self.rows_loaded):
            return
        if index == self.cursor_row:
            self.post_message(self.Opened(self.rows_loaded[index].id))
        else:
            self.move_cursor(index)

    # -- selection -------------------------------------------------------------------------
    def toggle_selected(self) -> None:
        row = self.current_row
        if row is None:
            return
        if row.id in self.selected:
            del self.selected[row.id]
        else:
            self.selected[row.id] = row.version
            self._anchor = row.id
        self._refresh_index(self.cursor_row)

    def select_range(self) -> int:
        """Tag every loaded row from the last one tagged to the cursor (both ends too);
        the number of rows tagged, 0 when nothing was tagged before."""
        ids = [r.id for r in self.rows_loaded]
        if self._anchor not in ids or self.current_row is None:
            return 0
        a, b = sorted((ids.index(self._anchor), self.cursor_row))
        for row in self.rows_loaded[a:b + 1]:
            self.selected.setdefault(row.id, row.version)
        self.refresh()
        return b - a + 1

    def select_all(self, versions: dict[int, int]) -> None:
        """Tag these messages (every one the view matches), at the versions given."""
        for pk, version in versions.items():
            self.selected.setdefault(pk, version)
        self.refresh()

    def clear_selection(self) -> None:
        if self.selected:
            self.selected.clear()
            self.refresh()
