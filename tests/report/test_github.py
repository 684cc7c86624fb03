"""GitHub workflow-command renderer: levels, file and line, escaping."""

from __future__ import annotations

from pathlib import Path

from planrisk.report.findings import Finding
from planrisk.report.github import annotation, escape_data, escape_property, render_github
from tests.report.helpers import HOSTILE
from tests.support.pipeline import analyze_and_gate


def test_escaping_rules() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_annotation_with_file_and_line() -> None:
    finding = Finding(
        kind="irreversible-data-loss",
        severity="error",
        score=90,
        level="critical",
        message="gone\n::error::injected",
        address="aws_db_instance.main",
        file="infra/main,1.tf",
        line=7,
    )
    assert annotation(finding) == (
        "::error file=infra/main%2C1.tf,line=7,"
        "title=planrisk Irreversible data loss (90/100 critical)::gone%0A::error::injected"
    )


def test_levels_follow_scores_and_outcome(tmp_path: Path) -> None:
    _analysis, gate = analyze_and_gate(HOSTILE, tmp_path, env="prod")
    lines = render_github(gate).splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    outcome_line = lines[0]
    expected = "::error " if gate.decision.outcome == "deny" else "::warning "
    assert outcome_line.startswith(expected) and "Gate" in outcome_line
    db = next(line for line in lines if "aws_db_instance.main" in line)
    assert db.startswith("::error ")
    policy = next(line for line in lines if "aws_s3_bucket_policy" in line)
    assert policy.startswith("::notice ")
    assert lines[-1].startswith("::notice title=planrisk::gate ")
