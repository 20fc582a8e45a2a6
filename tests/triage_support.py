"""Shared set-up for the triage, permission and CLI tests: a store fed with example mail."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch.ingest import RawMail, ingest
from inboxwatch.roles import Actor
from inboxwatch.route import RoutingContext
from inboxwatch.users import add_user, bootstrap_first_admin, resolve_actor
from inboxwatch_storage.tables import Message

MAIL = Path(__file__).resolve().parent.parent / "examples" / "mail"
ADMIN_LOGIN = "ada"
THREE_ATTACHMENTS = "04-client-direct-question-three-attachments.eml"
CSV_QUESTION = "05-client-direct-question-csv-attachment.eml"
PLAIN_QUESTION = "01-client-direct-question.eml"
PDF_QUESTION = "02-client-direct-question-pdf-attachment.eml"


def import_examples(engine: Engine, routing: RoutingContext, *names: str) -> dict[str, int]:
    """Import example messages; returns file name -> message id."""
    mails = [RawMail((MAIL / n).read_bytes(), origin=n) for n in names]
    report = ingest(engine, routing, mails, workers=1)
    ids = dict(zip(names, report.message_ids, strict=True))
    with Session(engine) as session:
        for name, pk in ids.items():
            assert session.get(Message, pk) is not None, name
    return ids


def make_admin(engine: Engine) -> Actor:
    with Session(engine) as session:
        bootstrap_first_admin(session, login=ADMIN_LOGIN, name="Ada Admin")
        return resolve_actor(session, login=ADMIN_LOGIN)


def make_user(engine: Engine, admin: Actor, role: str) -> Actor:
    """An active user with exactly ``role`` (login = role name)."""
    with Session(engine) as session:
        add_user(session, admin, f"{role}@helpdesk.example.com", name=role.title(),
                 login=role, roles=(role,))
        return resolve_actor(session, login=role)


def message(engine: Engine, pk: int) -> Message:
    with Session(engine) as session:
        row = session.exec(select(Message).where(Message.id == pk)).one()
        session.expunge(row)
        return row
