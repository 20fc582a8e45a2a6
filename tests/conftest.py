"""Shared fixtures. Fixture plugins for real servers live in their own modules."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from inboxwatch.route import RoutingContext
from inboxwatch_storage import open_engine

pytest_plugins = ["tests.dovecot", "tests.postgres", "tests.osaccounts"]

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).parent.parent / "examples"
CORPORA = Path(__file__).parent.parent.parent / "shared" / "corpora"


@pytest.fixture(autouse=True)
def _logging_as_found() -> Iterator[None]:
    """``main()`` sets log levels and a handler for its process (inboxwatch.logs); in-process
    CLI tests must not leave them to the next test (caplog would miss INFO records)."""
    import logging

    root = logging.getLogger()
    saved = (root.level, list(root.handlers),
             {name: logging.getLogger(name).level for name in ("inboxwatch",
                                                               "inboxwatch_storage")})
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config, data or keyring."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.delenv("INBOXWATCH_CONFIG", raising=False)
    monkeypatch.delenv("INBOXWATCH_DB", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def admin_login(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The store at ``db_url`` with its first admin, login ``ada``, who this process now is
    (:func:`inboxwatch.identity.current_login` replaced): for CLI tests run in-process."""
    from sqlmodel import Session

    from inboxwatch.users import bootstrap_first_admin

    monkeypatch.setattr("inboxwatch.identity.current_login", lambda: "ada")
    engine = open_engine(db_url)
    with Session(engine) as session:
        bootstrap_first_admin(session, login="ada", name="Ada Admin")
    engine.dispose()
    return "ada"


@pytest.fixture(scope="session")
def _store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the current schema, made once: running the migrations for every test
    was most of the fast suite's time."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    open_engine(f"sqlite:///{path}").dispose()  # a checkpointed, closed WAL database
    return path


@pytest.fixture
def engine(db_url: str, _store_template: Path) -> Iterator[Engine]:
    """A fresh store at ``db_url``: a copy of the template, opened as every command opens
    a store (``open_engine`` checks the schema is current)."""
    target = Path(db_url.removeprefix("sqlite:///"))
    if not target.exists():
        shutil.copyfile(_store_template, target)
    eng = open_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def routing() -> RoutingContext:
    return RoutingContext(
        reply_address="updates@helpdesk.example.com",
        notifications_address="notify@helpdesk.example.com",
        own_domains=("helpdesk.example.com",),
    )


def require_env(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


# The real part a fixture stands for -> the marker of every test that uses it (directly or
# through another fixture), so that `make fast` (-m "not ...") leaves them out without
# anyone remembering to mark a new test.
FIXTURE_MARKERS = {
    "dovecot": "dovecot",
    "dovecot_no_idle": "dovecot",
    "postgres_url": "postgres",
    "peer_postgres": "postgres",
    "smtp": "smtp",
    "demo_env": "tmux",
    "snap_compare": "tui",
    "os_accounts": "accounts",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        for marker in sorted({m for f, m in FIXTURE_MARKERS.items() if f in names}):
            item.add_marker(marker)
        # Hypothesis tests (the equivalence proofs of the fast paths, among others) run
        # hundreds of examples each: the full suite runs them, `make fast` does not.
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker("property")
