"""`planrisk audit checkpoint --key KEY`, and the verification `audit verify` runs.

Input: the store, the streams (default: every stream) and an Ed25519 private key; for verify,
checkpoint files and the public key. Output: `checkpoint` verifies each stream's chain, then
prints (or writes with -o) one signed C2SP checkpoint per stream; it signs no broken chain
(exit 1). `verify_streams` prints one line per stream and per checkpoint and returns the exit
code: 0 when every chain is intact and the log extends every checkpoint, else 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from planrisk.cli.audit_cmd import DEFAULT_ORIGIN, AuditDbOption, OriginOption, audit_app
from planrisk.cli.store_options import StoreOption, StreamsOption, cli_store

if TYPE_CHECKING:
    pass


@audit_app.command("checkpoint")
def audit_checkpoint_command(
    key: Annotated[Path, typer.Option("--key", help="Private key (PREFIX.key from keygen).")],
    store: StoreOption = None,
    audit_db: AuditDbOption = None,
    stream: StreamsOption = None,
    origin: OriginOption = DEFAULT_ORIGIN,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the checkpoints to FILE.")
    ] = None,
) -> None:
    """Sign the head of each stream as a C2SP checkpoint; keep it where the DB admin cannot."""
    from planrisk.gate.audit.checkpoint_log import sign_streams
    from planrisk.report.output import write_output

    spec = cli_store(store, audit_db)
    notes, problems = sign_streams(spec, stream or (), key, origin)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    if not notes:
        typer.echo(f"{spec.label}: no records yet, nothing to sign", err=True)
        return
    write_output("\n".join(notes), output)
