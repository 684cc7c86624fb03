"""`planrisk guard [OPTIONS] -- terraform apply …`: gate the real command, run it only on allow.

Input: the gate's options and the wrapped terraform/tofu/pulumi command. Output: the gate's
verdict on stderr (or in the -o file), then the tool's own output and exit code on allow; exit 1
without running the tool otherwise, 3 for bad input, 4 for an internal error.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from planrisk.cli.analyze_cmd import (
    ConfigOption,
    ConfigRefOption,
    EnvChoice,
    EnvOption,
    OutputOption,
    RiskModelOption,
    SourceDirOption,
)
from planrisk.cli.app import app
from planrisk.cli.audit_cmd import AuditDbOption
from planrisk.cli.gate_cmd import ActorChoice, ActorOption, EvidenceOption, InitiatorOption
from planrisk.cli.store_options import StoreOption, StreamOption


class GuardFormat(StrEnum):
    """Formats of the gate's verdict in guard mode."""

    TEXT = "text"
    JSON = "json"


@app.command("guard", context_settings={"allow_interspersed_args": False})
def guard_command(
    command: Annotated[
        list[str],
        typer.Argument(help="The command to guard, after --: terraform|tofu|pulumi and its args."),
    ],
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
    fmt: Annotated[GuardFormat, typer.Option("--format", help="Output format.")] = GuardFormat.TEXT,
    output: OutputOption = None,
) -> None:
    """Gate a terraform/tofu/pulumi command at apply time; run it only when allowed."""
    from planrisk.guard import GuardSettings, guard

    code = guard(
        command,
        GuardSettings(
            actor=actor.value,
            initiator=initiator,
            env=env.value,
            evidence_paths=tuple(evidence or ()),
            config_path=config,
            config_ref=config_ref,
            source_dir=source_dir,
            risk_model_paths=tuple(risk_model or ()),
            audit_db=audit_db,
            store=store,
            stream=stream,
            fmt=fmt.value,
            output=output,
        ),
    )
    raise typer.Exit(code)
