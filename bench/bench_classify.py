"""Median classification cost per message, over a corpus directory.

    python bench/bench_classify.py ../shared/corpora

Prints three figures per message: parsing alone (not classification, for scale), the
classification proper (the auto-generated rule table + spam/phishing/marketing evidence +
the content classifier's verdict, on an already parsed message) and the whole pure analysis
(``inboxwatch.route.analyze``: parse + classify), as run in the ingest worker processes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from inboxwatch.classify import base_model, collect_evidence, match_auto, verdict
from inboxwatch.parse import parse_message
from inboxwatch.route import AnalysisSettings, analyze


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--limit", type=int, default=3000)
    args = parser.parse_args()
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file()
                   and not p.name.startswith(("LICENSE", "MANIFEST", "README", ".")))
    raws = [p.read_bytes() for p in files[: args.limit]]
    model = base_model()  # loaded once per process, as in the workers
    settings = AnalysisSettings(own_domains=("helpdesk.example.com",))
    parse_ms, classify_ms, analyze_ms = [], [], []
    for raw in raws:
        t0 = time.perf_counter()
        parsed = parse_message(raw)
        t1 = time.perf_counter()
        match_auto(parsed)
        verdict(collect_evidence(parsed, settings.own_domains), model)
        t2 = time.perf_counter()
        analyze(raw, settings)
        t3 = time.perf_counter()
        parse_ms.append((t1 - t0) * 1000)
        classify_ms.append((t2 - t1) * 1000)
        analyze_ms.append((t3 - t2) * 1000)
    print(f"{len(raws)} messages from {args.corpus}")
    for name, values in (("parse", parse_ms), ("classify", classify_ms),
                         ("analyze (parse+classify)", analyze_ms)):
        values.sort()
        print(f"{name:26} median {statistics.median(values):6.2f} ms   "
              f"p95 {values[int(len(values) * 0.95)]:6.2f} ms   max {values[-1]:7.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
