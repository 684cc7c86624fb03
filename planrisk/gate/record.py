"""Gate stage: the record of a decision — what the audit log keeps, and appending it.

Input: a `GateResult` and the `GateOptions` it was made with. Output: the audit record (time,
actor, environment, plan digest and counts, score, outcome, rules, evidence, the configuration's
digest and layers, version — never an attribute value) appended to the store the options name.
The gate command calls `record_decision` as a step of its own after deciding; `run_gate` writes
nothing, so a library caller decides whether a decision is recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from planrisk.config import PlanriskConfig
    from planrisk.gate.decide import GateOptions, GateResult


def record_decision(result: GateResult, options: GateOptions) -> None:
    """Append the decision to the options' store (`gate_store`): the gate command's step after
    it decides, before it reports."""
    from planrisk.gate.audit import append_decision
    from planrisk.gate.decide import gate_store

    append_decision(gate_store(options), audit_record(result))


def audit_record(result: GateResult) -> dict[str, Any]:
    """What the audit log keeps of one decision (no attribute values)."""
    from planrisk import __version__
    from planrisk.gate.evidence.durations import format_utc, utc_now

    assessment = result.analysis.assessment
    decision = result.decision
    return {
        "time": format_utc(utc_now()),
        "actor": msgspec.to_builtins(result.actor),
        "environment": {
            "name": assessment.environment.name,
            "treated_as": assessment.environment.treated_as,
            "evidence": list(assessment.environment.evidence),
        },
        "plan_digest": assessment.plan.digest,
        "plan_source": assessment.plan.source,
        "counts": assessment.plan.counts(),
        "score": assessment.risk.score,
        "level": assessment.risk.level.value,
        "outcome": decision.outcome,
        "rules": [{"name": r.name, "effect": r.effect} for r in decision.rules],
        "evidence": msgspec.to_builtins(decision.evidence),
        "policy_digest": result.analysis.config.digest,
        "config": config_record(result.analysis.config),
        "planrisk_version": __version__,
    }


def config_record(config: PlanriskConfig) -> dict[str, Any]:
    """Where the configuration came from, for the audit log and the gate JSON."""
    provenance = config.provenance
    return {
        "layers": [{"name": layer.name, "label": layer.label} for layer in provenance.layers],
        "base": provenance.base.ref if provenance.base is not None else None,
        "base_commit": provenance.base_commit,
        "ignored": list(provenance.ignored),
        "gate_changes": msgspec.to_builtins(provenance.gate_changes),
    }
