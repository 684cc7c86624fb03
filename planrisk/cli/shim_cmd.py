"""`planrisk shim install|uninstall DIR`: terraform, tofu and pulumi wrappers for agent sandboxes.

Input: a directory to put first on an agent's PATH. Output: the shims written (or removed), one
path per line; exit 3 when the directory is unusable or holds a foreign file of the same name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.app import app

shim_app = typer.Typer(
    name="shim",
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Install or remove terraform/tofu/pulumi shims that route mutations through the guard.",
)
app.add_typer(shim_app, name="shim")

DirArgument = Annotated[
    Path, typer.Argument(help="Directory for the shims (put it first on PATH).")
]


@shim_app.command("install")
def install_command(directory: DirArgument) -> None:
    """Write terraform, tofu and pulumi shims into DIR."""
    from planrisk.shim import install_shims

    for path in install_shims(directory):
        typer.echo(f"installed {path}")
    typer.echo(f'put it first on PATH: export PATH="{directory.resolve()}:$PATH"')


@shim_app.command("uninstall")
def uninstall_command(directory: DirArgument) -> None:
    """Remove the planrisk shims from DIR (other files are left alone)."""
    from planrisk.shim import uninstall_shims

    removed = uninstall_shims(directory)
    for path in removed:
        typer.echo(f"removed {path}")
    if not removed:
        typer.echo(f"no planrisk shims in {directory}")
