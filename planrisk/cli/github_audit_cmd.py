"""`planrisk github audit`: after the gate, the audit log in the job summary (the Action's step).

Input: the store the gate used (PLANRISK_STORE, else the SQLite log), the stream, and
optionally a checkpoint signing key. Output: in $GITHUB_STEP_SUMMARY the store, the stream's
record count and head hash and, with `--checkpoint-key`, a signed checkpoint of that head; in
$GITHUB_OUTPUT, for a SQLite log, `audit-db` (its path) and `artifact` (a name for
actions/upload-artifact: the runner's copy is deleted when the job ends). It reports, it does
not decide: a store it cannot read is a `::warning` and exit 0 (the gate's own exit code is
the verdict).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.audit_cmd import DEFAULT_ORIGIN, OriginOption
from planrisk.cli.github_cmd import _append, _output_line, github_app
from planrisk.cli.store_options import StreamOption, cli_store


@github_app.command("audit")
def github_audit_command(
    stream: StreamOption = None,
    checkpoint_key: Annotated[
        Path | None,
        typer.Option("--checkpoint-key", help="Private key (PREFIX.key) to sign a checkpoint."),
    ] = None,
    origin: OriginOption = DEFAULT_ORIGIN,
) -> None:
    """Write the audit log's head (and a signed checkpoint) to the job summary."""
    from planrisk.errors import PlanriskError
    from planrisk.gate.audit.checkpoint_log import sign_streams
    from planrisk.gate.audit.engines import open_store
    from planrisk.gate.audit.locations import SQLITE
    from planrisk.report.hygiene import safe_for_log

    spec = cli_store(None, None, stream)
    outputs = {"audit-db": "", "artifact": ""}
    try:
        with open_store(spec) as opened:
            head = opened.head(spec.stream)
        lines = [
            "### planrisk audit log",
            "",
            f"`{spec.label}`, stream `{spec.stream}`: {head.size} record(s), "
            f"head `{head.head_hash}`",
        ]
        if spec.engine == SQLITE:
            job = os.environ.get("GITHUB_JOB", "job")
            outputs = {
                "audit-db": spec.location,
                "artifact": f"planrisk-audit-{job}-{head.head_hash[:12]}",
            }
            lines += [
                "",
                f"This runner's log is uploaded as the artifact `{outputs['artifact']}`; "
                "set the `store` input to keep every runner's decisions in one PostgreSQL "
                "store.",
            ]
        if checkpoint_key is not None:
            notes, problems = sign_streams(spec, [spec.stream], checkpoint_key, origin)
            for problem in problems:
                typer.echo(f"::warning title=planrisk::{safe_for_log(problem)}")
            if notes:
                lines += [
                    "",
                    "Signed checkpoint (keep it outside the database; `planrisk audit verify "
                    "--checkpoint FILE --checkpoint-key PUB` proves the log still extends it):",
                    "",
                    "```",
                    notes[0].rstrip("\n"),
                    "```",
                ]
    except PlanriskError as exc:
        typer.echo(f"::warning title=planrisk::audit log not read: {safe_for_log(exc.one_line())}")
        lines = ["### planrisk audit log", "", f"not read: {safe_for_log(exc.message)}"]
    _append(
        os.environ.get("GITHUB_OUTPUT"), "".join(_output_line(k, v) for k, v in outputs.items())
    )
    _append(os.environ.get("GITHUB_STEP_SUMMARY"), "\n".join(lines) + "\n")
