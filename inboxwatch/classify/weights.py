"""Rule weights fitted to mail, a junk threshold, and a calibrated probability of junk.

Each rule of :data:`~inboxwatch.classify.spam.SPAM_RULES` has the points written beside it
in the code: a person's judgement of how much it says. Those are the *prior*. The weights a
verdict uses are fitted to labelled mail by MAP logistic regression (:func:`fit`): the
log-odds of junk are

    z = sum(w_rule for each rule that fired) + content points + bias

with a Gaussian prior on each weight centred on its written points (a rule that rarely
fires keeps about its written weight; one that fires on ham as often as on junk loses it),
no weight below zero (a spam rule never counts *for* a message), and none of the
:data:`NEWSLETTER_STYLE` rules above its written points. The content
classifier's points are not re-weighted: their "unsure" band stays below every threshold a
fit may choose (:data:`THRESHOLDS` starts above :data:`~inboxwatch.classify.verdict.
UNSURE_POINTS`), so content alone never makes unsure mail junk. The score shown to an
operator is ``z - bias`` in points, and ``sigmoid(z)`` is the probability that the message
is junk: calibrated on the mail it was fitted to, and shown beside the verdict.

Written points are on a person's scale, and the fit reads them on the scale of the mail:
of the rules that fire on at least :data:`SCALE_SUPPORT` fitting junk messages, the fitted
points were on average 1.2 to 1.45 times the written ones (per training side of
``bench/bench_eval.py``). A rule that fires on *no* fitting junk has nothing but its prior
to go by, so its prior is its written points times that factor (:func:`written_scale`;
newsletter-style rules excepted, and never below half nor above twice the written points):
held out, a source's own evidence is often in rules the other sources never fire (the
SpamAssassin spam's forged mailers and Received lines; phishing's upstream verdicts), and
those had counted at the person's timid points against a bias fitted to the others. A
rule that fires on some junk keeps its written prior: there, the mail speaks.

The threshold is chosen on the same fitting mail (:func:`choose_threshold`): the lowest
number of points that keeps ham false positives at or under :data:`MAX_HAM_FP` (the best
recall at that bound), then raised halfway (rounded down to a quarter point) towards the
highest it could go without losing any junk it catches: the middle of the gap between the
ham and the junk it separates. Raised all the way, held-out junk just under the fitting
junk's lowest score was lost (3 of fold 5's at 4.4 points, for no ham); a wider margin that
gave up 0.5 % of the fitting junk cost 1 to 4 junk a fold for at most one hard ham.

The shipped weights (``weights.json``) are fitted to every corpus message, with each
message's content points from a model that did not learn from it; ``inboxwatch eval --cv``
fits its own on each training side (:mod:`inboxwatch.crossval`). Pure Python: about 40
weights, so Newton's method with an explicit Hessian converges in a few steps.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from inboxwatch.classify.spam import SPAM_RULES

__all__ = [
    "MAX_HAM_FP",
    "NEWSLETTER_STYLE",
    "WEIGHTS_PATH",
    "Example",
    "RuleWeights",
    "choose_threshold",
    "fit",
    "shipped_weights",
    "written_scale",
    "written_weights",
]

WEIGHTS_PATH = Path(__file__).with_name("weights.json")

MAX_HAM_FP = 0.005  # the share of fitting ham a threshold may call junk
# 4.25 .. 15.0 points, in quarters: above the most "unsure" content adds (4.0), so content
# alone never makes unsure mail junk; any rule that fires with it may
THRESHOLDS = tuple(x / 4 for x in range(17, 61))
WRITTEN_THRESHOLD = 5.0  # the threshold the written points were chosen for

RULE_SPREAD = 2.0  # prior standard deviation of a rule's weight, in points
BIAS_SPREAD = 3.0  # ... of the bias
NEWTON_STEPS = 30
# A rule speaks for the scale of the written points once it fires on this many fitting junk
# messages (fewer: its fitted points say more about those few messages than about the scale).
SCALE_SUPPORT = 5
SCALE_BOUNDS = (0.5, 2.0)  # the factor written_scale may find

# Rules whose evidence wanted newsletters carry as much as junk: the law asks commercial
# mail for removal instructions (CAN-SPAM, the EU's ePrivacy rules), and shouting HTML,
# "click here", hype and a shop's money-back guarantee are newsletter style. A fit may lower
# their points, never raise them above what is written: on mail without newsletters (a
# training side of spam and personal mail only) it would make them junk evidence, and every
# newsletter junk.
NEWSLETTER_STYLE = frozenset({"removal_instructions", "html_shouts", "click_here",
                              "subject_hype", "guarantee_pitch"})


@dataclass(frozen=True, slots=True)
class RuleWeights:
    """What a verdict adds up, and from where a message is junk."""

    points: Mapping[str, float]  # rule -> points when it fires
    bias: float = -WRITTEN_THRESHOLD  # log-odds of junk of a message with no points
    threshold: float = WRITTEN_THRESHOLD  # points from which a message is junk
    fitted_on: int = 0  # messages the weights were fitted to (0: the written points)

    def rule_points(self, rule: str, written: float) -> float:
        return self.points.get(rule, written)

    def probability(self, score: float) -> float:
        """The probability that a message of ``score`` points is junk."""
        return _sigmoid(score + self.bias)

    def with_threshold(self, threshold: float) -> RuleWeights:
        return RuleWeights(self.points, self.bias, threshold, self.fitted_on)

    def to_json(self) -> dict[str, object]:
        return {"fitted_on": self.fitted_on, "threshold": self.threshold, "bias": self.bias,
                "points": dict(sorted(self.points.items()))}

    def save(self, path: Path = WEIGHTS_PATH) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n")

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> RuleWeights:
        data = json.loads(path.read_text())
        return cls({str(k): float(v) for k, v in data["points"].items()},
                   float(data["bias"]), float(data["threshold"]), int(data["fitted_on"]))


def written_weights() -> RuleWeights:
    """The points as written in the rule table: the prior of every fit."""
    return RuleWeights({r.rule: r.points for r in SPAM_RULES})


@cache
def shipped_weights() -> RuleWeights:
    """The weights fitted to the corpora (``weights.json``), or the written ones."""
    return RuleWeights.load() if WEIGHTS_PATH.exists() else written_weights()


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message as a fit sees it."""

    rules: tuple[str, ...]  # the rules that fired
    content: float  # the content classifier's points, from a model that did not learn it
    junk: bool


@dataclass(slots=True)
class _Problem:
    names: list[str]
    prior: list[float]
    precision: list[float]
    ceilings: list[float]  # the most each weight may be (the bias: unbounded)
    rows: list[list[tuple[int, float]]] = field(default_factory=list)
    offsets: list[float] = field(default_factory=list)  # each example's content points
    labels: list[float] = field(default_factory=list)


def _problem(examples: Sequence[Example], prior: RuleWeights) -> _Problem:
    fitted = sorted({r for e in examples for r in e.rules if prior.points.get(r, 0.0) > 0})
    names = [*fitted, "<bias>"]
    problem = _Problem(names, [*(prior.points[r] for r in fitted), prior.bias],
                       [*(1 / RULE_SPREAD ** 2 for _ in fitted), 1 / BIAS_SPREAD ** 2],
                       [*(prior.points[r] if r in NEWSLETTER_STYLE else math.inf
                          for r in fitted), math.inf])
    index = {name: i for i, name in enumerate(fitted)}
    bias = len(fitted)
    for e in examples:
        row = [(index[r], 1.0) for r in dict.fromkeys(e.rules) if r in index]
        problem.rows.append([*row, (bias, 1.0)])
        problem.offsets.append(e.content)
        problem.labels.append(1.0 if e.junk else 0.0)
    return problem


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """``matrix⁻¹ · vector`` by Gaussian elimination with partial pivoting (the Hessian is
    symmetric positive definite: the prior's precision is on its diagonal)."""
    n = len(vector)
    a = [[*row, v] for row, v in zip(matrix, vector, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            if factor:
                for c in range(col, n + 1):
                    a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x


def _junk_support(examples: Sequence[Example]) -> dict[str, int]:
    """How many junk examples each rule fires on."""
    support: dict[str, int] = {}
    for e in examples:
        if e.junk:
            for rule in set(e.rules):
                support[rule] = support.get(rule, 0) + 1
    return support


def written_scale(support: Mapping[str, int], prior: RuleWeights,
                  fitted: RuleWeights) -> float:
    """How many fitted points a written point is worth: the geometric mean of fitted over
    written points of the rules with :data:`SCALE_SUPPORT` junk or more (weighted by that
    support; newsletter-style rules, capped at their written points, left out), within
    :data:`SCALE_BOUNDS`; 1.0 when no rule has that support."""
    logs = total = 0.0
    for rule, n in support.items():
        written = prior.points.get(rule, 0.0)
        if n < SCALE_SUPPORT or written <= 0 or rule in NEWSLETTER_STYLE:
            continue
        # A fit that drove a rule to zero says "a tenth of its points", not "none at all":
        # the logarithm of zero would outvote every other rule.
        logs += n * math.log(max(fitted.points[rule], 0.1 * written) / written)
        total += n
    if not total:
        return 1.0
    low, high = SCALE_BOUNDS
    return min(high, max(low, math.exp(logs / total)))


def fit(examples: Sequence[Example], prior: RuleWeights | None = None) -> RuleWeights:
    """The MAP weights of ``examples`` (see the module docstring): fitted once with the
    prior given (the written points by default), then again with the prior of each rule
    that fires on no junk example scaled by :func:`written_scale`. The threshold is chosen
    on the same examples by :func:`choose_threshold`."""
    prior = prior or written_weights()
    support = _junk_support(examples)
    scale = written_scale(support, prior, _fit(examples, prior))
    scaled = RuleWeights({rule: points if support.get(rule) or rule in NEWSLETTER_STYLE
                          else round(points * scale, 2)
                          for rule, points in prior.points.items()},
                         prior.bias, prior.threshold)
    return _fit(examples, scaled)


def _fit(examples: Sequence[Example], prior: RuleWeights) -> RuleWeights:
    """The MAP weights of ``examples`` with ``prior``, and their threshold."""
    problem = _problem(examples, prior)
    w = list(problem.prior)
    loss = _loss(problem, w)
    for _ in range(NEWTON_STEPS):
        gradient, hessian = _derivatives(problem, w)
        step = _solve(hessian, gradient)
        # Damped: halve the step until the loss falls (the clamp at zero, and mail that
        # the rules separate completely, can make a full Newton step overshoot).
        scale = 1.0
        while scale > 1e-4:
            new = _clamped([wi - scale * si for wi, si in zip(w, step, strict=True)],
                           problem.ceilings)
            new_loss = _loss(problem, new)
            if new_loss <= loss:
                break
            scale /= 2
        else:
            break
        moved = max(abs(a - b) for a, b in zip(new, w, strict=True))
        w, loss = new, new_loss
        if moved < 1e-6:
            break
    points = dict(prior.points)
    points.update({name: round(v, 2) for name, v in zip(problem.names[:-1], w, strict=False)})
    weights = RuleWeights(points, round(w[-1], 2), prior.threshold, len(examples))
    scores = [score_of(e, weights) for e in examples]
    return weights.with_threshold(choose_threshold(
        [s for s, e in zip(scores, examples, strict=True) if not e.junk],
        [s for s, e in zip(scores, examples, strict=True) if e.junk]))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def _clamped(w: list[float], ceilings: list[float]) -> list[float]:
    """No rule counts for ham: every weight but the bias is >= 0; and none is above its
    ceiling."""
    return [*(min(ceiling, max(0.0, v)) for v, ceiling in zip(w[:-1], ceilings, strict=False)),
            w[-1]]


def _loss(problem: _Problem, w: list[float]) -> float:
    """The negative log posterior: log loss plus the prior's penalty."""
    total = sum(p * (wi - m) ** 2 / 2 for p, wi, m in zip(problem.precision, w, problem.prior,
                                                           strict=True))
    for row, y, offset in zip(problem.rows, problem.labels, problem.offsets, strict=True):
        z = offset + sum(w[j] * x for j, x in row)
        # log(1 + e^z) - y z, computed without overflow
        total += (z if z > 0 else 0.0) + math.log1p(math.exp(-abs(z))) - y * z
    return total


def _derivatives(problem: _Problem, w: list[float]) -> tuple[list[float], list[list[float]]]:
    """The loss's gradient and Hessian at ``w``."""
    n = len(w)
    gradient = [p * (wi - m) for p, wi, m in zip(problem.precision, w, problem.prior,
                                                  strict=True)]
    hessian = [[0.0] * n for _ in range(n)]
    for j in range(n):
        hessian[j][j] = problem.precision[j]
    for row, y, offset in zip(problem.rows, problem.labels, problem.offsets, strict=True):
        p = _sigmoid(offset + sum(w[j] * x for j, x in row))
        d, s = p - y, p * (1.0 - p)
        for j, xj in row:
            gradient[j] += d * xj
            hrow = hessian[j]
            for k, xk in row:
                hrow[k] += s * xj * xk
    return gradient, hessian


def score_of(example: Example, weights: RuleWeights) -> float:
    """The points ``weights`` give a fitting example (as :func:`~inboxwatch.classify.
    verdict.verdict` adds them up)."""
    return sum(weights.points.get(r, 0.0) for r in dict.fromkeys(example.rules)) + \
        example.content


def choose_threshold(ham_scores: Sequence[float], junk_scores: Sequence[float]) -> float:
    """The lowest threshold keeping ham false positives at or under :data:`MAX_HAM_FP`,
    raised halfway to the highest that loses none of the junk it catches."""
    if not ham_scores:
        return WRITTEN_THRESHOLD
    allowed = int(MAX_HAM_FP * len(ham_scores))
    lowest = next((t for t in THRESHOLDS if sum(s >= t for s in ham_scores) <= allowed),
                  THRESHOLDS[-1])
    if not junk_scores:
        return lowest
    caught = sum(s >= lowest for s in junk_scores)
    highest = max(t for t in THRESHOLDS
                  if t >= lowest and sum(s >= t for s in junk_scores) == caught)
    return max(t for t in THRESHOLDS if t <= (lowest + highest) / 2)
