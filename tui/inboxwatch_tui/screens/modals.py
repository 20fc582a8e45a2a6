"""Modal dialogs. Each returns its answer through ``dismiss`` (``None`` means cancelled).

Anything shown that came from a message is a :class:`~rich.text.Text` (sanitised by the
caller or here), never a markup string.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    OptionList,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from inboxwatch.sanitize import clean, clean_line
from inboxwatch_tui.widgets.ordered_input import OrderedInput
from inboxwatch_tui.writes import WriteQueue

__all__ = [
    "CaseForm",
    "CaseFormResult",
    "CasePicker",
    "CaseUpdateEditor",
    "CaseUpdateResult",
    "ConfirmDelete",
    "HelpScreen",
    "MarkPicker",
    "SaveAttachments",
    "TextViewer",
]

MARK_CHOICES = (("awaiting_review", "1  Awaiting Review"), ("needs_attention",
                "2  Needs Attention"), ("closed", "3  Closed"))


class MarkPicker(ModalScreen[str | None]):
    """Pick a status; ``1``/``2``/``3`` choose directly."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="mark.cancel"),
        Binding("1", "choose('awaiting_review')", "Awaiting", id="mark.awaiting"),
        Binding("2", "choose('needs_attention')", "Attention", id="mark.attention"),
        Binding("3", "choose('closed')", "Closed", id="mark.closed"),
    ]

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(f"Mark {self.count} message(s) as", style="bold"))
            yield OptionList(*[Option(Text(label), id=status)
                               for status, label in MARK_CHOICES], id="mark-options")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self, status: str) -> None:
        self.dismiss(status)


class ConfirmDelete(ModalScreen[str | None]):
    """Confirm a delete. Answers ``""`` (plain), ``"spam"`` or ``"phishing"``; ``None``: no."""

    BINDINGS = [
        Binding("escape,n", "dismiss(None)", "Cancel", id="delete.cancel"),
        Binding("y", "answer('')", "Delete", id="delete.plain"),
        Binding("s", "answer('spam')", "As spam", id="delete.spam"),
        Binding("p", "answer('phishing')", "As phishing", id="delete.phishing"),
    ]

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(f"Delete {self.count} message(s)?", style="bold"))
            yield Static(Text("Deleted messages are hidden and can be restored until they are "
                              "purged. Deleting as spam or phishing also teaches the "
                              "classifier."))
            with Horizontal(classes="buttons"):
                yield Button("Delete (y)", id="plain", variant="error")
                yield Button("As spam (s)", id="spam", variant="warning")
                yield Button("As phishing (p)", id="phishing", variant="warning")
                yield Button("Cancel (n)", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        answers = {"plain": "", "spam": "spam", "phishing": "phishing"}
        self.dismiss(answers.get(event.button.id or ""))

    def action_answer(self, label: str) -> None:
        self.dismiss(label)


class TextViewer(ModalScreen[None]):
    """A scrollable read-only view (raw source, all headers)."""

    BINDINGS = [Binding("escape,q", "dismiss(None)", "Close", id="viewer.close")]

    def __init__(self, title: str, body: Text) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text(self.title_text, style="bold"))
            with VerticalScroll(id="viewer-scroll"):
                yield Static(self.body, id="viewer-body")
            yield Label(Text("Esc closes", style="dim"))


class HelpScreen(ModalScreen[None]):
    """Every binding with its current key, and why an action is disabled."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss(None)", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows  # (keys, description, note)

    def compose(self) -> ComposeResult:
        text = Text()
        for keys, description, note in self.rows:
            text.append(f"{keys:>14}  ", style="bold")
            text.append(description)
            if note:
                text.append(f"  ({note})", style="dim red")
            text.append("\n")
        with Vertical(classes="dialog wide"):
            yield Label(Text("Keys", style="bold"))
            yield Label(Text("Remap keys in the config file under [keys], e.g. "
                             "\"triage.mark\" = \"M\". ctrl+p opens the command palette.",
                             style="dim"))
            with VerticalScroll(id="help-scroll"):
                yield Static(text)


class ConfirmDiscard(ModalScreen[bool]):
    """Asked when Esc would throw away text the operator typed."""

    BINDINGS = [
        Binding("y", "dismiss(True)", "Discard", id="discard.yes"),
        Binding("escape,n", "dismiss(False)", "Keep editing", id="discard.no"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Discard what you typed?", style="bold"))
            with Horizontal(classes="buttons"):
                yield Button("Discard (y)", id="yes", variant="error")
                yield Button("Keep editing (n)", id="no", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class _KeepsTypedWork:
    """What a form with typed text does: it closes only once the service call made from it
    has succeeded (a refusal is shown in the form, the text kept), and Esc on an edited form
    asks first."""

    submit_with: Callable[[Any], object] | None = None

    def _edited(self) -> bool:
        raise NotImplementedError

    _saving = False

    def _commit(self, result: Any) -> None:
        """Make the service call off the UI thread (a locked store keeps the app alive and
        says it is waiting); close on success, stay open with the text on a refusal."""
        screen: Any = self
        submit = self.submit_with
        if submit is None:
            screen.dismiss(result)
            return
        if self._saving:
            return  # the first ctrl+s is still being saved

        def refused(line: str) -> None:
            self._saving = False
            screen.notify(line, severity="error", markup=False, timeout=10)
            # the form stays open, with everything typed in it

        self._saving = True
        WriteQueue(screen.app).submit(lambda: submit(result),
                                      done=lambda _: screen.dismiss(result),
                                      refused=refused, what="this form")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.action_cancel()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        screen: Any = self
        if not self._edited():
            screen.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                screen.dismiss(None)
        screen.app.push_screen(ConfirmDiscard(), answered)


@dataclass(frozen=True, slots=True)
class CaseFormResult:
    title: str
    notes: str


class CaseForm(_KeepsTypedWork, ModalScreen[CaseFormResult | None]):
    """Create a case from a message, prefilled from its sender, subject and body."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="case_form.cancel"),
        Binding("ctrl+s", "submit", "Create", id="case_form.submit"),
    ]

    def __init__(self, *, title: str, client_email: str, client_name: str, notes: str,
                 submit: Callable[[CaseFormResult], object] | None = None) -> None:
        super().__init__()
        self.submit_with = submit
        self.prefill = CaseFormResult(clean_line(title), clean(notes, max_chars=50_000))
        name, email = clean_line(client_name), clean_line(client_email)
        self.client = f"{name} <{email}>" if name else email

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text("Create case", style="bold"))
            yield Label("Title")
            yield OrderedInput(self.prefill.title, id="case-title")
            yield Label(Text(f"Client: {self.client or '(no sender address)'} - the sender; "
                             "an inactive contact is made if unknown", style="dim"),
                        id="case-client")
            yield Label("Notes")
            yield TextArea(self.prefill.notes, id="case-notes", soft_wrap=True)
            with Horizontal(classes="buttons"):
                yield Button("Create (ctrl+s)", id="create", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def _edited(self) -> bool:
        return (self.query_one("#case-title", Input).value != self.prefill.title
                or self.query_one("#case-notes", TextArea).text != self.prefill.notes)

    def action_submit(self) -> None:
        title = self.query_one("#case-title", Input).value.strip()
        if not title:
            self.notify("A case needs a title.", severity="error")
            return
        self._commit(CaseFormResult(
            title=title,
            notes=self.query_one("#case-notes", TextArea).text,
        ))


class CasePicker(ModalScreen[int | None]):
    """Search cases by number, title, client name or email and pick one."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="case_picker.cancel")]

    def __init__(self, search: Any, initial: str = "", *,
                 title: str = "Find case (number, title, client name or email)") -> None:
        super().__init__()
        self.search = search  # callable(query) -> list[(id, label)]
        self.initial = clean_line(initial)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text(self.title_text, style="bold"))
            yield OrderedInput(self.initial, id="case-query", placeholder="type to search")
            yield OptionList(id="case-results")
            yield Label(Text("Enter picks; Down moves into the results", style="dim"))

    def on_mount(self) -> None:
        self._refresh(self.initial)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._refresh(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        results = self.query_one("#case-results", OptionList)
        if results.option_count:
            option = results.get_option_at_index(results.highlighted or 0)
            self.dismiss(int(option.id or 0))

    def on_key(self, event: Any) -> None:
        if event.key == "down" and self.query_one("#case-query", Input).has_focus:
            self.query_one("#case-results", OptionList).focus()

    def _refresh(self, query: str) -> None:
        results = self.query_one("#case-results", OptionList)
        results.clear_options()
        for case_id, label in self.search(query):
            results.add_option(Option(Text(clean_line(label, max_chars=200)), id=str(case_id)))
        if results.option_count:
            results.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))


@dataclass(frozen=True, slots=True)
class CaseUpdateResult:
    text: str
    files: list[str]  # "case_file:ID" or "attachment:ID"
    email_client: bool


class CaseUpdateEditor(_KeepsTypedWork, ModalScreen[CaseUpdateResult | None]):
    """Write a case update: text prefilled from the message body, existing case files to
    attach, and whether to email the client."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="update.cancel"),
        Binding("ctrl+s", "submit", "Save", id="update.submit"),
    ]

    def __init__(self, *, case_label: str, text: str, files: list[tuple[str, str, bool]],
                 submit: Callable[[CaseUpdateResult], object] | None = None) -> None:
        super().__init__()
        self.submit_with = submit
        self.case_label = clean_line(case_label)
        self.text = clean(text, max_chars=50_000)
        self.files = files  # ("case_file:ID" | "attachment:ID", label, preselected)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text(f"Case update for {self.case_label}", style="bold"))
            yield TextArea(self.text, id="update-text", soft_wrap=True)
            yield Label("Use existing case files (space toggles)")
            yield SelectionList[str](
                *[Selection(Text(clean_line(label, max_chars=200)), value, chosen)
                  for value, label, chosen in self.files], id="update-files")
            if not self.files:
                yield Label(Text("(the case has no files yet)", style="dim"))
            yield Checkbox("Email the client", value=False, id="update-email")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def _edited(self) -> bool:
        return self.query_one("#update-text", TextArea).text != self.text

    def action_submit(self) -> None:
        text = self.query_one("#update-text", TextArea).text
        if not text.strip():
            self.notify("A case update needs some text.", severity="error")
            return
        self._commit(CaseUpdateResult(
            text=text,
            files=[str(v) for v in self.query_one("#update-files", SelectionList).selected],
            email_client=self.query_one("#update-email", Checkbox).value,
        ))


@dataclass(frozen=True, slots=True)
class AnswerResult:
    text: str
    close: bool


class AnswerEditor(_KeepsTypedWork, ModalScreen[AnswerResult | None]):
    """Write an email to the sender of a message; their reply routes back to it."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="answer.cancel"),
        Binding("ctrl+s", "submit", "Send", id="answer.submit"),
    ]

    def __init__(self, *, to: str, subject: str,
                 submit: Callable[[AnswerResult], object] | None = None) -> None:
        super().__init__()
        self.submit_with = submit
        self.to = clean_line(to)
        self.subject = clean_line(subject, max_chars=180)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text(f"Answer {self.to or '(no sender address)'}", style="bold"))
            yield Label(Text(f"Subject: {self.subject}  -  the message is quoted below "
                             "your text; the reply comes back to this message", style="dim"))
            yield TextArea("", id="answer-text", soft_wrap=True)
            yield Checkbox("Close the message once answered", value=False, id="answer-close")
            with Horizontal(classes="buttons"):
                yield Button("Send (ctrl+s)", id="send", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#answer-text", TextArea).focus()

    def _edited(self) -> bool:
        return bool(self.query_one("#answer-text", TextArea).text.strip())

    def action_submit(self) -> None:
        text = self.query_one("#answer-text", TextArea).text
        if not text.strip():
            self.notify("An answer needs some text.", severity="error")
            return
        self._commit(AnswerResult(text=text,
                                  close=self.query_one("#answer-close", Checkbox).value))


class SaveAttachments(ModalScreen[tuple[list[int], Path] | None]):
    """Choose attachments and a directory to save them to (nothing is opened)."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="save.cancel"),
        Binding("ctrl+s", "submit", "Save", id="save.submit"),
    ]

    def __init__(self, attachments: list[tuple[int, str]], directory: str) -> None:
        super().__init__()
        self.attachments = attachments  # (attachment_id, label)
        self.directory = directory

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text("Save attachments (they are never opened or run)", style="bold"))
            yield SelectionList[int](
                *[Selection(Text(clean_line(label, max_chars=300)), att_id, True)
                  for att_id, label in self.attachments], id="save-list")
            yield Label("Directory")
            yield OrderedInput(self.directory, id="save-dir")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        chosen = list(self.query_one("#save-list", SelectionList).selected)
        directory = Path(self.query_one("#save-dir", Input).value.strip() or ".").expanduser()
        if not chosen:
            self.notify("Nothing chosen to save.", severity="warning")
            return
        if not directory.is_dir():
            self.notify(f"{directory} is not a directory.", severity="error", markup=False)
            return
        self.dismiss((chosen, directory))
