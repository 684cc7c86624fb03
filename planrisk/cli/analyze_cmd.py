"""`planrisk analyze PLAN`: explainable risk scores for every change and the plan.

Input: a plan file and options. Output: the report in one format (text, json — the contract,
schema_version 1 —, markdown, html, sarif, github) on stdout or in `-o FILE`, or in several
formats at once with `--output-dir DIR`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from planrisk.cli.app import app
from planrisk.report.formats import FILE_NAMES, Format

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from planrisk.config import PlanriskConfig
    from planrisk.pipeline import Analysis
    from planrisk.report.formats import RenderOptions


class EnvChoice(StrEnum):
    """Values of --env."""

    AUTO = "auto"
    PROD = "prod"
    STAGING = "staging"
    DEV = "dev"
    SANDBOX = "sandbox"


EnvOption = Annotated[
    EnvChoice,
    typer.Option("--env", help="Environment; auto classifies it (can only be made stricter)."),
]
SourceDirOption = Annotated[
    Path | None, typer.Option("--source-dir", help="Directory of the .tf sources.")
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="planrisk config (default: ./.planrisk.toml).")
]
ConfigRefOption = Annotated[
    str | None,
    typer.Option(
        "--config-ref",
        metavar="REF",
        help=(
            "Read the repository config (and the files it names) from this git revision: the "
            "base of the change under review (default: PLANRISK_BASE_REF, or the pull/merge "
            "request's base in CI)."
        ),
    ),
]
RiskModelOption = Annotated[
    list[Path] | None,
    typer.Option("--risk-model", help="Extra risk model TOML file or directory (repeatable)."),
]
OutputOption = Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE.")]
_ALL_FILES = ", ".join(FILE_NAMES[f] for f in Format)
FormatOption = Annotated[
    list[Format] | None,
    typer.Option(
        "--format",
        help="Output format (default text). Repeat it with --output-dir to write several.",
    ),
]
OutputDirOption = Annotated[
    Path | None,
    typer.Option(
        "--output-dir",
        help=(
            "Write each --format to DIR under a fixed name; without --format, write every "
            f"format: {_ALL_FILES}."
        ),
    ),
]
TimingsOption = Annotated[
    bool,
    typer.Option(
        "--timings", help="Print the time of each stage to stderr (or set PLANRISK_TIMINGS=1)."
    ),
]


def write_reports(
    formats: list[Format] | None,
    output: Path | None,
    output_dir: Path | None,
    render_one: Callable[[Format, RenderOptions], Iterable[str]],
    base: RenderOptions,
) -> None:
    """Render the chosen formats to stdout, `-o FILE` or `--output-dir DIR`."""
    from msgspec.structs import replace

    from planrisk.errors import InputError
    from planrisk.report.output import write_output
    from planrisk.report.text import use_colour

    chosen = list(dict.fromkeys(formats or ()))
    if output_dir is not None:
        if output is not None:
            raise InputError(
                "-o and --output-dir cannot be combined",
                hint="use -o FILE for one format or --output-dir DIR for several",
            )
        chosen = chosen or list(Format)
        full = f"{FILE_NAMES[Format.HTML]} in {output_dir}" if Format.HTML in chosen else None
        options = replace(base, full_report=full)
        for fmt in chosen:
            write_output(render_one(fmt, options), output_dir / FILE_NAMES[fmt])
        return
    if len(chosen) > 1:
        raise InputError(
            "several --format values need --output-dir",
            hint="add --output-dir DIR, or pass one --format",
        )
    fmt = chosen[0] if chosen else Format.TEXT
    colour = fmt is Format.TEXT and output is None and use_colour()
    write_output(render_one(fmt, replace(base, colour=colour)), output)


def run_analysis(
    plan: Path,
    env: EnvChoice,
    source_dir: Path | None,
    config: Path | None,
    risk_model: list[Path] | None,
    timings: bool,
    *,
    config_ref: str | None = None,
    loaded: PlanriskConfig | None = None,
    paths_raise_only: bool = False,
    complete_required: bool = True,
) -> Analysis:
    """The pipeline up to scoring for `analyze`, `gate` and `guard`, kept alive until exit
    (`loaded`: the configuration when the caller read it already).

    `complete_required` False (analyze only) reads an input known to be cut off, and prints
    what is missing on stderr."""
    from planrisk._runtime import timings as stage_timings
    from planrisk.cli.fast_exit import keep_until_exit
    from planrisk.pipeline import AnalyzeOptions, analyze
    from planrisk.values import PlanValueError

    if timings:
        stage_timings.enable()
    try:
        analysis = analyze(
            plan,
            AnalyzeOptions(
                env=env.value,
                source_dir=source_dir,
                config_path=config,
                risk_model_paths=tuple(risk_model or ()),
                config_ref=config_ref,
                config=loaded,
                paths_raise_only=paths_raise_only,
                complete_required=complete_required,
            ),
        )
    except PlanValueError as exc:  # met by a later stage: name the plan it is in
        raise PlanValueError(exc.message, source=str(plan), hint=exc.hint) from None
    keep_until_exit(analysis)
    for warning in analysis.plan.warnings:
        typer.echo(f"planrisk: warning: {warning}", err=True)
    return analysis


@app.command("analyze")
def analyze_command(
    plan: Annotated[Path, typer.Argument(help="Plan JSON or Pulumi preview/events.")],
    env: EnvOption = EnvChoice.AUTO,
    source_dir: SourceDirOption = None,
    config: ConfigOption = None,
    config_ref: ConfigRefOption = None,
    risk_model: RiskModelOption = None,
    fmt: FormatOption = None,
    paths: Annotated[
        bool, typer.Option("--paths", help="Include the dependency path to each dependent.")
    ] = False,
    output: OutputOption = None,
    output_dir: OutputDirOption = None,
    timings: TimingsOption = False,
) -> None:
    """Score every change of a plan and explain each score."""
    from planrisk._runtime import progress
    from planrisk._runtime import timings as stage_timings
    from planrisk.pipeline import STAGES
    from planrisk.report.formats import RenderOptions, render_pieces

    with progress.session(len(STAGES)):
        analysis = run_analysis(
            plan,
            env,
            source_dir,
            config,
            risk_model,
            timings,
            config_ref=config_ref,
            complete_required=False,
        )
    base = RenderOptions(
        plan_path=str(plan),
        source_prefix=str(source_dir) if source_dir is not None else None,
        with_paths=paths,
    )
    with stage_timings.stage("report"):
        write_reports(
            fmt,
            output,
            output_dir,
            lambda f, options: render_pieces(f, analysis, options),
            base,
        )
