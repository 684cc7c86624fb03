"""Report stage: the findings that machine formats (SARIF, GitHub annotations) report.

Input: an `Analysis`, an optional `GateResult`, and where the .tf sources live. Output:
`Finding`s — one per scored change that carries risk (its most specific kind, the others as
tags), one for a mass destruction, and one for a gate that did not allow — each with the
`.tf` file and line of the resource when `--source-dir` was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from planrisk.model import ChangeScore, RiskLevel, format_action
from planrisk.report.subject import unpack

if TYPE_CHECKING:
    from planrisk.gate.decide import GateResult
    from planrisk.pipeline import Analysis
    from planrisk.report.subject import Reported


@dataclass(frozen=True)
class FindingKind:
    """A kind of finding: one SARIF rule, one annotation title."""

    id: str
    title: str
    description: str


KINDS: tuple[FindingKind, ...] = (
    FindingKind(
        "irreversible-data-loss",
        "Irreversible data loss",
        "A data-bearing resource is destroyed with no recovery path.",
    ),
    FindingKind(
        "blocked-by-guard",
        "Blocked by a guard",
        "A blocking guard (deletion protection, prevent_destroy, protect) makes the "
        "destroy fail at apply.",
    ),
    FindingKind(
        "guard-weakening",
        "Guard weakening",
        "A change removes a protection (deletion protection, prevent_destroy, protect).",
    ),
    FindingKind(
        "credential-rotation",
        "Credential rotation",
        "A credential is rotated or replaced; whatever uses it must be updated.",
    ),
    FindingKind(
        "destroy-data-bearing",
        "Data-bearing destroy",
        "A resource that holds data is deleted or replaced.",
    ),
    FindingKind(
        "destroy-foundational",
        "Foundational destroy",
        "A resource that others are built on (network, identity, keys) is deleted or replaced.",
    ),
    FindingKind("destroy", "Destroy", "A resource is deleted or replaced."),
    FindingKind("risky-change", "Risky change", "A change with a non-zero risk score."),
    FindingKind(
        "mass-destruction",
        "Mass destruction",
        "The plan destroys or replaces a large share of the managed resources.",
    ),
    FindingKind("gate-deny", "Gate: deny", "A policy rule denies applying the plan."),
    FindingKind(
        "gate-pending",
        "Gate: pending",
        "The plan may be applied once the missing evidence is there.",
    ),
)
"""Every finding kind, most specific first."""

KIND_BY_ID = {k.id: k for k in KINDS}


@dataclass(frozen=True)
class Finding:
    """One reportable finding."""

    kind: str
    """An id from KINDS."""
    severity: str
    """error, warning or note."""
    score: int
    level: str
    message: str
    address: str | None
    """The resource address (None for plan-level findings)."""
    file: str | None = None
    """The .tf file (joined to the source prefix), when known."""
    line: int | None = None
    tags: tuple[str, ...] = ()
    """Every kind that applies (the first is `kind`)."""


def severity_for(level: RiskLevel) -> str:
    """error for critical, warning for high, note otherwise."""
    if level is RiskLevel.CRITICAL:
        return "error"
    if level is RiskLevel.HIGH:
        return "warning"
    return "note"


def change_kinds(scored: ChangeScore) -> tuple[str, ...]:
    """Every kind that applies to a change, most specific first (empty: nothing to report)."""
    kinds: list[str] = []
    if scored.irreversible_data_loss:
        kinds.append("irreversible-data-loss")
    if scored.apply_will_fail:
        kinds.append("blocked-by-guard")
    if scored.guard_weakening:
        kinds.append("guard-weakening")
    if any(r.tag == "credential_rotation" for r in scored.reasons):
        kinds.append("credential-rotation")
    if scored.change.is_destructive and not scored.kept_in_cloud:
        if scored.risk_class == "data-bearing":
            kinds.append("destroy-data-bearing")
        elif scored.risk_class == "foundational":
            kinds.append("destroy-foundational")
        else:
            kinds.append("destroy")
    if not kinds and scored.score > 0:
        kinds.append("risky-change")
    return tuple(kinds)


def collect_findings(subject: Reported, source_prefix: str | None = None) -> list[Finding]:
    """Findings of the gate (if any), the plan, then every risky change by score."""
    analysis, gate = unpack(subject)
    assessment = analysis.assessment
    findings: list[Finding] = []
    if gate is not None and gate.decision.outcome != "allow":
        findings.append(_gate_finding(gate))
    mass = any(r.tag == "mass_destruction" for r in assessment.risk.reasons)
    if mass or assessment.risk.teardown:
        findings.append(
            Finding(
                kind="mass-destruction",
                severity=severity_for(assessment.risk.level),
                score=assessment.risk.score,
                level=assessment.risk.level.value,
                message=(
                    f"plan destroys or replaces {assessment.risk.destroyed_ratio:.0%} of the "
                    f"managed resources: " + " · ".join(r.render() for r in assessment.risk.reasons)
                ),
                address=None,
            )
        )
    for scored in assessment.changes:
        kinds = change_kinds(scored)
        if not kinds:
            continue
        file, line = _location(analysis, scored.change.address, source_prefix)
        reasons = " · ".join(r.render() for r in scored.reasons)
        findings.append(
            Finding(
                kind=kinds[0],
                severity=severity_for(scored.level),
                score=scored.score,
                level=scored.level.value,
                message=(
                    f"{scored.change.address}: {format_action(scored.change)} "
                    f"({scored.risk_class}), score {scored.score}/100 {scored.level.value}: "
                    f"{reasons}"
                    + (
                        f"; takes down {scored.blast_radius.count} dependents"
                        if scored.blast_radius.count
                        else ""
                    )
                ),
                address=scored.change.address,
                file=file,
                line=line,
                tags=kinds,
            )
        )
    return findings


def _gate_finding(gate: GateResult) -> Finding:
    decision = gate.decision
    assessment = gate.analysis.assessment
    deny = decision.outcome == "deny"
    parts = [
        f"{r.name}: {r.reason}" + (f" — way forward: {r.way_forward}" if r.way_forward else "")
        for r in decision.rules
        if r.effect == "deny" or not deny
    ]
    parts += [
        f"needs {r.kind} {r.have}/{r.needed}: {r.detail}"
        for r in decision.requirements
        if not r.satisfied
    ]
    return Finding(
        kind="gate-deny" if deny else "gate-pending",
        severity="error" if deny else "warning",
        score=assessment.risk.score,
        level=assessment.risk.level.value,
        message=f"planrisk gate: {decision.summary or decision.outcome} "
        f"(plan {assessment.plan.digest})" + (": " + "; ".join(parts) if parts else ""),
        address=None,
    )


def _location(
    analysis: Analysis, address: str, source_prefix: str | None
) -> tuple[str | None, int | None]:
    """(file, line) of the resource's block when the sources were read."""
    graph = analysis.graph
    if not graph.sources:
        return None, None
    block = graph.sources.get(graph.config_address(address))
    if block is None:
        return None, None
    prefix = (source_prefix or "").rstrip("/")
    file = f"{prefix}/{block.file}" if prefix and prefix != "." else block.file
    return file, block.line
