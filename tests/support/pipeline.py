"""Run the pipeline in-process, cut off from the machine: no environment variables, a given cwd.

An empty `environ` means no CI variables, no PLANRISK_* settings and no TF_WORKSPACE leak in
from the shell that runs the tests; `cwd` is where environment path signals and the
configuration are looked for.
"""

from __future__ import annotations

from pathlib import Path

from planrisk.gate.decide import GateOptions, GateResult, run_gate
from planrisk.gate.record import record_decision
from planrisk.pipeline import Analysis, AnalyzeOptions, analyze


def analyze_isolated(
    plan: Path,
    cwd: Path,
    *,
    env: str = "auto",
    source_dir: Path | None = None,
    config_path: Path | None = None,
) -> Analysis:
    """`analyze(plan)` run from `cwd` with an empty environment."""
    options = AnalyzeOptions(
        env=env, source_dir=source_dir, config_path=config_path, environ={}, cwd=cwd
    )
    return analyze(plan, options)


def analyze_and_gate(
    plan: Path, work: Path, *, source_dir: Path | None = None, env: str = "auto"
) -> tuple[Analysis, GateResult]:
    """Analyze and gate `plan` from `work` with an empty environment, the audit log in `work`."""
    analysis = analyze_isolated(plan, work, env=env, source_dir=source_dir)
    options = GateOptions(audit_db=work / "audit.db", environ={}, cwd=work)
    gate = run_gate(analysis, options)
    record_decision(gate, options)  # (the gate command's step: what the audit log keeps)
    return analysis, gate
