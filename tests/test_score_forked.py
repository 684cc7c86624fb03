"""Score: blast radii computed in a forked child give the same assessment as in-process.

Input: every Terraform and Pulumi fixture, analysed with the fork threshold at 1 destroy (each
plan with a destroy forks) and at infinity (never). Checked: equal assessments (scores,
reasons in order, blast radii, flags) for every fixture, the radii coming from the child.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planrisk import forked
from planrisk import score as scoring
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
