"""Report stage: the analysis as plain data (the JSON contract, schema_version 1).

Input: an `Assessment` (and its graph, for dependency paths on request). Output: a dict shaped
exactly like the documented JSON contract; every renderer builds on this one shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planrisk.model import Action, Assessment, ChangeScore, Mode

if TYPE_CHECKING:
    from planrisk.graph import DependencyGraph

SCHEMA_VERSION = 1


def analysis_document(
    assessment: Assessment, graph: DependencyGraph | None = None, *, with_paths: bool = False
) -> dict[str, Any]:
    """The `analyze` JSON document (paths to each top dependent only when asked)."""
    plan = assessment.plan
    return {
        "schema_version": SCHEMA_VERSION,
        "plan": {
            "tool": plan.tool.value,
            "format_version": plan.format_version,
            "digest": plan.digest,
            "resources": resource_count(assessment),
            "counts": plan.counts(),
        },
        "environment": {
            "name": assessment.environment.name,
            "treated_as": assessment.environment.treated_as,
            "evidence": list(assessment.environment.evidence),
        },
        "risk": {
            "score": assessment.risk.score,
            "level": assessment.risk.level.value,
            "teardown": assessment.risk.teardown,
            "reasons": [r.render() for r in assessment.risk.reasons],
        },
        "changes": [
            change_document(c, graph if with_paths else None) for c in assessment.changes
        ],
    }


def resource_count(assessment: Assessment) -> int:
    """Resource instances the plan knows (changed or not), data sources included."""
    plan = assessment.plan
    addresses = {r.address for r in plan.resources if r.mode is not Mode.COMPONENT}
    addresses.update(
        c.address for c in plan.changes if not c.drift and c.mode is not Mode.COMPONENT
    )
    return len(addresses)


def change_document(scored: ChangeScore, graph: DependencyGraph | None) -> dict[str, Any]:
    """One entry of `changes`."""
    change = scored.change
    blast: dict[str, Any] = {
        "count": scored.blast_radius.count,
        "weighted": scored.blast_radius.weighted,
        "top": list(scored.blast_radius.top),
    }
    if graph is not None and scored.blast_radius.top:
        blast["paths"] = {
            dependent: graph.dependency_path(dependent, change.address)
            for dependent in scored.blast_radius.top
        }
    doc: dict[str, Any] = {
        "address": change.address,
        "type": change.type,
        "action": change.action.value,
        "replace_order": change.replace_order.value if change.replace_order else None,
        "risk_class": scored.risk_class,
        "score": scored.score,
        "level": scored.level.value,
        "reasons": [r.render() for r in scored.reasons],
        "blast_radius": blast,
        "hints": list(scored.hints),
    }
    if change.deposed:
        doc["deposed"] = change.deposed
    return doc


def is_listed(action: Action) -> bool:
    """Whether a change with this action appears in `changes` (everything but no-op/read)."""
    return action.is_change
