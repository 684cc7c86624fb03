"""`planrisk analyze PLAN`: explainable risk scores for every change and the plan.

Input: a plan file and options. Output: text or the JSON contract (schema_version 1).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.app import app


class EnvChoice(StrEnum):
    """Values of --env."""

    AUTO = "auto"
    PROD = "prod"
    STAGING = "staging"
    DEV = "dev"
    SANDBOX = "sandbox"


class AnalyzeFormat(StrEnum):
    """Output formats of `planrisk analyze`."""

    TEXT = "text"
    JSON = "json"


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
RiskModelOption = Annotated[
    list[Path] | None,
    typer.Option("--risk-model", help="Extra risk model TOML file or directory (repeatable)."),
]
OutputOption = Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE.")]


@app.command("analyze")
def analyze_command(
    plan: Annotated[Path, typer.Argument(help="Plan JSON or Pulumi preview/events.")],
    env: EnvOption = EnvChoice.AUTO,
    source_dir: SourceDirOption = None,
    config: ConfigOption = None,
    risk_model: RiskModelOption = None,
    fmt: Annotated[
        AnalyzeFormat, typer.Option("--format", help="Output format.")
    ] = AnalyzeFormat.TEXT,
    paths: Annotated[
        bool, typer.Option("--paths", help="Include the dependency path to each dependent.")
    ] = False,
    output: OutputOption = None,
) -> None:
    """Score every change of a plan and explain each score."""
    from planrisk.cli.output import write_output
    from planrisk.pipeline import AnalyzeOptions, analyze

    analysis = analyze(
        plan,
        AnalyzeOptions(
            env=env.value,
            source_dir=source_dir,
            config_path=config,
            risk_model_paths=tuple(risk_model or ()),
        ),
    )
    if fmt is AnalyzeFormat.JSON:
        from planrisk.report.analysis_data import analysis_document
        from planrisk.report.json_format import render_json

        text = render_json(analysis_document(analysis.assessment, analysis.graph, with_paths=paths))
    else:
        from planrisk.report.text import render_text, use_colour

        text = render_text(analysis.assessment, colour=output is None and use_colour())
    write_output(text, output)
