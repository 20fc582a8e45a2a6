"""Cases behind a small interface, so an existing case system can be plugged in later.

:class:`CaseStore` is everything the triage actions need from a case system: create, get
and search cases, add files, updates and participants. :class:`LocalCaseStore` is the
default: the ``case*`` tables of the inboxwatch store, working inside the caller's session
so that a triage action and its case changes commit (or roll back) together. The actions
in :mod:`inboxwatch.triage` only talk to a ``CaseStore``; a connector to another system
implements the same protocol.

What the protocol hands out are small frozen read models (:class:`CaseInfo`,
:class:`CaseFileInfo`, :class:`CaseUpdateInfo`, :class:`CaseDetail`), never ORM rows.

Case files are byte-identical copies: their bytes are the content-addressed blob of the
attachment they came from (same SHA-256), and names are unique within a case
(``report.pdf``, ``report (2).pdf``...).

:func:`apply_auto_case_update` is the system-level entry point the ingest pipeline uses for
an **auto case update** (a verified reply to a case update, routing step 4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from inboxwatch.attachments import numbered_names
from inboxwatch.audit import record_audit
from inboxwatch.errors import NotFound, UsageError
from inboxwatch.quotes import reply_text
from inboxwatch.roles import SYSTEM_ACTOR
from inboxwatch.users import find_user_by_email
from inboxwatch_storage.queries import attachments_of, get_blob
from inboxwatch_storage.tables import (
    Case,
    CaseFile,
    CaseParticipant,
    CaseUpdate,
    CaseUpdateFile,
    Message,
    MessageAttachment,
    User,
    UserEmail,
)

__all__ = [
    "CASE_STATUS_VALUES",
    "CaseDetail",
    "CaseFileInfo",
    "CaseInfo",
    "CaseStore",
    "CaseUpdateInfo",
    "LocalCaseStore",
    "apply_auto_case_update",
    "unique_name",
]

CASE_STATUS_VALUES = ("open", "closed")
SEARCH_LIMIT = 50


@dataclass(frozen=True, slots=True)
class CaseFileInfo:
    """A named file of a case; ``sha256`` names its bytes in the blob store."""

    id: int
    case_number: int
    name: str
    content_type: str
    size: int
    sha256: str
    source_message_pk: int | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "case": self.case_number, "name": self.name,
                "content_type": self.content_type, "size": self.size, "sha256": self.sha256,
                "source_message_id": self.source_message_pk}


@dataclass(frozen=True, slots=True)
class CaseInfo:
    """A case as search results and confirmations show it."""

    number: int
    title: str
    status: str
    client_id: int
    client_name: str
    client_email: str | None
    notes: str
    created_at: datetime
    client_activated: bool = False  # creating the case made its client an active user

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title, "status": self.status,
                "client_id": self.client_id, "client_name": self.client_name,
                "client_email": self.client_email, "notes": self.notes,
                "created_at": self.created_at.isoformat(),
                "client_activated": self.client_activated}


@dataclass(frozen=True, slots=True)
class CaseUpdateInfo:
    """One case update with the case files attached to it."""

    id: int
    case_number: int
    text: str
    author: str
    created_at: datetime
    files: tuple[CaseFileInfo, ...]
    source_message_pk: int | None
    emailed: bool
    outbound_message_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "case": self.case_number, "text": self.text,
                "author": self.author, "created_at": self.created_at.isoformat(),
                "files": [f.to_json() for f in self.files],
                "source_message_id": self.source_message_pk, "emailed": self.emailed,
                "outbound_message_id": self.outbound_message_id}


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """A case in full: files, updates (oldest first) and participants."""

    case: CaseInfo
    files: tuple[CaseFileInfo, ...] = ()
    updates: tuple[CaseUpdateInfo, ...] = ()
    participants: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {**self.case.to_json(), "files": [f.to_json() for f in self.files],
                "updates": [u.to_json() for u in self.updates],
                "participants": list(self.participants)}


class CaseStore(Protocol):
    """What the triage actions need from a case system."""

    def create(self, *, title: str, client_id: int, notes: str,
               created_by: int | None) -> CaseInfo: ...

    def get(self, number: int) -> CaseInfo | None: ...

    def detail(self, number: int) -> CaseDetail | None: ...

    def search(self, query: str, *, limit: int = SEARCH_LIMIT) -> list[CaseInfo]: ...

    def files(self, number: int) -> list[CaseFileInfo]: ...

    def add_file(self, number: int, *, name: str, sha256: str, size: int, content_type: str,
                 source_message_pk: int | None = None,
                 source_attachment_id: int | None = None) -> CaseFileInfo: ...

    def add_update(self, number: int, *, text: str, author_id: int | None,
                   file_ids: Sequence[int] = (),
                   source_message_pk: int | None = None) -> CaseUpdateInfo: ...

    def add_participant(self, number: int, user_id: int) -> None: ...

    def is_client_or_participant(self, number: int, user_id: int) -> bool: ...


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``stem (2).ext``, ``stem (3).ext``... whichever is not in ``taken``."""
    return next(candidate for candidate in numbered_names(name) if candidate not in taken)


class LocalCaseStore:
    """The default :class:`CaseStore`: the inboxwatch tables, in the caller's session.

    Methods flush but never commit: the triage action owning the session commits once.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    # ------------------------------------------------------------------ reads
    def _info(self, case: Case) -> CaseInfo:
        assert case.id is not None
        client = self.session.get(User, case.client_id)
        email = self.session.exec(
            select(UserEmail.email).where(UserEmail.user_id == case.client_id)
            .order_by(col(UserEmail.id))).first()
        return CaseInfo(case.id, case.title, case.status, case.client_id,
                        client.name if client else "", email, case.notes, case.created_at)

    def get(self, number: int) -> CaseInfo | None:
        case = self.session.get(Case, number)
        return None if case is None else self._info(case)

    def search(self, query: str, *, limit: int = SEARCH_LIMIT) -> list[CaseInfo]:
        """Cases whose number, title, client name or client email matches ``query``.

        ``42`` or ``#42`` finds case 42 first; words match case-insensitively as
        substrings, every word required. Newest cases first.
        """
        text = " ".join(query.split())
        if not text:
            return []
        found: list[Case] = []
        number = text.removeprefix("#")
        if number.isdigit() and len(number) < 12:
            exact = self.session.get(Case, int(number))
            if exact is not None:
                found.append(exact)
        stmt = select(Case).join(User, col(User.id) == col(Case.client_id))
        for word in text.split()[:10]:
            pattern = f"%{word.lower()}%"
            email_match = select(UserEmail.user_id).where(
                func.lower(UserEmail.email).like(pattern))
            stmt = stmt.where(or_(
                func.lower(Case.title).like(pattern),
                func.lower(User.name).like(pattern),
                col(Case.client_id).in_(email_match),
                cast(Case.id, String) == word.removeprefix("#"),
            ))
        stmt = stmt.order_by(col(Case.id).desc()).limit(limit)
        seen = {c.id for c in found}
        found += [c for c in self.session.exec(stmt).all() if c.id not in seen]
        return [self._info(c) for c in found[:limit]]

    def files(self, number: int) -> list[CaseFileInfo]:
        stmt = select(CaseFile).where(CaseFile.case_id == number).order_by(col(CaseFile.id))
        return [_file_info(f) for f in self.session.exec(stmt).all()]

    def _updates(self, number: int) -> list[CaseUpdateInfo]:
        stmt = select(CaseUpdate).where(CaseUpdate.case_id == number) \
            .order_by(col(CaseUpdate.created_at), col(CaseUpdate.id))
        return [self._update_info(u) for u in self.session.exec(stmt).all()]

    def _update_info(self, update: CaseUpdate) -> CaseUpdateInfo:
        assert update.id is not None
        stmt = select(CaseFile).join(
            CaseUpdateFile, col(CaseUpdateFile.case_file_id) == col(CaseFile.id)
        ).where(CaseUpdateFile.case_update_id == update.id).order_by(col(CaseFile.id))
        files = tuple(_file_info(f) for f in self.session.exec(stmt).all())
        author = "system"
        if update.author_id is not None:
            user = self.session.get(User, update.author_id)
            author = user.name if user else f"user {update.author_id}"
        return CaseUpdateInfo(update.id, update.case_id, update.text, author,
                              update.created_at, files, update.source_message_pk,
                              update.emailed, update.outbound_message_id)

    def update_info(self, update_id: int) -> CaseUpdateInfo | None:
        update = self.session.get(CaseUpdate, update_id)
        return None if update is None else self._update_info(update)

    def detail(self, number: int) -> CaseDetail | None:
        case = self.session.get(Case, number)
        if case is None:
            return None
        stmt = select(User.name).join(
            CaseParticipant, col(CaseParticipant.user_id) == col(User.id)
        ).where(CaseParticipant.case_id == number).order_by(col(User.name))
        return CaseDetail(self._info(case), tuple(self.files(number)),
                          tuple(self._updates(number)), tuple(self.session.exec(stmt).all()))

    def is_client_or_participant(self, number: int, user_id: int) -> bool:
        case = self.session.get(Case, number)
        if case is None:
            return False
        if case.client_id == user_id:
            return True
        return self.session.get(CaseParticipant, (number, user_id)) is not None

    # ------------------------------------------------------------------ writes
    def _case_or_fail(self, number: int) -> Case:
        case = self.session.get(Case, number)
        if case is None:
            raise NotFound(f"case #{number} does not exist")
        return case

    def create(self, *, title: str, client_id: int, notes: str,
               created_by: int | None) -> CaseInfo:
        title = " ".join(title.split())
        if not title:
            raise UsageError("a case needs a title")
        case = Case(title=title, client_id=client_id, notes=notes, created_by=created_by)
        self.session.add(case)
        self.session.flush()
        return self._info(case)

    def add_file(self, number: int, *, name: str, sha256: str, size: int, content_type: str,
                 source_message_pk: int | None = None,
                 source_attachment_id: int | None = None) -> CaseFileInfo:
        """Add a file whose bytes are already in the blob store under ``sha256``.

        Adding the same attachment twice returns the existing file; a different file with
        a name the case already uses gets a unique name.
        """
        self._case_or_fail(number)
        if get_blob(self.session, sha256) is None:
            raise NotFound(f"no stored bytes with SHA-256 {sha256}")
        if source_attachment_id is not None:
            same = self.session.exec(select(CaseFile).where(
                CaseFile.case_id == number,
                CaseFile.source_attachment_id == source_attachment_id)).first()
            if same is not None:
                return _file_info(same)
        taken = set(self.session.exec(
            select(CaseFile.name).where(CaseFile.case_id == number)).all())
        row = CaseFile(case_id=number, name=unique_name(name, taken)[:255],
                       content_type=content_type[:255], size=size, sha256=sha256,
                       source_message_pk=source_message_pk,
                       source_attachment_id=source_attachment_id)
        self.session.add(row)
        self.session.flush()
        return _file_info(row)

    def add_update(self, number: int, *, text: str, author_id: int | None,
                   file_ids: Sequence[int] = (),
                   source_message_pk: int | None = None) -> CaseUpdateInfo:
        self._case_or_fail(number)
        for file_id in file_ids:
            f = self.session.get(CaseFile, file_id)
            if f is None or f.case_id != number:
                raise NotFound(f"case #{number} has no file with id {file_id}")
        update = CaseUpdate(case_id=number, text=text, author_id=author_id,
                            source_message_pk=source_message_pk)
        self.session.add(update)
        self.session.flush()
        assert update.id is not None
        for file_id in dict.fromkeys(file_ids):
            self.session.add(CaseUpdateFile(case_update_id=update.id, case_file_id=file_id))
        self.session.flush()
        return self._update_info(update)

    def add_participant(self, number: int, user_id: int) -> None:
        case = self._case_or_fail(number)
        if case.client_id == user_id or \
                self.session.get(CaseParticipant, (number, user_id)) is not None:
            return
        self.session.add(CaseParticipant(case_id=number, user_id=user_id))
        self.session.flush()

    def copy_attachments(self, number: int, attachments: Sequence[MessageAttachment]
                         ) -> list[CaseFileInfo]:
        """Copy message attachments into the case as files (same bytes, unique names)."""
        return [
            self.add_file(number, name=a.filename, sha256=a.sha256, size=a.size,
                          content_type=a.content_type, source_message_pk=a.message_pk,
                          source_attachment_id=a.id)
            for a in attachments
        ]


def _file_info(f: CaseFile) -> CaseFileInfo:
    assert f.id is not None
    return CaseFileInfo(f.id, f.case_id, f.name, f.content_type, f.size, f.sha256,
                        f.source_message_pk)


def apply_auto_case_update(session: Session, message: Message, case_id: int,
                           case_update_id_replied_to: int | None) -> CaseUpdate:
    """Attach a verified reply to its case as a case update, acting as the system.

    For the ingest pipeline, routing step 4 ("matched, sender active and related"). Call it
    **after** the message and its attachments are stored (the ingest step inserted them,
    so ``message.id`` is set), inside the same transaction; it flushes and never commits.

    It creates a :class:`~inboxwatch_storage.tables.CaseUpdate` whose text is the message's body,
    whose author is the sender (when a user has that address) and whose
    ``source_message_pk`` is the message; every non-inline attachment becomes a case file
    (byte-identical, unique name) linked to the update. The message gets
    ``disposition = "case_update"``, ``case_id`` and ``case_update_id`` (the new update), and
    one audit entry by ``system`` records the reply (``case_update_id_replied_to`` is the
    outbound update it answers, kept in the audit detail). No permission check: the poller
    is the system. Raises :class:`NotFound` if the case does not exist.
    """
    if message.id is None:
        raise ValueError("apply_auto_case_update needs a stored (flushed) message")
    store = LocalCaseStore(session)
    store._case_or_fail(case_id)
    sender = find_user_by_email(session, message.from_addr) if message.from_addr else None
    files = store.copy_attachments(
        case_id, [a for a in attachments_of(session, message.id) if not a.inline])
    info = store.add_update(case_id, text=reply_text(message.body_text).text,
                            author_id=sender.id if sender else None,
                            file_ids=[f.id for f in files], source_message_pk=message.id)
    if sender is not None and sender.id is not None:
        store.add_participant(case_id, sender.id)
    before = {"disposition": message.disposition, "status": message.status,
              "case_id": message.case_id}
    message.disposition = "case_update"
    message.case_id = case_id
    message.case_update_id = info.id
    session.add(message)
    session.flush()
    replied = f"reply to case update {case_update_id_replied_to}" \
        if case_update_id_replied_to is not None else "reply"
    record_audit(session, SYSTEM_ACTOR, "auto_case_update", message_pk=message.id,
                 case_id=case_id, before=before,
                 after={"disposition": "case_update", "status": message.status,
                        "case_id": case_id, "case_update_id": info.id},
                 detail=f"{replied}; {len(files)} file(s)")
    update = session.get(CaseUpdate, info.id)
    assert update is not None
    return update
