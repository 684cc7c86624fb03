"""The pipeline: ingest → graph → score (→ gate), the one orchestration used by CLI and library.

Input: a plan path and options (environment, sources, config, risk models). Output: an
`Analysis` holding the plan, its graph, the effective config and risk model, and the scored
`Assessment` that the gate and the reports read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from planrisk.model import Assessment, EnvironmentResult, Plan

if TYPE_CHECKING:
    from planrisk.config import PlanriskConfig
    from planrisk.graph import DependencyGraph
    from planrisk.risk_model import RiskModel


STAGES = ("config", "ingest", "graph", "environment", "hints", "score")
"""The stages `analyze` runs, in order (each one a `planrisk.timings.stage` block)."""


class AnalyzeOptions(msgspec.Struct, frozen=True):
    """Everything `analyze` (and the gate, which analyzes first) can be told."""

    env: str = "auto"
    source_dir: Path | None = None
    config_path: Path | None = None
    risk_model_paths: tuple[Path, ...] = ()
    environ: Mapping[str, str] = msgspec.field(default_factory=lambda: dict(os.environ))
    cwd: Path = msgspec.field(default_factory=Path.cwd)
    plan_signal_path: Path | None = None
    """Where the plan belongs, for environment path signals, when the file read is elsewhere
    (the guard reads `show -json` output from a temporary file)."""
    complete_required: bool = True
    """Refuse an input known to be cut off (see `planrisk.ingest.load_plan`); only `analyze`
    reads one, with a warning."""


class Analysis(msgspec.Struct, frozen=True):
    """The result of the pipeline up to scoring."""

    plan: Plan
    graph: DependencyGraph
    config: PlanriskConfig
    risk_model: RiskModel
    assessment: Assessment


def analyze(plan_path: Path, options: AnalyzeOptions) -> Analysis:
    """Run ingest → graph → score on one plan file."""
    from planrisk.config import load_config
    from planrisk.gc_pause import paused_gc
    from planrisk.graph import build_graph
    from planrisk.hints import change_hints
    from planrisk.ingest import load_plan
    from planrisk.risk_model import load_risk_model
    from planrisk.score import BlastRadiiJob, ScoreInputs, provider_expressions, score_plan
    from planrisk.timings import stage

    with paused_gc():
        with stage("config"):
            config = load_config(options.config_path, cwd=options.cwd)
            risk_model = load_risk_model((*config.risk_models, *options.risk_model_paths))
        with stage("ingest"):
            plan = load_plan(plan_path, complete_required=options.complete_required)
        with stage("graph"):
            graph = build_graph(plan, source_dir=options.source_dir)
            # The blast radii need only the graph and the risk model: they are computed on
            # the other core from here on, while environment, hints and drafts run here.
            radii = BlastRadiiJob(plan, graph, risk_model)
        try:
            with stage("environment"):
                environment = classify(plan, options, config, plan_path)
                removed: frozenset[str] = frozenset()
                if options.source_dir is not None:  # (git and tar are imported only then)
                    from planrisk.source_diff import prevent_destroy_removed

                    removed = prevent_destroy_removed(
                        options.source_dir, graph.sources, options.environ
                    )
            with stage("hints"):
                hints = change_hints(plan)
            with stage("score"):
                inputs = ScoreInputs(
                    graph=graph,
                    risk_model=risk_model,
                    environment=environment,
                    hints=hints,
                    prevent_destroy_removed=removed,
                    provider_configs=provider_expressions(plan),
                    radii=radii,
                )
                assessment = score_plan(plan, inputs)
        except BaseException:
            radii.cancel()
            raise
    return Analysis(
        plan=plan,
        graph=graph,
        config=config,
        risk_model=risk_model,
        assessment=assessment,
    )


def classify(
    plan: Plan, options: AnalyzeOptions, config: PlanriskConfig, plan_path: Path
) -> EnvironmentResult:
    """The environment classification for this run."""
    from planrisk.environment import classify_environment

    return classify_environment(
        plan,
        requested=options.env,
        config=config,
        environ=options.environ,
        plan_path=options.plan_signal_path or plan_path,
        cwd=options.cwd,
    )
