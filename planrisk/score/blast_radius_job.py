"""Score stage: the blast radii of a plan, computed while the rest of scoring goes on.

Input: a `Plan`, its `DependencyGraph` and the `RiskModel`. Output: a `BlastRadiiJob` whose
`result()` is address → `BlastRadius` of the destroys that have dependents
(`planrisk.score.blast_radius`). They depend only on the graph and the risk model, so the
pipeline starts them as soon as the graph is built; on Linux a large plan's are computed in a
forked child on the other core (`planrisk._runtime.forked`), and `score_plan` awaits them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from planrisk._runtime.forked import SideJob
from planrisk.model import Action, BlastRadius, Mode, Plan, ResourceChange
from planrisk.score.blast_radius import blast_radii
from planrisk.score.risk_model_parse import CLASS_WEIGHTS
from planrisk.score.type_risks import MANIFEST_TYPE, TypeRisks, object_values

if TYPE_CHECKING:
    from planrisk.graph import DependencyGraph
    from planrisk.score.risk_model import RiskModel


class BlastRadiiJob:
    """The blast radii of a plan's destroys (`blast_radius.blast_radii`), computed on the other
    core when there is one to spare and the plan has enough destroys (`planrisk._runtime.forked`).

    They depend only on the graph and the risk model, so the pipeline starts them as soon as
    the graph is built: environment, hints and every change's other reasons are worked out
    here meanwhile. `score_plan` starts its own when given none.
    """

    def __init__(self, plan: Plan, graph: DependencyGraph, risk_model: RiskModel) -> None:
        self.plan = plan
        self.graph = graph
        self.listed = scored_changes(plan)
        """The changes that are scored (`score_plan` reads them from here, not again)."""
        sources = [
            change.address
            for change in self.listed
            if change.is_destructive and change.mode is not Mode.COMPONENT
        ]
        weight_of = weight_function(graph, TypeRisks(risk_model))
        self._job = SideJob(
            lambda: _RADII_ENCODER.encode(with_dependents(blast_radii(graph, sources, weight_of))),
            worth_a_process=len(sources) >= FORK_MIN_DESTROYS,
        )

    def result(self) -> dict[str, BlastRadius]:
        """Address → blast radius of the destroys that have dependents."""
        return _RADII_DECODER.decode(self._job.result())

    def cancel(self) -> None:
        """Stop computing them (the run failed before scoring)."""
        self._job.cancel()


FORK_MIN_DESTROYS = 2048
"""From this many destroys the blast radii are worth a forked process
(`planrisk._runtime.forked`)."""


_RADII_ENCODER = msgspec.msgpack.Encoder()


_RADII_DECODER = msgspec.msgpack.Decoder(dict[str, BlastRadius])


def with_dependents(radii: dict[str, BlastRadius]) -> dict[str, BlastRadius]:
    """The radii that name dependents (the others are `NO_DEPENDENTS` when looked up)."""
    return {address: radius for address, radius in radii.items() if radius.count}


_NO_WEIGHT = ("none", 0.0)
"""The weight of a node a destroy does not take down."""


def scored_changes(plan: Plan) -> list[ResourceChange]:
    """The changes that are scored: every real change beyond no-op and read, drift aside."""
    return [c for c in plan.changes if not c.drift and c.action.is_change]


def weight_function(graph: DependencyGraph, risks: TypeRisks) -> Callable[[str], tuple[str, float]]:
    """address → (risk class, weight) of a dependent; data sources and placeholders weigh 0."""
    nodes = graph.nodes
    by_type: dict[str, tuple[str, float]] = {}

    def weight_of(address: str) -> tuple[str, float]:
        node = nodes.get(address)
        if node is None:
            return _NO_WEIGHT
        resource, change = node.resource, node.change
        if resource is not None:
            node_type, mode = resource.type, resource.mode
        elif change is not None:
            node_type, mode = change.type, change.mode
        else:
            return _NO_WEIGHT
        if (
            mode is Mode.DATA
            or mode is Mode.COMPONENT
            or not node_type
            or (change is not None and change.action is Action.CREATE)
        ):
            # Data sources, components and objects the plan only creates are not taken down.
            return _NO_WEIGHT
        if node_type == MANIFEST_TYPE:
            values = resource.values if resource is not None else object_values(change)
            cls = risks.manifest_risk(values).risk_class
            return cls, CLASS_WEIGHTS[cls]
        found = by_type.get(node_type)
        if found is None:
            cls = risks.risk(node_type).risk_class
            found = by_type[node_type] = (cls, CLASS_WEIGHTS[cls])
        return found

    return weight_of
