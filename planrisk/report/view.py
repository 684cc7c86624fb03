"""Report stage: the data every human-facing renderer shows, shaped once in Python.

Input: an `Analysis` and, for `gate`, its `GateResult`. Output: a `ReportView` (verdict,
requirements with the exact commands, change rows with icons, scores and reasons, evidence),
built only from addresses, types, scores and the texts the earlier stages wrote — never from
attribute values. The markdown, HTML and text renderers read this; SARIF and GitHub read
`findings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from planrisk.model import ACTION_ORDER, ChangeScore, RiskLevel, format_action
from planrisk.report.labels import actor_label
from planrisk.report.subject import unpack

if TYPE_CHECKING:
    from planrisk.report.subject import Reported

LEVEL_ICONS: dict[RiskLevel, str] = {
    RiskLevel.CRITICAL: "🔴",
    RiskLevel.HIGH: "🟠",
    RiskLevel.MEDIUM: "🟡",
    RiskLevel.LOW: "🔵",
    RiskLevel.NONE: "⚪",
}
"""Icon per risk level."""

OUTCOME_ICONS: dict[str, str] = {"allow": "✅", "pending": "⏳", "deny": "⛔"}
"""Icon per gate outcome."""


def approval_reply(digest: str) -> str:
    """The PR-comment reply that approves a plan: `/planrisk approve <first 12 hex>`."""
    return f"/planrisk approve {digest.removeprefix('sha256:')[:12]}"


@dataclass(frozen=True)
class ChangeRow:
    """One change as every report lists it."""

    address: str
    type: str
    action: str
    risk_class: str
    score: int
    level: str
    icon: str
    reasons: tuple[str, ...]
    blast_count: int
    blast_top: tuple[str, ...]
    hints: tuple[str, ...]


@dataclass(frozen=True)
class NeedRow:
    """One requirement of the gate, with what is there and what to run."""

    kind: str
    needed: int
    have: int
    satisfied: bool
    detail: str


@dataclass(frozen=True)
class LabelledLine:
    """A short labelled line (a rule that fired, an evidence file and why it counted)."""

    label: str
    text: str


@dataclass(frozen=True)
class DenyRow:
    """A deny rule that fired: why, and what would let the change through instead."""

    rule: str
    reason: str
    way_forward: str


@dataclass(frozen=True)
class Verdict:
    """The gate's verdict as shown in banners."""

    outcome: str
    icon: str
    summary: str
    actor: str
    actor_evidence: tuple[str, ...]
    denies: tuple[DenyRow, ...]
    """The deny rules (on deny only: nothing else can change the outcome)."""
    rules: tuple[LabelledLine, ...]
    """The require rules that fired (not shown on deny)."""
    needs: tuple[NeedRow, ...]
    evidence: tuple[LabelledLine, ...]

    @property
    def asks_for_approvals(self) -> bool:
        """Whether approvals can still change the outcome (pending, approvals missing): only
        then is the approval reply shown."""
        return self.outcome == "pending" and any(
            n.kind == "approvals" and not n.satisfied for n in self.needs
        )


@dataclass(frozen=True)
class ReportView:
    """Everything a human-facing report shows."""

    tool: str
    digest: str
    approve_reply: str
    score: int
    level: str
    level_icon: str
    environment: str
    environment_name: str
    environment_evidence: tuple[str, ...]
    counts: tuple[tuple[str, int], ...]
    teardown: bool
    plan_reasons: tuple[str, ...]
    changes: tuple[ChangeRow, ...]
    verdict: Verdict | None

    @property
    def riskiest(self) -> ChangeRow | None:
        """The highest-scored destroy or replace with dependents, else the highest-scored row."""
        for row in self.changes:
            if row.blast_count:
                return row
        return self.changes[0] if self.changes else None


def change_row(scored: ChangeScore) -> ChangeRow:
    """The row of one scored change."""
    return ChangeRow(
        address=scored.change.address,
        type=scored.change.type,
        action=format_action(scored.change),
        risk_class=scored.risk_class,
        score=scored.score,
        level=scored.level.value,
        icon=LEVEL_ICONS[scored.level],
        reasons=tuple(r.render() for r in scored.reasons),
        blast_count=scored.blast_radius.count,
        blast_top=scored.blast_radius.top,
        hints=scored.hints,
    )


def build_view(subject: Reported) -> ReportView:
    """The view of an analysis (and of the gate's decision for a gate result)."""
    analysis, gate = unpack(subject)
    assessment = analysis.assessment
    plan = assessment.plan
    counts = plan.counts()
    verdict = None
    if gate is not None:
        decision = gate.decision
        deny = decision.outcome == "deny"
        verdict = Verdict(
            outcome=decision.outcome,
            icon=OUTCOME_ICONS.get(decision.outcome, "⛔"),
            summary=decision.summary,
            actor=actor_label(gate),
            actor_evidence=gate.actor.evidence,
            denies=tuple(
                DenyRow(rule=r.name, reason=r.reason, way_forward=r.way_forward)
                for r in decision.rules
                if r.effect == "deny"
            ),
            rules=()
            if deny
            else tuple(
                LabelledLine(label=f"{r.name} ({r.effect})", text=r.reason) for r in decision.rules
            ),
            needs=tuple(
                NeedRow(
                    kind=r.kind,
                    needed=r.needed,
                    have=r.have,
                    satisfied=r.satisfied,
                    detail=r.detail,
                )
                for r in decision.requirements
            ),
            evidence=tuple(
                LabelledLine(
                    label=f"{e.file} ({e.kind}, {'accepted' if e.accepted else 'ignored'})",
                    text=e.reason,
                )
                for e in decision.evidence
            ),
        )
    return ReportView(
        tool=plan.tool.value,
        digest=plan.digest,
        approve_reply=approval_reply(plan.digest),
        score=assessment.risk.score,
        level=assessment.risk.level.value,
        level_icon=LEVEL_ICONS[assessment.risk.level],
        environment=assessment.environment.label,
        environment_name=assessment.environment.name,
        environment_evidence=assessment.environment.evidence,
        counts=tuple((a.value, counts[a.value]) for a in ACTION_ORDER if counts[a.value]),
        teardown=assessment.risk.teardown,
        plan_reasons=tuple(r.render() for r in assessment.risk.reasons),
        changes=tuple(change_row(c) for c in assessment.changes),
        verdict=verdict,
    )
