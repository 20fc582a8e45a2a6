"""The inboxwatch triage app: who is acting, the keymap, the screens and the palette."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial

from rich.text import Text
from sqlalchemy import Engine
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.screen import Screen
from textual.widgets import Static

from inboxwatch.roles import Actor
from inboxwatch_tui.keymap import ALL_KEYS, APP_KEYS, KeySpec, bindings, check_keymap
from inboxwatch_tui.screens.modals import HelpScreen
from inboxwatch_tui.screens.triage import TriageScreen
from inboxwatch_tui.screens.watcher import WatcherScreen
from inboxwatch_tui.services import ActorState, StoreReader, load_actor

__all__ = ["DeniedScreen", "InboxwatchApp"]


class DeniedScreen(Screen[None]):
    """What a login that may not view mail sees: why, and nothing of the store."""

    BINDINGS = [Binding("q,escape,enter", "app.quit", "Quit", id="denied.quit")]

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield Static(Text(f"inboxwatch: not allowed: {self.reason}\n\nPress q to quit.",
                          style="bold"), id="denied")


class TriageCommands(Provider):
    """Every keyboard action in the command palette (ctrl+p), with its key and, when it is
    disabled, why."""

    async def search(self, query: str) -> Hits:
        app = self.app
        assert isinstance(app, InboxwatchApp)
        screen = self.screen
        matcher = self.matcher(query)
        for spec in ALL_KEYS:
            score = matcher.match(spec.description)
            if score <= 0:
                continue
            why = app.actor.why_not(spec.permission) if spec.permission else ""
            target = screen if spec in app.triage_specs else app
            help_text = f"key {app.key_for(spec)}" + (f" - disabled: {why}" if why else "")
            yield Hit(score, matcher.highlight(spec.description),
                      partial(target.run_action, spec.action) if not why else
                      partial(app.notify, f"Not allowed: {why}", severity="error",
                              markup=False),
                      help=help_text)


class InboxwatchApp(App[None]):
    """Triage the inbound queue of one store, as the operator the OS login names."""

    CSS_PATH = "app.tcss"
    TITLE = "inboxwatch"
    BINDINGS = bindings(APP_KEYS)
    COMMANDS = App.COMMANDS | {TriageCommands}

    def __init__(self, engine: Engine, *, keymap: dict[str, str] | None = None,
                 login: str | None = None, actor: Actor | None = None,
                 activate_clients: bool = True, poll_seconds: float = 2.0,
                 clock: Callable[[], datetime] | None = None,
                 freeze_startup_heap: bool = False) -> None:
        """``freeze_startup_heap``: once the first screen is up, move every object alive
        then (~140,000: modules, SQLAlchemy, Textual) out of the garbage collector's sight
        with :func:`gc.freeze`. They live as long as the process anyway, and a full
        collection that walks them all stalls a keypress by ~100 ms every couple of hundred
        keys. Process-wide, so it is for the real program (:func:`run_app`), not for tests
        that start many apps in one process."""
        super().__init__()
        self.freeze_startup_heap = freeze_startup_heap
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.engine = engine
        self.user_keymap = dict(keymap or {})
        self.actor: ActorState = ActorState(actor) if actor is not None else \
            load_actor(engine, login)
        self.poll_seconds = poll_seconds
        self.activate_clients = activate_clients
        self.triage_specs = frozenset(s for s in ALL_KEYS if s not in APP_KEYS)

    def get_default_screen(self) -> Screen[None]:
        if not self.actor.may_view:
            return DeniedScreen(self.actor.denial)
        return TriageScreen(self.engine, self.actor, poll_seconds=self.poll_seconds,
                            activate_clients=self.activate_clients)

    def on_mount(self) -> None:
        for problem in check_keymap(self.user_keymap):
            self.notify(problem, severity="warning", markup=False, timeout=10)
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        if self.freeze_startup_heap:
            self.call_after_refresh(gc.freeze)

    def key_for(self, spec: KeySpec) -> str:
        """The key(s) currently bound to ``spec``, after the user's remapping."""
        return self.user_keymap.get(spec.id, spec.key)

    def help_rows(self) -> list[tuple[str, str, str]]:
        rows = []
        for spec in ALL_KEYS:
            why = self.actor.why_not(spec.permission) if spec.permission else ""
            rows.append((self.key_for(spec).replace("question_mark", "?")
                         .replace("slash", "/"), spec.description,
                         f"disabled: {why}" if why else ""))
        return rows

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_rows()))

    def action_watcher(self) -> None:
        if isinstance(self.screen, WatcherScreen):
            self.pop_screen()
        elif self.actor.actor is not None and self.actor.may_view:
            self.push_screen(WatcherScreen(StoreReader(self.engine, self.actor.actor)))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Inbound Message Watcher", "Counts, oldest awaiting, arrivals "
                            "per hour", self.action_watcher)


def run_app(engine: Engine, actor: Actor, *, keymap: dict[str, str] | None = None,
            activate_clients: bool = True) -> None:
    """Run the app in the terminal as ``actor`` until the operator quits."""
    InboxwatchApp(engine, keymap=keymap, actor=actor, activate_clients=activate_clients,
                  freeze_startup_heap=True).run()


