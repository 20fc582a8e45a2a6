"""An evaluation that cannot flatter: k-fold cross-validation and leave-one-source-out.

``inboxwatch eval`` on the corpora the classifier was built from measures how well it
remembers them. This module measures how it does on mail it was not built from:

- **k-fold**: the messages are split into ``k`` folds by a hash of their bytes; each fold
  is sorted by a content model trained on the other ``k - 1`` only;
- **leave one source out**: each corpus folder in turn (``phishing_pot``,
  ``spamassassin/hard-ham``, a folder of bounces ...) is sorted by a content model trained
  on every other folder: a kind of mail, or a source, the model never saw.

In every split the junk threshold is chosen on the training side only: an inner
cross-validation scores each training message with a model that did not see it, and the
threshold is the lowest that keeps those ham false positives at or under
:data:`MAX_HAM_FP` (the best recall within that bound). The held-out side is then sorted
with that model and threshold, by the routing code itself (:func:`inboxwatch.route.
categorise`: rule tables, auto-generated mail, solicited newsletters, phishing).

What a folder is comes from its name (:func:`truth_of`): ``spam``/``phish``/``junk`` junk, ``ham``
ham, ``bounce`` bounces, ``auto_reply``/``arf`` other auto-generated mail; anything else is
sorted and shown, but counts in no figure. The rule tables' points are the same in every
split (they are code, not fitted); the content model and the threshold are what a split
learns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inboxwatch.analysis import Analysis, AnalysisSettings, analyze_batch
from inboxwatch.classify import verdict
from inboxwatch.classify.model import TokenModel, training_key
from inboxwatch.evaluate import label_files
from inboxwatch.route import categorise
from inboxwatch.sources import Skipped

__all__ = [
    "MAX_HAM_FP",
    "Sample",
    "Split",
    "Summary",
    "by_source",
    "choose_threshold",
    "k_fold",
    "load_samples",
    "summarise",
    "truth_of",
]

MAX_HAM_FP = 0.005  # the share of ham a threshold may call junk, on the training side
THRESHOLDS = tuple(x / 4 for x in range(8, 61))  # 2.0 .. 15.0 points, in quarters
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


def load_samples(paths: Sequence[Path], *, batch: int = 64) -> list[Sample]:
    """Every message under ``paths``, analysed as ingest analyses it."""
    samples: list[Sample] = []
    pending: list[tuple[str, str, bytes]] = []

    def flush() -> None:
        analyses = analyze_batch([(raw, False) for _, _, raw in pending], AnalysisSettings())
        for (source, name, raw), analysis in zip(pending, analyses, strict=True):
            samples.append(Sample(source, name, truth_of(source), training_key(raw), analysis))
        pending.clear()

    for entry in label_files(list(paths)):
        if isinstance(entry, Skipped):
            continue
        source, mail = entry
        pending.append((source, Path((mail.origin or "").split("#", 1)[0]).name, mail.raw))
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


def choose_threshold(samples: Sequence[Sample], *, inner: int = INNER_FOLDS) -> float:
    """The lowest threshold at which at most :data:`MAX_HAM_FP` of the ham in ``samples``
    is junk, each scored by a model trained without its inner fold."""
    ham_scores: list[float] = []
    for i in range(inner):
        model = train(s for s in samples if _fold(s, inner) != i)
        for s in samples:
            if s.truth == HAM and _fold(s, inner) == i and s.analysis.spam_evidence:
                ham_scores.append(verdict(s.analysis.spam_evidence, model).score)
    if not ham_scores:
        return THRESHOLDS[len(THRESHOLDS) // 4]
    allowed = int(MAX_HAM_FP * len(ham_scores))
    for threshold in THRESHOLDS:
        if sum(score >= threshold for score in ham_scores) <= allowed:
            return threshold
    return THRESHOLDS[-1]


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
                "false_positives": [m.line() for m in self.false_positives]}


def _run(name: str, training: list[Sample], held_out: list[Sample]) -> Split:
    model = train(training)
    threshold = choose_threshold(training)
    split = Split(name, threshold)
    for s in held_out:
        decision = categorise(s.analysis, model, threshold=threshold)
        split.categories.setdefault(s.source, Counter())[decision.category] += 1
        split.truths[s.source] = s.truth
        if s.truth == HAM and decision.category in JUNK_CATEGORIES:
            scored = sorted((h for h in decision.explanation if h.score), key=lambda h: -h.score)
            split.false_positives.append(Mistake(
                s.source, s.name, decision.category, decision.spam_score,
                ", ".join(f"{h.rule} {h.score:+.1f}" for h in scored[:4])))
    return split


def k_fold(samples: Sequence[Sample], k: int = 5,
           progress: Callable[[str], None] | None = None) -> list[Split]:
    """Each of ``k`` folds held out in turn."""
    splits = []
    for i in range(k):
        if progress:
            progress(f"fold {i + 1} of {k}")
        splits.append(_run(f"fold {i + 1}/{k}",
                           [s for s in samples if _fold(s, k) != i],
                           [s for s in samples if _fold(s, k) == i]))
    return splits


def by_source(samples: Sequence[Sample],
              progress: Callable[[str], None] | None = None) -> list[Split]:
    """Each source folder of junk, ham or bounces held out in turn."""
    sources = sorted({s.source for s in samples if s.truth in (JUNK, HAM, BOUNCE)})
    splits = []
    for source in sources:
        if progress:
            progress(f"without {source}")
        splits.append(_run(f"{source} unseen", [s for s in samples if s.source != source],
                           [s for s in samples if s.source == source]))
    return splits


@dataclass(frozen=True, slots=True)
class Summary:
    """The figures the quality bars are about, for one split."""

    split: str
    threshold: float
    junk: tuple[int, int]  # junk called junk / junk held out
    ham: tuple[int, int]  # easy ham called junk / easy ham held out
    hard_ham: tuple[int, int]  # hard ham (a source named "hard...") called junk / held out
    bounces: tuple[int, int]  # bounces called bounce or auto_reply / bounces held out


def summarise(split: Split) -> Summary:
    hard = [s for s in split.categories if split.truths[s] == HAM and "hard" in s.lower()]
    easy = [s for s in split.categories if split.truths[s] == HAM and s not in hard]

    def over(sources: list[str], categories: tuple[str, ...]) -> tuple[int, int]:
        pairs = [split.share(HAM, categories, source=s) for s in sources]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)

    return Summary(split.name, split.threshold, split.share(JUNK, JUNK_CATEGORIES),
                   over(easy, JUNK_CATEGORIES), over(hard, JUNK_CATEGORIES),
                   split.share(BOUNCE, AUTO_CATEGORIES))
