"""Where a message's CPU goes in the ingest pipeline (not a test; prints figures).

The full pipeline of ``bench_imap.py`` is CPU-bound: both cores are busy until the last
message is stored. This script measures the CPU one message costs in each stage, on N
(default 10,000) mixed corpus messages from ../shared/corpora, with no IMAP server:

1. analysis, stage by stage: ``parse_message``, the auto-generated rules (``match_auto``),
   the junk and phishing evidence (``collect_evidence``), the junk verdict (``verdict``);
2. capture: committing the raw bytes to a fresh SQLite store (what the polling process does
   besides talking IMAP);
3. processing: ``process_pending`` in one process (analysis + routing + storing), with the
   full-text search index and once more without it.

Every stage starts cold, as a fresh poller does: the analysis in a process of its own, each
processing run in another. From the sum it prints the most messages a second the machine's
cores can take through the whole pipeline, and the same with parsing taken as free. CPU time
of a run varies by up to a fifth on a shared machine: each phase runs ``--repeat`` times
(default 3), interleaved, and the medians are printed.

Usage: ``python bench/bench_stages.py [--count N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_imap import ROUTING, corpus_messages

OWN_DOMAINS = ("helpdesk.example.com",)


def _per_message(seconds: float, count: int) -> float:
    return seconds / count * 1000


def analysis_phase(count: int) -> dict[str, float]:
    from inboxwatch import classify
    from inboxwatch.parse import parse_message

    raws, _ = corpus_messages(count)
    clock = time.process_time
    t0 = clock()
    parsed = [parse_message(raw) for raw in raws]
    t1 = clock()
    readable = [p for p in parsed if not p.malformed]
    for p in readable:
        classify.match_auto(p)
    t2 = clock()
    evidence = [classify.collect_evidence(p, OWN_DOMAINS) for p in readable]
    t3 = clock()
    model = classify.base_model()
    t4 = clock()
    for e in evidence:
        classify.verdict(e, model)
    t5 = clock()
    return {"parse": _per_message(t1 - t0, count), "auto": _per_message(t2 - t1, count),
            "evidence": _per_message(t3 - t2, count), "verdict": _per_message(t5 - t4, count)}


def processing_phase(count: int, search_index: bool) -> dict[str, float]:
    from sqlmodel import Session

    from inboxwatch.ingest import RawMail, capture, process_pending
    from inboxwatch_storage import open_engine
    from inboxwatch_storage.engine import drop_fulltext_index

    raws, _ = corpus_messages(count)
    mails = [RawMail(raw, origin=str(n)) for n, raw in enumerate(raws)]
    del raws
    with tempfile.TemporaryDirectory(prefix="inboxwatch-bench-") as tmp:
        engine = open_engine(f"sqlite:///{Path(tmp) / 'stages.db'}")
        if not search_index:
            with engine.begin() as connection:
                drop_fulltext_index(connection)
        clock = time.process_time
        t0 = clock()
        with Session(engine) as session:
            capture(session, mails)
            session.commit()
        t1 = clock()
        report = process_pending(engine, ROUTING, workers=1)
        t2 = clock()
        engine.dispose()
    if report.stored + report.duplicates != count:  # a few corpus files are copies
        raise SystemExit(f"stored {report.stored} and {report.duplicates} duplicates "
                         f"of {count}")
    return {"capture": _per_message(t1 - t0, count), "process": _per_message(t2 - t1, count)}


def run_phase(phase: str, count: int) -> dict[str, float]:
    """Run one phase in a fresh interpreter (cold caches, its own memory)."""
    out = subprocess.run([sys.executable, __file__, "--count", str(count), "--phase", phase],
                         check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _medians(results: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each phase (median)")
    parser.add_argument("--phase", choices=("analysis", "indexed", "unindexed"))
    args = parser.parse_args()
    if args.phase == "analysis":
        print(json.dumps(analysis_phase(args.count)))
        return
    if args.phase is not None:
        print(json.dumps(processing_phase(args.count, args.phase == "indexed")))
        return

    runs: dict[str, list[dict[str, float]]] = {"analysis": [], "indexed": [], "unindexed": []}
    for _ in range(args.repeat):  # interleaved, so that a slow spell of the machine hits all
        for phase, results in runs.items():
            results.append(run_phase(phase, args.count))
    stages, indexed, unindexed = (_medians(runs[p]) for p in ("analysis", "indexed", "unindexed"))
    analysis = sum(stages.values())
    print(f"CPU a message, {args.count} corpus messages, each stage cold, median of "
          f"{args.repeat} runs:")
    print(f"  parse {stages['parse']:.2f} ms; auto-generated rules {stages['auto']:.2f} ms; "
          f"junk evidence {stages['evidence']:.2f} ms; junk verdict {stages['verdict']:.2f} ms"
          f" (analysis {analysis:.2f} ms)")
    print(f"  capture (commit the raw bytes) {indexed['capture']:.2f} ms")
    print(f"  processing (analysis + routing + storing) {indexed['process']:.2f} ms; "
          f"{unindexed['process']:.2f} ms without the search index")
    rest = indexed["process"] - analysis
    print(f"  processing less the analysis measured alone (routing, storing): about {rest:.2f} "
          f"ms; the search index {indexed['process'] - unindexed['process']:.2f} ms of it")
    cores = os.cpu_count() or 1
    total = indexed["capture"] + indexed["process"]
    no_parse = total - stages["parse"]
    print(f"ceiling on {cores} cores with no other work: {cores / total * 1000:,.0f} msg/s "
          f"({total:.2f} ms a message in all); with parsing free: "
          f"{cores / no_parse * 1000:,.0f} msg/s")
    print("(IMAP comes on top: bench_imap.py prints the polling process's CPU a message)")


if __name__ == "__main__":
    main()
