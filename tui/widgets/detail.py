"""The detail pane: one message, rendered off the UI thread.

Loading runs in an exclusive thread worker (group ``detail``), so holding ``j`` never queues
stale loads: only the last message asked for is shown. Everything shown is built by
:func:`tui.render.detail_text` (sanitised, never markup).
"""

from __future__ import annotations

import time

from rich.text import Text
from sqlalchemy import Engine
from sqlmodel import Session
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from inboxwatch.messages import MessageDetail, message_detail
from tui.render import detail_text

__all__ = ["SETTLE_SECONDS", "DetailPane"]

SETTLE_SECONDS = 0.05


class DetailPane(VerticalScroll):
    """Shows the message with primary key :attr:`message_pk`; ``None`` shows a hint."""

    def __init__(self, engine: Engine, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.engine = engine
        self.message_pk: int | None = None
        self.detail: MessageDetail | None = None
        self.can_focus = True

    def compose(self) -> ComposeResult:
        yield Static(Text("No message selected.", style="dim"), id="detail-body")

    def show_message(self, message_pk: int | None) -> None:
        self.message_pk = message_pk
        if message_pk is None:
            self.detail = None
            self._set(Text("No message to show: the list is empty or filtered out.",
                           style="dim"))
            return
        self._load(message_pk)

    @work(thread=True, exclusive=True, group="detail")
    def _load(self, message_pk: int) -> None:
        worker = get_current_worker()
        # Holding j moves the cursor ~30 rows a second: wait a beat so only the message the
        # operator stops on is read and laid out (a newer load cancels this one).
        time.sleep(SETTLE_SECONDS)
        if worker.is_cancelled:
            return
        with Session(self.engine) as session:
            detail = message_detail(session, message_pk)
        if worker.is_cancelled:
            return
        text = (detail_text(detail) if detail is not None
                else Text(f"Message {message_pk} is no longer in the store.", style="dim"))
        if not worker.is_cancelled:
            self.app.call_from_thread(self._loaded, message_pk, detail, text)

    def _loaded(self, message_pk: int, detail: MessageDetail | None, text: Text) -> None:
        if message_pk != self.message_pk:
            return  # the operator moved on while this was loading
        self.detail = detail
        self._set(text)
        self.scroll_home(animate=False)

    def _set(self, text: Text) -> None:
        self.query_one("#detail-body", Static).update(text)
