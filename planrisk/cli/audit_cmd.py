"""`planrisk audit log|verify`: read and verify the hash-chained audit log of gate decisions.

Input: the store (`--store`, `--audit-db`, else PLANRISK_STORE, PLANRISK_AUDIT_DB,
.planrisk/audit.db), the streams (default: every stream) and, for verify, checkpoint files.
Output: the decisions (text or JSON), or the verification result: exit 0 intact, 1 broken
(naming the first broken record) or not extending a checkpoint, 3 when the database is missing
or not an audit log. `audit checkpoint` is in `checkpoint_cmd`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.app import app
from planrisk.cli.store_options import StoreOption, StreamsOption

audit_app = typer.Typer(
    name="audit",
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Read and verify the audit log of gate decisions.",
)
app.add_typer(audit_app, name="audit")

AuditDbOption = Annotated[
    Path | None,
    typer.Option(
        "--audit-db",
        help="Audit database (default: $PLANRISK_AUDIT_DB or .planrisk/audit.db).",
    ),
]
DEFAULT_ORIGIN = "planrisk"
"""Checkpoints' origin prefix unless --origin names the store (e.g. audit.example.com/infra)."""
OriginOption = Annotated[
    str,
    typer.Option(
        "--origin",
        envvar="PLANRISK_CHECKPOINT_ORIGIN",
        help="Origin prefix of the checkpoints: a schema-less URL naming your store "
        "(each checkpoint's origin is PREFIX/STREAM).",
    ),
]


class LogFormat(StrEnum):
    """Output formats of `planrisk audit log`."""

    TEXT = "text"
    JSON = "json"


@audit_app.command("log")
def audit_log_command(
    audit_db: AuditDbOption = None,
    store: StoreOption = None,
    stream: StreamsOption = None,
    fmt: Annotated[LogFormat, typer.Option("--format", help="Output format.")] = LogFormat.TEXT,
) -> None:
    """Print every recorded gate decision, oldest first (stream by stream)."""
    from planrisk.cli.store_options import cli_store
    from planrisk.gate.audit.engines import open_store
    from planrisk.gate.audit.render import render_json, render_text
    from planrisk.report.output import write_output

    with open_store(cli_store(store, audit_db)) as opened:
        names = stream or opened.streams()
        streams = [(name, opened.read(name)) for name in names]
    if fmt is LogFormat.JSON:
        write_output(render_json([r for _, records in streams for r in records]), None)
        return
    texts = [render_text(records) for _, records in streams] or [render_text([])]
    if len(streams) > 1:  # several chains: say whose records follow
        texts = [
            f"== stream {name}\n{text}" for (name, _), text in zip(streams, texts, strict=True)
        ]
    write_output("\n".join(texts), None)


@audit_app.command("verify")
def audit_verify_command(
    audit_db: AuditDbOption = None,
    store: StoreOption = None,
    stream: StreamsOption = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="A checkpoint file the log must extend (repeatable)."),
    ] = None,
    checkpoint_key: Annotated[
        Path | None,
        typer.Option("--checkpoint-key", help="Public key (PREFIX.pub) that signed them."),
    ] = None,
    origin: OriginOption = DEFAULT_ORIGIN,
) -> None:
    """Check every stream's hash chain, and that the log extends each --checkpoint: exit 1
    naming the first changed, removed or reordered record."""
    from planrisk.cli.store_options import cli_store
    from planrisk.gate.audit.checkpoint_log import verify_streams

    if checkpoint and checkpoint_key is None:
        raise typer.BadParameter(
            "pass the public key that signed them", param_hint="--checkpoint-key"
        )
    spec = cli_store(store, audit_db)
    lines, code = verify_streams(spec, stream or (), checkpoint or (), checkpoint_key, origin)
    for line in lines:
        typer.echo(line)
    raise typer.Exit(code)
