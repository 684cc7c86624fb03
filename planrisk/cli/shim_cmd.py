"""`planrisk shim install|uninstall DIR`: terraform, tofu and pulumi wrappers for agent sandboxes.

Input: a directory to put first on an agent's PATH, and optionally the actor, the config and
the store the shims always gate with (`--actor agent --config /etc/planrisk/agent.toml --store
postgresql://planrisk_gate@db/planrisk`). Output: the shims
written (or removed), one path per line; a warning on stderr when the config lies inside a git
working tree (the agent may be able to write it); exit 3 when the directory is unusable, holds a
foreign file of the same name, or the config file does not exist.
"""

from __future__ import annotations

from enum import StrEnum
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


class ShimActor(StrEnum):
    """Values of `shim install --actor`."""

    HUMAN = "human"
    BOT = "bot"
    AGENT = "agent"


@shim_app.command("install")
def install_command(
    directory: DirArgument,
    actor: Annotated[
        ShimActor | None,
        typer.Option(
            "--actor",
            help="Always gate as this actor (the guard can only make it stricter); unsets "
            "PLANRISK_SYSTEM_CONFIG and PLANRISK_BASE_REF for the guard.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Always gate with this config file (stored as an absolute path)."
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            metavar="URL",
            help="Always record to this store (postgresql://USER@HOST/DB without a password, "
            "or a SQLite path); PLANRISK_STORE cannot move it.",
        ),
    ] = None,
    stream: Annotated[
        str | None, typer.Option("--stream", help="The stream of --store the records go to.")
    ] = None,
) -> None:
    """Write terraform, tofu and pulumi shims into DIR."""
    from planrisk.guard.shim import install_shims, shim_gate

    gate = shim_gate(actor.value if actor is not None else None, config, store, stream)
    for path in install_shims(directory, gate=gate):
        typer.echo(f"installed {path}")
    typer.echo(f'put it first on PATH: export PATH="{directory.resolve()}:$PATH"')


@shim_app.command("uninstall")
def uninstall_command(directory: DirArgument) -> None:
    """Remove the planrisk shims from DIR (other files are left alone)."""
    from planrisk.guard.shim import uninstall_shims

    removed = uninstall_shims(directory)
    for path in removed:
        typer.echo(f"removed {path}")
    if not removed:
        typer.echo(f"no planrisk shims in {directory}")
