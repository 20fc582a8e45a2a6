"""The classifier on mail it did not learn from: k-fold and leave-one-source-out figures,
and how long a verdict takes.

    python bench/bench_eval.py ../shared/corpora [--folds 5]

Prints, per held-out side, the junk threshold learned on the training side and the shares
the quality bars are about (inboxwatch/crossval.py says how), then the median time to
classify one message (rule tables and content model: ``collect_evidence`` + ``verdict``,
parsing excluded) and to analyse one (parse included). The same table is
``inboxwatch eval --cv 5 --by-source PATH``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inboxwatch import crossval
from inboxwatch.analysis import AnalysisSettings, analyze
from inboxwatch.classify import base_model, collect_evidence, verdict
from inboxwatch.evaluate import label_files
from inboxwatch.sources import Skipped


def cell(pair: tuple[int, int]) -> str:
    """``hits/total share`` in a fixed width (also used by bench_spamassassin.py)."""
    hits, total = pair
    return f"{hits:>4}/{total:<4} {hits / total:6.1%}" if total else f"{'·':>16}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    samples = crossval.load_samples([args.corpus])
    loaded = time.perf_counter() - started
    splits = [*crossval.k_fold(samples, args.folds), *crossval.by_source(samples)]
    evaluated = time.perf_counter() - started - loaded
    print(f"{len(samples)} messages analysed in {loaded:.1f} s; "
          f"{len(splits)} splits trained and sorted in {evaluated:.1f} s\n")
    print(f"{'held out':<46} {'thresh':>6}  {'junk caught':>16}  {'ham as junk':>16}  "
          f"{'hard ham as junk':>16}  {'bounces caught':>16}")
    for split in splits:
        m = crossval.summarise(split)
        print(f"{m.split:<46} {m.threshold:>6.2f}  {cell(m.junk)}  {cell(m.ham)}  "
              f"{cell(m.hard_ham)}  {cell(m.bounces)}")

    raws = [mail.raw for entry in label_files([args.corpus]) if not isinstance(entry, Skipped)
            for _, mail in [entry]][:600]
    model = base_model()
    parsed = [analyze(raw, AnalysisSettings()).parsed for raw in raws]
    classify_times, analyse_times = [], []
    for raw, p in zip(raws, parsed, strict=True):
        t0 = time.perf_counter()
        verdict(collect_evidence(p), model)
        classify_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        analyze(raw, AnalysisSettings())
        analyse_times.append(time.perf_counter() - t0)
    print(f"\nclassify one message (rules + content model): median "
          f"{statistics.median(classify_times) * 1000:.2f} ms, p90 "
          f"{sorted(classify_times)[int(len(classify_times) * 0.9)] * 1000:.2f} ms "
          f"(goal < 5 ms), over {len(raws)} messages")
    print(f"analyse one message (parse + classify): median "
          f"{statistics.median(analyse_times) * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
