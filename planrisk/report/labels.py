"""Report stage: the one-line labels every renderer shares (the plan's header, the actor).

Input: an `Assessment`, or a `GateResult`. Output: text such as
`planrisk 85/100 CRITICAL · prod · 1 delete, 2 update` and `unknown (treated as agent) alice`.
Kept apart from `view` (whose row classes cost a noticeable import time) because the text
report, which every run may import, needs only these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planrisk.model import ACTION_ORDER

if TYPE_CHECKING:
    from planrisk.gate.decide import GateResult
    from planrisk.model import Assessment


def header_line(assessment: Assessment) -> str:
    """`planrisk 85/100 CRITICAL · prod · 1 delete, 2 update · teardown`."""
    risk = assessment.risk
    counts = assessment.plan.counts()
    shown = [f"{counts[a.value]} {a.value}" for a in ACTION_ORDER if counts[a.value]]
    parts = [
        f"planrisk {risk.score}/100 {risk.level.value.upper()}",
        assessment.environment.label,
        ", ".join(shown) if shown else "no changes",
    ]
    if risk.teardown:
        parts.append("TEARDOWN")
    return " · ".join(parts)


def actor_label(result: GateResult) -> str:
    """`agent`, `unknown (treated as agent)`, plus the identity when known."""
    actor = result.actor
    who: str = actor.kind
    if actor.kind != actor.treated_as:
        who = f"{actor.kind} (treated as {actor.treated_as})"
    return f"{who} {actor.identity}" if actor.identity else who
