"""Shared fixtures. Fixture plugins for real servers live in their own modules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from inboxwatch.route import RoutingContext
from storage import open_engine

pytest_plugins = ["tests.dovecot", "tests.postgres"]

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).parent.parent / "examples"
CORPORA = Path(__file__).parent.parent.parent / "shared" / "corpora"


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
def engine(db_url: str) -> Iterator[Engine]:
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
