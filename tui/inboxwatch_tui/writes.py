"""Writes off the UI thread, in the order they were asked for, through a locked store.

Every service call that writes goes through :class:`WriteQueue`: the call runs on a worker
thread, so a store another program holds the write lock of (a backup, a long ``sqlite3``
session, a colleague's bulk action) never freezes the app. After
:data:`WAIT_NOTICE_SECONDS` the operator is told the action is waiting, and why; a call that
gives up with "database is locked" (after the store's busy timeout) is tried again until the
lock goes, each try said. The calls run one after another in the order they were asked for
(``3`` then ``j`` then ``3`` closes the two messages in that order). What the service layer
refuses (:class:`InboxwatchError`: a colleague changed the message, a permission) and any
other error end in one line, never a traceback or a closed app.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import OperationalError

from inboxwatch.errors import InboxwatchError
from inboxwatch.sanitize import clean_line

__all__ = ["WAIT_NOTICE_SECONDS", "WriteQueue", "is_locked"]

T = TypeVar("T")

WAIT_NOTICE_SECONDS = 1.0
RETRY_PAUSE_SECONDS = 0.5


def is_locked(exc: BaseException) -> bool:
    """A SQLite "database is locked": another process holds the write lock."""
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("database is locked" in text
                                                  or "database table is locked" in text)


@dataclass
class _Write(Generic[T]):
    call: Callable[[], T]
    done: Callable[[T], None]
    refused: Callable[[str], None]
    what: str


class WriteQueue:
    """One app's queue of writes; ``app`` is the Textual app (its workers, its notices)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._queue: queue.SimpleQueue[_Write[Any]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._draining = False
        self.waiting = ""  # what the write in hand waits for; "" when it is not waiting

    def submit(self, call: Callable[[], T], *, done: Callable[[T], None],
               refused: Callable[[str], None], what: str = "your action") -> None:
        """Run ``call`` after the writes before it; then ``done(result)`` or
        ``refused(line)`` on the UI thread."""
        self._queue.put(_Write(call, done, refused, what))
        with self._lock:
            if self._draining:
                return
            self._draining = True
        self.app.run_worker(self._drain, thread=True, group="writes", exit_on_error=False)

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._draining

    def _drain(self) -> None:
        while True:
            with self._lock:
                try:
                    write = self._queue.get_nowait()
                except queue.Empty:
                    self._draining = False
                    return
            self._one(write)

    def _one(self, write: _Write[Any]) -> None:
        started = time.monotonic()
        finished = threading.Event()
        timer = threading.Timer(WAIT_NOTICE_SECONDS, self._say_waiting,
                                (write, started, finished))
        timer.daemon = True
        timer.start()
        try:
            while True:
                try:
                    result = write.call()
                except InboxwatchError as exc:
                    self._ui(write.refused, clean_line(str(exc)))
                    return
                except Exception as exc:  # noqa: BLE001 - one line, the app lives on
                    if is_locked(exc):
                        self._say_waiting(write, started, finished)
                        time.sleep(RETRY_PAUSE_SECONDS)
                        continue
                    self._ui(write.refused, clean_line(
                        f"Could not save {write.what}: {type(exc).__name__}: {exc}",
                        max_chars=300))
                    return
                self._ui(write.done, result)
                return
        finally:
            finished.set()
            timer.cancel()
            if self.waiting:
                self.waiting = ""
                self._ui(self._notify, "The store is free again.", "information")

    def _say_waiting(self, write: _Write[Any], started: float,
                     finished: threading.Event) -> None:
        if finished.is_set():
            return
        seconds = int(time.monotonic() - started)
        self.waiting = (f"Waiting to save {write.what}: another program holds the store's "
                        f"write lock (a backup, a sqlite3 session?); still trying "
                        f"({seconds} s). You can go on reading.")
        self._ui(self._notify, self.waiting, "warning")

    def _notify(self, line: str, severity: str) -> None:
        self.app.notify(line, severity=severity, markup=False, timeout=6)

    def _ui(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            self.app.call_from_thread(fn, *args)
        except RuntimeError:
            pass  # the app has closed meanwhile
