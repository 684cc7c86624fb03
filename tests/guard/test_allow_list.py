"""The guard runs only what its tables know: every other command is refused, never guessed.

Each command below reached the real binary ungated before the allow-list (issue 20's attack
runs): unknown subcommands, `-help` after `--` or as a flag's value, an unknown valued flag
written with a space. Through the real CLI with fake binaries that log every call.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planrisk.gate.audit import read_log
from tests.guard.fakes import PROD_DB_DELETE, PULUMI_PROD_DB_DELETE, make_world

pytestmark = pytest.mark.slow

REFUSED = [
    ["terraform", "login"],
    ["terraform", "env", "delete", "prod"],
    ["terraform", "-install-autocomplete"],
    ["terraform", "apply", "-no-such-flag"],
    ["terraform", "workspace", "select", "-or-create=maybe", "prod"],
    ["tofu", "apply", "-state-lock", "false"],
    ["pulumi", "watch"],
    ["pulumi", "deployment", "run", "update"],
    ["pulumi", "config", "refresh"],
    ["pulumi", "up", "--remote"],
    ["pulumi", "up", "--yes", "https://github.com/org/template"],
    ["pulumi", "destroy", "--yes", "--remove"],
    ["pulumi", "refresh", "--yes", "--clear-pending-creates"],
    ["pulumi", "stack", "ls", "--stack", "prod"],
    ["pulumi", "up", "--refresh", "false"],
    ["pulumi", "up", "-yz"],
]
"""Off the allow-list, or arguments the guard cannot read the way the tool would."""

GATED = [
    ["terraform", "apply", "-auto-approve", "--", "-help"],
    ["terraform", "apply", "-auto-approve", "-var", "-help"],
    ["tofu", "apply", "-auto-approve", "-json-into", "out.json"],
    ["pulumi", "up", "--yes", "-m", "--help"],
    ["pulumi", "destroy", "--yes", "-m", "--preview-only"],
    ["pulumi", "destroy", "--yes", "--preview-only=false"],
    ["pulumi", "up", "-ym", "--help"],
]
"""Look like help or a dry run but are not: gated (and denied for the agent), never passed."""

HUMAN_ONLY = [
    ["terraform", "test"],
    ["terraform", "refresh"],
    ["terraform", "init", "-migrate-state", "-force-copy"],
    ["terraform", "workspace", "select", "-or-create", "prod"],
    ["pulumi", "stack", "import", "--file", "state.json"],
    ["pulumi", "stack", "select", "--create", "prod"],
]
"""Change state or infrastructure without a plan to gate."""


@pytest.mark.parametrize("argv", REFUSED, ids=" ".join)
def test_refused_commands_never_reach_the_binary(argv: list[str], tmp_path: Path) -> None:
    world = make_world(tmp_path, PROD_DB_DELETE, agent=False)
    result = world.guard("--", *argv)
    assert result.returncode == 1, result.stderr
    assert world.argvs() == []
    [line] = result.stderr.splitlines()
    assert line.startswith("planrisk guard: refused: ")
    assert "was not run" in line and "ask a human to run it outside the agent sandbox" in line
    assert "https://github.com/org/template" not in line
    [record] = [r.data for r in read_log(world.audit_db)]
    assert record["kind"] == "refused_command" and record["outcome"] == "refused"
    assert record["command"].split()[:2] == argv[:2] or argv[1].startswith("-")


@pytest.mark.parametrize("argv", GATED, ids=" ".join)
def test_help_or_preview_only_in_a_value_or_after_double_dash_is_gated(
    argv: list[str], tmp_path: Path
) -> None:
    plan = PULUMI_PROD_DB_DELETE if argv[0] == "pulumi" else PROD_DB_DELETE
    world = make_world(tmp_path, plan, agent=True)
    (world.root / "out.json").write_text("")
    result = world.guard("--", *argv)
    assert result.returncode in (1, 3), result.stderr
    steps = [a[0] for a in world.argvs()]
    assert steps in ([], ["plan", "show"], ["preview"], [argv[1]]), world.argvs()
    if steps == [argv[1]]:
        assert "--preview-only" in world.argvs()[0]
    assert not any(a[:1] in (["apply"], ["up"]) for a in world.argvs())
    if argv[0] == "pulumi" or argv[-2:] != ["--", "-help"]:
        assert "DENY" in result.stderr


@pytest.mark.parametrize("argv", HUMAN_ONLY, ids=" ".join)
def test_unplanned_state_changes_are_refused_to_an_agent(argv: list[str], tmp_path: Path) -> None:
    world = make_world(tmp_path, PROD_DB_DELETE, agent=True)
    result = world.guard("--", *argv)
    assert result.returncode == 1, result.stderr
    assert "only a human may run it" in result.stderr
    assert world.argvs() == []


@pytest.mark.parametrize(
    "argv",
    [
        ["terraform", "apply", "-help"],
        ["terraform", "-help", "apply"],
        ["terraform", "-version"],
        ["pulumi", "up", "--help"],
        ["pulumi", "up", "-yh"],
        ["pulumi", "destroy", "--preview-only"],
        ["pulumi", "--cwd", ".", "stack", "output"],
    ],
    ids=" ".join,
)
def test_real_help_and_read_only_commands_run_straight_through(
    argv: list[str], tmp_path: Path
) -> None:
    world = make_world(tmp_path, PROD_DB_DELETE, agent=True)
    result = world.guard("--", *argv)
    assert result.returncode == 0, result.stderr
    assert world.argvs() == [argv[1:]]
    assert not world.audit_db.exists()
