"""Stage timings: `--timings` or PLANRISK_TIMINGS → one stderr line per stage, JSON on stdout."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_program
from tests.support.paths import REPO

PLAN = REPO / "fixtures" / "terraform" / "teardown" / "plan.json"
STAGES = ("config", "ingest", "graph", "environment", "hints", "score")


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "PLANRISK_TIMINGS"} | env
    return run_program(*args, str(PLAN), "--format", "json", cwd=tmp_path, env=environ)


@pytest.mark.parametrize("command", [["analyze"], ["gate", "--audit-db", "audit.db"]])
def test_flag_prints_each_stage_to_stderr(command: list[str], tmp_path: Path) -> None:
    result = _run([*command, "--timings"], tmp_path)
    json.loads(result.stdout)
    names = [line.split()[2] for line in result.stderr.splitlines() if "timings:" in line]
    # The gate reads the configuration and classifies the actor before it analyzes.
    gate = ["actor", *STAGES, "gate", "report"]
    expected = gate if command[0] == "gate" else [*STAGES, "report"]
    assert names == expected


def test_environment_variable_turns_timings_on(tmp_path: Path) -> None:
    result = _run(["analyze"], tmp_path, PLANRISK_TIMINGS="1")
    assert "planrisk timings: score " in result.stderr


def test_off_by_default(tmp_path: Path) -> None:
    result = _run(["analyze"], tmp_path)
    assert "timings" not in result.stderr
    json.loads(result.stdout)
