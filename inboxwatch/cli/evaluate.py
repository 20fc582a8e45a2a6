"""``inboxwatch eval``: the confusion matrix of the real pipeline over labelled folders."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from inboxwatch.cli._access import OPEN
from inboxwatch.cli._context import Context
from inboxwatch.sanitize import clean_line

if TYPE_CHECKING:
    from inboxwatch.evaluate import EvalReport

__all__ = ["register"]


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "eval", parents=[parent],
        help="run the pipeline over labelled corpus folders and print a confusion matrix",
        description="Ingest every message under PATH into a temporary store and count the "
                    "category each one gets, by label (the folder a file is in, relative "
                    "to PATH).")
    p.add_argument("paths", nargs="+", metavar="PATH", help="folders (or files) of mail")
    p.add_argument("--label", metavar="L", help="use L as the label of every message")
    p.add_argument("--held-out", action="store_true",
                   help="leave out the messages the classifier was trained on (known by "
                        "their bytes, whatever their folder): figures on unseen mail")
    p.add_argument("--workers", type=int, default=None,
                   help="parser processes (default: one per core)")
    honest = p.add_argument_group(
        "figures on mail the content model did not learn from (inboxwatch/crossval.py)")
    honest.add_argument("--cv", type=int, metavar="K", default=None,
                        help="K-fold cross-validation: each fold sorted by a content model "
                             "and a junk threshold learned from the other folds only")
    honest.add_argument("--by-source", action="store_true",
                        help="leave one source out: each folder of junk, ham or bounces "
                             "sorted by a model learned from every other folder")
    p.set_defaults(func=cmd_eval, access=OPEN)


def cmd_eval(ctx: Context, args: argparse.Namespace) -> int:
    from inboxwatch.evaluate import evaluate  # the whole pipeline: only when it runs
    from inboxwatch.sources import check_paths

    paths = check_paths(args.paths)
    if args.cv is not None or args.by_source:
        return _honest(ctx, args, paths)
    report = evaluate(paths, ctx.routing_context(), label=args.label,
                      held_out=args.held_out, workers=args.workers)
    if ctx.json:
        ctx.emit_json(report.to_json())
        return 0
    table = confusion_table(report)
    console = ctx.console
    if not console.is_terminal:
        # Piped or captured: never squeeze the figures into "…", print the matrix whole.
        needed = Measurement.get(console, console.options.update(max_width=1000),
                                 table).maximum
        console = Console(file=console.file, width=max(needed, 80), markup=False,
                          highlight=False, emoji=False)
    console.print(table)
    if report.held_out:
        shown = ", ".join(f"{clean_line(k)} {v}" for k, v in sorted(report.left_out.items()))
        ctx.err.print(Text(f"held out: left out {sum(report.left_out.values())} message(s) "
                           f"the classifier was trained on ({shown or 'none of these'})"))
    for line in report.skipped[:20]:
        ctx.err.print(Text(f"skipped {clean_line(line)}"))
    return 0


def _honest(ctx: Context, args: argparse.Namespace, paths: list[Any]) -> int:
    from inboxwatch import crossval
    from inboxwatch.errors import UsageError

    if args.cv is not None and not 2 <= args.cv <= 20:
        raise UsageError("--cv K: K is 2 to 20 folds")
    if args.held_out or args.label:
        raise UsageError("--cv and --by-source choose what is held out themselves: drop "
                         "--held-out and --label")
    samples = crossval.load_samples(paths)
    folds = crossval.k_fold(samples, args.cv) if args.cv else []
    splits = [*folds, *(crossval.by_source(samples) if args.by_source else [])]
    summaries = [crossval.summarise(s) for s in splits]
    # How far the junk probability shown can be trusted: every fold's held-out messages.
    bins = crossval.reliability(p for split in folds for p in split.predictions)
    if ctx.json:
        ctx.emit_json({"splits": [s.to_json() for s in splits],
                       "summary": [{"split": m.split, "threshold": m.threshold,
                                    "junk": m.junk, "ham": m.ham, "hard_ham": m.hard_ham,
                                    "bounces": m.bounces,
                                    "calibration_error": m.calibration_error}
                                   for m in summaries],
                       "reliability": [{"low": b.low, "high": b.high, "messages": b.count,
                                        "predicted": b.predicted, "observed": b.observed}
                                       for b in bins]})
        return 0
    table = Table(title=f"inboxwatch eval: {len(samples)} messages, held out "
                        + " and ".join(x for x in (
                            f"{args.cv}-fold" if args.cv else "",
                            "one source at a time" if args.by_source else "") if x))
    for column in ("held out", "threshold", "junk caught", "ham called junk",
                   "hard ham called junk", "bounces caught", "calibration error"):
        table.add_column(column, justify="left" if column == "held out" else "right")
    for m in summaries:
        table.add_row(Text(clean_line(m.split)), Text(f"{m.threshold:.2f}"),
                      *(_cell(pair) for pair in (m.junk, m.ham, m.hard_ham, m.bounces)),
                      Text("·" if m.calibration_error is None
                           else f"{m.calibration_error:.1%}"))
    console = ctx.console
    if not console.is_terminal:
        console = Console(file=console.file, width=160, markup=False, highlight=False,
                          emoji=False)
    console.print(table)
    if bins:
        reliability = Table(title=f"junk probability shown, and how often it was junk "
                                  f"({args.cv}-fold, held out)")
        for column in ("probability shown", "messages", "mean shown", "junk among them"):
            reliability.add_column(column, justify="right")
        for b in bins:
            reliability.add_row(f"{b.low:.0%}-{b.high:.0%}", str(b.count),
                                f"{b.predicted:.1%}", f"{b.observed:.1%}")
        console.print(reliability)
    for split in splits:
        for mistake in split.false_positives[:10]:
            console.print(Text(clean_line(f"false positive in {split.name}: "
                                          f"{mistake.line()}", max_chars=300)))
        for mistake in split.others_as_junk[:10]:
            console.print(Text(clean_line(f"called junk in {split.name} (in no figure): "
                                          f"{mistake.line()}", max_chars=300)))
    return 0


def _cell(pair: tuple[int, int]) -> Text:
    hits, total = pair
    return Text(f"{hits}/{total} {hits / total:.1%}" if total else "·")


def confusion_table(report: EvalReport) -> Table:
    """Rows = label, columns = category, then the shares that the quality bars are about."""
    from inboxwatch.evaluate import AUTO_GENERATED, JUNK

    title = "inboxwatch eval" + (" (held-out share only)" if report.held_out else "")
    table = Table(title=title)
    table.add_column("label", no_wrap=True)
    for category in report.categories:
        table.add_column(category, justify="right")
    table.add_column("total", justify="right")
    table.add_column("spam|phishing", justify="right")
    table.add_column("bounce|auto_reply", justify="right")
    for row in report.rows:
        table.add_row(
            Text(clean_line(row.label)),
            *(Text(str(row.categories[c]) if row.categories[c] else "·")
              for c in report.categories),
            Text(str(row.total)),
            Text(f"{row.share(JUNK):.1%}"),
            Text(f"{row.share(AUTO_GENERATED):.1%}"),
        )
    return table
