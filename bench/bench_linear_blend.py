"""A measured next step for the content classifier: the Bayesian indicator averaged with a
class-balanced logistic regression over the same tokens, evaluated as ``eval --cv`` is.

    pip install scikit-learn   # only this bench needs it; inboxwatch does not
    python bench/bench_linear_blend.py ../shared/corpora [--folds 5] [--c 1.0]

Not what inboxwatch ships: this measures whether it should. The regression is fitted with
scikit-learn (L-BFGS, L2, classes weighted to equal size) and scored in plain Python as a
token -> weight table, as inboxwatch would score it. Everything else is the shipped code:
rule weights, bias and threshold fitted per training side on out-of-fold content points
(:func:`inboxwatch.crossval.fit_weights`), the held-out side sorted by routing's code.

The regularisation ``C`` is chosen inside each training side unless ``--c`` fixes it: each
value of :data:`GRID` is run through the whole pipeline on four inner splits of the
training side (by other bits of the same hash), and the one catching the most inner junk
within the bars (easy ham <= 0.5 %, hard ham <= 10 %) is used on the held-out fold.

Last, both content models are trained on the whole corpus, as the shipped one is, and
sort the client questions of ``tests/data/client_mail`` (written for the tests, never
trained on). That is why the blend is not shipped: the corpora's spam is written in the
register of business mail and their ham is mailing-list talk, so the regression learns
"your", "we", "best regards" as junk, and calls a client's question about an invoice junk
where the Bayesian indicator is unsure.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_eval import cell  # the same cells as bench_eval's table
from inboxwatch import crossval
from inboxwatch.classify import collect_evidence, verdict
from inboxwatch.classify.model import ContentScore, TokenModel
from inboxwatch.parse import parse_message

CLIENT_MAIL = Path(__file__).resolve().parents[1] / "tests" / "data" / "client_mail"
OWN = ("helpdesk.example.com",)

GRID = (0.5, 1.0, 2.0, 4.0)
INNER_SPLITS = 4


@dataclass(slots=True)
class BlendedModel(TokenModel):
    """A token model whose indicator is the mean of its own and a logistic regression's."""

    linear: dict[str, float] = field(default_factory=dict)
    intercept: float = 0.0

    def score(self, tokens: Iterable[str]) -> ContentScore:
        tokens = list(tokens)
        base = TokenModel.score(self, tokens)  # slots dataclasses and super() do not mix
        linear = self.linear
        z = self.intercept + sum(linear.get(t, 0.0) for t in set(tokens))
        p = 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))
        return ContentScore((base.indicator + p) / 2, base.clues, base.clue_count,
                            base.known_share)


def trainer(c: float) -> crossval.Trainer:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    def train(samples: Iterable[crossval.Sample]) -> TokenModel:
        kept = [s for s in samples if s.truth in (crossval.JUNK, crossval.HAM)
                and s.analysis.spam_evidence is not None]
        base = crossval.train(kept)
        rows = [dict.fromkeys(s.analysis.spam_evidence.tokens, 1)  # type: ignore[union-attr]
                for s in kept]
        vectors = DictVectorizer()
        matrix = vectors.fit_transform(rows)
        regression = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        regression.fit(matrix, [s.truth == crossval.JUNK for s in kept])
        weights = {t: float(w) for t, w in zip(vectors.get_feature_names_out(),
                                                 regression.coef_[0], strict=True) if w}
        return BlendedModel(base.spam_docs, base.ham_docs, base.counts, linear=weights,
                            intercept=float(regression.intercept_[0]))

    return train


def meets_bars(summary: crossval.Summary) -> bool:
    return summary.ham[0] <= 0.005 * summary.ham[1] and \
        summary.hard_ham[0] <= 0.10 * summary.hard_ham[1]


def chosen_c(training: Sequence[crossval.Sample]) -> float:
    best: tuple[tuple[bool, int, int], float] | None = None
    for c in GRID:
        sides = [(f"inner {i}", [s for s in training if _inner(s) != i],
                  [s for s in training if _inner(s) == i]) for i in range(INNER_SPLITS)]
        summaries = [crossval.summarise(x) for x in crossval.run_sides(sides, trainer=trainer(c))]
        pooled = crossval.Summary("inner", 0.0, *(
            (sum(getattr(x, a)[0] for x in summaries), sum(getattr(x, a)[1] for x in summaries))
            for a in ("junk", "ham", "hard_ham", "bounces")))
        key = (meets_bars(pooled), pooled.junk[0], -pooled.hard_ham[0])
        print(f"  C {c:<4} inner: junk {cell(pooled.junk)}  ham {cell(pooled.ham)}  "
              f"hard ham {cell(pooled.hard_ham)}", flush=True)
        if best is None or key > best[0]:
            best = (key, c)
    assert best is not None
    return best[1]


def _inner(sample: crossval.Sample) -> int:
    return int(sample.key[8:16], 16) % INNER_SPLITS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=None, help="fix C instead of choosing it")
    args = parser.parse_args()
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("this bench needs scikit-learn: pip install scikit-learn", file=sys.stderr)
        return 2
    samples = crossval.load_samples([args.corpus])
    rows = []
    for name, training, held_out in crossval.k_fold_sides(samples, args.folds):
        print(name, flush=True)
        c = args.c if args.c is not None else chosen_c(training)
        split = crossval.run_sides([(name, training, held_out)], trainer=trainer(c))[0]
        rows.append((name, c, crossval.summarise(split)))
    print(f"\n{'held out':<12}{'C':>5}  {'junk caught':>16}  {'ham as junk':>16}  "
          f"{'hard ham as junk':>16}  {'bounces':>16}")
    for name, c, s in rows:
        print(f"{name:<12}{c:>5g}  {cell(s.junk)}  {cell(s.ham)}  {cell(s.hard_ham)}  "
              f"{cell(s.bounces)}")
    c = args.c if args.c is not None else chosen_c(samples)
    print(f"\nclient questions (tests/data/client_mail), models trained on everything "
          f"(blend C {c:g}):")
    client_questions(samples, trainer(c))
    return 0


def client_questions(samples: Sequence[crossval.Sample], blend: crossval.Trainer) -> None:
    """How each model, trained on all of ``samples``, sorts the client questions."""
    models = {"Bayes": (crossval.train(samples), crossval.fit_weights(samples)),
              "blend": (blend(samples), crossval.fit_weights(samples, trainer=blend))}
    junk = dict.fromkeys(models, 0)
    paths = sorted(CLIENT_MAIL.glob("*.eml"))
    for path in paths:
        evidence = collect_evidence(parse_message(path.read_bytes()), OWN)
        cells = []
        for name, (model, weights) in models.items():
            result = verdict(evidence, model, weights=weights)
            junk[name] += result.category in crossval.JUNK_CATEGORIES
            cells.append(f"{name} {result.category or 'not junk':<9} {result.score:5.2f}")
        print(f"  {path.stem:<18}  " + "   ".join(cells))
    print("  called junk: " + ", ".join(f"{name} {n}/{len(paths)}" for name, n in junk.items()))


if __name__ == "__main__":
    raise SystemExit(main())
