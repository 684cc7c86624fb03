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
    from planrisk.score.risk_model import RiskModel


STAGES = ("config", "ingest", "graph", "environment", "hints", "score")
"""The stages `analyze` runs, in order (each one a `planrisk._runtime.timings.stage` block)."""


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
    config_ref: str | None = None
    """`--config-ref`: the revision the repository configuration is read from."""
    config: PlanriskConfig | None = None
    """The configuration, when the caller loaded it already (the gate classifies the actor
    before it analyzes); then `config_path`, `config_ref` and `risk_model_paths` are not read."""
    paths_raise_only: bool = False
    """Environment signals from paths (the plan file's directory, the working directory) may
    only make the environment stricter: set for agent and unknown initiators, who choose where
    the plan file is written and where the tool runs."""
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
    from planrisk._runtime.forked import SideJob
    from planrisk._runtime.gc import paused_gc
    from planrisk._runtime.timings import stage
    from planrisk.config import load_config
    from planrisk.graph import build_graph
    from planrisk.ingest import finish_digest, finish_reading, read_plan
    from planrisk.ingest.reader import read_file
    from planrisk.score.blast_radius_job import BlastRadiiJob
    from planrisk.score.hints import change_hints
    from planrisk.score.inputs import ScoreInputs, provider_expressions
    from planrisk.score.plan import score_plan
    from planrisk.score.risk_model import load_risk_model

    with paused_gc():
        with stage("config"):
            config = options.config or load_config(
                options.config_path,
                cwd=options.cwd,
                environ=options.environ,
                config_ref=options.config_ref,
                extra_risk_models=options.risk_model_paths,
            )
            risk_model = load_risk_model(config.risk_model_sources())
        source = os.fsdecode(plan_path)
        radii: BlastRadiiJob | None = None
        digest: SideJob | None = None
        try:
            with stage("ingest"):
                reading = read_plan(
                    read_file(plan_path), source, complete_required=options.complete_required
                )
                pending = reading.pending
                # The digest (and the UTF-8 check of the values kept undecoded) needs only the
                # changes: it is computed on the other core from here on, while the resources
                # are read and the stages below run.
                if pending is not None:
                    digest = SideJob(pending.compute, worth_a_process=pending.worth_a_process)
                plan = finish_reading(reading, source)
            with stage("graph"):
                graph = build_graph(plan, source_dir=options.source_dir)
                # The blast radii need only the graph and the risk model: they are computed on
                # the other core from here on, while environment, hints and drafts run here.
                radii = BlastRadiiJob(plan, graph, risk_model)
            with stage("environment"):
                environment = classify(plan, options, config, plan_path)
                removed: frozenset[str] = frozenset()
                if options.source_dir is not None:  # (git and tar are imported only then)
                    from planrisk.graph.source_diff import prevent_destroy_removed

                    base = config.provenance.base
                    removed = prevent_destroy_removed(
                        options.source_dir, graph.sources, base.ref if base else None
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
                if digest is not None and pending is not None:
                    plan = finish_digest(plan, pending, digest.result())
                    assessment = msgspec.structs.replace(assessment, plan=plan)
        except BaseException:
            for job in (radii, digest):
                if job is not None:
                    job.cancel()
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
    from planrisk.classify.environment import classify_environment

    return classify_environment(
        plan,
        requested=options.env,
        config=config,
        environ=options.environ,
        plan_path=options.plan_signal_path or plan_path,
        cwd=options.cwd,
        paths_raise_only=options.paths_raise_only,
    )
