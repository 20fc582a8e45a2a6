"""The store works on PostgreSQL by URL: schema, import, search, triage, raw bytes.

Each test gets its own database in the session's throw-away cluster (tests/postgres.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlmodel import Session

from inboxwatch import triage
from inboxwatch.cli import main
from inboxwatch.route import RoutingContext
from inboxwatch_storage import open_engine
from inboxwatch_storage.queries import get_blob
from inboxwatch_storage.schema import current_revision, head_revision
from tests.triage_support import THREE_ATTACHMENTS, import_examples, make_admin

EXAMPLES = Path(__file__).parent.parent / "examples" / "mail"


def test_import_search_show_on_postgresql(pg_db: str, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from sqlmodel import Session

    from inboxwatch.users import bootstrap_first_admin

    monkeypatch.setattr("inboxwatch.identity.current_login", lambda: "ada")
    n = len(list(EXAMPLES.glob("*.eml")))
    assert main(["--db", pg_db, "--json", "import", str(EXAMPLES)]) == 0
    # 47/48-duplicate-* are one mail delivered to two addresses: one item
    assert json.loads(capsys.readouterr().out)["stored"] == n - 1
    assert main(["--db", pg_db, "--json", "import", str(EXAMPLES)]) == 0
    assert json.loads(capsys.readouterr().out)["stored"] == 0
    engine = open_engine(pg_db)
    with Session(engine) as session:
        bootstrap_first_admin(session, login="ada")  # who reads: an admin
    engine.dispose()
    assert main(["--db", pg_db, "--json", "messages", "--search", "printer"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and all("printer" in json.dumps(h).lower() or h["id"] for h in hits)
    engine = open_engine(pg_db)
    assert current_revision(engine) == head_revision()
    source = EXAMPLES / "40-mbox-envelope-from-line.eml"
    with Session(engine) as session:
        raw = get_blob(session, hashlib.sha256(source.read_bytes()).hexdigest())
    assert raw == source.read_bytes()
    engine.dispose()


def test_triage_on_postgresql(pg_db: str, routing: RoutingContext) -> None:
    engine = open_engine(pg_db)
    ids = import_examples(engine, routing, THREE_ATTACHMENTS)
    admin = make_admin(engine)
    with Session(engine) as session:
        case = triage.create_case(session, admin, from_message=ids[THREE_ATTACHMENTS])
    with Session(engine) as session:
        detail = triage.case_detail(session, admin, case.number)
        assert len(detail.files) == 3
        state = triage.mark(session, admin, ids[THREE_ATTACHMENTS], "needs_attention")
        assert state.status == "needs_attention"
    engine.dispose()
