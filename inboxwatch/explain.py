"""The evidence behind every routing and classification decision.

Each step of the pipeline (``parse``, ``duplicate``, ``auto``, ``route``, ``spam``) appends
:class:`RuleHit` records; they are stored with the message as JSON and printed by
``inboxwatch show`` and the TUI's detail pane, so an operator can always see *why*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["RuleHit", "hits_from_json", "hits_to_json"]


@dataclass(frozen=True, slots=True)
class RuleHit:
    step: str  # parse | duplicate | auto | route | spam
    rule: str  # stable rule id, e.g. "auto_submitted", "spf_fail"
    evidence: str  # what matched: header and value, link text and target...
    score: float = 0.0  # contribution to the spam score, where the step scores

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "rule": self.rule, "evidence": self.evidence,
                "score": self.score}


def hits_to_json(hits: list[RuleHit]) -> list[dict[str, Any]]:
    return [h.to_json() for h in hits]


def hits_from_json(data: list[dict[str, Any]] | None) -> list[RuleHit]:
    return [
        RuleHit(str(d.get("step", "")), str(d.get("rule", "")), str(d.get("evidence", "")),
                float(d.get("score", 0.0)))
        for d in data or []
    ]
