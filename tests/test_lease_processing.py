"""The poll lease is held until processing ends: a second poll started while the first
still stores its mail is skipped, not run beside it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from inboxwatch.config import load_config
from inboxwatch.lease import LeaseHeld, acquire_lease
from inboxwatch.route import RoutingContext
from inboxwatch.sync import poll_mailbox
from inboxwatch_storage import open_engine
from tests.dovecot import DEFAULT_PASSWORD, Dovecot, make_message, write_config


def test_a_second_poll_during_processing_is_skipped(
        dovecot: Dovecot, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import inboxwatch.ingest as ingest

    monkeypatch.setenv("IW_TEST_IMAP_PW", DEFAULT_PASSWORD)
    user = dovecot.new_user()
    dovecot.append(user, [make_message(n, tag=user) for n in range(3)])
    mailbox = load_config(write_config(tmp_path / "c.toml", dovecot, user)).mailbox("support")
    engine = open_engine(db_url)
    ctx = RoutingContext(reply_address="updates@helpdesk.example.com",
                         notifications_address="notify@helpdesk.example.com")
    processing, release = threading.Event(), threading.Event()
    real = ingest._analyse_and_store

    def slow(*args: object, **kwargs: object) -> object:
        processing.set()
        release.wait(30)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "_analyse_and_store", slow)
    results = []
    first = threading.Thread(target=lambda: results.append(
        poll_mailbox(mailbox, engine, ctx, workers=1)))
    first.start()
    try:
        assert processing.wait(30)
        time.sleep(1.5)  # the fetch is over by now; only storing goes on
        for _ in range(3):  # whenever the second poll comes, while the first still stores
            with pytest.raises(LeaseHeld):
                acquire_lease(engine, "support", "second-poller")
    finally:
        release.set()
        first.join(60)
    [result] = results
    assert result.error is None and result.ingest is not None and result.ingest.stored == 3
    with acquire_lease(engine, "support", "second-poller"):
        pass  # free once it has finished
    engine.dispose()
