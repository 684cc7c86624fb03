"""planrisk: decide whether an infrastructure plan may be applied.

Pipeline: ingest → graph → classify → score → gate → report. The public API is what `__all__` lists
(imported lazily, so `planrisk --help` stays fast); submodules are internal.

    from planrisk import AnalyzeOptions, GateOptions, analyze, run_gate
    analysis = analyze(Path("plan.json"), AnalyzeOptions(env="auto"))
    result = run_gate(analysis, GateOptions(actor="auto"))
    result.decision.outcome  # "allow" | "pending" | "deny"

`run_gate` only decides; `record_decision(result, options)` appends the decision to the audit
store, as `planrisk gate` does.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Analysis": "planrisk.pipeline",
    "AnalyzeOptions": "planrisk.pipeline",
    "Assessment": "planrisk.model",
    "DependencyGraph": "planrisk.graph",
    "GateOptions": "planrisk.gate.decide",
    "GateResult": "planrisk.gate.decide",
    "Plan": "planrisk.model",
    "PlanriskError": "planrisk.errors",
    "ResourceChange": "planrisk.model",
    "analyze": "planrisk.pipeline",
    "build_graph": "planrisk.graph",
    "load_plan": "planrisk.ingest",
    "load_risk_model": "planrisk.score.risk_model",
    "record_decision": "planrisk.gate.record",
    "run_gate": "planrisk.gate.decide",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'planrisk' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
