"""The triage actions: one service function per thing an operator does to inbound mail.

The CLI and the TUI both call these and nothing else for writes (docs/product.md "Triage
actions"). Every action:

- checks the actor's permission **first** (:class:`~inboxwatch.errors.PermissionDenied`,
  exit 5, naming the permission; nothing is changed);
- runs as **one transaction**: it commits at the end, and any error rolls back everything,
  so nothing is ever half-done;
- writes one :class:`~inboxwatch_storage.tables.AuditEntry` per message or case it changes
  (who, what, when, the state before and after);
- raises :class:`~inboxwatch.errors.NotFound` with a one-line message for a message id that
  does not exist or was deleted, or a case number that does not exist;
- returns a small frozen read model (:class:`MessageState`, :class:`~inboxwatch.cases.CaseInfo`,
  :class:`~inboxwatch.cases.CaseUpdateInfo`, :class:`PurgeReport`), never an ORM row.

Signature style: ``action(session, actor, ...)``; the actor comes from
:func:`inboxwatch.users.resolve_actor`. Cases are reached through a
:class:`~inboxwatch.cases.CaseStore` (default: the local store in the same session).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, col, select

from inboxwatch.audit import message_snapshot, record_audit
from inboxwatch.cases import CaseFileInfo, CaseInfo, CaseStore, CaseUpdateInfo, LocalCaseStore
from inboxwatch.conflicts import check_unchanged
from inboxwatch.errors import NotFound, UsageError
from inboxwatch.purge import DEFAULT_RETENTION_DAYS, PurgeReport, purge
from inboxwatch.quotes import reply_text
from inboxwatch.roles import (
    CREATE_CASE,
    CREATE_CASE_UPDATE,
    DELETE_INBOUND_MESSAGE,
    MODIFY_INBOUND_MESSAGE_STATUS,
    VIEW_INBOUND_MESSAGES,
    Actor,
)
from inboxwatch.users import (
    ensure_contact,
    find_user_by_email,
    normalize_email,
    transaction,
    was_deactivated,
)
from inboxwatch_storage.queries import attachments_of
from inboxwatch_storage.tables import (
    STATUS_VALUES,
    AuditEntry,
    ClassifierFeedback,
    Message,
    MessageAttachment,
    utcnow,
)

__all__ = [
    "add_participant",
    "DEFAULT_RETENTION_DAYS",
    "DELETE_LABELS",
    "AttachableFile",
    "MessageState",
    "PurgeReport",
    "attachable_files",
    "case_detail",
    "create_case",
    "create_case_update",
    "delete",
    "delete_many",
    "find_cases",
    "inbound_message",
    "link_case",
    "mark",
    "mark_many",
    "mark_not_spam",
    "purge",
    "restore_statuses",
    "set_status",
    "undelete",
    "undelete_many",
]

DELETE_LABELS = ("spam", "phishing")
# Closing a message as handled teaches the classifier ham when it was unsure of it: scored
# this many points or more (junk is 5) yet a person dealt with it. Sure verdicts teach
# nothing (they were right), so lessons do not pile up with every closed message.
HAM_LESSON_POINTS = 2.0
TAUGHT_HAM = "closed as handled: taught the classifier ham"


@dataclass(frozen=True, slots=True)
class MessageState:
    """A message's triage state after an action."""

    id: int
    status: str
    category: str
    case_id: int | None
    deleted: bool
    version: int = 1
    previous_status: str = ""  # before the action (what an undo of a mark puts back)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "category": self.category,
                "case_id": self.case_id, "deleted": self.deleted, "version": self.version}


@dataclass(frozen=True, slots=True)
class AttachableFile:
    """A file that a case update can attach: an existing case file, or an attachment of
    the message the update is made from (copied into the case when chosen)."""

    kind: str  # case_file | attachment
    id: int
    name: str
    content_type: str
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name,
                "content_type": self.content_type, "size": self.size, "sha256": self.sha256}


# ------------------------------------------------------------------------------ helpers


def _state(m: Message) -> MessageState:
    assert m.id is not None
    return MessageState(m.id, m.status, m.category, m.case_id, m.deleted_at is not None,
                        m.version)


def _live_message(session: Session, message_pk: int, seen: int | None = None) -> Message:
    """The message, or NotFound if it does not exist or was deleted; Conflict if it is no
    longer the version ``seen`` the operator read (None: whatever it is now)."""
    m = session.get(Message, message_pk)
    if m is None:
        raise NotFound(f"message {message_pk} does not exist")
    check_unchanged(session, m, seen)
    if m.deleted_at is not None:
        raise NotFound(f"message {message_pk} was deleted (restore it with "
                       f"`inboxwatch undelete {message_pk}`)")
    return m


def inbound_message(session: Session, message_pk: int, seen: int | None = None) -> Message:
    """The live inbound message ``message_pk`` at version ``seen`` (None: as it is now), or
    the one-line refusal: it does not exist, was deleted, changed, or is a case update."""
    m = _live_message(session, message_pk, seen)
    if m.disposition != "inbound":
        raise UsageError(f"message {message_pk} is an auto case update of case "
                         f"#{m.case_id}, not an inbound message to triage")
    return m


def _case_or_fail(store: CaseStore, number: int) -> CaseInfo:
    case = store.get(number)
    if case is None:
        raise NotFound(f"case #{number} does not exist")
    return case


def _save_audited(session: Session, actor: Actor, action: str, m: Message,
                  before: dict[str, Any], *, detail: str = "") -> MessageState:
    """Write a changed message and its audit entry (before/after); the caller's transaction
    commits both."""
    session.add(m)
    session.flush()
    record_audit(session, actor, action, message_pk=m.id, case_id=m.case_id,
                 before=before, after=message_snapshot(m), detail=detail)
    return _state(m)


def set_status(m: Message, status: str) -> None:
    """Set ``m``'s status, and when it changed (the caller saves and audits it)."""
    if m.status != status:
        m.status = status
        m.status_changed_at = utcnow()


def _learn(session: Session, message: Message, label: str, actor: Actor) -> None:
    """Record the operator's verdict; the content classifier learns from it."""
    # Imported here: the classifier and the mail composer are needed by few actions, and
    # loading them was a sixth of the TUI's start-up.
    from inboxwatch import classify

    classify.learn(session, message, label, actor_id=actor.user_id)


def _queue_case_update_email(session: Session, case_update_id: int,
                             system: Any | None) -> None:
    """Queue the case-update email to the client in the current transaction (outbox): From
    the notifications address, Reply-To with the signed token, subject ``[Case #N] <title>``,
    its Message-ID recorded on the update. If it cannot be queued, the action fails whole."""
    from inboxwatch import notify

    notify.queue_case_update_email(session, case_update_id, system=system)


# ------------------------------------------------------------------------------ cases


def create_case(
    session: Session, actor: Actor, *, from_message: int | None = None,
    title: str | None = None, client_email: str | None = None, notes: str | None = None,
    store: CaseStore | None = None, activate_client: bool = True, seen: int | None = None,
) -> CaseInfo:
    """Create a case (needs ``create_case``).

    The client becomes an **active** user of role ``client`` when no user had the address
    (or only a contact made inactive, never deactivated on purpose), so that their replies
    to the case's emails route by themselves; ``activate_client=False``
    (``system.activate_clients = false``) keeps new clients inactive. The returned case says
    whether it did (``client_activated``), and so does the audit entry.

    From a message: client = the sender, title = the subject (unless ``title`` is given),
    notes = the body text,
    files = byte-identical copies of the attachments; the message is linked to the new case
    and becomes ``closed``. Without a message: ``title`` and ``client_email`` are required.
    """
    actor.require(CREATE_CASE)
    store = store or LocalCaseStore(session)
    with transaction(session):
        if from_message is not None:
            m = inbound_message(session, from_message, seen)
            if m.case_id is not None:
                raise UsageError(f"message {from_message} is already linked to case "
                                 f"#{m.case_id}: make a case update instead")
            if not m.from_addr:
                raise UsageError(f"message {from_message} has no sender address: use "
                                 "`case create --title T --client EMAIL` and link it")
            client_id, activated = _case_client(session, m.from_addr, m.from_name,
                                                activate_client)
            before = message_snapshot(m)
            case = store.create(title=title or m.subject or "(no subject)",
                                client_id=client_id,
                                notes=reply_text(m.body_text).text if notes is None else notes,
                                created_by=actor.user_id)
            assert m.id is not None
            attachments = [a for a in attachments_of(session, m.id) if not a.inline]
            files = _copy_attachments(store, case.number, attachments)
            m.case_id = case.number
            set_status(m, "closed")
            session.add(m)
            session.flush()
            record_audit(session, actor, "create_case", message_pk=m.id, case_id=case.number,
                         before=before, after=message_snapshot(m),
                         detail=f"case #{case.number} from message {m.id}; "
                                f"{len(files)} file(s)" + _activated_note(activated, m.from_addr))
            return replace(case, client_activated=activated)
        if not title or not title.strip():
            raise UsageError("a case needs --title (or --from-message)")
        if not client_email:
            raise UsageError("a case needs --client EMAIL (or --from-message)")
        address = normalize_email(client_email)
        client_id, activated = _case_client(session, address, "", activate_client)
        case = store.create(title=title, client_id=client_id, notes=notes or "",
                            created_by=actor.user_id)
        record_audit(session, actor, "create_case", case_id=case.number,
                     after={"case": case.number, "client": address},
                     detail=case.title + _activated_note(activated, address))
    return replace(case, client_activated=activated)


def _case_client(session: Session, email: str, name: str,
                 activate: bool) -> tuple[int, bool]:
    """The case's client, made an active ``client`` user when ``activate`` and nobody had
    the address or only a contact created inactive; (client, whether it was activated)."""
    found = find_user_by_email(session, normalize_email(email))
    if found is None:
        user = ensure_contact(session, email, name, active=activate)
        assert user.id is not None
        return user.id, activate
    assert found.id is not None
    if activate and not found.active and found.login is None \
            and not was_deactivated(session, found):
        found.active = True
        session.add(found)
        session.flush()
        return found.id, True
    return found.id, False


def _activated_note(activated: bool, email: str) -> str:
    return (f"; {email} is now an active user (role client): their replies route to "
            "the case") if activated else ""


def _copy_attachments(store: CaseStore, number: int,
                      attachments: Sequence[MessageAttachment]) -> list[CaseFileInfo]:
    return [
        store.add_file(number, name=a.filename, sha256=a.sha256, size=a.size,
                       content_type=a.content_type, source_message_pk=a.message_pk,
                       source_attachment_id=a.id)
        for a in attachments
    ]


def find_cases(session: Session, actor: Actor, query: str, *, limit: int = 50,
               store: CaseStore | None = None) -> list[CaseInfo]:
    """Cases matching a number (``42``/``#42``), title, client name or client email
    (needs ``view_inbound_messages``). Read-only, so not audited."""
    actor.require(VIEW_INBOUND_MESSAGES)
    return (store or LocalCaseStore(session)).search(query, limit=limit)


def case_detail(session: Session, actor: Actor, number: int,
                store: CaseStore | None = None) -> Any:
    """One case in full (:class:`~inboxwatch.cases.CaseDetail`; needs
    ``view_inbound_messages``); NotFound for an unknown number."""
    actor.require(VIEW_INBOUND_MESSAGES)
    detail = (store or LocalCaseStore(session)).detail(number)
    if detail is None:
        raise NotFound(f"case #{number} does not exist")
    return detail


def add_participant(session: Session, actor: Actor, case_number: int | None = None, *,
                    email: str | None = None, from_message: int | None = None,
                    store: CaseStore | None = None) -> tuple[int, str]:
    """Make someone a participant of a case (needs ``create_case_update``), so that their
    replies to it attach by themselves; returns (case number, address).

    ``from_message``: the sender of that message, on the case it is linked or pre-linked
    to (one action for a ``not_on_case`` message). A sender who is no user yet becomes an
    active ``client`` user; one deactivated on purpose is refused.
    """
    actor.require(CREATE_CASE_UPDATE)
    store = store or LocalCaseStore(session)
    with transaction(session):
        if from_message is not None:
            m = _live_message(session, from_message)
            case_number = case_number or m.case_id
            email = email or m.from_addr
        if case_number is None:
            raise UsageError("which case? give CASE, or --from-message a linked message")
        if not email:
            raise UsageError("whom? give --email, or --from-message a message with a sender")
        _case_or_fail(store, case_number)
        address = normalize_email(email)
        user = find_user_by_email(session, address)
        if user is not None and not user.active and was_deactivated(session, user):
            raise UsageError(f"{address} was deactivated: an admin can `users activate` it")
        user_id, _ = _case_client(session, address, "", True)
        store.add_participant(case_number, user_id)
        record_audit(session, actor, "add_participant", case_id=case_number,
                     message_pk=from_message, after={"participant": address},
                     detail=f"{address} on case #{case_number}")
    return case_number, address


def link_case(session: Session, actor: Actor, message_pk: int, case_number: int,
              store: CaseStore | None = None, *, seen: int | None = None) -> MessageState:
    """Link an inbound message to an existing case (needs
    ``modify_inbound_message_status``). The status is unchanged: a case update made from
    the message closes it. Re-linking to another case is allowed and audited."""
    actor.require(MODIFY_INBOUND_MESSAGE_STATUS)
    store = store or LocalCaseStore(session)
    with transaction(session):
        m = inbound_message(session, message_pk, seen)
        _case_or_fail(store, case_number)
        before = message_snapshot(m)
        m.case_id = case_number
        session.add(m)
        session.flush()
        record_audit(session, actor, "link_case", message_pk=m.id, case_id=case_number,
                     before=before, after=message_snapshot(m))
        state = _state(m)
    return state


def attachable_files(session: Session, actor: Actor, case_number: int,
                     from_message: int | None = None,
                     store: CaseStore | None = None) -> list[AttachableFile]:
    """What a case update can attach ("Use Existing Case Files"): the case's files, then
    the message's attachments that are not case files yet (needs
    ``view_inbound_messages``)."""
    actor.require(VIEW_INBOUND_MESSAGES)
    store = store or LocalCaseStore(session)
    _case_or_fail(store, case_number)
    files = store.files(case_number)
    out = [AttachableFile("case_file", f.id, f.name, f.content_type, f.size, f.sha256)
           for f in files]
    if from_message is not None:
        m = _live_message(session, from_message)
        assert m.id is not None
        copied = {f.sha256 for f in files}
        out += [AttachableFile("attachment", a.id or 0, a.filename, a.content_type, a.size,
                               a.sha256)
                for a in attachments_of(session, m.id)
                if not a.inline and a.sha256 not in copied]
    return out


def create_case_update(
    session: Session, actor: Actor, case_number: int, *, from_message: int | None = None,
    text: str | None = None, file_names: Sequence[str] = (),
    case_file_ids: Sequence[int] = (), attachment_ids: Sequence[int] = (),
    email_client: bool = False, system: Any | None = None, store: CaseStore | None = None,
    seen: int | None = None,
) -> CaseUpdateInfo:
    """Add an update to a case (needs ``create_case_update``).

    From a message: the message must be linked to this case (``link_case`` first); the text
    is ``text`` if given, else the message body; the message becomes ``closed``. Files are
    chosen by case-file name (``file_names``), case-file id, or attachment id of the
    message; a name or attachment that is not yet a case file but is one of the message's
    attachments is copied into the case first (byte-identical). With ``email_client`` the
    case-update email is queued in the same transaction (see :mod:`inboxwatch.notify`;
    ``system`` is the ``[system]`` config section, None = read the config file); if it
    cannot be queued, nothing is saved.
    """
    actor.require(CREATE_CASE_UPDATE)
    store = store or LocalCaseStore(session)
    with transaction(session):
        _case_or_fail(store, case_number)
        m: Message | None = None
        if from_message is not None:
            m = inbound_message(session, from_message, seen)
            if m.case_id is None:
                raise UsageError(f"message {from_message} is not linked to a case: link it "
                                 f"first (`inboxwatch case link {from_message} {case_number}`)")
            if m.case_id != case_number:
                raise UsageError(f"message {from_message} is linked to case #{m.case_id}, "
                                 f"not #{case_number}")
        body = text if text is not None else (reply_text(m.body_text).text if m is not None
                                              else "")
        if not body.strip():
            raise UsageError("a case update needs text (--text, or --from-message with a body)")
        file_ids = _choose_files(session, store, case_number, m, file_names, case_file_ids,
                                 attachment_ids)
        before = message_snapshot(m) if m is not None else {}
        update = store.add_update(case_number, text=body, author_id=actor.user_id,
                                  file_ids=file_ids,
                                  source_message_pk=m.id if m is not None else None)
        if m is not None:
            set_status(m, "closed")
            session.add(m)
            session.flush()
        if email_client:
            _queue_case_update_email(session, update.id, system)
            if isinstance(store, LocalCaseStore):
                refreshed = store.update_info(update.id)
                assert refreshed is not None
                update = refreshed
        record_audit(session, actor, "create_case_update",
                     message_pk=m.id if m is not None else None, case_id=case_number,
                     before=before, after=message_snapshot(m) if m is not None else {},
                     detail=f"case update {update.id}; files "
                            f"{[f.name for f in update.files]}; emailed {email_client}")
    return update


def _choose_files(session: Session, store: CaseStore, case_number: int, m: Message | None,
                  file_names: Sequence[str], case_file_ids: Sequence[int],
                  attachment_ids: Sequence[int]) -> list[int]:
    """Case-file ids for the chosen names/ids, copying message attachments in as needed."""
    existing = store.files(case_number)
    by_name = {f.name: f for f in existing}
    by_id = {f.id: f for f in existing}
    attachments = [a for a in attachments_of(session, m.id)] if m is not None and m.id else []
    chosen: list[int] = []
    for file_id in case_file_ids:
        if file_id not in by_id:
            raise NotFound(f"case #{case_number} has no file with id {file_id}")
        chosen.append(file_id)
    picked: list[MessageAttachment] = []
    for attachment_id in attachment_ids:
        att = next((a for a in attachments if a.id == attachment_id), None)
        if att is None:
            raise NotFound(f"the message has no attachment with id {attachment_id}")
        picked.append(att)
    for name in file_names:
        if name in by_name:
            chosen.append(by_name[name].id)
            continue
        att = next((a for a in attachments if a.filename == name), None)
        if att is None:
            names = ", ".join(sorted({*by_name, *(a.filename for a in attachments)}))
            raise NotFound(f"case #{case_number} has no file {name!r}"
                           f" (available: {names or 'none'})")
        picked.append(att)
    for att in picked:
        already = next((f for f in existing if f.sha256 == att.sha256), None)
        if already is not None:
            chosen.append(already.id)
        else:
            chosen.append(_copy_attachments(store, case_number, [att])[0].id)
    return list(dict.fromkeys(chosen))


# ------------------------------------------------------------------------------ messages


def mark(session: Session, actor: Actor, message_pk: int, status: str, *,
         seen: int | None = None) -> MessageState:
    """Set an inbound message's status (needs ``modify_inbound_message_status``); refused
    when it is no longer the version ``seen``."""
    return mark_many(session, actor, [message_pk], status,
                     seen=None if seen is None else {message_pk: seen})[0]


def mark_many(session: Session, actor: Actor, message_pks: Sequence[int],
              status: str, *, seen: Mapping[int, int] | None = None) -> list[MessageState]:
    """Set the status of several inbound messages in one transaction: all of them, or none
    (the first that cannot be marked is named, and nothing has changed). ``seen``: the
    version each was read at; one that changed since refuses the whole action."""
    actor.require(MODIFY_INBOUND_MESSAGE_STATUS)
    if status not in STATUS_VALUES:
        raise UsageError(f"unknown status {status!r} (statuses: {', '.join(STATUS_VALUES)})")
    with transaction(session):
        states = []
        for pk in dict.fromkeys(message_pks):
            m = inbound_message(session, pk, (seen or {}).get(pk))
            before = message_snapshot(m)
            set_status(m, status)
            taught = status == "closed" and before["status"] != "closed" and \
                m.category in ("normal", "marketing") and \
                m.spam_score >= HAM_LESSON_POINTS and not _has_lesson(session, pk)
            if taught:
                _learn(session, m, "ham", actor)
            states.append(replace(_save_audited(session, actor, "mark", m, before,
                                                detail=TAUGHT_HAM if taught else ""),
                                  previous_status=before["status"]))
        return states


def delete(session: Session, actor: Actor, message_pk: int, *,
           as_label: str | None = None, seen: int | None = None) -> MessageState:
    """Soft-delete a message (needs ``delete_inbound_message``): hidden from lists,
    restorable with :func:`undelete` until :func:`purge` removes it after the retention
    period. ``as_label="spam"|"phishing"`` also sets the category and teaches the
    classifier."""
    return delete_many(session, actor, [message_pk], as_label=as_label,
                       seen=None if seen is None else {message_pk: seen})[0]


def delete_many(session: Session, actor: Actor, message_pks: Sequence[int], *,
                as_label: str | None = None,
                seen: Mapping[int, int] | None = None) -> list[MessageState]:
    """:func:`delete` for several messages in one transaction: all of them, or none."""
    actor.require(DELETE_INBOUND_MESSAGE)
    if as_label is not None and as_label not in DELETE_LABELS:
        raise UsageError(f"unknown label {as_label!r} (labels: {', '.join(DELETE_LABELS)})")
    with transaction(session):
        states = []
        for pk in dict.fromkeys(message_pks):
            m = _live_message(session, pk, (seen or {}).get(pk))
            before = message_snapshot(m)
            m.deleted_at = utcnow()
            m.deleted_by = actor.user_id
            m.deleted_label = as_label
            if as_label is not None:
                m.category = as_label
                _learn(session, m, as_label, actor)
            states.append(_save_audited(session, actor, "delete", m, before,
                                        detail=f"as {as_label}" if as_label else ""))
        return states


def undelete(session: Session, actor: Actor, message_pk: int, *,
             seen: int | None = None) -> MessageState:
    """Restore a soft-deleted message (needs ``delete_inbound_message``)."""
    return undelete_many(session, actor, [message_pk],
                         seen=None if seen is None else {message_pk: seen})[0]


def undelete_many(session: Session, actor: Actor, message_pks: Sequence[int], *,
                  seen: Mapping[int, int] | None = None) -> list[MessageState]:
    """Restore soft-deleted messages in one transaction, all or none (needs
    ``delete_inbound_message``). A message deleted as spam or phishing gets back the
    category it had before, and the lesson that delete taught the classifier is withdrawn."""
    actor.require(DELETE_INBOUND_MESSAGE)
    with transaction(session):
        states = []
        for pk in dict.fromkeys(message_pks):
            m = session.get(Message, pk)
            if m is None:
                raise NotFound(f"message {pk} does not exist (purged or never stored)")
            check_unchanged(session, m, (seen or {}).get(pk))
            if m.deleted_at is None:
                raise UsageError(f"message {pk} is not deleted")
            before = message_snapshot(m)
            detail = ""
            if m.deleted_label is not None:
                m.category = _category_before_delete(session, pk) or m.category
                withdrawn = _unlearn(session, pk, m.deleted_label)
                detail = f"category {m.category} again; lesson {m.deleted_label} " + \
                    ("withdrawn" if withdrawn else "already gone")
            m.deleted_at = None
            m.deleted_by = None
            m.deleted_label = None
            states.append(_save_audited(session, actor, "undelete", m, before, detail=detail))
        return states


def restore_statuses(session: Session, actor: Actor, statuses: Mapping[int, str], *,
                     seen: Mapping[int, int] | None = None) -> list[MessageState]:
    """Put messages back to the status each had (an undo of :func:`mark_many`, whose
    messages may each have had another status): one transaction, all or none."""
    actor.require(MODIFY_INBOUND_MESSAGE_STATUS)
    for status in statuses.values():
        if status not in STATUS_VALUES:
            raise UsageError(f"unknown status {status!r}")
    with transaction(session):
        states = []
        for pk, status in statuses.items():
            m = inbound_message(session, pk, (seen or {}).get(pk))
            before = message_snapshot(m)
            set_status(m, status)
            if _last_mark_taught(session, pk):
                _unlearn(session, pk, "ham")  # the close being undone taught it
            states.append(_save_audited(session, actor, "mark", m, before, detail="undo"))
        return states


def _has_lesson(session: Session, message_pk: int) -> bool:
    return session.exec(select(ClassifierFeedback.id).where(
        ClassifierFeedback.message_pk == message_pk).limit(1)).first() is not None


def _last_mark_taught(session: Session, message_pk: int) -> bool:
    """Whether the newest change of status (a mark that changed it) taught ham."""
    for entry in session.exec(select(AuditEntry).where(
            AuditEntry.message_pk == message_pk, AuditEntry.action == "mark")
            .order_by(col(AuditEntry.id).desc()).limit(20)):
        if entry.before.get("status") != entry.after.get("status"):
            return entry.detail == TAUGHT_HAM
    return False


def _category_before_delete(session: Session, message_pk: int) -> str | None:
    entry = session.exec(select(AuditEntry).where(
        AuditEntry.message_pk == message_pk, AuditEntry.action == "delete")
        .order_by(col(AuditEntry.id).desc()).limit(1)).first()
    category = entry.before.get("category") if entry is not None else None
    return category if isinstance(category, str) else None


def _unlearn(session: Session, message_pk: int, label: str) -> bool:
    """Withdraw the newest lesson ``label`` taught on a message; False if there was none."""
    row = session.exec(select(ClassifierFeedback).where(
        ClassifierFeedback.message_pk == message_pk, ClassifierFeedback.label == label)
        .order_by(col(ClassifierFeedback.id).desc()).limit(1)).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def mark_not_spam(session: Session, actor: Actor, message_pk: int, *,
                  seen: int | None = None) -> MessageState:
    """An operator's "this is not spam" (needs ``modify_inbound_message_status``): the
    category becomes ``normal``, a phishing-raised ``needs_attention`` goes back to
    ``awaiting_review``, and the classifier learns ``ham``."""
    actor.require(MODIFY_INBOUND_MESSAGE_STATUS)
    with transaction(session):
        m = inbound_message(session, message_pk, seen)
        before = message_snapshot(m)
        if m.category == "phishing" and m.status == "needs_attention":
            set_status(m, "awaiting_review")
        m.category = "normal"
        _learn(session, m, "ham", actor)
        return _save_audited(session, actor, "mark_not_spam", m, before)
