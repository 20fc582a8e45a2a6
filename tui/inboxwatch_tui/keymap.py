"""The TUI's key bindings as one table: id, default key, action, label, permission needed.

Every binding has an ``id`` so an operator can remap it from the config file::

    [keys]
    "triage.mark" = "M"
    "triage.down" = "j,down"

Unknown ids in ``[keys]`` are reported, not ignored (:func:`check_keymap`). The permission
column is what the service layer will demand; the app disables a binding whose permission
the operator lacks and says why (:data:`PERMISSION_LABELS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

__all__ = [
    "PERMISSION_LABELS",
    "TRIAGE_KEYS",
    "KeySpec",
    "bindings",
    "check_keymap",
    "keys_for_action",
]


@dataclass(frozen=True, slots=True)
class KeySpec:
    id: str
    key: str
    action: str
    description: str
    permission: str | None = None
    show: bool = True
    # Checked as the key is read, before it is handed to the focused widget: the keys read
    # after it then go where it sent the focus (see TriageScreen.action_search).
    priority: bool = False


PERMISSION_LABELS = {
    "modify_inbound_message_status": "change a message's status",
    "create_case": "create cases",
    "create_case_update": "create case updates",
    "delete_inbound_message": "delete messages",
}

TRIAGE_KEYS: tuple[KeySpec, ...] = (
    KeySpec("triage.down", "j,down", "cursor_down", "Next", show=False),
    KeySpec("triage.up", "k,up", "cursor_up", "Previous", show=False),
    KeySpec("triage.page_down", "pagedown", "page_down", "Page down", show=False),
    KeySpec("triage.page_up", "pageup", "page_up", "Page up", show=False),
    KeySpec("triage.scroll_left", "left", "scroll_left", "Scroll columns left", show=False),
    KeySpec("triage.scroll_right", "right", "scroll_right", "Scroll columns right",
            show=False),
    KeySpec("triage.first", "g,home", "first", "First", show=False),
    KeySpec("triage.last", "G,end", "last", "Last", show=False),
    KeySpec("triage.open", "enter", "open", "Read", show=False),
    KeySpec("triage.back", "escape", "back", "Back", show=False),
    KeySpec("triage.select", "space", "toggle_select", "Tag and advance", show=False),
    KeySpec("triage.select_range", "V", "select_range", "Tag from the last tagged to here",
            show=False),
    KeySpec("triage.select_all", "T", "select_all", "Tag every message the view shows",
            show=False),
    KeySpec("triage.undo", "z", "undo", "Undo the last mark or delete", show=False),
    KeySpec("triage.search", "slash", "search", "Search", priority=True),
    KeySpec("triage.next_match", "n", "next_match", "Next match", show=False),
    KeySpec("triage.prev_match", "N", "prev_match", "Prev match", show=False),
    KeySpec("triage.filter_status", "s", "cycle_status", "Status filter", show=False),
    KeySpec("triage.filter_category", "t", "cycle_category", "Category filter", show=False),
    KeySpec("triage.sort", "o", "cycle_sort", "Sort", show=False),
    KeySpec("triage.sort_reverse", "O", "reverse_sort", "Reverse sort", show=False),
    KeySpec("triage.create_case", "c", "create_case", "Case", "create_case"),
    KeySpec("triage.find_case", "f", "find_case", "Find case", "modify_inbound_message_status"),
    KeySpec("triage.case_update", "u", "case_update", "Update", "create_case_update"),
    KeySpec("triage.answer", "R", "answer", "Answer the sender by email",
            "create_case_update", show=False),
    KeySpec("triage.mark", "m", "mark", "Mark", "modify_inbound_message_status"),
    KeySpec("triage.mark_awaiting", "1", "mark_as('awaiting_review')", "Awaiting",
            "modify_inbound_message_status", show=False),
    KeySpec("triage.mark_attention", "2", "mark_as('needs_attention')", "Attention",
            "modify_inbound_message_status", show=False),
    KeySpec("triage.mark_closed", "3", "mark_as('closed')", "Closed",
            "modify_inbound_message_status", show=False),
    KeySpec("triage.delete", "d", "delete", "Delete", "delete_inbound_message"),
    KeySpec("triage.undelete", "U", "undelete", "Undelete (in the trash view)",
            "delete_inbound_message", show=False),
    KeySpec("triage.trash", "D", "toggle_trash", "Trash view on/off", show=False),
    KeySpec("triage.not_spam", "exclamation_mark", "not_spam", "Not spam",
            "modify_inbound_message_status", show=False),
    KeySpec("triage.take", "i", "take", "Take (or let go)", "modify_inbound_message_status",
            show=False),
    KeySpec("triage.hand_over", "I", "hand_over", "Hand over to a colleague",
            "modify_inbound_message_status", show=False),
    KeySpec("triage.filter_owner", "y", "cycle_owner", "Owner filter: mine, unassigned",
            show=False),
    KeySpec("triage.history", "h", "history", "History", show=False),
    KeySpec("triage.case_view", "C", "case_view", "Case of this message", show=False),
    KeySpec("triage.add_participant", "p", "add_participant", "Add sender to its case",
            "create_case_update", show=False),
    KeySpec("triage.toggle_sender", "A", "toggle_sender", "Activate/deactivate sender",
            "manage_users", show=False),
    KeySpec("triage.attachments", "a", "attachments", "Attachments"),
    KeySpec("triage.headers", "H", "headers", "Headers", show=False),
    KeySpec("triage.raw", "r", "raw", "Raw"),
    KeySpec("triage.refresh", "ctrl+r", "refresh", "Refresh", show=False),
)

APP_KEYS: tuple[KeySpec, ...] = (
    KeySpec("app.help", "question_mark", "help", "Help"),
    KeySpec("app.watcher", "w", "watcher", "Watcher"),
    KeySpec("app.quit", "q", "quit", "Quit"),
)

ALL_KEYS = TRIAGE_KEYS + APP_KEYS


def bindings(specs: tuple[KeySpec, ...]) -> list[BindingType]:
    """Textual bindings for a table of :class:`KeySpec` rows, ids included."""
    return [Binding(s.key, s.action, s.description, show=s.show, id=s.id,
                    priority=s.priority) for s in specs]


def keys_for_action(action: str) -> KeySpec | None:
    return next((s for s in ALL_KEYS if s.action == action), None)


def check_keymap(keymap: dict[str, str]) -> list[str]:
    """Problems with a ``[keys]`` table: unknown binding ids, named so they can be fixed."""
    known = {s.id for s in ALL_KEYS}
    return [f"[keys] {binding_id!r} is not a binding id (known: {', '.join(sorted(known))})"
            for binding_id in keymap if binding_id not in known]
