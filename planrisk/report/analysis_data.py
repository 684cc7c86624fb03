"""Report stage: the analysis as plain data (the JSON contract, schema_version 1).

Input: an `Assessment` (and its graph, for dependency paths on request). Output: a dict shaped
exactly like the documented JSON contract; every renderer builds on this one shape. Each entry
of `changes` is a `ChangeEntry` struct whose fields are the JSON keys (a struct per change is a
fraction of a dict's size and time on a 100k-change plan; encoded with sorted keys, the bytes
are those of the equivalent dict); `changes` is a `ChangeEntries` sequence that builds each
entry when it is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

import msgspec

from planrisk.model import (
    Action,
    Assessment,
    BlastRadius,
    ChangeScore,
    Mode,
    ReplaceOrder,
    RiskLevel,
)

if TYPE_CHECKING:
    from planrisk.gate.decide import GateResult
    from planrisk.graph import DependencyGraph

SCHEMA_VERSION = 1

_VALUES: dict[object, str] = {
    member: member.value for enum in (Action, ReplaceOrder, RiskLevel) for member in enum
}
"""Enum member → its value (a dict lookup instead of the enum's `value` property)."""


class BlastEntry(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """`blast_radius` of one entry of `changes`."""

    count: int
    paths: dict[str, list[str]] | None = None
    """Dependent → the dependency path to the changed resource (`--paths` only)."""
    top: tuple[str, ...]
    weighted: float


class ChangeEntry(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """One entry of `changes` (`deposed` only for a deposed object)."""

    action: str
    address: str
    blast_radius: BlastEntry
    deposed: str | None = None
    hints: tuple[str, ...]
    level: str
    reasons: list[str]
    replace_order: str | None
    risk_class: str
    score: int
    type: str


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
        "changes": ChangeEntries(assessment.changes, graph if with_paths else None),
    }


class ChangeEntries(Sequence[ChangeEntry]):
    """The entries of `changes`, each built when it is read: the JSON renderer reads a batch
    at a time (`json_format.iter_json`), so a 100k-change report never holds every entry."""

    def __init__(self, changes: Sequence[ChangeScore], graph: DependencyGraph | None) -> None:
        self._changes = changes
        self._graph = graph
        self._rendered: dict[int, str] = {}
        self._blasts: dict[int, BlastEntry] = {}

    def __len__(self) -> int:
        return len(self._changes)

    @overload
    def __getitem__(self, index: int) -> ChangeEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[ChangeEntry]: ...

    def __getitem__(self, index: int | slice) -> ChangeEntry | list[ChangeEntry]:
        if isinstance(index, slice):
            return [self._entry(scored) for scored in self._changes[index]]
        return self._entry(self._changes[index])

    def _entry(self, scored: ChangeScore) -> ChangeEntry:
        return change_document(scored, self._graph, self._rendered, self._blasts)


def resource_count(assessment: Assessment) -> int:
    """Resource instances the plan knows (changed or not), data sources included."""
    plan = assessment.plan
    addresses = {r.address for r in plan.resources if r.mode is not Mode.COMPONENT}
    addresses.update(
        c.address for c in plan.changes if not c.drift and c.mode is not Mode.COMPONENT
    )
    return len(addresses)


def change_document(
    scored: ChangeScore,
    graph: DependencyGraph | None,
    rendered: dict[int, str] | None = None,
    blasts: dict[int, BlastEntry] | None = None,
) -> ChangeEntry:
    """One entry of `changes`.

    `rendered` caches `Reason.render()` by reason object, and `blasts` the entry of a blast
    radius without paths by radius object, across the entries of one document (the objects are
    alive meanwhile; the scorer shares equal reasons, such as the environment's, and the empty
    blast radius between changes).
    """
    change = scored.change
    radius = scored.blast_radius
    if graph is not None and radius.top:
        paths = {
            dependent: graph.dependency_path(dependent, change.address) for dependent in radius.top
        }
        blast = BlastEntry(
            count=radius.count, paths=paths, top=radius.top, weighted=radius.weighted
        )
    else:
        blast = _blast_entry(radius, {} if blasts is None else blasts)
    cache = {} if rendered is None else rendered
    reasons = []
    for reason in scored.reasons:
        text = cache.get(id(reason))
        if text is None:
            text = cache[id(reason)] = reason.render()
        reasons.append(text)
    return ChangeEntry(
        action=_VALUES[change.action],
        address=change.address,
        blast_radius=blast,
        deposed=change.deposed or None,
        hints=scored.hints,
        level=_VALUES[scored.level],
        reasons=reasons,
        replace_order=_VALUES[change.replace_order] if change.replace_order else None,
        risk_class=scored.risk_class,
        score=scored.score,
        type=change.type,
    )


def _blast_entry(radius: BlastRadius, cache: dict[int, BlastEntry]) -> BlastEntry:
    """The entry of a blast radius without paths, one per radius object."""
    entry = cache.get(id(radius))
    if entry is None:
        entry = cache[id(radius)] = BlastEntry(
            count=radius.count, top=radius.top, weighted=radius.weighted
        )
    return entry


def gate_document(result: GateResult, *, with_paths: bool = False) -> dict[str, Any]:
    """The gate JSON: the analyze document plus `actor`, `config` and `decision`."""
    from planrisk.gate.record import config_record

    document = analysis_document(
        result.analysis.assessment, result.analysis.graph, with_paths=with_paths
    )
    document["actor"] = msgspec.to_builtins(result.actor)
    document["config"] = config_record(result.analysis.config)
    document["decision"] = msgspec.to_builtins(result.decision)
    return document
