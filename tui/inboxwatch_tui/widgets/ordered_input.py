"""A text input that keeps keys in the order they were typed.

Textual's :class:`~textual.widgets.Input` inserts a printable key as soon as it handles it,
but runs its own key bindings (``ctrl+u`` deletes to the start, ``ctrl+w`` a word,
``home``, ``enter``) only later: an unhandled key bubbles up to the app, and the app checks
the bindings of the focus chain when it gets there. When keys arrive together (a paste of
keystrokes, SSH after a stall, tmux ``send-keys``), the printable keys behind a bound key
are therefore inserted *before* the bound key acts: ``ctrl+u`` then ``x`` leaves an empty
field, as ``x`` is typed and then deleted with the rest. That emptied the attachment
dialog's directory and saved the files into the current directory.

:class:`OrderedInput` runs the input's own bindings as each key is handled, so every key
acts in turn. (Reproduction for an upstream report: ``docs/upstream/textual-input-key-order.md``.)
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

__all__ = ["OrderedInput"]


class OrderedInput(Input):
    """:class:`~textual.widgets.Input` whose own key bindings act in the order typed."""

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, []):
            if self.check_action(binding.action, ()) is False:
                continue
            event.stop()
            event.prevent_default()
            await self.run_action(binding.action)
            return
        await super()._on_key(event)
