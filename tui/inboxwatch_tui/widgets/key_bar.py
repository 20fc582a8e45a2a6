"""The footer: the screen's shown key bindings on one line, drawn as one widget.

Textual's ``Footer`` recomposes a child widget per key whenever the active bindings change
— on every focus change, e.g. each time the search field opens and closes — which mounts a
dozen widgets and lays out the screen twice. :class:`KeyBar` draws the same hints (key,
description, dimmed when the action is disabled, the command palette key on the right) as
one line of text, so a change of bindings costs a repaint of one row.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

__all__ = ["KeyBar", "KeyHint"]

PALETTE_DESCRIPTION = "palette"


class KeyHint:
    """One key shown in the bar: the key to simulate, how it is shown, what it does, and
    the cells it covers (filled in when the bar is drawn)."""

    __slots__ = ("description", "display", "enabled", "key", "start", "end")

    def __init__(self, key: str, display: str, description: str, enabled: bool) -> None:
        self.key = key
        self.display = display
        self.description = description
        self.enabled = enabled
        self.start = self.end = 0

    def signature(self) -> tuple[str, str, str, bool]:
        return (self.key, self.display, self.description, self.enabled)


class KeyBar(Widget, can_focus=False):
    """Key hints for the screen's active bindings (``show=True`` ones, one per action);
    clicking a hint presses its key, as with Textual's ``Footer``."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--separator"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hints: list[KeyHint] = []
        self.palette: KeyHint | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self._bindings_changed, self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        hints, palette = self._read_hints()
        if [h.signature() for h in hints] != [h.signature() for h in self.hints] or \
                (palette and palette.signature()) != (self.palette and self.palette.signature()):
            self.hints, self.palette = hints, palette
            self.refresh()

    def _hint(self, binding: Binding, enabled: bool, description: str) -> KeyHint:
        return KeyHint(binding.key, self.app.get_key_display(binding), description, enabled)

    def _read_hints(self) -> tuple[list[KeyHint], KeyHint | None]:
        active = self.screen.active_bindings
        hints: list[KeyHint] = []
        seen_actions: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in seen_actions:
                seen_actions.add(binding.action)
                hints.append(self._hint(binding, enabled, binding.description))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = self._hint(binding, enabled, PALETTE_DESCRIPTION)
        return hints, palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        dim = Style(dim=True)
        line = Text(no_wrap=True, overflow="crop", end="")
        for hint in self.hints:
            hint.start = line.cell_len
            extra = Style() if hint.enabled else dim
            line.append(f" {hint.display} ", key_style + extra)
            line.append(f"{hint.description} ", description_style + extra)
            hint.end = line.cell_len
        if self.palette is not None:
            palette = self.palette
            tail = Text.assemble(
                ("▏", self.get_component_rich_style("key-bar--separator")),
                (palette.display, key_style),
                (f" {palette.description} ", description_style))
            # Always shown, as Footer docks it: the hints give way on a narrow terminal.
            room = max(0, self.size.width - tail.cell_len)
            line.truncate(room, pad=True)
            for hint in self.hints:
                hint.end = min(hint.end, room)
            palette.start = line.cell_len
            line.append_text(tail)
            palette.end = line.cell_len
        return line

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Press the key of the hint under the mouse (a bell if its action is disabled)."""
        hints = self.hints + ([self.palette] if self.palette else [])
        hint = next((h for h in hints if h.start <= event.x < h.end), None)
        if hint is None:
            return
        if hint.enabled:
            self.app.simulate_key(hint.key)
        else:
            self.app.bell()
