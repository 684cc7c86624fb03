"""Report stage: terminal text (a header line and the changes sorted by score).

Input: an `Analysis` or a `GateResult` (`planrisk.report.subject`). Output: plain text for pipes,
files and CI logs (a gate result's verdict first); with `colour` (the CLI asks on a TTY unless
NO_COLOR is set) the rich view of `planrisk.report.text_rich`.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, TextIO

from planrisk.model import Assessment, format_action
from planrisk.report.hygiene import safe_for_log
from planrisk.report.labels import actor_label, header_line
from planrisk.report.subject import unpack

if TYPE_CHECKING:
    from planrisk.gate.decide import GateResult
    from planrisk.report.subject import Reported


def use_colour(stream: TextIO | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    if os.environ.get("NO_COLOR"):
        return False
    target = stream if stream is not None else sys.stdout
    return bool(getattr(target, "isatty", lambda: False)())


def render_text(subject: Reported, *, colour: bool = False) -> str:
    """A gate result's verdict (outcome, actor, what is needed), then the header, the plan's
    reasons and one block per change."""
    if colour:
        from planrisk.report.text_rich import render_rich

        return render_rich(subject)
    analysis, gate = unpack(subject)
    verdict = _verdict_text(gate) if gate is not None else ""
    return verdict + _assessment_text(analysis.assessment)


def _assessment_text(assessment: Assessment) -> str:
    lines = [header_line(assessment)]
    if assessment.environment.evidence:
        lines.append("  environment: " + "; ".join(assessment.environment.evidence))
    if assessment.risk.reasons:
        lines.append("  plan score: " + " · ".join(r.render() for r in assessment.risk.reasons))
    lines.append("")
    for scored in assessment.changes:
        label = f"{scored.score:>3} {scored.level.value:<8}"
        lines.append(f"{label} {scored.change.address} · {format_action(scored.change)}")
        lines.append("      " + " · ".join(r.render() for r in scored.reasons))
        if scored.blast_radius.top:
            more = scored.blast_radius.count - len(scored.blast_radius.top)
            tail = f" (+{more} more)" if more > 0 else ""
            lines.append("      takes down: " + ", ".join(scored.blast_radius.top) + tail)
        lines.extend(f"      hint: {line}" for hint in scored.hints for line in hint.splitlines())
    if not assessment.changes:
        lines.append("No changes beyond no-op and read.")
    return safe_for_log("\n".join(lines) + "\n")


def _verdict_text(result: GateResult) -> str:
    decision = result.decision
    actor = result.actor
    verdict = decision.outcome.upper()
    lines = [f"{verdict} · actor {actor_label(result)} · {result.analysis.plan.digest}"]
    if decision.summary:
        lines.append(f"  {decision.summary}")
    if actor.evidence:
        lines.append("  actor: " + "; ".join(actor.evidence))
    deny = decision.outcome == "deny"
    for rule in decision.rules:
        if deny and rule.effect != "deny":
            continue  # nothing but the deny rules can change a deny
        lines.append(f"  rule {rule.name} ({rule.effect}): {rule.reason}")
        if rule.way_forward:
            lines.append(f"    way forward: {rule.way_forward}")
    for req in decision.requirements:
        mark = "ok" if req.satisfied else "MISSING"
        lines.append(f"  needs {req.kind}: {req.have}/{req.needed} {mark} · {req.detail}")
    for item in decision.evidence:
        mark = "accepted" if item.accepted else "ignored"
        lines.append(f"  evidence {item.file} ({item.kind}) {mark}: {item.reason}")
    lines.append("")
    return safe_for_log("\n".join(lines))
