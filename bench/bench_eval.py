"""The classifier on mail it did not learn from: k-fold and leave-one-source-out figures,
and how long a verdict takes.

    python bench/bench_eval.py ../shared/corpora bench/training [--folds 5]
                               [--client-mail DIR ...]

Prints, per held-out side, the junk threshold learned on the training side and the shares
the quality bars are about (inboxwatch/crossval.py says how), and how many of the client
mails of ``tests/data/client_mail`` and ``tests/data/helpdesk_mail`` it called junk: mail
to a help desk written for this project (questions, complaints, invoices, formal letters,
French, German, Outlook HTML with disclaimers), never trained on, sorted in every split by
that split's model and weights; the public corpora's wanted mail is mailing lists of 2002,
and a client's question called junk is the verdict a help desk can least afford. Then the
median time to classify one message (rule tables and content model: ``collect_evidence`` +
``verdict``, parsing excluded) and to analyse one (parse included). The same table is
``inboxwatch eval --cv 5 --by-source PATH ...``, without the client mail.
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
from inboxwatch.crossval import JUNK_CATEGORIES
from inboxwatch.evaluate import label_files
from inboxwatch.sources import Skipped

CLIENT_MAIL = [Path(__file__).resolve().parents[1] / "tests" / "data" / folder
               for folder in ("client_mail", "helpdesk_mail")]


def cell(pair: tuple[int, int]) -> str:
    """``hits/total share`` in a fixed width (also used by bench_spamassassin.py)."""
    hits, total = pair
    return f"{hits:>4}/{total:<4} {hits / total:6.1%}" if total else f"{'·':>16}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--client-mail", type=Path, nargs="*", default=CLIENT_MAIL,
                        help="folders of wanted client mail, never trained on")
    args = parser.parse_args()

    started = time.perf_counter()
    samples = crossval.load_samples(args.corpus)
    # Folder names that say neither junk nor ham: never trained on, in no other figure.
    clients = crossval.load_samples(args.client_mail)
    client_sources = {s.source for s in clients}
    assert all(s.truth == crossval.OTHER for s in clients), client_sources
    loaded = time.perf_counter() - started
    sides = [*crossval.k_fold_sides(samples, args.folds), *crossval.by_source_sides(samples)]
    splits = crossval.run_sides((name, training, [*held_out, *clients])
                                for name, training, held_out in sides)
    evaluated = time.perf_counter() - started - loaded
    print(f"{len(samples)} messages analysed in {loaded:.1f} s; "
          f"{len(splits)} splits trained and sorted in {evaluated:.1f} s\n")
    print(f"{'held out':<46} {'thresh':>6}  {'junk caught':>16}  {'ham as junk':>16}  "
          f"{'hard ham as junk':>16}  {'bounces caught':>16}  {'client mail as junk':>19}")
    missed: dict[str, int] = {}
    for split in splits:
        m = crossval.summarise(split)
        client_junk = sum(split.share(crossval.OTHER, JUNK_CATEGORIES, source=source)[0]
                          for source in client_sources)
        print(f"{m.split:<46} {m.threshold:>6.2f}  {cell(m.junk)}  {cell(m.ham)}  "
              f"{cell(m.hard_ham)}  {cell(m.bounces)}  {cell((client_junk, len(clients)))}")
        for mistake in split.others_as_junk:
            if mistake.source in client_sources:
                missed[mistake.name] = missed.get(mistake.name, 0) + 1
    if missed:
        print("\nclient mail called junk (in how many splits): " + ", ".join(
            f"{name} ({count})" for name, count in sorted(missed.items(), key=lambda i: -i[1])))

    raws = [mail.raw for entry in label_files(args.corpus) if not isinstance(entry, Skipped)
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
