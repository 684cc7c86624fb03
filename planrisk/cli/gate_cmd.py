"""`planrisk gate PLAN`: the deploy gate — allow, pending or deny, and what is needed.

Input: a plan file, who initiated it, evidence files and, with `--github`, the `/planrisk approve`
replies on the run's pull request. Output: the verdict in one format (text,
json, markdown, html, sarif, github) or several with `--output-dir`, an audit record, and the
exit code (0 allow, 1 pending or deny).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from msgspec.structs import replace

from planrisk.cli.analyze_cmd import (
    ConfigOption,
    ConfigRefOption,
    EnvChoice,
    EnvOption,
    FormatOption,
    OutputDirOption,
    OutputOption,
    RiskModelOption,
    SourceDirOption,
    TimingsOption,
    run_analysis,
    write_reports,
)
from planrisk.cli.app import app
from planrisk.cli.audit_cmd import AuditDbOption
from planrisk.cli.store_options import StoreOption, StreamOption, cli_store


class ActorChoice(StrEnum):
    """Values of --actor."""

    AUTO = "auto"
    HUMAN = "human"
    AGENT = "agent"
    BOT = "bot"


ActorOption = Annotated[
    ActorChoice,
    typer.Option("--actor", help="Who initiated it; can only make the classification stricter."),
]
InitiatorOption = Annotated[
    str | None, typer.Option("--initiator", help="Name of the person or bot identity.")
]
EvidenceOption = Annotated[
    list[Path] | None,
    typer.Option("--evidence", help="Attestation/approval file or directory (repeatable)."),
]


@app.command("gate")
def gate_command(
    plan: Annotated[Path, typer.Argument(help="Plan JSON or Pulumi preview/events.")],
    actor: ActorOption = ActorChoice.AUTO,
    initiator: InitiatorOption = None,
    env: EnvOption = EnvChoice.AUTO,
    evidence: EvidenceOption = None,
    config: ConfigOption = None,
    config_ref: ConfigRefOption = None,
    source_dir: SourceDirOption = None,
    risk_model: RiskModelOption = None,
    audit_db: AuditDbOption = None,
    store: StoreOption = None,
    stream: StreamOption = None,
    github: Annotated[
        bool,
        typer.Option(
            "--github",
            help=(
                "Also count `/planrisk approve <digest>` replies on the run's pull request "
                "(GitHub Actions: GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_TOKEN)."
            ),
        ),
    ] = False,
    github_token: Annotated[
        str | None,
        typer.Option(
            "--github-token",
            help="Token for --github (default $GITHUB_TOKEN; prefer the variable).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    output_dir: OutputDirOption = None,
    timings: TimingsOption = False,
    server: Annotated[
        str | None,
        typer.Option("--server", help="Let a `planrisk serve` at URL decide (prints its JSON)."),
    ] = None,
) -> None:
    """Decide whether PLAN may be applied: exit 0 allow, 1 pending or deny."""
    if server:  # the server decides with the identity of the job's OIDC token (serve.submit)
        import os

        from planrisk.serve.submit import gate_on_server

        document, code = gate_on_server(server, plan, os.environ)
        if output is None:
            typer.echo(document.decode(), nl=False)
        else:
            output.write_bytes(document)
        raise typer.Exit(code)
    from planrisk._runtime import progress
    from planrisk._runtime import timings as stage_timings
    from planrisk.config import load_config
    from planrisk.gate.decide import GateOptions, classify_gate_actor, distrusts_paths, run_gate
    from planrisk.gate.record import record_decision
    from planrisk.pipeline import STAGES
    from planrisk.report.formats import RenderOptions, render_pieces

    if timings:
        stage_timings.enable()
    with progress.session(len(STAGES) + 2):  # + the actor, + the gate
        options = GateOptions(
            actor=actor.value,
            initiator=initiator,
            evidence_paths=tuple(evidence or ()),
            audit_db=audit_db,
            store=cli_store(store, audit_db, stream),
            plan_reference=str(plan),
        )
        # Who initiated it is known before the plan is read: an agent's plan path and working
        # directory may then only make the environment stricter.
        with stage_timings.stage("actor"):
            loaded = load_config(
                config, config_ref=config_ref, extra_risk_models=tuple(risk_model or ())
            )
            actor_result = classify_gate_actor(loaded, options)
        options = replace(options, classified=actor_result)
        analysis = run_analysis(
            plan,
            env,
            source_dir,
            config,
            risk_model,
            timings,
            loaded=loaded,
            paths_raise_only=distrusts_paths(actor_result),
            complete_required=True,
        )
        if github:
            from planrisk.github.gate_approvals import pull_request_approvals

            options = replace(
                options,
                extra_approvals=pull_request_approvals(
                    analysis, options, github_token, actor_result
                ),
            )
        with stage_timings.stage("gate"):
            result = run_gate(analysis, options)
            record_decision(result, options)
    base = RenderOptions(
        plan_path=str(plan),
        source_prefix=str(source_dir) if source_dir is not None else None,
    )
    with stage_timings.stage("report"):
        write_reports(
            fmt,
            output,
            output_dir,
            lambda f, options: render_pieces(f, result, options),
            base,
        )
    raise typer.Exit(int(result.exit_code))
