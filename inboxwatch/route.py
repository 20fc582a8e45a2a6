"""Routing: what each incoming email becomes (PRODUCT.md "Routing", steps 1-6).

:func:`analyze` is the pure half: it parses and classifies raw bytes without touching the
database, so the ingest pipeline can run it in worker processes on both cores.
:func:`route_message` is the half that needs the store (duplicates, cases, users, our own
outbound Message-IDs) and turns an :class:`Analysis` into a :class:`Decision`. Every step
appends its evidence to the decision's explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from inboxwatch.config import SystemConfig
from inboxwatch.explain import RuleHit
from inboxwatch.parse import ParsedMessage, parse_message
from storage.tables import Message

__all__ = [
    "Analysis",
    "AnalysisSettings",
    "Decision",
    "RoutingContext",
    "analyze",
    "route_message",
]

LOOP_HEADER = "X-Inboxwatch-Loop"


@dataclass(frozen=True, slots=True)
class AnalysisSettings:
    """What the pure analysis needs to know about us; picklable for worker processes."""

    own_domains: tuple[str, ...] = ()
    loop_header: str = LOOP_HEADER


@dataclass(slots=True)
class Analysis:
    """Everything decided from the bytes alone."""

    parsed: ParsedMessage
    header_only: bool = False
    auto_category: str | None = None  # bounce | auto_reply, from the rule table
    auto_hits: list[RuleHit] = field(default_factory=list)
    spam_category: str | None = None  # spam | phishing | marketing
    spam_score: float = 0.0
    spam_hits: list[RuleHit] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RoutingContext:
    """What routing needs from the configuration."""

    reply_address: str = "updates@localhost"
    notifications_address: str = "notify@localhost"
    own_domains: tuple[str, ...] = ()
    reply_secret: bytes | None = None
    # Notices to queue for stored inbound messages; None: no notices (tests, eval).
    system: SystemConfig | None = None

    @property
    def settings(self) -> AnalysisSettings:
        return AnalysisSettings(own_domains=self.own_domains)


@dataclass(slots=True)
class Decision:
    disposition: str = "inbound"
    status: str = "awaiting_review"
    reason: str = "direct_to_system"
    category: str = "normal"
    case_id: int | None = None
    case_update_id: int | None = None
    duplicate_of: int | None = None
    spam_score: float = 0.0
    explanation: list[RuleHit] = field(default_factory=list)


def analyze(raw: bytes, settings: AnalysisSettings, *, header_only: bool = False) -> Analysis:
    """Parse and classify raw bytes. Pure: safe to run in a worker process."""
    parsed = parse_message(raw)
    return Analysis(parsed=parsed, header_only=header_only)


def route_message(session: Session, analysis: Analysis, ctx: RoutingContext) -> Decision:
    """Apply the routing steps in order; the first that decides wins (spam scoring is added
    to every inbound message)."""
    parsed = analysis.parsed
    decision = Decision()
    hits = decision.explanation

    # 1. Duplicate: the same bytes (hence the same Message-ID) were stored before.
    existing = session.exec(select(Message.id).where(Message.sha256 == parsed.raw_sha256)).first()
    if existing is not None:
        decision.duplicate_of = existing
        hits.append(RuleHit("duplicate", "same_sha256",
                            f"identical bytes already stored as message {existing}"))
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

    # 4. Reply routing (inboxwatch.reply): onto a case update, or pre-linked inbound.
    from inboxwatch.reply import route_reply

    if route_reply(session, analysis, ctx, decision):
        return decision

    # 5. Everything else: sent straight to the system.
    recipients = ", ".join(a.email for a in parsed.recipients[:5]) or "no recipients"
    hits.append(RuleHit("route", "direct_to_system",
                        f"not a reply to a case update (to: {recipients})"))
    return decision
