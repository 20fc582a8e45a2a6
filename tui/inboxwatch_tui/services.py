"""The TUI's one door to the service layer: who is acting, what they read, what they do.

:class:`StoreReader` is every read of mail (the list, counts, a message, its raw bytes, the
watcher, attachments saved): each goes through a service function that checks
``view_inbound_messages``, so the TUI cannot show mail to a login whose role forbids it.
Each method of :class:`TriageService` opens its own session, calls one function of :mod:`inboxwatch.triage` (which
checks the permission, writes and audits in one transaction) and returns a short sentence
for the operator. Errors from the service layer (:class:`InboxwatchError`) pass through so
the app can show them; the TUI never writes a table itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from inboxwatch import triage, users
from inboxwatch.attachments import SavedAttachment, save_attachments
from inboxwatch.cases import CaseDetail, LocalCaseStore
from inboxwatch.errors import InboxwatchError
from inboxwatch.messages import (
    MessageDetail,
    MessageHistory,
    count_inbound,
    list_inbound,
    message_detail,
    message_history,
    position_inbound,
    raw_message,
    versions_inbound,
)
from inboxwatch.ownership import assign, colleagues, staff_labels
from inboxwatch.roles import VIEW_INBOUND_MESSAGES, Actor
from inboxwatch.triage import AttachableFile
from inboxwatch.users import resolve_actor
from inboxwatch.watch import SnapshotCache, WatchSnapshot
from inboxwatch_storage.queries import MessageFilter, MessageRow
from inboxwatch_tui.keymap import PERMISSION_LABELS

__all__ = ["ActorState", "Done", "StoreReader", "TriageService", "Undo", "load_actor"]


@dataclass(frozen=True, slots=True)
class Undo:
    """How to take back the last action: what it was, and the service call that reverses
    it (refused, like any action, when a colleague changed the messages since)."""

    what: str
    run: Callable[[], Done]


@dataclass(frozen=True, slots=True)
class Done:
    """What a write said, and how to undo it (None: nothing to undo)."""

    said: str
    undo: Undo | None = None


@dataclass(frozen=True, slots=True)
class ActorState:
    """The operator, or why there is none (then every write action is disabled)."""

    actor: Actor | None
    problem: str = ""

    def can(self, permission: str) -> bool:
        return self.actor is not None and self.actor.can(permission)

    def why_not(self, permission: str) -> str:
        """Why ``permission`` is missing, phrased for the operator; "" when it is not."""
        if self.actor is None:
            return self.problem or "no operator identity"
        if self.actor.can(permission):
            return ""
        what = PERMISSION_LABELS.get(permission, permission)
        return f"{self.actor.label} may not {what} (needs {permission})"

    @property
    def may_view(self) -> bool:
        return self.can(VIEW_INBOUND_MESSAGES)

    @property
    def denial(self) -> str:
        """Why this login may not open the app at all; "" when it may."""
        if self.actor is None:
            return self.problem or "no operator identity"
        return self.why_not(VIEW_INBOUND_MESSAGES)

    @property
    def label(self) -> str:
        if self.actor is None:
            return "read-only"
        roles = ", ".join(sorted(self.actor.roles)) or "no role"
        return f"{self.actor.label} ({roles})"


def load_actor(engine: Engine, login: str | None = None) -> ActorState:
    """Resolve the OS login to a user; a failure becomes a read-only state with the reason."""
    try:
        with Session(engine) as session:
            return ActorState(resolve_actor(session, login=login))
    except InboxwatchError as exc:
        return ActorState(None, str(exc))


class StoreReader:
    """Every read of mail the TUI makes, as the operator, each in its own session."""

    def __init__(self, engine: Engine, actor: Actor) -> None:
        self.engine = engine
        self.actor = actor
        self._snapshots = SnapshotCache()

    def page(self, flt: MessageFilter, *, offset: int, limit: int, sort: str = "received",
             descending: bool = True) -> list[MessageRow]:
        with Session(self.engine) as session:
            return list_inbound(session, self.actor, flt, offset=offset, limit=limit,
                                sort=sort, descending=descending)

    def history(self, message_pk: int) -> MessageHistory:
        with Session(self.engine) as session:
            return message_history(session, self.actor, message_pk)

    def case(self, case_number: int) -> CaseDetail:
        with Session(self.engine) as session:
            return triage.case_detail(session, self.actor, case_number)

    def colleagues(self, query: str) -> list[tuple[int, str]]:
        """Who a message can be handed to, matching ``query`` (any part of login/email)."""
        with Session(self.engine) as session:
            found = colleagues(session, self.actor)
        q = query.strip().lower()
        return [(pk, label) for pk, label in found if q in label.lower()]

    def staff(self) -> dict[int, str]:
        """User id -> short label, for the Owner column."""
        with Session(self.engine) as session:
            return staff_labels(session, self.actor)

    def versions(self, flt: MessageFilter, *, limit: int) -> dict[int, int]:
        """Id -> version of every message ``flt`` matches (at most ``limit``): tag all."""
        with Session(self.engine) as session:
            return versions_inbound(session, self.actor, flt, limit=limit)

    def count(self, flt: MessageFilter) -> int:
        with Session(self.engine) as session:
            return count_inbound(session, self.actor, flt)

    def position(self, flt: MessageFilter, message_pk: int, *, sort: str = "received",
                 descending: bool = True) -> int | None:
        with Session(self.engine) as session:
            return position_inbound(session, self.actor, flt, message_pk, sort=sort,
                                    descending=descending)

    def detail(self, message_pk: int) -> MessageDetail | None:
        with Session(self.engine) as session:
            return message_detail(session, self.actor, message_pk)

    def raw(self, message_pk: int) -> bytes:
        with Session(self.engine) as session:
            return raw_message(session, self.actor, message_pk)

    def snapshot(self, now: datetime | None, newest: int) -> WatchSnapshot:
        """The watcher's figures, read again only when the store changed (or the hour
        turned): an idle watcher costs a change check, not a scan of the store."""
        with Session(self.engine) as session:
            return self._snapshots.get(session, self.actor, now=now, newest=newest)

    def save_attachments(self, ids: list[int], directory: Path) -> list[SavedAttachment]:
        with Session(self.engine) as session:
            return save_attachments(session, self.actor, ids, directory)


class TriageService:
    """Write actions for one operator, each one service-layer call in its own session."""

    def __init__(self, engine: Engine, state: ActorState, *,
                 activate_clients: bool = True) -> None:
        self.engine = engine
        self.state = state
        self.activate_clients = activate_clients  # system.activate_clients

    def _actor(self) -> Actor:
        if self.state.actor is None:
            raise InboxwatchError(self.state.problem or "no operator identity")
        return self.state.actor

    # -- reads used by the dialogs ---------------------------------------------------------
    def find_cases(self, query: str) -> list[tuple[int, str]]:
        """(case number, label) of the cases matching ``query``; none for a blank query."""
        if not query.strip():
            return []
        with Session(self.engine) as session:
            found = triage.find_cases(session, self._actor(), query)
        return [(c.number, f"#{c.number}  {c.title}  ·  {c.client_name} "
                           f"<{c.client_email or '-'}>  [{c.status}]") for c in found]

    def attachable(self, case_number: int, message_pk: int) -> list[AttachableFile]:
        with Session(self.engine) as session:
            return triage.attachable_files(session, self._actor(), case_number,
                                           from_message=message_pk)

    def case_label(self, case_number: int) -> str:
        with Session(self.engine) as session:
            info = LocalCaseStore(session).get(case_number)
        return f"case #{case_number}" if info is None else f"case #{case_number}: {info.title}"

    # -- writes ----------------------------------------------------------------------------
    # ``seen``: the version of each message the operator saw (its row or detail); one that
    # a colleague changed since refuses the whole action with who changed what, when.
    def mark(self, seen: dict[int, int], status: str) -> Done:
        with Session(self.engine) as session:  # one transaction: all of them or none
            states = triage.mark_many(session, self._actor(), list(seen), status, seen=seen)
        n = len(states)
        before = {s.id: s.previous_status for s in states if s.previous_status != s.status}
        after = {s.id: s.version for s in states}
        undo = Undo(f"mark of {n} message(s) {status.replace('_', ' ')}",
                    lambda: self._restore(before, after)) if before else None
        return Done(f"Marked {n} message(s) {status.replace('_', ' ')}.", undo)

    def _restore(self, statuses: dict[int, str], seen: dict[int, int]) -> Done:
        with Session(self.engine) as session:
            triage.restore_statuses(session, self._actor(), statuses,
                                    seen={pk: seen[pk] for pk in statuses})
        return Done(f"Undone: {len(statuses)} message(s) have their status back.")

    def delete(self, seen: dict[int, int], label: str) -> Done:
        with Session(self.engine) as session:  # one transaction: all of them or none
            states = triage.delete_many(session, self._actor(), list(seen),
                                        as_label=label or None, seen=seen)
        how = f" as {label}" if label else ""
        after = {s.id: s.version for s in states}
        return Done(f"Deleted {len(states)} message(s){how} (z undoes).",
                    Undo(f"delete of {len(states)} message(s){how}",
                         lambda: self._undelete(after)))

    def _undelete(self, seen: dict[int, int]) -> Done:
        with Session(self.engine) as session:
            states = triage.undelete_many(session, self._actor(), list(seen), seen=seen)
        return Done(f"Undone: {len(states)} message(s) restored, with their category"
                    " (and what the delete taught the classifier withdrawn).")

    def assign(self, seen: dict[int, int], *, to_email: str | None = None,
               release: bool = False) -> Done:
        with Session(self.engine) as session:
            states = assign(session, self._actor(), list(seen), to_email=to_email,
                            release=release, seen=seen)
        who = "nobody now" if release else (to_email or "you")
        return Done(f"{len(states)} message(s): owner {who}.")

    def not_spam(self, message_pk: int, seen: int) -> Done:
        with Session(self.engine) as session:
            triage.mark_not_spam(session, self._actor(), message_pk, seen=seen)
        return Done(f"Message {message_pk} is not spam: category normal, and the classifier "
                    "learns it as wanted mail.")

    def undelete(self, seen: dict[int, int]) -> Done:
        return self._undelete(seen)

    def create_case(self, message_pk: int, *, title: str, notes: str,
                    seen: int | None = None) -> str:
        with Session(self.engine) as session:
            case = triage.create_case(session, self._actor(), from_message=message_pk,
                                      title=title, notes=notes, seen=seen,
                                      activate_client=self.activate_clients)
        note = (f" {case.client_email or case.client_name} is now an active client: their "
                "replies route to the case.") if case.client_activated else ""
        return f"Created case #{case.number} from message {message_pk}.{note}"

    def add_participant(self, message_pk: int) -> str:
        with Session(self.engine) as session:
            number, address = triage.add_participant(session, self._actor(),
                                                     from_message=message_pk)
        return f"{address} is now a participant of case #{number}: their replies attach."

    def toggle_sender(self, email: str) -> str:
        """Activate an inactive sender, deactivate an active one (a user's own choice of
        who may write in by themselves)."""
        with Session(self.engine) as session:
            user = users.find_user_by_email(session, email)
            if user is None:
                raise InboxwatchError(f"{email} is not a user yet: create a case from the "
                                      "message, or add them with `users add`")
            if user.active:
                info = users.deactivate_user(session, self._actor(), email)
                return f"Deactivated {info.label}: their mail lands as unknown_sender."
            info = users.activate_user(session, self._actor(), email)
        return f"Activated {info.label}: their replies to their cases route by themselves."

    def link_case(self, message_pk: int, case_number: int, *, seen: int | None = None) -> str:
        with Session(self.engine) as session:
            triage.link_case(session, self._actor(), message_pk, case_number, seen=seen)
        return f"Linked message {message_pk} to case #{case_number}."

    def create_case_update(self, message_pk: int, case_number: int, *, text: str,
                           files: list[str], email_client: bool,
                           seen: int | None = None) -> str:
        """``files`` holds "case_file:ID" / "attachment:ID" values from the picker."""
        case_file_ids = [int(v.split(":", 1)[1]) for v in files if v.startswith("case_file:")]
        attachment_ids = [int(v.split(":", 1)[1]) for v in files
                          if v.startswith("attachment:")]
        with Session(self.engine) as session:
            update = triage.create_case_update(
                session, self._actor(), case_number, from_message=message_pk, text=text,
                seen=seen,
                case_file_ids=case_file_ids, attachment_ids=attachment_ids,
                email_client=email_client)
        sent = " and queued the email to the client" if email_client else ""
        return (f"Added update {update.id} to case #{case_number} with {len(update.files)} "
                f"file(s){sent}.")

    def answer(self, message_pk: int, *, text: str, close: bool,
               seen: int | None = None) -> str:
        """Email ``text`` to the message's sender (``close``: and mark it closed)."""
        from inboxwatch.answers import answer_sender

        with Session(self.engine) as session:
            done = answer_sender(session, self._actor(), message_pk, text, seen=seen,
                                 status="closed" if close else None)
        return (f"Answer to {done.to} queued (outbox {done.outbox_id})"
                + ("; message closed." if close else "."))
