"""The parser worker processes that :func:`inboxwatch.ingest.process_pending` shares a
backlog out to: one pool a process, spawned on first use, each worker with its logs relayed
to the parent and a watchdog that ends it when the parent dies (even by SIGKILL).

The store transactions of the workers take turns with one lock a pool
(:func:`store_turn`); a process that is not a worker relies on the store's own locking.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from logging.handlers import QueueHandler, QueueListener
from typing import Any

__all__ = ["default_workers", "pool", "shutdown_pool", "store_turn"]

log = logging.getLogger(__name__)

_POOL: ProcessPoolExecutor | None = None
_LOG_LISTENER: QueueListener | None = None
# In a worker: the lock its store transactions take turns with (one per pool). None in the
# process that owns the pool, whose own (small) batches rely on the store's locking alone.
_STORE_LOCK: Any = None


def pool(workers: int) -> Executor:
    """The pool of ``workers`` parser processes, started on first use and again after a
    worker died."""
    global _POOL, _LOG_LISTENER
    if _POOL is not None and getattr(_POOL, "_broken", False):
        # A worker died (killed, out of memory): a new pool, with a new store lock in case
        # the dead one held it, instead of failing every later poll.
        log.warning("a parser worker died; starting new workers")
        shutdown_pool(wait=False)
    if _POOL is None:
        # spawn, not fork: the poller runs threads (scheduler, IDLE) and forking those is
        # unsafe; and, unlike forkserver, the workers are our own children, so they can be
        # told to die with us.
        ctx = multiprocessing.get_context("spawn")
        log_queue = ctx.Queue()
        _LOG_LISTENER = QueueListener(log_queue, _Relay())
        _LOG_LISTENER.start()
        _POOL = ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_worker_init,
            initargs=(os.getpid(), ctx.Lock(), log_queue,
                      logging.getLogger().getEffectiveLevel()))
    return _POOL


class _Relay(logging.Handler):
    """Hands a worker's log record to this process's logger of the same name, so worker
    logs go wherever this process's logging configuration sends them."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


def _worker_init(parent_pid: int, store_lock: Any, log_queue: Any, log_level: int) -> None:
    """Set up a worker: its logs go to the parent, its store transactions take turns, and it
    exits when the process that owns the pool dies, even by SIGKILL (no orphaned workers
    after a crashed poll).

    A watchdog thread, not ``prctl(PR_SET_PDEATHSIG)``: Linux sends that signal when the
    parent *thread* that spawned the worker ends, and workers are spawned from whichever
    thread first needs them (a poll's processing thread in ``inboxwatch run``), so they would
    die with it and leave the pool broken for the next poll.
    """
    global _STORE_LOCK
    if os.getppid() != parent_pid:  # the parent died before we got here
        os._exit(0)

    def watchdog() -> None:
        import time

        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watchdog, name="parent-watchdog", daemon=True).start()
    _STORE_LOCK = store_lock
    root = logging.getLogger()
    root.handlers[:] = [QueueHandler(log_queue)]
    root.setLevel(log_level)
    # Load the content model now, then take everything loaded so far out of the garbage
    # collector's sight: its full collections walked that whole heap again and again (in a
    # process doing the same work, GC took 0.14 ms a message, 0.05 ms with it frozen).
    from inboxwatch.classify import base_model

    base_model()
    gc.collect()
    gc.freeze()


def shutdown_pool(*, wait: bool = True) -> None:
    """Stop the workers (at exit, or to start again after one died)."""
    global _POOL, _LOG_LISTENER
    if _POOL is not None:
        _POOL.shutdown(wait=wait, cancel_futures=True)
        _POOL = None
    if _LOG_LISTENER is not None:
        _LOG_LISTENER.stop()
        _LOG_LISTENER = None


def default_workers() -> int:
    """One worker a core, at most eight."""
    return max(1, min(os.cpu_count() or 1, 8))


def store_turn() -> AbstractContextManager[Any]:
    """Held while a worker writes to the store, so that no two batches route against each
    other's half-written state; nothing to hold outside a worker."""
    return _STORE_LOCK if _STORE_LOCK is not None else nullcontext()
