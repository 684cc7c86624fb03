"""Score: blast radii computed in a forked child give the same assessment as in-process.

Input: every Terraform and Pulumi fixture, analysed with the fork threshold at 1 destroy (each
plan with a destroy forks) and at infinity (never). Checked: equal assessments (scores,
reasons in order, blast radii, flags) for every fixture, the radii coming from the child.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from planrisk import forked
from planrisk import score as scoring
from planrisk.model import ChangeScore
from planrisk.pipeline import AnalyzeOptions, analyze
from tests.side_jobs import ChildOnly

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PLANS = sorted(FIXTURES.glob("terraform/*/plan.json")) + sorted(
    p for p in FIXTURES.glob("pulumi/*/*.json") if p.name != "expected.json"
)


@pytest.mark.skipif(not forked.can_fork(), reason="forks only on Linux")
@pytest.mark.parametrize("plan", PLANS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_forked_blast_radii_give_the_same_assessment(
    plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = AnalyzeOptions(env="prod", environ={})
    monkeypatch.setattr(scoring, "FORK_MIN_DESTROYS", 10**9)
    here = analyze(plan, options).assessment
    monkeypatch.setattr(scoring, "FORK_MIN_DESTROYS", 1)
    monkeypatch.setattr(scoring, "SideJob", ChildOnly)
    assert analyze(plan, options).assessment == here


class SlowChild(ChildOnly):
    """A child that takes a while before computing the radii: the parent scores every change
    early (as if nothing depended on it) and must then rescore those with a radius."""

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
def test_changes_scored_while_the_child_works_give_the_same_assessment(
    plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = AnalyzeOptions(env="prod", environ={})
    monkeypatch.setattr(scoring, "FORK_MIN_DESTROYS", 10**9)
    here = analyze(plan, options).assessment
    early_counts: list[int] = []
    score_while_busy = scoring._score_while_busy

    def counted(*args: Any) -> list[ChangeScore]:
        early = score_while_busy(*args)
        early_counts.append(len(early))
        return early

    monkeypatch.setattr(scoring, "_score_while_busy", counted)
    monkeypatch.setattr(scoring, "FORK_MIN_DESTROYS", 1)
    monkeypatch.setattr(scoring, "SideJob", SlowChild)
    assessment = analyze(plan, options).assessment
    assert early_counts == [len(assessment.changes)]  # every change was scored early
    assert any(change.blast_radius.count for change in assessment.changes)
    assert assessment == here
