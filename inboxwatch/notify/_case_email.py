"""The case-update email to the client, built so that the client's reply routes back.

From ``system.notifications_address``, To the case's client, ``Reply-To`` the signed
``updates+<token>@domain`` address of this update, subject ``[Case #N] <title>``, our loop
header, a Message-ID recorded both in the outbox and on the case update
(``CaseUpdate.outbound_message_id``) so that ``In-Reply-To``/``References`` route a reply
even when the token was lost, and the chosen case files attached.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from inboxwatch.config import SystemConfig, load_config, resolve_config_path
from inboxwatch.errors import InboxwatchError, NotFound
from inboxwatch.notify._compose import Attachment, build_email, check_address
from inboxwatch.notify._outbox import queue_email
from inboxwatch.sanitize import clean, clean_line
from inboxwatch.tokens import ReplyKeys, load_reply_secret, make_token, reply_address_for
from inboxwatch_storage.queries import get_blob
from inboxwatch_storage.tables import Case, CaseFile, CaseUpdate, CaseUpdateFile, Outbox, UserEmail

__all__ = ["case_subject", "queue_case_update_email"]


class CaseEmailProblem(InboxwatchError):
    """The case update cannot be emailed as asked."""


def case_subject(case_id: int, title: str) -> str:
    return f"[Case #{case_id}] {clean_line(title, max_chars=180) or '(untitled)'}"


def client_address(session: Session, client_id: int) -> str | None:
    """The client's first recorded email address."""
    return session.exec(select(UserEmail.email).where(UserEmail.user_id == client_id)
                        .order_by(col(UserEmail.id))).first()


def queue_case_update_email(session: Session, case_update_id: int, *,
                            system: SystemConfig | None = None,
                            file_ids: Sequence[int] | None = None,
                            secret: bytes | ReplyKeys | None = None) -> Outbox:
    """Queue the email for one case update in the caller's transaction; flushes only.

    ``system`` is the ``[system]`` configuration; None reads the config file that
    ``$INBOXWATCH_CONFIG`` (or the user config location) names.

    ``file_ids`` are case files of the update's case to attach; None attaches the files
    linked to the update (``CaseUpdateFile``). ``secret`` defaults to the reply-token secret
    of this installation. Sets ``emailed``, ``outbound_message_id``, ``reply_address`` and
    ``subject`` on the case update. Raises a one-line :class:`InboxwatchError` (nothing
    queued) for a missing update, a client without a valid address, a file of another case
    or a missing reply-token secret.
    """
    update = session.get(CaseUpdate, case_update_id)
    if update is None:
        raise NotFound(f"case update {case_update_id} does not exist")
    if update.emailed:
        raise CaseEmailProblem(f"case update {case_update_id} was already emailed "
                               f"({update.outbound_message_id})")
    case = session.get(Case, update.case_id)
    if case is None or case.id is None:
        raise NotFound(f"case {update.case_id} does not exist")
    to = client_address(session, case.client_id)
    if to is None:
        raise CaseEmailProblem(f"case #{case.id}: the client has no email address")
    check_address(to, f"case #{case.id} client address")
    if system is None:
        system = load_config(resolve_config_path(None)).system
    if secret is None:
        secret = load_reply_secret(system=system)
    if not secret:
        raise CaseEmailProblem("no reply-token secret: run `inboxwatch init` first, so replies "
                               "to this email can route back to the case")
    reply_to = reply_address_for(system.reply_address, make_token(case_update_id, secret))
    subject = case_subject(case.id, case.title)
    email = build_email(
        sender=system.notifications_address, to=[to], subject=subject, kind="case_update",
        body=_body(case.id, update.text), reply_to=reply_to,
        attachments=_attachments(session, case.id, case_update_id, file_ids))
    row = queue_email(session, email, kind="case_update", case_update_id=case_update_id)
    update.emailed = True
    update.outbound_message_id = email.message_id
    update.reply_address = reply_to
    update.subject = subject
    session.add(update)
    session.flush()
    return row


def _body(case_id: int, text: str) -> str:
    return (f"{clean(text).rstrip()}\n\n-- \nThis is an update to case #{case_id}. "
            "Reply to this email to add to the case.\n")


def _attachments(session: Session, case_id: int, case_update_id: int,
                 file_ids: Sequence[int] | None) -> list[Attachment]:
    if file_ids is None:
        file_ids = [i for i in session.exec(select(CaseUpdateFile.case_file_id).where(
            CaseUpdateFile.case_update_id == case_update_id)).all()]
    out: list[Attachment] = []
    for file_id in dict.fromkeys(file_ids):
        case_file = session.get(CaseFile, file_id)
        if case_file is None or case_file.case_id != case_id:
            raise CaseEmailProblem(f"case file {file_id} is not a file of case #{case_id}")
        data = get_blob(session, case_file.sha256)
        if data is None:
            raise CaseEmailProblem(f"case file {case_file.name!r}: its bytes are missing")
        out.append(Attachment(filename=case_file.name, content_type=case_file.content_type,
                              data=data))
    return out
