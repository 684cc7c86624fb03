"""The Typer application every CLI command registers on (the CLI is a thin shell).

Input: command-line arguments. Output: calls into the stages. Command modules
(`planrisk/cli/<command>.py`) import heavy stage modules inside their functions so that
`planrisk --help` stays fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="planrisk",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    help=(
        "Decide whether a Terraform, OpenTofu or Pulumi plan may be applied: score every destroy "
        "and replace by its blast radius and gate it by who initiated it.\n\n"
        "Exit codes: 0 allow, 1 pending or deny, 2 usage error, 3 input error, 4 internal error."
    ),
)


def version_callback(value: bool) -> None:
    """Print the version and exit."""
    if value:
        from planrisk import __version__

        typer.echo(f"planrisk {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """planrisk: a deploy gate for infrastructure plans."""
