"""The fuzzing harness on CI's small budget (bench/fuzz.py runs it large): mutations of
the repository's example mail, and of the shared corpora where present, through the whole
pipeline. Every input is stored, none takes over 5 s, memory stays bounded."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from inboxwatch.ingest import RawMail, ingest
from inboxwatch.route import RoutingContext
from tests.fuzzing import CHEAP, MUTATORS, mutate, mutations, seed_mail

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [ROOT / "examples" / "mail", ROOT.parent / "shared" / "corpora"]
CTX = RoutingContext(reply_address="updates@helpdesk.example.com",
                     notifications_address="notify@helpdesk.example.com",
                     own_domains=("helpdesk.example.com",))


def test_mutators_are_deterministic_and_change_the_mail() -> None:
    raw = next(iter((ROOT / "examples" / "mail").glob("*.eml"))).read_bytes()
    for name in MUTATORS:
        once, again = mutate(raw, name, 7), mutate(raw, name, 7)
        assert once == again and once != raw, name


@pytest.mark.slow
def test_every_mutated_input_is_stored_in_bounded_time_and_memory(engine: Engine) -> None:
    sources = seed_mail(SEEDS, 120)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    handled = slowest = 0.0
    count = 0
    for mutators, n in ((CHEAP, 240), (tuple(m for m in MUTATORS if m not in CHEAP), 24)):
        for name, mutator, seed, raw in mutations(sources, n, mutators=mutators, seed=3):
            count += 1
            started = time.monotonic()
            report = ingest(engine, CTX, [RawMail(raw=raw, origin=f"{name}:{mutator}")],
                            workers=1)
            took = time.monotonic() - started
            slowest = max(slowest, took)
            assert took < 5.0, (name, mutator, seed, took)
            handled += report.stored + report.duplicates + (not raw.strip())
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    print(f"{count} inputs, slowest {slowest:.2f} s, peak RSS grew {grown_mb:.0f} MB")
    assert handled == count
    assert grown_mb < 1024
