"""The message list: a paged window over the store, keyed by message id.

Only the rows the operator has scrolled to are loaded (pages of :data:`PAGE_SIZE`), so a
store of 100,000 messages opens as fast as one of 100. Rows are keyed by the message's
primary key; :meth:`MessageList.reload` re-reads the loaded window and puts the cursor back
on the same message (or the same position if that message left the view), which is how live
refresh keeps the operator's place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from rich.text import Text
from sqlalchemy import Engine
from sqlmodel import Session
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from storage.queries import MessageFilter, MessageRow, count_messages, list_messages
from tui.render import row_cells

__all__ = ["PAGE_SIZE", "ListView", "MessageList"]

PAGE_SIZE = 200
PREFETCH_MARGIN = 30  # load the next page when the cursor is this close to the end
COLUMNS = (("sel", " ", 1), ("status", "Status", 9), ("category", "Category", 9),
           ("reason", "Reason", 10), ("sender", "From", 20), ("subject", "Subject", None),
           ("received", "Received", 9), ("attachments", "Att", 3), ("case", "Case", 6))


@dataclass(frozen=True, slots=True)
class ListView:
    """What the list shows: filter, sort column and direction."""

    flt: MessageFilter = MessageFilter()
    sort: str = "received"
    descending: bool = True

    def with_filter(self, **changes: object) -> ListView:
        return replace(self, flt=replace(self.flt, **changes))  # type: ignore[arg-type]


class MessageList(DataTable[Text]):
    """Paged, keyed list of messages; posts :class:`MessageList.Focused` on cursor moves."""

    class Focused(Message):
        """The cursor is on another message (``None``: the list is empty)."""

        def __init__(self, message_pk: int | None) -> None:
            super().__init__()
            self.message_pk = message_pk

    def __init__(self, engine: Engine, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.engine = engine
        self.view = ListView()
        self.rows_loaded: list[MessageRow] = []
        self.base = 0  # offset in the whole view of rows_loaded[0]
        self.total = 0
        self.selected: set[int] = set()
        self._last_posted: int | None = -1

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width or self._subject_width())
        self.reload()

    def _subject_width(self) -> int:
        fixed = sum(w for _, _, w in COLUMNS if w) + 2 * len(COLUMNS) + 2
        return max(10, self.app.size.width - fixed)

    def on_resize(self) -> None:
        """Give the subject whatever width the other columns leave."""
        column = self.columns.get(ColumnKey("subject"))
        if column is not None and column.width != self._subject_width():
            column.width = self._subject_width()
            column.auto_width = False
            self._require_update_dimensions = True
            self.refresh()

    # -- reading ---------------------------------------------------------------------------
    def _page(self, offset: int, limit: int) -> list[MessageRow]:
        with Session(self.engine) as session:
            return list_messages(session, self.view.flt, offset=offset, limit=limit,
                                 sort=self.view.sort, descending=self.view.descending)

    def reload(self, *, keep_place: bool = True) -> None:
        """Re-read the loaded window (at least one page) and restore the cursor."""
        if keep_place:
            self._rebuild(self.base, max(PAGE_SIZE, len(self.rows_loaded)),
                          keep_pk=self.current_pk, keep_index=self.cursor_row)
        else:
            self._rebuild(0, PAGE_SIZE, keep_pk=None, keep_index=0)

    def _rebuild(self, base: int, want: int, *, keep_pk: int | None, keep_index: int) -> None:
        with Session(self.engine) as session:
            self.total = count_messages(session, self.view.flt)
        base = max(0, min(base, self.total - 1))
        rows = self._page(base, want)
        with self.app.batch_update():
            self.clear()
            self.rows_loaded = []
            self.base = base
            self._append(rows)
            index = next((i for i, r in enumerate(rows) if r.id == keep_pk), None)
            if index is None:
                index = min(max(0, keep_index), max(0, len(rows) - 1))
            if rows:
                self.move_cursor(row=index, animate=False, scroll=True)
        self._post_focus()

    @property
    def position(self) -> int:
        """1-based position of the cursor in the whole view (0 when empty)."""
        return self.base + self.cursor_row + 1 if self.rows_loaded else 0

    def _now(self) -> datetime:
        clock = getattr(self.app, "clock", None)
        return clock() if callable(clock) else datetime.now(UTC)

    def _append(self, rows: list[MessageRow]) -> None:
        now = self._now()
        for row in rows:
            self.add_row(*row_cells(row, selected=row.id in self.selected, now=now),
                         key=str(row.id))
        self.rows_loaded.extend(rows)

    def load_more(self) -> bool:
        """Append the next page; False when everything is loaded."""
        if self.base + len(self.rows_loaded) >= self.total:
            return False
        rows = self._page(self.base + len(self.rows_loaded), PAGE_SIZE)
        if not rows:
            return False
        self._append(rows)
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
        if self.selected:
            return sorted(self.selected)
        return [] if self.current_pk is None else [self.current_pk]

    # -- moving ----------------------------------------------------------------------------
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self.cursor_row >= len(self.rows_loaded) - PREFETCH_MARGIN:
            self.load_more()
        elif self.cursor_row < PREFETCH_MARGIN and self.base > 0:
            self._load_before()
        self._post_focus()

    def _load_before(self) -> None:
        """Widen the window upwards by a page (the rows are re-read, the cursor kept)."""
        new_base = max(0, self.base - PAGE_SIZE)
        self._rebuild(new_base, len(self.rows_loaded) + (self.base - new_base),
                      keep_pk=self.current_pk, keep_index=self.cursor_row + self.base - new_base)

    def _post_focus(self) -> None:
        pk = self.current_pk
        if pk != self._last_posted:
            self._last_posted = pk
            self.post_message(self.Focused(pk))

    def go_first(self) -> None:
        if self.base > 0:
            self._rebuild(0, PAGE_SIZE, keep_pk=None, keep_index=0)
        elif self.rows_loaded:
            self.move_cursor(row=0, animate=False)

    def go_last(self) -> None:
        remaining = self.total - self.base - len(self.rows_loaded)
        if remaining > 5 * PAGE_SIZE:  # jump the window instead of loading everything
            self._rebuild(self.total - PAGE_SIZE, PAGE_SIZE, keep_pk=None, keep_index=PAGE_SIZE)
        while self.load_more():
            pass
        if self.rows_loaded:
            self.move_cursor(row=len(self.rows_loaded) - 1, animate=False)

    def toggle_selected(self) -> None:
        row = self.current_row
        if row is None:
            return
        if row.id in self.selected:
            self.selected.discard(row.id)
        else:
            self.selected.add(row.id)
        self.update_cell(str(row.id), "sel",
                         row_cells(row, selected=row.id in self.selected, now=self._now())[0])

    def clear_selection(self) -> None:
        for pk in list(self.selected):
            self.selected.discard(pk)
            row = next((r for r in self.rows_loaded if r.id == pk), None)
            if row is not None:
                self.update_cell(str(pk), "sel", row_cells(row, now=self._now())[0])

    def set_view(self, view: ListView) -> None:
        self.view = view
        self.selected.clear()
        self.reload(keep_place=False)
