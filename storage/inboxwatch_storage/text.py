"""Text a database accepts: the last guard before a value is written.

A lone surrogate (what Python's decoders leave for a byte that is no character) makes
SQLite's driver and PostgreSQL raise; NUL makes PostgreSQL raise. The parser already turns
both into valid text and flags the message (:mod:`inboxwatch.parse`); this guard sits in the
bulk writer that every store step goes through, so that a value from any other path
(a new field, a bug) is stored with U+FFFD rather than blocking the mail behind it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["storable", "storable_text"]

log = logging.getLogger(__name__)
_NOT_TEXT_RE = re.compile("[\x00\ud800-\udfff]")


def storable_text(value: str) -> str:
    """``value`` with each lone surrogate and NUL replaced by U+FFFD (the same object
    when it is valid already, which is the cost of one regular-expression scan)."""
    if _NOT_TEXT_RE.search(value) is None:
        return value
    log.warning("invalid text reached the store and was replaced by U+FFFD: %r",
                value[:80])
    return _NOT_TEXT_RE.sub("\ufffd", value)


def storable(value: Any) -> Any:
    """:func:`storable_text` through strings, lists, tuples and dicts (a JSON column)."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value
