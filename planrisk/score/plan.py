"""Score stage: the plan's score, and the orchestration of every change's.

Input: a `Plan` and its `ScoreInputs` (the blast radii may already be computing on the other
core). Output: an `Assessment`: every change beyond no-op/read scored, highest first, and

    plan score = min(100, worst change + round(breadth × env) + round(mass destruction × env))

The mass-destruction share counts objects (deposed objects included) destroyed, over the
managed objects that exist before the apply.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, NamedTuple, cast

from planrisk.model import (
    Action,
    Assessment,
    BlastRadius,
    ChangeScore,
    EnvironmentResult,
    Mode,
    Plan,
    PlanRisk,
    Reason,
    ResourceChange,
    RiskLevel,
)
from planrisk.score.blast_radius_job import BlastRadiiJob
from planrisk.score.change import Draft, draft_change, score_change
from planrisk.score.inputs import ScoreInputs
from planrisk.score.lookups import Lookups
from planrisk.score.points import HIGH_SCORE, scale

if TYPE_CHECKING:
    pass


def score_plan(plan: Plan, inputs: ScoreInputs) -> Assessment:
    """Score every change beyond no-op/read, then the plan."""
    lookups = Lookups(inputs)
    factor = lookups.factor
    job = inputs.radii
    if job is None or job.plan is not plan or job.graph is not inputs.graph:
        if job is not None:  # started for another plan or graph: stopped, not left running
            job.cancel()
        job = BlastRadiiJob(plan, inputs.graph, inputs.risk_model)
    listed = job.listed
    try:
        drafts = [draft_change(change, lookups) for change in listed]
        # While the radii are computed, what does not need them: the plan's destruction
        # ratio, and the final score of every change that cannot have a blast radius (no
        # destroy, or nothing depends on it: about half of a teardown).
        destruction = _destruction(plan, drafts)
        dependents = inputs.graph.pred
        scored: list[ChangeScore | None] = []
        waiting: list[int] = []
        for draft in drafts:
            if draft.blast_slot >= 0 and dependents.get(draft.change.address):
                waiting.append(len(scored))
                scored.append(None)
            else:
                scored.append(score_change(draft, lookups, _NO_RADII))
    except BaseException:
        job.cancel()
        raise
    radii = job.result()
    for i in waiting:
        scored[i] = score_change(drafts[i], lookups, radii)
    ranked = cast("list[ChangeScore]", scored)  # (every change is scored now)
    # By score, highest first, then address and deposed key: the plan lists its changes in
    # that order already (`Plan.changes`), and a stable sort keeps it among equal scores
    # (far cheaper than a sort on (−score, address, deposed) tuples on a large plan).
    ranked.sort(key=_SCORE, reverse=True)
    risk = _plan_risk(ranked, inputs.environment, factor, destruction)
    return Assessment(plan=plan, environment=inputs.environment, risk=risk, changes=tuple(ranked))


_SCORE = operator.attrgetter("score")


_NO_RADII: dict[str, BlastRadius] = {}


class _Destruction(NamedTuple):
    """How much of what exists before the apply the plan destroys (managed objects)."""

    destroyed: int
    existing: int


def _destruction(plan: Plan, drafts: list[Draft]) -> _Destruction:
    """Destroyed and existing managed objects (what a blast radius cannot change)."""
    destroyed = _Objects()
    for draft in drafts:
        change = draft.change
        if not draft.kept and change.mode is Mode.MANAGED and change.is_destructive:
            destroyed.add(change)
    # Every destroyed object is among the existing ones: a scored destroy is a managed
    # delete or replace outside drift, which `_existing_managed` counts.
    return _Destruction(destroyed.count(), _existing_managed(plan).count())


def _plan_risk(
    scored: list[ChangeScore],
    environment: EnvironmentResult,
    factor: float,
    destruction: _Destruction,
) -> PlanRisk:
    reasons: list[Reason] = []
    worst = scored[0] if scored else None
    score = 0
    if worst is not None:
        score = worst.score
        reasons.append(
            Reason(text=f"worst change {worst.change.address}", points=worst.score, tag="worst")
        )
    high = sum(1 for s in scored if s.score >= HIGH_SCORE)
    breadth = min(15, 3 * (high - 1)) if high >= 2 else 0
    if breadth:
        points = scale(breadth, factor)
        score += points
        reasons.append(
            Reason(
                text=f"breadth: {high} changes scored >= {HIGH_SCORE} ({breadth} × {factor:g})",
                points=points,
                tag="breadth",
            )
        )
    destroyed, existing = destruction
    ratio = destroyed / existing if existing else 0.0
    mass = 0 if destroyed < 5 or ratio < 0.20 else 10 if ratio < 0.50 else 20
    if mass:
        points = scale(mass, factor)
        score += points
        reasons.append(
            Reason(
                text=(
                    f"mass destruction: {destroyed}/{existing} managed resources destroyed or "
                    f"replaced ({ratio:.0%}; {mass} × {factor:g})"
                ),
                points=points,
                tag="mass_destruction",
            )
        )
    if score > 100:
        reasons.append(Reason(text="clamped to 100", points=100 - score, tag="clamp"))
        score = 100
    teardown = existing > 0 and ratio >= 0.90
    return PlanRisk(
        score=score,
        level=RiskLevel.for_score(score),
        teardown=teardown,
        destroyed_ratio=round(ratio, 4),
        reasons=tuple(reasons),
    )


class _Objects:
    """A set of cloud objects: a current object by its address, a deposed one by its address
    and deposed key. Nearly every object is current, so a set of strings holds them (whose
    hashes are cached) instead of an (address, key) tuple made and hashed per object."""

    def __init__(self, current: set[str] | None = None) -> None:
        self.current: set[str] = set() if current is None else current
        self.deposed: set[tuple[str, str]] = set()

    def add(self, change: ResourceChange) -> None:
        if change.deposed:
            self.deposed.add((change.address, change.deposed))
        else:
            self.current.add(change.address)

    def count(self) -> int:
        return len(self.current) + len(self.deposed)


_NOT_EXISTING = frozenset({Action.CREATE, Action.IMPORT})
"""Changes whose object does not exist before the apply."""


_NOT_EXISTING_OR_READ = _NOT_EXISTING | {Action.READ}


def _existing_managed(plan: Plan) -> _Objects:
    """Managed objects that exist before the apply (planned creates excluded)."""
    created = {c.address for c in plan.changes if c.action in _NOT_EXISTING and not c.drift}
    existing = _Objects({r.address for r in plan.resources if r.mode is Mode.MANAGED})
    existing.current.difference_update(created)
    for change in plan.changes:
        if (
            not change.drift
            and change.mode is Mode.MANAGED
            and change.action not in _NOT_EXISTING_OR_READ
        ):
            existing.add(change)
    return existing
