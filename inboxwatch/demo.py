"""The embedded demo: a store built from ``examples/mail``, no server needed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from inboxwatch.config import default_data_dir
from inboxwatch.ingest import IngestReport, ingest
from inboxwatch.route import RoutingContext
from inboxwatch.sources import iter_mail
from inboxwatch_storage import open_engine

__all__ = ["DEMO_CONTEXT", "build_demo_store", "demo_db_url", "examples_dir"]

DEMO_CONTEXT = RoutingContext(
    reply_address="updates@helpdesk.example.com",
    notifications_address="notify@helpdesk.example.com",
    own_domains=("helpdesk.example.com",),
)


def examples_dir() -> Path:
    """The example mail: shipped inside the package, or beside it in a source checkout."""
    packaged = Path(__file__).parent / "_examples"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "examples"


def demo_db_url() -> str:
    return f"sqlite:///{default_data_dir() / 'demo' / 'demo.db'}"


def build_demo_store(url: str | None = None, *, reset: bool = False) -> tuple[Engine,
                                                                           IngestReport]:
    """Create (or refresh) the demo store and import the example mail into it."""
    url = url or demo_db_url()
    if reset and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = open_engine(url)
    seed_demo_people_and_cases(engine)
    mail_dir = examples_dir() / "mail"
    mails = (m for m in iter_mail([mail_dir]) if not hasattr(m, "why"))
    report = ingest(engine, DEMO_CONTEXT, mails, workers=1)
    return engine, report


# The people and cases the example mail refers to (examples/README.md): clients are active
# users so that their replies route; Kim Lee (12-) is deliberately not a user.
DEMO_CLIENTS: tuple[tuple[str, str], ...] = (
    ("alice@client-one.example.com", "Alice Martin"),
    ("bob@client-two.example.org", "Bob Tanaka"),
    ("carol@client-three.example.net", "Carol Nguyen"),
    ("dave.okoro@client-one.example.com", "Dave Okoro"),
    ("erin.walsh@client-four.example.org", "Erin Walsh"),
    ("frank.osei@client-two.example.org", "Frank Osei"),
    ("grace.olsen@client-four.example.org", "Grace Olsen"),
    ("heidi.k@client-three.example.net", "Heidi Karlsson"),
    ("pat.rivera@client-three.example.net", "Pat Rivera"),
    ("olga.n@client-four.example.org", "Olga Novak"),
    ("k.baecker@kunde-de.example.org", "Katrin Bäcker"),
)
# (case number, title, client email, ((update id, outbound Message-ID, text), ...))
DEMO_CASES: tuple[tuple[int, str, str, tuple[tuple[int, str, str], ...]], ...] = (
    (3, "Printer offline on 2nd floor", "alice@client-one.example.com", (
        (101, "<case-update-101.20261123T101830@helpdesk.example.com>",
         "We are looking into the printer on the 2nd floor."),
        (102, "<case-update-102.20261124T140512@helpdesk.example.com>",
         "We replaced the network cable. Is the printer back online?"),
    )),
    (5, "Shared drive quota exceeded", "bob@client-two.example.org", (
        (103, "<case-update-103.20261124T161200@helpdesk.example.com>",
         "We raised the quota to 200 GB. Please send a screenshot if it happens again."),
    )),
    (8, "Email signature template", "pat.rivera@client-three.example.net", (
        (104, "<case-update-104.20261123T152957@helpdesk.example.com>",
         "The new signature template is attached."),
    )),
    (9, "VPN certificate renewal", "frank.osei@client-two.example.org", (
        (105, "<case-update-105.20261124T081240@helpdesk.example.com>",
         "Your VPN certificate was renewed."),
    )),
    (11, "Monitor arm installation", "olga.n@client-four.example.org", (
        (106, "<case-update-106.20261124T164410@helpdesk.example.com>",
         "A technician will install the monitor arm on Thursday."),
    )),
    (12, "Conference room display flickers", "grace.olsen@client-four.example.org", (
        (107, "<case-update-107.20261124T140200@helpdesk.example.com>",
         "We ordered a replacement HDMI cable for the conference room."),
    )),
    (14, "Zugang zum Kundenportal gesperrt", "k.baecker@kunde-de.example.org", (
        (108, "<case-update-108.20261124T152000@helpdesk.example.com>",
         "Ihr Zugang wurde entsperrt."),
    )),
)


def seed_demo_people_and_cases(engine: Engine) -> None:
    """Make the OS login an admin, add the example senders as clients and the open cases
    (with their emailed updates) that the example replies answer. Idempotent."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from inboxwatch.users import bootstrap_first_admin, ensure_contact, seed_roles
    from inboxwatch_storage.tables import Case, CaseUpdate

    with Session(engine) as session:
        bootstrap_first_admin(session)
        seed_roles(session)
        for email, name in DEMO_CLIENTS:
            contact = ensure_contact(session, email, name)
            contact.active = True
            session.add(contact)
        session.flush()
        for number, title, client_email, updates in DEMO_CASES:
            if session.get(Case, number) is not None:
                continue
            client = ensure_contact(session, client_email)
            assert client.id is not None
            first = datetime.strptime(updates[0][1].split(".")[1].split("@")[0],
                                      "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            session.add(Case(id=number, title=title, client_id=client.id, status="open",
                             notes=f"Demo case: {title}.", created_at=first))
            session.flush()
            for update_id, message_id, text in updates:
                sent = datetime.strptime(message_id.split(".")[1].split("@")[0],
                                         "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
                session.add(CaseUpdate(
                    id=update_id, case_id=number, text=text, created_at=sent, emailed=True,
                    outbound_message_id=message_id,
                    reply_address=f"updates+demo{update_id}@helpdesk.example.com",
                    subject=f"[Case #{number}] {title}"))
        session.commit()
