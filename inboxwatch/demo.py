"""The embedded demo: a store built from ``examples/mail``, no server needed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from inboxwatch.config import default_data_dir
from inboxwatch.ingest import IngestReport, ingest
from inboxwatch.route import RoutingContext
from inboxwatch.sources import iter_mail
from storage import open_engine

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
    mail_dir = examples_dir() / "mail"
    mails = (m for m in iter_mail([mail_dir]) if not hasattr(m, "why"))
    report = ingest(engine, DEMO_CONTEXT, mails, workers=1)
    return engine, report
