"""The CLI app narrowed to the command being run (CLI): argv → a Typer app to call with it.

Input: the registered app and the arguments. Output: the same app with only the command or
command group that the arguments name, or the whole app when they name none (no arguments,
`--help`, `--version`, an unknown command: the root's help, version and "No such command"
with its suggestions come from the whole app, as before).

Typer builds a click command from every registered function's signature before it parses a
single argument, for every registered command, on every run. Only the named one is
needed to run it; its own `--help` and errors are those of the same command.
"""

from __future__ import annotations

import copy
import sys

import typer
from typer.main import get_command_name


def app_for(app: typer.Typer, argv: list[str] | None) -> typer.Typer:
    """`app` with only the command or group `argv` names (a shallow copy), else `app`."""
    args = sys.argv[1:] if argv is None else argv
    name = next((arg for arg in args if not arg.startswith("-")), None)
    if name is None:
        return app
    commands = [
        info for info in app.registered_commands if _command_name(info.name, info.callback) == name
    ]
    groups = [info for info in app.registered_groups if info.name == name]
    if len(commands) + len(groups) != 1:
        return app
    narrowed = copy.copy(app)
    narrowed.registered_commands = commands
    narrowed.registered_groups = groups
    return narrowed


def _command_name(name: str | None, callback: object) -> str | None:
    """The name a registered command is called by (Typer's default: the function's name)."""
    if name:
        return name
    function_name = getattr(callback, "__name__", None)
    return get_command_name(function_name) if function_name else None
