"""Shared helpers of the report tests: run the pipeline in-process on one plan."""

from __future__ import annotations

from pathlib import Path

from planrisk.gate.decide import GateOptions, GateResult, run_gate
from planrisk.gate.record import record_decision
from planrisk.pipeline import Analysis, AnalyzeOptions, analyze

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
CORPUS = REPO / ".." / "shared" / "corpus"
SARIF_SCHEMA = REPO / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json"
HOSTILE = FIXTURES / "terraform" / "hostile-names" / "plan.json"


def run(
    plan: Path, work: Path, *, source_dir: Path | None = None, env: str = "auto"
) -> tuple[Analysis, GateResult]:
    """Analyze and gate `plan` with an empty environment and an audit log under `work`."""
    analysis = analyze(plan, AnalyzeOptions(env=env, source_dir=source_dir, environ={}, cwd=work))
    options = GateOptions(audit_db=work / "audit.db", environ={}, cwd=work)
    gate = run_gate(analysis, options)
    record_decision(gate, options)  # (the gate command's step: what the audit log keeps)
    return analysis, gate
