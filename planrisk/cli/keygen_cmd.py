"""`planrisk keygen PREFIX`: create an Ed25519 key pair for signing evidence.

Input: a file prefix. Output: PREFIX.key (private, mode 0600) and PREFIX.pub, and the lines
to add to `.planrisk.toml` to trust the public key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.app import app


@app.command("keygen")
def keygen_command(
    prefix: Annotated[Path, typer.Argument(help="Write PREFIX.key and PREFIX.pub.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace existing key files at PREFIX.")
    ] = False,
) -> None:
    """Create a signing key pair for attestations (`attest`) or approvals (`approve`)."""
    from planrisk.gate.evidence.keys import write_keypair

    files = write_keypair(prefix, force=force)
    typer.echo(f"wrote {files.private_path} (private key, mode 0600: keep it secret)")
    typer.echo(f"wrote {files.public_path} (public key, id {files.keyid})")
    typer.echo(
        "trust it in .planrisk.toml:\n"
        "  [[trusted_keys]]\n"
        '  name = "NAME"                 # the approver, or the sandbox signer\n'
        '  purpose = "approval"          # or "attestation"\n'
        f'  public_key = "{files.public_path}"  # relative to the config file'
    )
