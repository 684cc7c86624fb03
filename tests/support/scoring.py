"""Score hand-built changes (`tests.support.builders`) through the real graph builder.

`assess` scores a whole plan with the built-in risk model in prod unless told otherwise; a
change that is not a create gets a resource of its own when none is given, as in a plan's prior
state. `one` scores a single change (the first given) among the others.
"""

from __future__ import annotations

from typing import Any

from planrisk.graph import build_graph
from planrisk.model import (
    Action,
    Assessment,
    ChangeScore,
    Environment,
    EnvironmentResult,
    Resource,
    ResourceChange,
    Tool,
)
from planrisk.score.inputs import ScoreInputs
from planrisk.score.plan import score_plan
from planrisk.score.risk_model import RiskModel, load_risk_model
from tests.support.builders import make_plan, resource

MODEL = load_risk_model()
"""The built-in risk model."""

PROD = EnvironmentResult(name=Environment.PROD, treated_as=Environment.PROD)
"""The environment a change is scored in unless a test says otherwise."""


def assess(
    *changes: ResourceChange,
    resources: tuple[Resource, ...] = (),
    environment: EnvironmentResult = PROD,
    tool: Tool = Tool.TERRAFORM,
    prevent_destroy_removed: frozenset[str] = frozenset(),
    model: RiskModel = MODEL,
) -> Assessment:
    """The assessment of a plan of `changes` (sorted by address) over `resources`."""
    known = {r.address for r in resources}
    extra = tuple(
        resource(c.address, c.type, mode=c.mode)
        for c in changes
        if c.address not in known and c.action is not Action.CREATE
    )
    plan = make_plan(
        *sorted(changes, key=lambda c: c.address), tool=tool, resources=resources + extra
    )
    inputs = ScoreInputs(
        graph=build_graph(plan),
        risk_model=model,
        environment=environment,
        hints={},
        prevent_destroy_removed=prevent_destroy_removed,
    )
    return score_plan(plan, inputs)


def scored(assessment: Assessment, address: str) -> ChangeScore:
    """The score of the change at `address` in `assessment`."""
    return next(s for s in assessment.changes if s.change.address == address)


def one(*changes: ResourceChange, **kwargs: Any) -> ChangeScore:
    """The score of `changes[0]`, assessed with the others (`kwargs` as for `assess`)."""
    return scored(assess(*changes, **kwargs), changes[0].address)
