"""The CLI builds only the command it runs, and behaves exactly as the whole app does."""

from __future__ import annotations

from typing import cast

import pytest
import typer.core
import typer.main

from planrisk.cli import app
from planrisk.cli.one_command import app_for
from tests.support.cli import run_main

_FIXTURE = "fixtures/pulumi/prod-db-delete/preview.json"


@pytest.mark.parametrize(
    ("argv", "commands"),
    [
        (["gate", _FIXTURE, "--format", "json"], ["gate"]),
        (["--timings", "analyze"], ["analyze"]),
        (["audit", "verify", "--help"], ["audit"]),
        (["policy"], ["policy"]),
    ],
)
def test_the_named_command_is_the_only_one_built(argv: list[str], commands: list[str]) -> None:
    before = (list(app.registered_commands), list(app.registered_groups))
    narrowed = app_for(app, argv)
    assert narrowed is not app
    group = cast(typer.core.TyperGroup, typer.main.get_command(narrowed))
    assert sorted(group.commands) == commands
    assert (app.registered_commands, app.registered_groups) == before


@pytest.mark.parametrize("argv", [[], ["--help"], ["--version"], ["gatx", "plan.json"]])
def test_without_a_known_command_the_whole_app_runs(argv: list[str]) -> None:
    assert app_for(app, argv) is app


@pytest.mark.parametrize(
    "argv",
    [
        ["gate", "--help"],
        ["audit", "verify", "--help"],
        ["gate", "--format", "nope", _FIXTURE],
        ["gate"],
        ["policy"],
        ["gatx", _FIXTURE],
        ["gate", _FIXTURE, "--format", "json", "--env", "prod"],
    ],
)
def test_output_and_exit_code_are_the_whole_apps(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    narrowed = run_main(*argv)
    narrowed_out = capsys.readouterr()
    with pytest.raises(SystemExit) as whole:
        app(args=argv, prog_name="planrisk")
    whole_out = capsys.readouterr()
    assert narrowed == whole.value.code
    assert (narrowed_out.out, narrowed_out.err) == (whole_out.out, whole_out.err)
