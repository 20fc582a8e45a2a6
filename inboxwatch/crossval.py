"""An evaluation that cannot flatter: k-fold cross-validation and leave-one-source-out.

``inboxwatch eval`` on the corpora the classifier was built from measures how well it
remembers them. This module measures how it does on mail it was not built from:

- **k-fold**: the messages are split into ``k`` folds by a hash of their bytes; each fold
  is sorted by a content model trained on the other ``k - 1`` only;
- **leave one source out**: each corpus folder in turn (``phishing_pot``,
  ``spamassassin/hard-ham``, a folder of bounces ...) is sorted by a content model trained
  on every other folder: a kind of mail, or a source, the model never saw.

In every split everything that is learned is learned on the training side only: the
content model, then the rule weights, bias and junk threshold
(:func:`fit_weights`, :mod:`inboxwatch.classify.weights`), fitted to each training
message's rule hits and to content points from a model that did not see it (an inner
cross-validation). The held-out side is then sorted with that model and those weights, by
the routing code itself (:func:`inboxwatch.route.categorise`: rule tables, auto-generated
mail, solicited newsletters, phishing).

What a folder is comes from its name (:func:`truth_of`): ``spam``/``phish``/``junk`` junk, ``ham``
ham, ``bounce`` bounces, ``auto_reply``/``arf`` other auto-generated mail; anything else is
sorted and shown, but counts in no figure.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inboxwatch.analysis import Analysis, AnalysisSettings, analyze_batch
from inboxwatch.classify.model import TokenModel, training_key
from inboxwatch.classify.verdict import content_points
from inboxwatch.classify.weights import Example, RuleWeights, fit
from inboxwatch.evaluate import label_files
from inboxwatch.route import categorise
from inboxwatch.sources import Skipped

__all__ = [
    "Bin",
    "Sample",
    "Side",
    "Split",
    "Summary",
    "Trainer",
    "by_source",
    "by_source_sides",
    "calibration_error",
    "fit_weights",
    "is_hard_ham",
    "k_fold",
    "k_fold_sides",
    "load_samples",
    "out_of_fold_content",
    "reliability",
    "run_sides",
    "summarise",
    "truth_of",
]

INNER_FOLDS = 3
MIN_DOCS = 2  # a token must be in this many training messages (as the shipped model)
JUNK, HAM, BOUNCE, AUTO, OTHER = "junk", "ham", "bounce", "auto", "other"
JUNK_CATEGORIES = ("spam", "phishing")
AUTO_CATEGORIES = ("bounce", "auto_reply")


def truth_of(source: str) -> str:
    """What a corpus folder holds, from its name (its last part)."""
    name = source.rsplit("/", 1)[-1].lower()
    if name.startswith(("not_", "not-")):
        return OTHER  # look-alikes ("not_bounce"): shown, never counted
    if "spam" in name or "phish" in name or "junk" in name:
        return JUNK
    if "ham" in name:
        return HAM
    if "bounce" in name:
        return BOUNCE
    if "auto_reply" in name or "arf" in name:
        return AUTO
    return OTHER


@dataclass(slots=True)
class Sample:
    """One corpus message, analysed once (parse, rule tables, tokens)."""

    source: str  # its folder, relative to the path given
    name: str  # its file name
    truth: str  # junk | ham | bounce | auto | other
    key: str  # the first 16 hex digits of its bytes' SHA-256
    analysis: Analysis
    origin: str = ""  # where it was read from (a file, or a file#n in an mbox)


def load_samples(paths: Sequence[Path], *, batch: int = 64) -> list[Sample]:
    """Every message under ``paths``, analysed as ingest analyses it."""
    samples: list[Sample] = []
    pending: list[tuple[str, str, bytes, str]] = []

    def flush() -> None:
        analyses = analyze_batch([(raw, False) for _, _, raw, _ in pending],
                                 AnalysisSettings())
        for (source, name, raw, origin), analysis in zip(pending, analyses, strict=True):
            samples.append(Sample(source, name, truth_of(source), training_key(raw), analysis,
                                  origin))
        pending.clear()

    for entry in label_files(list(paths)):
        if isinstance(entry, Skipped):
            continue
        source, mail = entry
        origin = mail.origin or ""
        pending.append((source, Path(origin.split("#", 1)[0]).name, mail.raw, origin))
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return samples


def train(samples: Iterable[Sample]) -> TokenModel:
    """A content model of the junk and ham among ``samples``."""
    model = TokenModel()
    for s in samples:
        evidence = s.analysis.spam_evidence
        if s.truth in (JUNK, HAM) and evidence is not None:
            model.learn(evidence.tokens, is_spam=s.truth == JUNK)
    return model.prune(MIN_DOCS)


def _fold(sample: Sample, k: int) -> int:
    return int(sample.key[:8], 16) % k


Trainer = Callable[[Iterable[Sample]], TokenModel]  # a content model from training samples


def out_of_fold_content(samples: Sequence[Sample], *, inner: int = INNER_FOLDS,
                        trainer: Trainer = train) -> list[float | None]:
    """Each sample's content points from a model trained without its inner fold (None
    when it has no spam evidence): what a fit may learn from without flattering itself."""
    points: list[float | None] = [None] * len(samples)
    for i in range(inner):
        model = trainer(s for s in samples if _fold(s, inner) != i)
        for n, s in enumerate(samples):
            evidence = s.analysis.spam_evidence
            if _fold(s, inner) == i and evidence is not None:
                content = model.score(evidence.tokens)
                points[n] = content_points(content.indicator, content.clue_count,
                                           content.known_share)
    return points


def fit_weights(samples: Sequence[Sample], *, inner: int = INNER_FOLDS,
                trainer: Trainer = train) -> RuleWeights:
    """Rule weights, bias and threshold fitted to the junk and ham of
    ``samples`` (:func:`inboxwatch.classify.weights.fit`), their content points out of
    fold (from models ``trainer`` makes)."""
    examples = []
    for s, content in zip(samples, out_of_fold_content(samples, inner=inner, trainer=trainer),
                          strict=True):
        evidence = s.analysis.spam_evidence
        if s.truth in (JUNK, HAM) and evidence is not None and content is not None:
            examples.append(Example(tuple(h.rule for h in evidence.rule_hits), content,
                                    s.truth == JUNK))
    return fit(examples)


@dataclass(slots=True)
class Mistake:
    """A held-out message sorted wrongly: ham called junk, junk let through."""

    source: str
    name: str
    category: str
    score: float
    rules: str  # the rules that scored, strongest first

    def line(self) -> str:
        return f"{self.source}/{self.name}: {self.category} at {self.score:.1f} ({self.rules})"


@dataclass(slots=True)
class Split:
    """One held-out side: what it was, the threshold learned, what its messages became."""

    name: str
    threshold: float
    categories: dict[str, Counter[str]] = field(default_factory=dict)  # source -> counts
    truths: dict[str, str] = field(default_factory=dict)  # source -> truth
    false_positives: list[Mistake] = field(default_factory=list)
    # Messages of no figure's kind (client mail kept for a bench, look-alikes) called junk.
    others_as_junk: list[Mistake] = field(default_factory=list)
    sort_seconds: float = 0.0  # the time the held-out side took to sort (training not counted)
    # (probability of junk as the split's weights say, is it junk) of each junk or ham
    predictions: list[tuple[float, bool]] = field(default_factory=list)

    def share(self, truth: str, categories: tuple[str, ...], *,
              source: str | None = None) -> tuple[int, int]:
        """(hits, total) of held-out messages of ``truth`` (or of one source) sorted into
        one of ``categories``."""
        hits = total = 0
        for src, counts in self.categories.items():
            if (source is not None and src != source) or \
                    (source is None and self.truths[src] != truth):
                continue
            total += sum(counts.values())
            hits += sum(counts[c] for c in categories)
        return hits, total

    def to_json(self) -> dict[str, object]:
        return {"split": self.name, "threshold": self.threshold,
                "sources": {s: {"truth": self.truths[s], "categories": dict(c)}
                            for s, c in sorted(self.categories.items())},
                "false_positives": [m.line() for m in self.false_positives],
                "others_as_junk": [m.line() for m in self.others_as_junk]}


def _run(name: str, training: list[Sample], held_out: list[Sample],
         trainer: Trainer = train) -> Split:
    model = trainer(training)
    weights = fit_weights(training, trainer=trainer)
    split = Split(name, weights.threshold)
    started = time.perf_counter()
    for s in held_out:
        decision = categorise(s.analysis, model, weights=weights)
        split.categories.setdefault(s.source, Counter())[decision.category] += 1
        split.truths[s.source] = s.truth
        if s.truth in (JUNK, HAM) and s.analysis.spam_evidence is not None:
            split.predictions.append((weights.probability(decision.spam_score),
                                      s.truth == JUNK))
        if s.truth in (HAM, OTHER) and decision.category in JUNK_CATEGORIES:
            scored = sorted((h for h in decision.explanation if h.score), key=lambda h: -h.score)
            mistakes = split.false_positives if s.truth == HAM else split.others_as_junk
            mistakes.append(Mistake(
                s.source, s.name, decision.category, decision.spam_score,
                ", ".join(f"{h.rule} {h.score:+.1f}" for h in scored[:4])))
    split.sort_seconds = time.perf_counter() - started
    return split


Side = tuple[str, list[Sample], list[Sample]]  # a split's name, training side, held-out side


def k_fold_sides(samples: Sequence[Sample], k: int = 5) -> list[Side]:
    """The ``k`` folds, each held out in turn (by a hash of the bytes: the same folds
    whatever the order or the machine)."""
    return [(f"fold {i + 1}/{k}", [s for s in samples if _fold(s, k) != i],
             [s for s in samples if _fold(s, k) == i]) for i in range(k)]


def by_source_sides(samples: Sequence[Sample]) -> list[Side]:
    """Each source folder of junk, ham or bounces held out in turn."""
    sources = sorted({s.source for s in samples if s.truth in (JUNK, HAM, BOUNCE)})
    return [(f"{source} unseen", [s for s in samples if s.source != source],
             [s for s in samples if s.source == source]) for source in sources]


def run_sides(sides: Iterable[Side], progress: Callable[[str], None] | None = None, *,
              trainer: Trainer = train) -> list[Split]:
    """Each side trained on and sorted (see the module docstring), its content models
    made by ``trainer`` (a bench may measure another kind of model the same way)."""
    splits = []
    for name, training, held_out in sides:
        if progress:
            progress(name)
        splits.append(_run(name, training, held_out, trainer))
    return splits


def k_fold(samples: Sequence[Sample], k: int = 5,
           progress: Callable[[str], None] | None = None) -> list[Split]:
    """Each of ``k`` folds held out in turn."""
    return run_sides(k_fold_sides(samples, k), progress)


def by_source(samples: Sequence[Sample],
              progress: Callable[[str], None] | None = None) -> list[Split]:
    """Each source folder of junk, ham or bounces held out in turn."""
    return run_sides(by_source_sides(samples), progress)


@dataclass(frozen=True, slots=True)
class Summary:
    """The figures the quality bars are about, for one split."""

    split: str
    threshold: float
    junk: tuple[int, int]  # junk called junk / junk held out
    ham: tuple[int, int]  # easy ham called junk / easy ham held out
    hard_ham: tuple[int, int]  # hard ham (a source named "hard...") called junk / held out
    bounces: tuple[int, int]  # bounces called bounce or auto_reply / bounces held out
    calibration_error: float | None = None  # of the junk probabilities shown (see below)


def is_hard_ham(source: str) -> bool:
    """Whether a ham folder is the hard kind (newsletters, marketing asked for): its name
    says so (``spamassassin/hard-ham``)."""
    return "hard" in source.lower()


def summarise(split: Split) -> Summary:
    hard = [s for s in split.categories if split.truths[s] == HAM and is_hard_ham(s)]
    easy = [s for s in split.categories if split.truths[s] == HAM and s not in hard]

    def over(sources: list[str], categories: tuple[str, ...]) -> tuple[int, int]:
        pairs = [split.share(HAM, categories, source=s) for s in sources]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)

    return Summary(split.name, split.threshold, split.share(JUNK, JUNK_CATEGORIES),
                   over(easy, JUNK_CATEGORIES), over(hard, JUNK_CATEGORIES),
                   split.share(BOUNCE, AUTO_CATEGORIES),
                   calibration_error(split.predictions) if split.predictions else None)


CALIBRATION_BINS = 10


@dataclass(frozen=True, slots=True)
class Bin:
    """Held-out messages whose junk probability fell in ``[low, high)``."""

    low: float
    high: float
    count: int
    predicted: float  # their mean probability
    observed: float  # the share of them that is junk


def reliability(predictions: Iterable[tuple[float, bool]],
                bins: int = CALIBRATION_BINS) -> list[Bin]:
    """The reliability table of (probability, is junk) pairs: equal-width bins, the
    empty ones left out. Calibrated probabilities have ``predicted`` near ``observed``."""
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for probability, junk in predictions:
        grouped[min(bins - 1, int(probability * bins))].append((probability, junk))
    return [Bin(i / bins, (i + 1) / bins, len(g), sum(p for p, _ in g) / len(g),
                sum(j for _, j in g) / len(g)) for i, g in enumerate(grouped) if g]


def calibration_error(predictions: Sequence[tuple[float, bool]]) -> float:
    """The expected calibration error: the gap between predicted and observed junk share,
    bin by bin, weighted by how many messages each bin holds (0: perfectly calibrated)."""
    table = reliability(predictions)
    total = sum(b.count for b in table)
    return sum(b.count * abs(b.predicted - b.observed) for b in table) / total
