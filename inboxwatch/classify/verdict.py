"""Spam, phishing and marketing: a score in points, a verdict, and the evidence for both.

Two kinds of evidence are added up, SpamAssassin style:

* :data:`~inboxwatch.classify.spam.SPAM_RULES` — one row per check
  (:mod:`inboxwatch.classify.spam`, :mod:`inboxwatch.classify.forensics`), each with
  whether it is *phishing* evidence (deception aimed at credentials or money) rather than
  junk; the points a row adds are fitted to labelled mail, with the points written beside
  it as the prior (:mod:`inboxwatch.classify.weights`);
* the content classifier (:mod:`inboxwatch.classify.model`), whose indicator in ``[0, 1]``
  becomes points by :func:`content_points`; its middle range is "unsure" and can never make
  a message junk on its own.

:func:`verdict` turns the sum into a category, with the fitted junk threshold: ``phishing``
when the message scores as junk and enough of the score is phishing evidence (or the
phishing evidence alone is damning), ``spam`` when it scores as junk otherwise,
``marketing`` for bulk mail that is not junk (:data:`BULK_RULES`); and shows the calibrated
probability that it is junk. Nothing here deletes anything; the category only sorts and
alerts.

The pure half (:func:`collect_evidence`) runs in worker processes; :func:`verdict` is cheap
and is re-run by routing when operator feedback has changed the classifier since.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from inboxwatch.classify.model import ContentScore, TokenModel, message_tokens
from inboxwatch.classify.spam import SPAM_RULES, MessageScan
from inboxwatch.classify.weights import RuleWeights, shipped_weights
from inboxwatch.explain import RuleHit
from inboxwatch.parse import ParsedMessage

__all__ = [
    "BULK_RULES", "HAM_CUTOFF", "PHISHING_ALONE", "PHISHING_SHARE", "SPAM_CUTOFF",
    "SPAM_FULL", "SPAM_THRESHOLD", "UNSURE_POINTS", "BulkRule", "SpamEvidence", "SpamVerdict",
    "collect_evidence", "content_points", "verdict",
]


# The threshold the written points and the content bands were made for; the one verdicts
# use is fitted (RuleWeights.threshold, at least 4.25: above all "unsure" content adds).
SPAM_THRESHOLD = 5.0


PHISHING_SHARE = 3.0  # junk with at least this many phishing points is phishing


PHISHING_ALONE = 6.0  # phishing points that make a message phishing whatever else it says


@dataclass(frozen=True, slots=True)
class BulkRule:
    rule: str
    header: str
    pattern: str  # case-insensitive; "." = present


# Bulk senders (newsletters, campaigns): marketing, unless the mail is junk. A discussion
# list (List-Post) is not marketing, even though it has List-Unsubscribe.
BULK_RULES: tuple[BulkRule, ...] = (
    BulkRule("list_unsubscribe", "List-Unsubscribe", r"."),
    BulkRule("one_click_unsubscribe", "List-Unsubscribe-Post", r"one-click"),
    BulkRule("precedence_bulk", "Precedence", r"^\s*bulk\b"),
    BulkRule("campaign_header", "X-Campaign", r"."),
    BulkRule("campaign_id", "X-CampaignID", r"."),
    BulkRule("mailchimp", "X-MC-User", r"."),
    BulkRule("feedback_id", "Feedback-ID", r"."),
)


_BULK_RES = tuple(re.compile(r.pattern, re.IGNORECASE) for r in BULK_RULES)


@dataclass(frozen=True, slots=True)
class SpamEvidence:
    """What the pure analysis found; picklable. :func:`verdict` turns it into a category."""

    rule_hits: tuple[RuleHit, ...] = ()  # with the points written in the rule table
    bulk_hits: tuple[RuleHit, ...] = ()
    tokens: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class SpamVerdict:
    category: str | None  # spam | phishing | marketing | None
    score: float
    hits: tuple[RuleHit, ...]
    probability: float = 0.0  # that it is junk, as the weights are calibrated


def collect_evidence(parsed: ParsedMessage, own_domains: tuple[str, ...] = (),
                     trusted_authserv_ids: tuple[str, ...] = ()) -> SpamEvidence:
    """Run every rule of :data:`SPAM_RULES` and :data:`BULK_RULES`, and extract tokens.
    ``trusted_authserv_ids``: whose Authentication-Results count (see
    :attr:`MessageScan.trusted_results`)."""
    hits: list[RuleHit] = []
    scan = MessageScan(parsed, own_domains, trusted_authserv_ids)
    for rule in SPAM_RULES:
        evidence = rule.check(parsed, scan)
        if evidence is not None:
            hits.append(RuleHit("spam", rule.rule, evidence, rule.points))
    bulk: list[RuleHit] = []
    if not parsed.header_all("List-Post"):
        for brule, pattern in zip(BULK_RULES, _BULK_RES, strict=True):
            value = parsed.header(brule.header)
            if value is not None and pattern.search(value[:1000]):
                bulk.append(RuleHit("spam", brule.rule, f"{brule.header}: {value[:120]}"))
    return SpamEvidence(tuple(hits), tuple(bulk), message_tokens(parsed))


FULL_CONFIDENCE_CLUES = 10  # a verdict resting on fewer indicative tokens counts less


HAM_CUTOFF = 0.05  # below: the classifier says ham (a little below zero points)


# From here the classifier says spam: the junk threshold, rising to 12 points at SPAM_FULL.
# Content alone calls a message junk only this sure: the corpora's wanted mail is mailing
# lists, and a client's formal letter or invoice question reads to it as their spam. Of 139
# client mails written for the project, none trained on then, the 5 folds of
# bench/bench_eval.py called 27 of 695 junk from 0.9 (SpamBayes' default), 17 from 0.95,
# 7 from 0.99; junk caught fell 660 -> 656 -> 654 of 700, hard ham called junk 3 -> 3 -> 0.
SPAM_CUTOFF = 0.99


SPAM_FULL = 0.999  # an indicator this sure is full marks (12 points) on its own


UNSURE_POINTS = 4.0  # the most an "unsure" indicator adds: never junk without a rule


KNOWN_SHARE_FULL = 0.6  # a spam verdict on fewer known words than this share counts less


def content_points(indicator: float, clue_count: int = FULL_CONFIDENCE_CLUES,
                   known_share: float = 1.0) -> float:
    """The classifier's share of the score, in SpamBayes' three bands: below
    :data:`HAM_CUTOFF` ham (down to -1), from :data:`SPAM_CUTOFF` spam (the junk threshold,
    rising to 12), and between them "unsure" — up to :data:`UNSURE_POINTS`, so content alone
    never makes unsure mail junk: a model trained on 2002 mail reads today's "locked out of
    my account" as half spam, and only rule evidence may tip it over. Capped both ways: the
    model must not talk away an authentication failure, nor drown the rules. A spam verdict
    from a short message with few indicative words is scaled down, and so is one on a
    message whose words the model mostly never saw in wanted mail (below
    :data:`KNOWN_SHARE_FULL`, by the share to the power 1.5: a language its ham never
    held, where every word it knows comes from junk; scaled linearly, two German newsletters
    of the hard ham were still junk held out, and squared, French spam got through)."""
    if indicator < HAM_CUTOFF:
        points = max(-1.0, (indicator - HAM_CUTOFF) / HAM_CUTOFF)
    elif indicator < SPAM_CUTOFF:
        points = UNSURE_POINTS * (indicator - HAM_CUTOFF) / (SPAM_CUTOFF - HAM_CUTOFF)
    else:
        points = min(12.0, SPAM_THRESHOLD
                     + (indicator - SPAM_CUTOFF) * 7.0 / (SPAM_FULL - SPAM_CUTOFF))
    if points > 0:
        points *= min(1.0, clue_count / FULL_CONFIDENCE_CLUES,
                      (known_share / KNOWN_SHARE_FULL) ** 1.5)
    return points


_PHISHING_RULES = frozenset(r.rule for r in SPAM_RULES if r.phishing)


def verdict(evidence: SpamEvidence, model: TokenModel, *,
            weights: RuleWeights | None = None) -> SpamVerdict:
    """Score the evidence with ``model`` and ``weights`` (default: the shipped ones) and
    decide the category (see module docstring). An evaluation passes the weights and
    threshold it fitted on its training side."""
    weights = weights or shipped_weights()
    content: ContentScore = model.score(evidence.tokens)
    points = round(content_points(content.indicator, content.clue_count,
                                  content.known_share), 2)
    clues = ", ".join(f"{t}={p}" for t, p in content.clues[:5]) or "no known words"
    hits = [*(replace(h, score=weights.rule_points(h.rule, h.score))
              for h in evidence.rule_hits),
            RuleHit("spam", "content_classifier",
                    f"indicator {content.indicator:.3f} from {content.clue_count} clues"
                    f"{_known(content.known_share)}: {clues}", points)]
    score = round(sum(h.score for h in hits), 2)
    phishing = sum(h.score for h in hits if h.rule in _PHISHING_RULES)
    probability = weights.probability(score)
    hits.append(RuleHit("spam", "junk_probability",
                        f"{_percent(probability)} likely junk at {score:g} points; junk from "
                        f"{weights.threshold:g} ({_fitted(weights)})"))
    category: str | None = None
    if phishing >= PHISHING_ALONE or (score >= weights.threshold and phishing >= PHISHING_SHARE):
        category = "phishing"
    elif score >= weights.threshold:
        category = "spam"
    elif evidence.bulk_hits:
        category = "marketing"
        hits.extend(evidence.bulk_hits)
    return SpamVerdict(category, score, tuple(hits), probability)


def _known(share: float) -> str:
    if share >= KNOWN_SHARE_FULL:
        return ""
    return f", {share:.0%} of its words known from wanted mail"


def _percent(probability: float) -> str:
    if probability < 0.001:
        return "< 0.1 %"
    if probability > 0.999:
        return "> 99.9 %"
    return f"{probability:.1%}".replace("%", " %")


def _fitted(weights: RuleWeights) -> str:
    if not weights.fitted_on:
        return "the rule table's written points"
    return f"points fitted to {weights.fitted_on:,} labelled messages"
