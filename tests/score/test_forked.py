"""Score: blast radii computed in a forked child give the same assessment as in-process.

Input: every Terraform and Pulumi fixture, analysed with the fork threshold at 1 destroy (each
plan with a destroy forks) and at infinity (never). Checked: equal assessments (scores,
reasons in order, blast radii, flags) for every fixture, the radii coming from the child; the
pipeline starts the radii right after the graph stage and stops them when a later stage fails;
radii started for another plan are not used, and their child is stopped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest

from planrisk import pipeline
from planrisk._runtime import forked
from planrisk.errors import PlanriskError
from planrisk.model import ChangeScore
from planrisk.pipeline import AnalyzeOptions, analyze
from planrisk.score import blast_radius_job, inputs
from planrisk.score import change as scoring_change
from planrisk.score import plan as scoring
from planrisk.score.hints import change_hints
from tests.support.paths import FIXTURES
from tests.support.side_jobs import ChildOnly

PLANS = sorted(FIXTURES.glob("terraform/*/plan.json")) + sorted(
    p for p in FIXTURES.glob("pulumi/*/*.json") if p.name != "expected.json"
)


@pytest.mark.skipif(not forked.can_fork(), reason="forks only on Linux")
@pytest.mark.parametrize("plan", PLANS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_forked_blast_radii_give_the_same_assessment(
    plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = AnalyzeOptions(env="prod", environ={})
    monkeypatch.setattr(blast_radius_job, "FORK_MIN_DESTROYS", 10**9)
    here = analyze(plan, options).assessment
    monkeypatch.setattr(blast_radius_job, "FORK_MIN_DESTROYS", 1)
    monkeypatch.setattr(blast_radius_job, "SideJob", ChildOnly)
    assert analyze(plan, options).assessment == here


class SlowChild(ChildOnly):
    """A child that takes a while before computing the radii: the parent scores every change
    that cannot have a radius meanwhile, and the others once the radii are in."""

    def __init__(self, work: Callable[[], bytes], *, worth_a_process: bool) -> None:
        def slow() -> bytes:
            time.sleep(0.3)
            return work()

        super().__init__(slow, worth_a_process=worth_a_process)


@pytest.mark.skipif(not forked.can_fork(), reason="forks only on Linux")
@pytest.mark.parametrize(
    "plan",
    [p for p in PLANS if p.parent.name in ("teardown", "vpc-replace-cascade")],
    ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}",
)
def test_changes_that_cannot_have_a_radius_are_scored_while_the_child_works(
    plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = AnalyzeOptions(env="prod", environ={})
    monkeypatch.setattr(blast_radius_job, "FORK_MIN_DESTROYS", 10**9)
    here = analyze(plan, options).assessment
    calls: list[tuple[str, bool]] = []  # (address, scored after the radii came in)
    arrived: list[bool] = []
    score_change, result = scoring_change.score_change, blast_radius_job.BlastRadiiJob.result

    def recorded_score(draft: Any, lookups: Any, radii: Any) -> ChangeScore:
        calls.append((draft.change.address, bool(arrived)))
        return score_change(draft, lookups, radii)

    def recorded_result(job: Any) -> Any:
        radii = result(job)
        arrived.append(True)
        return radii

    monkeypatch.setattr(scoring, "score_change", recorded_score)
    monkeypatch.setattr(blast_radius_job.BlastRadiiJob, "result", recorded_result)
    monkeypatch.setattr(blast_radius_job, "FORK_MIN_DESTROYS", 1)
    monkeypatch.setattr(blast_radius_job, "SideJob", SlowChild)
    analysis = analyze(plan, options)
    assert analysis.assessment == here
    assert len(calls) == len(here.changes)  # each change scored once
    after = {address for address, late in calls if late}
    pred = analysis.graph.pred
    for change in here.changes:
        if change.blast_radius.count:
            assert change.change.address in after  # waited for its radius
        if not pred.get(change.change.address):
            assert change.change.address not in after  # nothing depends on it: scored early
    assert after and len(after) < len(calls)


TEARDOWN = FIXTURES / "terraform" / "teardown" / "plan.json"


class Recorded(ChildOnly):
    """A child whose start and cancellation are written to `events`."""

    events: ClassVar[list[str]] = []

    def __init__(self, work: Callable[[], bytes], *, worth_a_process: bool) -> None:
        super().__init__(work, worth_a_process=worth_a_process)
        self.events.append("radii started")

    def cancel(self) -> None:
        self.events.append("radii cancelled")
        pid = self._pid
        super().cancel()
        if pid is not None:
            with pytest.raises(ChildProcessError):  # killed and reaped: no child left behind
                os.waitpid(pid, os.WNOHANG)


@pytest.mark.skipif(not forked.can_fork(), reason="forks only on Linux")
def test_the_pipeline_starts_the_radii_before_the_environment_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = AnalyzeOptions(env="prod", environ={})
    monkeypatch.setattr(blast_radius_job, "FORK_MIN_DESTROYS", 10**9)
    here = analyze(TEARDOWN, options).assessment
    events: list[str] = []
    classify = pipeline.classify

    def recorded_classify(*args: Any) -> Any:
        events.append("environment")
        return classify(*args)

    monkeypatch.setattr(Recorded, "events", events)
    monkeypatch.setattr(pipeline, "classify", recorded_classify)
    monkeypatch.setattr(blast_radius_job, "FORK_MIN_DESTROYS", 1)
    monkeypatch.setattr(blast_radius_job, "SideJob", Recorded)
    assert analyze(TEARDOWN, options).assessment == here
    assert events == ["radii started", "environment"]  # one job, started first, used by score


@pytest.mark.skipif(not forked.can_fork(), reason="forks only on Linux")
def test_a_failure_before_scoring_stops_the_radii_child(monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []

    def failing_classify(*args: Any) -> Any:
        raise PlanriskError("no environment", source="test")

    monkeypatch.setattr(Recorded, "events", events)
    monkeypatch.setattr(pipeline, "classify", failing_classify)
    monkeypatch.setattr(blast_radius_job, "FORK_MIN_DESTROYS", 1)
    monkeypatch.setattr(blast_radius_job, "SideJob", Recorded)
    with pytest.raises(PlanriskError):
        analyze(TEARDOWN, AnalyzeOptions(env="prod", environ={}))
    assert events == ["radii started", "radii cancelled"]


@pytest.mark.parametrize("in_a_child", [False, True], ids=["in-process", "forked"])
def test_radii_of_another_plan_are_not_used_but_stopped(
    in_a_child: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if in_a_child and not forked.can_fork():
        pytest.skip("forks only on Linux")
    monkeypatch.setattr(blast_radius_job, "FORK_MIN_DESTROYS", 10**9)
    analysis = analyze(TEARDOWN, AnalyzeOptions(env="prod", environ={}))
    other = analyze(
        FIXTURES / "terraform" / "vpc-replace-cascade" / "plan.json",
        AnalyzeOptions(env="prod", environ={}),
    )
    events: list[str] = []
    if in_a_child:
        monkeypatch.setattr(Recorded, "events", events)
        monkeypatch.setattr(blast_radius_job, "FORK_MIN_DESTROYS", 1)
        monkeypatch.setattr(blast_radius_job, "SideJob", Recorded)
    stale = blast_radius_job.BlastRadiiJob(other.plan, other.graph, other.risk_model)
    score_inputs = inputs.ScoreInputs(
        graph=analysis.graph,
        risk_model=analysis.risk_model,
        environment=analysis.assessment.environment,
        hints=change_hints(analysis.plan),
        provider_configs=inputs.provider_expressions(analysis.plan),
        radii=stale,
    )
    assert scoring.score_plan(analysis.plan, score_inputs) == analysis.assessment
    if in_a_child:  # the stale child is killed and reaped (Recorded checks); own radii used
        assert events == ["radii started", "radii cancelled", "radii started"]
