"""`planrisk gate PLAN`: the deploy gate — allow, pending or deny, and what is needed.

Input: a plan file, who initiated it, evidence files. Output: the verdict (text or JSON), an
audit record, and the exit code (0 allow, 1 pending or deny).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.analyze_cmd import (
    ConfigOption,
    EnvChoice,
    EnvOption,
    OutputOption,
    RiskModelOption,
    SourceDirOption,
)
from planrisk.cli.app import app


class ActorChoice(StrEnum):
    """Values of --actor."""

    AUTO = "auto"
    HUMAN = "human"
    AGENT = "agent"
    BOT = "bot"


class GateFormat(StrEnum):
    """Output formats of `planrisk gate`."""

    TEXT = "text"
    JSON = "json"


@app.command("gate")
def gate_command(
    plan: Annotated[Path, typer.Argument(help="Plan JSON or Pulumi preview/events.")],
    actor: Annotated[
        ActorChoice,
        typer.Option(
            "--actor", help="Who initiated it; can only make the classification stricter."
        ),
    ] = ActorChoice.AUTO,
    initiator: Annotated[
        str | None, typer.Option("--initiator", help="Name of the person or bot identity.")
    ] = None,
    env: EnvOption = EnvChoice.AUTO,
    evidence: Annotated[
        list[Path] | None,
        typer.Option("--evidence", help="Attestation/approval file or directory (repeatable)."),
    ] = None,
    config: ConfigOption = None,
    source_dir: SourceDirOption = None,
    risk_model: RiskModelOption = None,
    audit_db: Annotated[
        Path | None,
        typer.Option(
            "--audit-db", help="Audit log (default .planrisk/audit.db or $PLANRISK_AUDIT_DB)."
        ),
    ] = None,
    fmt: Annotated[GateFormat, typer.Option("--format", help="Output format.")] = GateFormat.TEXT,
    output: OutputOption = None,
) -> None:
    """Decide whether PLAN may be applied: exit 0 allow, 1 pending or deny."""
    from planrisk.cli.output import write_output
    from planrisk.gate import GateOptions, gate_document, run_gate
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
    result = run_gate(
        analysis,
        GateOptions(
            actor=actor.value,
            initiator=initiator,
            evidence_paths=tuple(evidence or ()),
            audit_db=audit_db,
        ),
    )
    if fmt is GateFormat.JSON:
        from planrisk.report.json_format import render_json

        text = render_json(gate_document(result))
    else:
        from planrisk.report.text import render_gate_text, use_colour

        text = render_gate_text(result, colour=output is None and use_colour())
    write_output(text, output)
    raise typer.Exit(int(result.exit_code))
