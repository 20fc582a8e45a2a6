"""Rule weights fitted to labelled mail, the threshold chosen on the same mail, and the
probability shown beside a verdict (inboxwatch/classify/weights.py)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from inboxwatch.classify import base_model, collect_evidence, verdict
from inboxwatch.classify.weights import (
    MAX_HAM_FP,
    NEWSLETTER_STYLE,
    SCALE_BOUNDS,
    THRESHOLDS,
    WEIGHTS_PATH,
    Example,
    RuleWeights,
    choose_threshold,
    fit,
    shipped_weights,
    written_scale,
    written_weights,
)
from inboxwatch.parse import parse_message

DATA = Path(__file__).parent / "data" / "classify"


def _examples(rng: random.Random) -> list[Example]:
    """Mail where ``bulk_mailer`` fires on junk only, ``click_here`` on junk and ham alike,
    and ``macro_document`` on one junk message: each rule's evidence, known."""
    examples = []
    for i in range(600):
        junk = i % 3 == 0
        rules = []
        if junk and rng.random() < 0.7:
            rules.append("bulk_mailer")
        if rng.random() < 0.4:
            rules.append("click_here")
        if junk and i == 3:
            rules.append("macro_document")
        content = rng.uniform(2.0, 6.0) if junk else rng.uniform(-1.0, 1.5)
        examples.append(Example(tuple(rules), content, junk))
    return examples


def test_a_fit_follows_the_evidence_and_keeps_the_prior_where_there_is_none() -> None:
    written = written_weights().points
    weights = fit(_examples(random.Random(7)))
    assert weights.points["bulk_mailer"] > written["bulk_mailer"] + 1  # junk only: up
    assert weights.points["click_here"] < written["click_here"]  # says nothing: down
    assert weights.points["macro_document"] == pytest.approx(written["macro_document"],
                                                             abs=0.5)  # one hit: prior
    assert all(points >= 0 for points in weights.points.values())
    assert weights.fitted_on == 600 and weights.threshold in THRESHOLDS


def test_a_rule_no_junk_fired_is_read_on_the_scale_the_others_were_fitted_to() -> None:
    """``bulk_mailer`` fits at more than twice its written points: a rule no junk example
    fired keeps nothing but its prior, and that is its written points read on the same
    scale (bounded at twice); newsletter style and a rule one junk fired keep theirs."""
    written = written_weights().points
    examples = _examples(random.Random(7))
    weights = fit(examples)
    support = {"bulk_mailer": sum("bulk_mailer" in e.rules for e in examples if e.junk)}
    scale = written_scale(support, written_weights(), fit(examples, written_weights()))
    assert scale == SCALE_BOUNDS[1]
    assert weights.points["spf_fail"] == pytest.approx(written["spf_fail"] * scale)
    assert weights.points["macro_document"] == pytest.approx(written["macro_document"],
                                                             abs=0.5)
    assert weights.points["subject_hype"] == written["subject_hype"]  # newsletter style


def test_the_scale_is_the_support_weighted_mean_and_one_without_support() -> None:
    prior = RuleWeights({"a": 2.0, "b": 1.0, "c": 1.0, "d": 1.0})
    fitted = RuleWeights({"a": 4.0, "b": 0.5, "c": 0.0, "d": 9.0})
    # a doubles on 30 junk, b halves on 10, c went to zero (read as a tenth) on 5, d's one
    # hit is too few to count
    support = {"a": 30, "b": 10, "c": 5, "d": 1}
    expected = math.exp((30 * math.log(2) + 10 * math.log(0.5) + 5 * math.log(0.1)) / 45)
    assert written_scale(support, prior, fitted) == pytest.approx(expected)
    assert written_scale({"d": 1}, prior, fitted) == 1.0
    assert written_scale({"b": 50}, prior, RuleWeights({"b": 0.01})) == SCALE_BOUNDS[0]


def test_the_probability_is_calibrated_on_the_mail_it_was_fitted_to() -> None:
    """Examples drawn from a known logistic model: the mean probability the fit gives a
    band of scores is the share of junk in it, within a few points."""
    rng = random.Random(11)
    examples = []
    for _ in range(3000):
        rules = tuple(r for r in ("bulk_mailer", "money_urgency") if rng.random() < 0.5)
        content = rng.uniform(-1.0, 4.0)
        z = content + 2.0 * ("bulk_mailer" in rules) + 1.0 * ("money_urgency" in rules) - 3.0
        examples.append(Example(rules, content, rng.random() < 1 / (1 + 2.718281828 ** -z)))
    weights = fit(examples)
    assert weights.points["bulk_mailer"] == pytest.approx(2.0, abs=0.4)
    assert weights.bias == pytest.approx(-3.0, abs=0.4)
    scored = sorted((sum(weights.points[r] for r in e.rules) + e.content, e.junk)
                    for e in examples)
    for band in (scored[:1000], scored[1000:2000], scored[2000:]):
        predicted = sum(weights.probability(score) for score, _ in band) / len(band)
        observed = sum(junk for _, junk in band) / len(band)
        assert predicted == pytest.approx(observed, abs=0.05)


def test_the_threshold_keeps_ham_false_positives_in_bound_at_the_best_recall() -> None:
    ham = [1.0] * 990 + [6.2] * 10  # 1 % of the ham at 6.2 points: the bound is above it
    junk = [9.0] * 500 + [7.6] * 2  # two between: no margin gives them up
    threshold = choose_threshold(ham, junk)
    assert sum(s >= threshold for s in ham) <= MAX_HAM_FP * len(ham)
    # The lowest is 6.25 and the junk starts at 7.6: halfway, 6.875, down to a quarter.
    assert threshold == 6.75
    assert sum(s >= threshold for s in junk) == 502
    assert choose_threshold(ham, [6.5] * 100) == 6.25  # 6.5 loses none: halfway is 6.375
    assert choose_threshold([], junk) == 5.0
    assert choose_threshold([0.0] * 100, []) == THRESHOLDS[0]


def test_a_rule_with_no_hand_set_points_is_not_fitted() -> None:
    weights = fit([Example(("auth_results_untrusted",), 3.0, True),
                   Example(("auth_results_untrusted",), -1.0, False)] * 20)
    assert weights.points["auth_results_untrusted"] == 0.0


def test_the_shipped_weights_are_the_fitted_file_and_verdicts_use_them(
        tmp_path: Path) -> None:
    shipped = shipped_weights()
    assert WEIGHTS_PATH.exists() and shipped == RuleWeights.load()
    assert shipped.fitted_on > 2000 and shipped.threshold in THRESHOLDS
    shipped.save(tmp_path / "w.json")
    assert RuleWeights.load(tmp_path / "w.json") == shipped

    parsed = parse_message((DATA / "spam_link_text_mismatch.eml").read_bytes())
    result = verdict(collect_evidence(parsed), base_model())
    scored = [h for h in result.hits if h.score]
    assert {h.rule: h.score for h in scored if h.rule != "content_classifier"} == {
        h.rule: shipped.points[h.rule] for h in scored if h.rule != "content_classifier"}
    assert result.score == pytest.approx(sum(h.score for h in result.hits), abs=0.01)
    probability = next(h for h in result.hits if h.rule == "junk_probability")
    assert result.probability == pytest.approx(shipped.probability(result.score))
    assert "likely junk" in probability.evidence and probability.score == 0.0

    # The written points give other scores: what an evaluation's own weights change.
    written = verdict(collect_evidence(parsed), base_model(), weights=written_weights())
    assert written.score != result.score


def test_newsletter_style_never_grows_past_its_written_points() -> None:
    """Removal instructions fire on every junk message of this training side and on no
    wanted mail (it holds no newsletters): still no more than the points written."""
    written = written_weights().points
    examples = [Example(("removal_instructions", "html_shouts") if junk else (),
                        2.0 if junk else 0.0, junk) for junk in [True] * 100 + [False] * 300]
    weights = fit(examples)
    assert "removal_instructions" in NEWSLETTER_STYLE and "html_shouts" in NEWSLETTER_STYLE
    assert weights.points["removal_instructions"] <= written["removal_instructions"]
    assert weights.points["html_shouts"] <= written["html_shouts"]
    # A rule that is no newsletter style grows on the same evidence.
    grown = fit([Example(("mua_imitation",) if e.junk else (), e.content, e.junk)
                 for e in examples])
    assert grown.points["mua_imitation"] > written["mua_imitation"] + 1
