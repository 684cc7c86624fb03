"""Shared helpers of the report tests: run the pipeline in-process on one plan."""

from __future__ import annotations

from pathlib import Path

from planrisk.gate.decide import GateOptions, GateResult, run_gate
from planrisk.pipeline import Analysis, AnalyzeOptions, analyze
from tests.support.paths import FIXTURES, SHARED

SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
HOSTILE = FIXTURES / "terraform" / "hostile-names" / "plan.json"


def run(
    plan: Path, work: Path, *, source_dir: Path | None = None, env: str = "auto"
) -> tuple[Analysis, GateResult]:
    """Analyze and gate `plan` with an empty environment and an audit log under `work`."""
    analysis = analyze(plan, AnalyzeOptions(env=env, source_dir=source_dir, environ={}, cwd=work))
    gate = run_gate(analysis, GateOptions(audit_db=work / "audit.db", environ={}, cwd=work))
    return analysis, gate
