"""Routing: what each incoming email becomes (docs/product.md "Routing", steps 1-6).

The pure half, :func:`~inboxwatch.analysis.analyze`, parses and classifies raw bytes in
worker processes (:mod:`inboxwatch.analysis`). :func:`route_message` is the half that needs
the store (duplicates, cases, users, our own outbound Message-IDs, asked in a batch through
:mod:`inboxwatch.lookups`) and turns an :class:`Analysis` into a :class:`Decision`. Every
step appends its evidence to the decision's explanation. Step 4, replies, is
:mod:`inboxwatch.reply`.
"""

from __future__ import annotations

from sqlmodel import Session

from inboxwatch import classify
from inboxwatch.analysis import (
    Analysis,
    AnalysisSettings,
    Decision,
    RoutingContext,
    analyze,
    analyze_batch,
)
from inboxwatch.classify.model import TokenModel
from inboxwatch.classify.weights import RuleWeights
from inboxwatch.explain import RuleHit
from inboxwatch.lookups import (
    MAX_BOUNCED_IDS,
    BatchLookups,
    batch_lookups,
    delivery_key,
    id_forms,
    notice_candidates,
)
from inboxwatch.reply import find_reply_target, route_reply

# The analysis types are routing's vocabulary: importable from here, defined there.
__all__ = [
    "Analysis",
    "AnalysisSettings",
    "Decision",
    "RoutingContext",
    "analyze",
    "analyze_batch",
    "categorise",
    "route_message",
]


def route_message(session: Session, analysis: Analysis, ctx: RoutingContext,
                  lookups: BatchLookups | None = None) -> Decision:
    """Apply the routing steps in order; the first that decides wins (spam scoring is added
    to every inbound message). ``lookups`` are the store's answers for the batch the
    message is routed in (:func:`~inboxwatch.lookups.batch_lookups`); without them, the
    message is looked up as a batch of one."""
    if lookups is None:
        lookups = batch_lookups(session, [analysis])
    parsed = analysis.parsed
    decision = Decision()
    hits = decision.explanation

    # 1. Duplicate: the same bytes (hence the same Message-ID) were stored before.
    existing = lookups.stored.get(parsed.raw_sha256)
    if existing is not None:
        decision.duplicate_of = existing
        hits.append(RuleHit("duplicate", "same_sha256",
                            f"identical bytes already stored as message {existing}"))
        return decision
    # ... or the same mail (Message-ID and body) delivered to another address or mailbox:
    # one item, which lists every delivery (its captures).
    key = delivery_key(analysis)
    other = lookups.same_message.get(key) if key is not None else None
    if other is not None:
        decision.duplicate_of = other
        to = ", ".join(analysis.parsed.header_all("Delivered-To")[:3]) or "another address"
        hits.append(RuleHit("duplicate", "same_message_other_delivery",
                            f"the same message (Message-ID and body) is message {other}; "
                            f"this delivery ({to[:200]}) is listed on it"))
        return decision

    # 2. Unparseable, or too large to fetch whole.
    if parsed.malformed or analysis.header_only:
        decision.status = "needs_attention"
        decision.category = "malformed" if parsed.malformed else "normal"
        decision.reason = "malformed" if parsed.malformed else "direct_to_system"
        if parsed.malformed:
            hits.append(RuleHit("parse", "malformed", "; ".join(parsed.defects[:5])))
        if analysis.header_only:
            hits.append(RuleHit("parse", "oversize",
                                f"message of {parsed.size} bytes stored header-only"))
        if parsed.malformed:
            return decision

    # 3. Auto-generated: bounces, auto-replies, loops.
    auto_generated = _apply_auto(decision, analysis, lookups)

    if auto_generated and decision.category == "auto_reply" and decision.case_id is None \
            and not any(h.rule == "loop" for h in hits):
        _link_auto_reply(session, analysis, ctx, decision, lookups)

    # 4. Reply routing (inboxwatch.reply): onto a case update, or pre-linked inbound.
    replied = False
    if not auto_generated:
        replied = route_reply(session, analysis, ctx, decision, lookups)

    if not auto_generated and not replied:
        # 5. Everything else: sent straight to the system.
        recipients = ", ".join(a.email for a in parsed.recipients[:5]) or "no recipients"
        hits.append(RuleHit("route", "direct_to_system",
                            f"not a reply to a case update (to: {recipients})"))

    if analysis.mailing_list and not auto_generated:
        hits.append(RuleHit("route", "mailing_list",
                            f"sent through the mailing list {analysis.mailing_list[:200]}: "
                            "list mail is not called auto-generated"))

    # 6. Spam / phishing / marketing, on every inbound message.
    if decision.disposition == "inbound":
        _apply_spam(decision, analysis, lookups)
    return decision


# Which categories a junk verdict replaces. Phishing replaces everything (fake "delivery
# failure" notices are a classic lure); spam replaces an auto-generated category only when
# that rests on a single weak hint (junk often carries Precedence: bulk or a null
# Return-Path), so real bounces and auto-replies quoting junk stay what they are.
_SPAM_OVERRIDES = {"phishing": ("normal", "auto_reply", "bounce", "marketing"),
                   "spam": ("normal", "marketing"),
                   "marketing": ("normal",)}
_WEAK_AUTO_OVERRIDES = {"spam": ("auto_reply", "bounce")}
# The rules that find a From name claiming another sender than its address: no sign-up to a
# newsletter excuses those.
_NAME_DECEPTION = frozenset({"brand_impersonation", "own_domain_spoof", "name_is_other_address"})


def _apply_auto(decision: Decision, analysis: Analysis, lookups: BatchLookups) -> bool:
    """Step 3: mark auto-generated mail, link a bounce of our case-update email to its case
    (an auto-reply is linked by :func:`_link_auto_reply`).

    Besides the rule table (run in :func:`analyze`), a message is a loop when it is one of
    our own notices (its Message-ID is in the outbox) or answers one (In-Reply-To).
    """
    parsed = analysis.parsed
    category = analysis.auto_category
    auto_hits = list(analysis.auto_hits)
    own_notice = next((f for f in id_forms(notice_candidates(parsed))
                       if f in lookups.notice_ids), None)
    if own_notice is not None and not any(h.rule == "loop" for h in auto_hits):
        auto_hits.insert(0, RuleHit("auto", "loop",
                                    f"refers to our own notice {own_notice[:200]}"))
        category = category or "auto_reply"
    if category is None:
        return False
    decision.explanation.extend(auto_hits)
    decision.reason = "auto_generated"
    decision.category = category
    if category == "bounce":
        decision.explanation.append(RuleHit(
            "auto", "bounce_details", analysis.bounce_details or
            "the bounce names no failed recipient that its rows can read"))
        found = _bounced_case_update(analysis.bounced_message_ids, lookups)
        if found is not None:
            update_id, case_id, message_id = found
            decision.case_id = case_id
            decision.case_update_id = update_id
            decision.status = "needs_attention"
            decision.explanation.append(RuleHit(
                "auto", "bounced_case_update",
                f"bounce of case update {update_id} (Message-ID {message_id[:200]}) "
                f"of case {case_id}"))
    return True


def _link_auto_reply(session: Session, analysis: Analysis, ctx: RoutingContext,
                     decision: Decision, lookups: BatchLookups) -> None:
    """An out-of-office or other automatic answer to one of our case-update emails is
    linked to that case, found as a reply would be (token, References, a trusted tag), and
    stays inbound: it never becomes a case update, and gets no notice (its category)."""
    match = find_reply_target(session, analysis.parsed, ctx, decision.explanation, lookups)
    if match is None:
        return
    decision.case_id = match.case_id
    decision.case_update_id = match.case_update_id
    decision.explanation.append(RuleHit(
        "auto", "auto_reply_to_case",
        f"an automatic answer to our email for case #{match.case_id} ({match.evidence}); "
        "linked to the case, not a case update"))


def _bounced_case_update(message_ids: list[str],
                         lookups: BatchLookups) -> tuple[int, int, str] | None:
    """The case update whose email a bounce reports on: (update id, case id, Message-ID)."""
    for message_id in message_ids[:MAX_BOUNCED_IDS]:
        forms = id_forms([message_id])
        by_update, by_outbox = lookups.case_emails, lookups.outbox_emails
        found = next((by_update[f] for f in forms if f in by_update), None) or \
            next((by_outbox[f] for f in forms if f in by_outbox), None)
        if found is not None:
            return found[0], found[1], message_id
    return None


def categorise(analysis: Analysis, model: TokenModel, *,
               weights: RuleWeights | None = None) -> Decision:
    """The category routing gives a message by its content alone (steps 2, 3 and 6: no
    store, no reply routing), with ``model`` and ``weights`` (their threshold): what an evaluation
    measures (:mod:`inboxwatch.crossval`), by the same code as :func:`route_message`."""
    decision = Decision()
    if analysis.parsed.malformed:
        decision.category = "malformed"
        return decision
    lookups = BatchLookups(stored={}, notice_ids=set(), model=model)
    if not _apply_auto(decision, analysis, lookups):
        decision.reason = "direct_to_system"
    _apply_spam(decision, analysis, lookups, weights=weights)
    return decision


def _apply_spam(decision: Decision, analysis: Analysis, lookups: BatchLookups, *,
                weights: RuleWeights | None = None) -> None:
    """Step 6: score, categorise and explain; phishing needs a person's attention.

    The analysis was scored with the shipped model in a worker process; when operators have
    given feedback since, the evidence is re-scored here with the model that includes it.
    """
    spam_category, score, spam_hits = (analysis.spam_category, analysis.spam_score,
                                       analysis.spam_hits)
    if analysis.spam_evidence is not None:
        model = lookups.model
        if model is not classify.base_model() or weights is not None:
            rescored = classify.verdict(analysis.spam_evidence, model, weights=weights)
            if rescored.category != spam_category:
                # Say so: the operator sees that their colleagues' teaching decided it.
                taught = model.spam_docs + model.ham_docs - classify.base_model().spam_docs \
                    - classify.base_model().ham_docs
                rescored = classify.SpamVerdict(rescored.category, rescored.score, (
                    *rescored.hits,
                    RuleHit("spam", "operator_lessons",
                            f"what operators taught ({taught} lesson(s)) made it "
                            f"{rescored.category or 'not junk'}; the shipped model alone "
                            f"says {spam_category or 'not junk'}")), rescored.probability)
            spam_category, score, spam_hits = (rescored.category, rescored.score,
                                               list(rescored.hits))
    decision.spam_score = score
    decision.explanation.extend(spam_hits)
    strong_auto = analysis.auto_strong or any(h.rule == "loop" for h in decision.explanation)
    if spam_category is not None and (
            decision.category in _SPAM_OVERRIDES[spam_category]
            or (not strong_auto
                and decision.category in _WEAK_AUTO_OVERRIDES.get(spam_category, ()))):
        decision.category = spam_category
    # A sender's own DKIM or SPF pass proves only that its domain sent it (a spammer's domain
    # passes too): when a filter upstream, which knows the sender's reputation, called it
    # spam, it stays spam; and so does mail whose From name claims someone its domain is
    # not (a campaign of a hired bulk-mail account signed "TrustWallet").
    if (decision.category == "spam" and analysis.solicited
            and not any(h.rule in classify.UPSTREAM_VERDICTS or
                        (h.rule in _NAME_DECEPTION and h.score > 0) for h in spam_hits)):
        decision.category = "marketing"
        decision.explanation.append(RuleHit("spam", "solicited_bulk", analysis.solicited))
    if decision.category == "phishing":
        decision.status = "needs_attention"
