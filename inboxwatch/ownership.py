"""Who is working on a message: take it, hand it over to a colleague, let it go.

A message has at most one owner (``message.owner_id``), shown in the TUI's Owner column
and in ``messages``; the "mine" and "unassigned" filters read it. Each change is one
transaction, audited, and compare-and-set like every triage action (``seen``), so two
operators taking the same message at once cannot both believe it is theirs: the second is
refused with who took it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlmodel import Session, col, select

from inboxwatch.audit import message_snapshot, record_audit
from inboxwatch.conflicts import check_unchanged
from inboxwatch.errors import NotFound, UsageError
from inboxwatch.roles import MODIFY_INBOUND_MESSAGE_STATUS, VIEW_INBOUND_MESSAGES, Actor
from inboxwatch.triage import MessageState
from inboxwatch.users import actor_for_user, find_user_by_email, normalize_email, transaction
from inboxwatch_storage.tables import Message, User, UserEmail

__all__ = ["assign", "colleagues", "staff_labels"]


def assign(session: Session, actor: Actor, message_pks: Sequence[int], *,
           to_email: str | None = None, release: bool = False,
           seen: Mapping[int, int] | None = None) -> list[MessageState]:
    """Take messages (no ``to_email``), hand them over to the colleague ``to_email``, or
    let them go (``release``): all of them or none, audited (needs
    ``modify_inbound_message_status``; the colleague must have it too)."""
    actor.require(MODIFY_INBOUND_MESSAGE_STATUS)
    if release and to_email:
        raise UsageError("hand over or release, not both")
    with transaction(session):
        owner_id, owner_label = (None, "nobody") if release else _owner(session, actor,
                                                                        to_email)
        action = "release" if release else ("hand_over" if to_email else "take")
        states = []
        for pk in dict.fromkeys(message_pks):
            m = session.get(Message, pk)
            if m is None:
                raise NotFound(f"message {pk} does not exist")
            check_unchanged(session, m, (seen or {}).get(pk))
            if m.deleted_at is not None:
                raise NotFound(f"message {pk} was deleted (restore it with "
                               f"`inboxwatch undelete {pk}`)")
            before = message_snapshot(m)
            m.owner_id = owner_id
            session.add(m)
            session.flush()
            record_audit(session, actor, action, message_pk=m.id, case_id=m.case_id,
                         before=before, after=message_snapshot(m),
                         detail=f"owner: {owner_label}")
            assert m.id is not None
            states.append(MessageState(m.id, m.status, m.category, m.case_id, False,
                                       m.version))
        return states


def _owner(session: Session, actor: Actor, to_email: str | None) -> tuple[int, str]:
    if not to_email:
        if actor.user_id is None:
            raise UsageError(f"{actor.label} is not a user and cannot own messages")
        return actor.user_id, actor.label
    address = normalize_email(to_email)
    user = find_user_by_email(session, address)
    if user is None or user.id is None:
        raise NotFound(f"no inboxwatch user has the address {address}")
    if not user.active:
        raise UsageError(f"{address} is deactivated: hand the message to someone else")
    if not actor_for_user(session, user).can(MODIFY_INBOUND_MESSAGE_STATUS):
        raise UsageError(f"{address} may not work on inbound messages (their role lacks "
                         f"{MODIFY_INBOUND_MESSAGE_STATUS})")
    return user.id, address


def staff_labels(session: Session, actor: Actor) -> dict[int, str]:
    """User id -> a short label (login, else the address's local part) for every user who
    owns a message or could: what the Owner column shows (needs
    ``view_inbound_messages``)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    rows = session.exec(select(User.id, User.login, UserEmail.email)
                        .join(UserEmail, col(UserEmail.user_id) == col(User.id),
                              isouter=True)
                        .where(col(User.login).is_not(None))).all()
    out: dict[int, str] = {}
    for user_id, login, email in rows:
        if user_id is not None and user_id not in out:
            out[user_id] = login or (email or "").split("@")[0] or f"user {user_id}"
    return out


def colleagues(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(user id, "login <email>") of every active user a message can be handed to: who
    may change statuses (needs ``view_inbound_messages``)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    out = []
    for user in session.exec(select(User).where(User.active == True)  # noqa: E712
                             .order_by(col(User.id))).all():
        who = actor_for_user(session, user)
        if user.id is not None and who.can(MODIFY_INBOUND_MESSAGE_STATUS):
            out.append((user.id, f"{user.login or user.name} <{who.label}>"))
    return out
