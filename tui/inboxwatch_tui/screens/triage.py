"""The main screen: the message list above, the detail pane below, actions by keyboard.

Every action names the permission it needs in :data:`inboxwatch_tui.keymap.TRIAGE_KEYS`;
:meth:`TriageScreen.check_action` disables it (dimmed in the footer, listed with the reason
in help) when the operator lacks it, and pressing it anyway says why. Writes go through
:class:`inboxwatch_tui.services.TriageService` only.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from rich.text import Text
from sqlalchemy import Engine
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.events import Key, Resize
from textual.screen import Screen
from textual.widgets import Input, Static

from inboxwatch.answers import answer_subject
from inboxwatch.errors import InboxwatchError
from inboxwatch.messages import MessageDetail
from inboxwatch.parse import parse_message
from inboxwatch.sanitize import clean_line
from inboxwatch_storage.activity import StoreSignature, store_signature
from inboxwatch_storage.tables import CATEGORY_VALUES, STATUS_VALUES
from inboxwatch_tui.keymap import TRIAGE_KEYS, bindings, keys_for_action
from inboxwatch_tui.render import case_text, headers_text, history_text, human_size, raw_text
from inboxwatch_tui.screens.modals import (
    AnswerEditor,
    CaseForm,
    CasePicker,
    CaseUpdateEditor,
    ConfirmDelete,
    MarkPicker,
    SaveAttachments,
    TextViewer,
)
from inboxwatch_tui.services import ActorState, Done, StoreReader, TriageService, Undo
from inboxwatch_tui.widgets.detail import DetailPane
from inboxwatch_tui.widgets.key_bar import KeyBar
from inboxwatch_tui.widgets.message_list import ListView, MessageList
from inboxwatch_tui.widgets.ordered_input import OrderedInput
from inboxwatch_tui.widgets.status_line import StatusLine
from inboxwatch_tui.writes import WriteQueue

T = TypeVar("T")

__all__ = ["TriageScreen"]

POLL_SECONDS = 2.0
SORT_ORDER = ("received", "sender", "subject", "status", "category")
COMPACT_WIDTH, COMPACT_HEIGHT = 80, 20
TAG_ALL_LIMIT = 10_000


def _cycle(values: tuple[str, ...], current: str | None) -> str | None:
    """Next filter value, with ``None`` (all) before the first."""
    options: tuple[str | None, ...] = (None, *values)
    return options[(options.index(current) + 1) % len(options)] if current in options \
        else None


class TriageScreen(Screen[None]):
    """List + detail + keyboard actions; refreshes itself when the poller stores mail."""

    BINDINGS = bindings(TRIAGE_KEYS)

    def __init__(self, engine: Engine, actor: ActorState, *,
                 poll_seconds: float = POLL_SECONDS, activate_clients: bool = True) -> None:
        super().__init__()
        if actor.actor is None or not actor.may_view:
            raise ValueError(f"the triage screen needs a login that may view mail: "
                             f"{actor.denial}")
        self.engine = engine
        self.actor = actor
        self.reader = StoreReader(engine, actor.actor)
        self.service = TriageService(engine, actor, activate_clients=activate_clients)
        self.poll_seconds = poll_seconds
        self.signature: StoreSignature | None = None
        self._writes: WriteQueue | None = None
        self.undo: Undo | None = None
        self.compact = False
        self.reading = False  # compact mode: the detail pane replaces the list

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status-line")
        yield OrderedInput(placeholder="search (Enter applies, Esc cancels, empty clears)",
                    id="search")
        yield MessageList(self.reader, id="list")
        yield DetailPane(self.reader, id="detail")
        yield Static(id="notice")
        yield KeyBar()

    @property
    def list(self) -> MessageList:
        return self.query_one(MessageList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def writes(self) -> WriteQueue:
        """This screen's writes, in order, off the UI thread."""
        if self._writes is None:
            self._writes = WriteQueue(self.app)
        return self._writes

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.list.focus()
        self._update_layout(self.app.size.width, self.app.size.height)
        self.set_interval(self.poll_seconds, self._poll_store)
        self._update_status()

    # -- layout ----------------------------------------------------------------------------
    def on_resize(self, event: Resize) -> None:
        self._update_layout(event.size.width, event.size.height)

    def _update_layout(self, width: int, height: int) -> None:
        self.compact = width < COMPACT_WIDTH or height < COMPACT_HEIGHT
        self.set_class(self.compact, "compact")
        self.set_class(self.compact and self.reading, "reading")
        notice = self.query_one("#notice", Static)
        if self.compact:
            notice.update(Text(f"Small terminal ({width}x{height}): the detail pane is shown "
                               "on Enter, Esc returns; some columns are cut.",
                               style="bold yellow"))
        notice.display = self.compact

    def _update_status(self) -> None:
        lst = self.list
        flt = lst.view.flt
        if lst.reading_view:
            where = "reading…"
        elif not lst.total:
            where = "no messages"
        else:
            where = f"{lst.position}/{lst.total}" + ("" if lst.counted else "+ (counting…)")
        owner = ["owner=mine"] if flt.owner_id is not None else (
            ["owner=nobody"] if flt.unassigned else [])
        parts = [("TRASH  " if flt.only_deleted else "") + where,
                 f"status={flt.status or 'all'}", f"category={flt.category or 'all'}",
                 *owner,
                 f"sort={lst.view.sort}{' ↓' if lst.view.descending else ' ↑'}"]
        if flt.search:
            parts.append(f"search={clean_line(flt.search, max_chars=40)!r}")
        if lst.selected:
            shown = {r.id for r in lst.rows_loaded}
            hidden = sum(1 for pk in lst.selected if pk not in shown)
            parts.append(f"{len(lst.selected)} tagged"
                         + (f" ({hidden} not in this view)" if hidden else ""))
        parts.append(f"as {self.actor.label}")
        line = Text("  ·  ".join(parts))
        if lst.total == 0:
            line.append("  (empty: import mail or wait for the poller; Ctrl+R refreshes)",
                        style="dim")
        self.query_one("#status-line", StatusLine).set_text(line)

    # -- list and detail -------------------------------------------------------------------
    @on(MessageList.Focused)
    def _message_focused(self, event: MessageList.Focused) -> None:
        self.detail.show_message(event.message_pk)
        self._update_status()

    @on(MessageList.Opened)
    def _row_opened(self, event: MessageList.Opened) -> None:
        self.action_open()

    @on(MessageList.ViewLoaded)
    def _view_loaded(self, event: MessageList.ViewLoaded) -> None:
        self._update_status()
        if event.counted and event.view.flt.search and not self.list.total:
            # after the empty list is painted: mounting the toast takes a frame's time
            self.call_after_refresh(self.notify, "No message matches that search.",
                                    severity="warning", markup=False)

    def action_cursor_down(self) -> None:
        self.list.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.list.action_cursor_up()

    def action_page_down(self) -> None:
        self.list.page_down()

    def action_page_up(self) -> None:
        self.list.page_up()

    def action_scroll_left(self) -> None:
        self.list.scroll_left(animate=False)

    def action_scroll_right(self) -> None:
        self.list.scroll_right(animate=False)

    def action_first(self) -> None:
        self.list.go_first()

    def action_last(self) -> None:
        self.list.go_last()

    def action_open(self) -> None:
        if self.list.current_pk is None:
            return
        if self.compact:
            self.reading = True
            self._update_layout(self.app.size.width, self.app.size.height)
        self.detail.focus()

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.display:
            self.set_focus(self.list)
            search.display = False
        elif self.reading or self.detail.has_focus:
            self.reading = False
            self._update_layout(self.app.size.width, self.app.size.height)
            self.list.focus()
        elif self.list.selected:
            self.list.clear_selection()
        elif self.list.view.flt.search:
            self.list.set_view(self.list.view.with_filter(search=None))
        self._update_status()

    def action_toggle_select(self) -> None:
        """Tag (or untag) the message under the cursor and go to the next (mutt's t)."""
        self.list.toggle_selected()
        self.list.action_cursor_down()
        self._update_status()

    def action_select_range(self) -> None:
        if not self.list.select_range():
            self.notify("Tag one end first (Space), then V at the other end.", markup=False)
        self._update_status()

    def action_select_all(self) -> None:
        """Tag every message the current view (filter and search) matches."""
        versions = self.reader.versions(self.list.view.flt, limit=TAG_ALL_LIMIT + 1)
        if len(versions) > TAG_ALL_LIMIT:
            self.notify(f"The view has more than {TAG_ALL_LIMIT:,} messages: narrow it with "
                        "a filter or a search first.", severity="warning", markup=False)
            return
        self.list.select_all(versions)
        self.notify(f"Tagged {len(versions)} message(s); Esc clears the tags.", markup=False)
        self._update_status()

    def action_refresh(self) -> None:
        self.list.reload()
        self._update_status()

    # -- search, filters, sort -------------------------------------------------------------
    def action_search(self) -> None:
        """Open the search box. ``/`` is a priority binding and the focus moves at once:
        keys read together with it ("/closed" in one read, SSH after a stall) are handed
        to the focused widget as they are read, so they must find the box focused, not the
        list (whose bindings would take "c" for create case, "2" for a status)."""
        search = self.query_one("#search", Input)
        if self.focused is search:  # a "/" typed into the search text: behind the keys
            search.post_message(Key("slash", "/"))  # read before it, in their queue
            return
        search.display = True
        search.value = self.list.view.flt.search or ""
        self.set_focus(search)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.set_focus(self.list)  # now, before hiding the input moves focus elsewhere
        event.input.display = False
        self.list.set_view(self.list.view.with_filter(search=event.value.strip() or None))
        self._update_status()

    def _jump_match(self, step: int) -> None:
        if not self.list.view.flt.search:
            self.notify("No search yet: press / to search.", markup=False)
            return
        if step > 0:
            self.list.action_cursor_down()
        else:
            self.list.action_cursor_up()

    def action_next_match(self) -> None:
        self._jump_match(1)

    def action_prev_match(self) -> None:
        self._jump_match(-1)

    def _set_view(self, view: ListView) -> None:
        self.list.set_view(view)
        self._update_status()

    def action_cycle_status(self) -> None:
        self._set_view(self.list.view.with_filter(
            status=_cycle(STATUS_VALUES, self.list.view.flt.status)))

    def action_cycle_category(self) -> None:
        self._set_view(self.list.view.with_filter(
            category=_cycle(CATEGORY_VALUES, self.list.view.flt.category)))

    def action_cycle_owner(self) -> None:
        """All messages -> the ones I work on -> the ones nobody works on -> all."""
        flt = self.list.view.flt
        me = self.actor.actor.user_id if self.actor.actor is not None else None
        if flt.owner_id is None and not flt.unassigned and me is not None:
            view = self.list.view.with_filter(owner_id=me, unassigned=False)
        elif flt.owner_id is not None:
            view = self.list.view.with_filter(owner_id=None, unassigned=True)
        else:
            view = self.list.view.with_filter(owner_id=None, unassigned=False)
        self._set_view(view)

    def action_toggle_trash(self) -> None:
        """The trash: deleted messages (U restores one, with its category and lesson)."""
        self._set_view(self.list.view.with_filter(
            only_deleted=not self.list.view.flt.only_deleted))

    def action_cycle_sort(self) -> None:
        view = self.list.view
        nxt = SORT_ORDER[(SORT_ORDER.index(view.sort) + 1) % len(SORT_ORDER)] \
            if view.sort in SORT_ORDER else SORT_ORDER[0]
        self._set_view(ListView(view.flt, nxt, view.descending))

    def action_reverse_sort(self) -> None:
        view = self.list.view
        self._set_view(ListView(view.flt, view.sort, not view.descending))

    # -- live refresh ----------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="poll")
    def _poll_store(self) -> None:
        with Session(self.engine) as session:
            signature = store_signature(session)
        self.app.call_from_thread(self._store_polled, signature)

    def _store_polled(self, signature: StoreSignature) -> None:
        previous = self.signature
        if previous is None:
            self.signature = signature
            return
        if previous == signature or not isinstance(self.app.screen, TriageScreen):
            return  # never yank rows from under a dialog: the next poll catches up
        self.signature = signature
        self.list.reload()
        # The row and the detail pane both: a colleague's status change or case link must
        # not leave the old state beside an updated row.
        self.detail.show_message(self.list.current_pk)
        self._update_status()
        if signature.max_id > previous.max_id:
            self.notify("New mail arrived.", markup=False, timeout=3)

    # -- permissions -----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        spec = keys_for_action(action if not parameters else
                               f"{action}({', '.join(repr(p) for p in parameters)})")
        if spec is None or spec.permission is None:
            return True
        return True if self.actor.can(spec.permission) else None

    def _allowed(self, permission: str) -> bool:
        why = self.actor.why_not(permission)
        if why:
            self.notify(f"Not allowed: {why}", severity="error", markup=False)
        return not why

    def _targets(self) -> dict[int, int]:
        """The messages an action is for, with the version of each the operator saw."""
        seen = self.list.target_versions()
        if not seen:
            self.notify("No message selected.", severity="warning", markup=False)
        return seen

    def _run(self, action: Callable[[], Done | str], what: str = "your action") -> None:
        """Run one service call off the UI thread (:class:`WriteQueue`); then its sentence
        or its refusal, and the list and detail again."""
        self.writes.submit(action, done=self._done, refused=self._refused, what=what)

    def _refused(self, line: str) -> None:
        self.notify(line, severity="error", markup=False, timeout=10)
        # What the refusal is about (a colleague's change) is shown at once.
        self.list.reload()
        self.detail.show_message(self.list.current_pk)
        self._update_status()

    def _done(self, outcome: Done | str) -> None:
        """After a service call succeeded: its sentence, and the list and detail again."""
        done = outcome if isinstance(outcome, Done) else Done(outcome)
        self.undo = done.undo
        self.notify(done.said, markup=False)
        self.list.clear_selection()
        self.list.reload()
        self.detail.show_message(self.list.current_pk)
        self._update_status()

    def action_undo(self) -> None:
        undo, self.undo = self.undo, None
        if undo is None:
            self.notify("Nothing to undo (z undoes the last mark or delete).", markup=False)
            return
        self._run(undo.run, what=f"the undo of the {undo.what}")

    # -- actions ---------------------------------------------------------------------------
    def action_mark(self) -> None:
        if not self._allowed("modify_inbound_message_status"):
            return
        pks = self._targets()
        if pks:
            def chosen(status: str | None) -> None:
                if status:
                    self._run(lambda: self.service.mark(pks, status))
            self.app.push_screen(MarkPicker(len(pks)), chosen)

    def action_mark_as(self, status: str) -> None:
        if not self._allowed("modify_inbound_message_status"):
            return
        pks = self._targets()
        if pks:
            self._run(lambda: self.service.mark(pks, status))

    def action_add_participant(self) -> None:
        """The sender of a not_on_case message joins its pre-linked case: their next
        replies attach by themselves."""
        if not self._allowed("create_case_update"):
            return
        pk = self.list.current_pk
        if pk is not None:
            self._run(lambda: self.service.add_participant(pk))

    def action_toggle_sender(self) -> None:
        if not self._allowed("manage_users"):
            return
        detail = self.detail.detail
        if detail is None or detail.id != self.list.current_pk or not detail.from_addr:
            self.notify("No sender to change.", markup=False)
            return
        address = detail.from_addr
        self._run(lambda: self.service.toggle_sender(address))

    def action_delete(self) -> None:
        if not self._allowed("delete_inbound_message"):
            return
        pks = self._targets()
        if pks:
            def answered(label: str | None) -> None:
                if label is not None:
                    self._run(lambda: self.service.delete(pks, label))
            self.app.push_screen(ConfirmDelete(len(pks)), answered)

    def action_undelete(self) -> None:
        if not self._allowed("delete_inbound_message"):
            return
        if not self.list.view.flt.only_deleted:
            self.notify("Deleted messages are in the trash view: press D.", markup=False)
            return
        seen = self._targets()
        if seen:
            self._run(lambda: self.service.undelete(seen))

    def action_not_spam(self) -> None:
        if not self._allowed("modify_inbound_message_status"):
            return
        row = self.list.current_row
        if row is None:
            return
        pk, seen = row.id, row.version
        self._run(lambda: self.service.not_spam(pk, seen))

    def action_take(self) -> None:
        """Take the messages (or let them go when they are all mine already)."""
        if not self._allowed("modify_inbound_message_status"):
            return
        seen = self._targets()
        if not seen:
            return
        me = self.actor.actor.user_id if self.actor.actor is not None else None
        rows = {r.id: r for r in self.list.rows_loaded}
        mine = all(pk in rows and rows[pk].owner_id == me for pk in seen)
        self._run(lambda: self.service.assign(seen, release=mine))

    def action_hand_over(self) -> None:
        if not self._allowed("modify_inbound_message_status"):
            return
        seen = self._targets()
        if not seen:
            return
        people = dict(self.service_colleagues(""))

        def picked(user_id: int | None) -> None:
            if user_id:
                email = people.get(user_id, "").rsplit("<", 1)[-1].rstrip(">")
                self._run(lambda: self.service.assign(seen, to_email=email))
        self.app.push_screen(CasePicker(self.service_colleagues, title="Hand over to "
                                        "(login or email)"), picked)

    def service_colleagues(self, query: str) -> builtins.list[tuple[int, str]]:
        return self.reader.colleagues(query)

    def action_history(self) -> None:
        pk = self.list.current_pk
        if pk is None:
            return
        try:
            history = self.reader.history(pk)
        except InboxwatchError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        self.app.push_screen(TextViewer(f"History of message {pk}",
                                        history_text(history, self.list.owners)))

    def action_case_view(self) -> None:
        detail = self.detail.detail
        if detail is None or detail.case_id is None:
            self.notify("This message is not linked to a case.", markup=False)
            return
        try:
            case = self.reader.case(detail.case_id)
        except InboxwatchError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        self.app.push_screen(TextViewer(f"Case #{detail.case_id}", case_text(case)))

    def _current_detail(self, permission: str) -> MessageDetail | None:
        """The message under the cursor, read whole, when ``permission`` allows the action;
        else None, with the reason said."""
        if not self._allowed(permission):
            return None
        detail = self.detail.detail
        if detail is None or detail.id != self.list.current_pk:
            self.notify("The message is still loading; try again.", markup=False)
            return None
        return detail

    def _open_form(self, form: Callable[[Callable[[T], object]], Screen[T | None]],
                   save: Callable[[T], str]) -> None:
        """Push the form ``form(submit)``: its submit makes the service call ``save`` (a
        refusal keeps the form open with its text); once it closes saved, say what was
        done."""
        said: list[str] = []

        def submit(result: T) -> None:
            said.append(save(result))

        def submitted(result: T | None) -> None:
            if result is not None and said:
                self._done(said[-1])
        self.app.push_screen(form(submit), submitted)

    def action_create_case(self) -> None:
        detail = self._current_detail("create_case")
        if detail is None:
            return
        pk, seen = detail.id, detail.version
        self._open_form(
            lambda submit: CaseForm(title=detail.subject, client_email=detail.from_addr,
                                    client_name=detail.from_name, notes=detail.body_text,
                                    submit=submit),
            lambda form: self.service.create_case(pk, title=form.title, notes=form.notes,
                                                  seen=seen))

    def action_find_case(self) -> None:
        if not self._allowed("modify_inbound_message_status"):
            return
        row = self.list.current_row
        if row is None:
            self._targets()
            return
        pk, seen = row.id, row.version

        def picked(case_id: int | None) -> None:
            if case_id:
                self._run(lambda: self.service.link_case(pk, case_id, seen=seen))
        self.app.push_screen(CasePicker(self.service.find_cases), picked)

    def action_case_update(self) -> None:
        detail = self._current_detail("create_case_update")
        if detail is None:
            return
        if detail.case_id is None:
            self.notify("Link this message to a case first (c creates one, f finds one).",
                        severity="warning", markup=False)
            return
        pk, case_id, seen = detail.id, detail.case_id, detail.version
        try:
            attachable = self.service.attachable(case_id, pk)
        except InboxwatchError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        files = [(f"{f.kind}:{f.id}", f"{f.name}  {human_size(f.size)}  "
                  + ("case file" if f.kind == "case_file" else "attachment of this message"),
                  False) for f in attachable]
        self._open_form(
            lambda submit: CaseUpdateEditor(case_label=self.service.case_label(case_id),
                                            text=detail.body_text, files=files,
                                            submit=submit),
            lambda result: self.service.create_case_update(
                pk, case_id, text=result.text, files=result.files,
                email_client=result.email_client, seen=seen))

    def action_answer(self) -> None:
        detail = self._current_detail("create_case_update")
        if detail is None:
            return
        pk, seen = detail.id, detail.version
        self._open_form(
            lambda submit: AnswerEditor(to=detail.from_addr,
                                        subject=answer_subject(detail.subject),
                                        submit=submit),
            lambda result: self.service.answer(pk, text=result.text, close=result.close,
                                               seen=seen))

    def action_attachments(self) -> None:
        detail = self.detail.detail
        if detail is None or not detail.attachments:
            self.notify("This message has no attachments.", markup=False)
            return
        items = [(a.id, f"{a.filename}  {a.content_type}  {human_size(a.size)}  "
                        f"sha256 {a.sha256[:16]}…") for a in detail.attachments]

        def chosen(answer: tuple[list[int], Path] | None) -> None:
            if answer is None:
                return
            ids, directory = answer
            try:
                saved = self.reader.save_attachments(ids, Path(directory))
            except (InboxwatchError, OSError) as exc:
                self.notify(clean_line(f"Could not save: {exc}"), severity="error",
                            markup=False)
                return
            names = ", ".join(p.path.name for p in saved)
            self.notify(clean_line(f"Saved {len(saved)} file(s) in {directory}: {names}"),
                        markup=False, timeout=8)
        self.app.push_screen(SaveAttachments(items, os.getcwd()), chosen)

    def _raw_bytes(self) -> bytes | None:
        detail = self.detail.detail
        if detail is None:
            self.notify("No message to show.", markup=False)
            return None
        try:
            return self.reader.raw(detail.id)
        except InboxwatchError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return None

    def action_raw(self) -> None:
        raw = self._raw_bytes()
        if raw is not None:
            self.app.push_screen(TextViewer(f"Raw source ({human_size(len(raw))}, sanitised)",
                                            raw_text(raw)))

    def action_headers(self) -> None:
        raw = self._raw_bytes()
        if raw is not None:
            self.app.push_screen(TextViewer("All headers (sanitised)",
                                            headers_text(parse_message(raw))))
