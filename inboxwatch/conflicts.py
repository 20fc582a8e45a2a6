"""Compare-and-set for operators who share a queue: an action carries the version of the
message its operator saw, and a message that changed since is refused with who changed
what, and when, instead of being silently overwritten.

``message.version`` is bumped by every update of the row, and the UPDATE itself checks it
(SQLAlchemy's ``version_id_col``), so a colleague's commit that lands between our read and
our write is caught too (:func:`inboxwatch.users.transaction` turns it into
:class:`~inboxwatch.errors.Conflict`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from inboxwatch.errors import Conflict, UsageError
from inboxwatch_storage.tables import AuditEntry, Message

__all__ = ["check_unchanged", "conflict_line", "parse_seen"]

_SHOWN = ("status", "category", "case_id", "deleted", "owner")
OWNERSHIP_ACTIONS = ("take", "hand_over", "release")  # their detail: "owner: <who>"


def check_unchanged(session: Session, m: Message, seen: int | None) -> None:
    """Refuse (:class:`Conflict`) when ``m`` is no longer at version ``seen``; ``None``
    means the caller did not say what it saw (a script acting on whatever is there)."""
    if seen is not None and m.version != seen:
        raise Conflict(conflict_line(session, m, seen))


def conflict_line(session: Session, m: Message, seen: int) -> str:
    """One line: what the newest change to ``m`` was, by whom, when; nothing was done."""
    entry = session.exec(select(AuditEntry).where(AuditEntry.message_pk == m.id)
                         .order_by(col(AuditEntry.id).desc()).limit(1)).first()
    head = f"message {m.id} changed after you read it"
    if entry is not None:
        what = "; ".join(part for part in (
            _what_changed(entry.before, entry.after),
            entry.detail if entry.action in (*OWNERSHIP_ACTIONS, "answer") else "") if part) \
            or entry.action.replace("_", " ")
        head = (f"message {m.id} was changed by {entry.actor} at {_when(entry.at)} "
                f"({what}) after you read it")
    return (f"{head}; nothing was done (you saw version {seen}, it is now {m.version}): "
            "look at it again and retry")


def parse_seen(text: str) -> tuple[int, int | None]:
    """``"42"`` -> (42, None); ``"42@3"`` -> (42, 3): a message id, optionally with the
    version it was read at (``show`` and ``list --json`` give it)."""
    pk, _, version = text.partition("@")
    try:
        return int(pk), (int(version) if version else None)
    except ValueError:
        raise UsageError(f"not a message id: {text!r} (expected ID or ID@VERSION, "
                         "e.g. 42 or 42@3)") from None


def _what_changed(before: dict[str, Any], after: dict[str, Any]) -> str:
    parts = []
    for key in _SHOWN:
        old, new = before.get(key), after.get(key)
        if old == new or (key not in before and key not in after):
            continue
        if key == "deleted":
            parts.append("deleted" if new else "restored")
        elif key == "case_id":
            parts.append(f"linked to case #{new}" if new is not None else "unlinked")
        elif key == "owner":
            continue  # the audit entry's detail names the new owner
        else:
            parts.append(f"{key} {old or 'none'} → {new or 'none'}")
    return "; ".join(parts)


def _when(at: datetime) -> str:
    at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
