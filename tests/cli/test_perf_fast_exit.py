"""The CLI's fast exit (planrisk.cli.fast_exit): same bytes and exit codes as an in-process run.

Run as the program (`python -m planrisk`), planrisk ends with `os._exit` once its output is
flushed; called in-process with arguments, `main` raises `SystemExit` and keeps the process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planrisk.cli import fast_exit, main
from tests.support.cli import run_program
from tests.support.paths import REPO

PLAN = REPO / "fixtures" / "terraform" / "vpc-replace-cascade" / "plan.json"


@pytest.mark.parametrize("command", ["analyze", "gate"])
def test_program_output_and_exit_code_equal_the_in_process_run(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--audit-db", str(tmp_path / "audit.db")] if command == "gate" else []
    program = run_program(command, str(PLAN), "--format", "json", *extra, cwd=tmp_path)
    with pytest.raises(SystemExit) as raised:
        main([command, str(PLAN), "--format", "json", *extra])
    in_process = capsys.readouterr().out
    assert program.returncode == raised.value.code
    assert program.stdout == in_process
    assert in_process.endswith("}\n") and len(in_process) > 1000


def test_program_writes_the_whole_file_before_it_exits(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    program = run_program("analyze", str(PLAN), "--format", "json", "-o", str(out), cwd=tmp_path)
    assert program.returncode == 0, program.stderr
    with pytest.raises(SystemExit):
        main(["analyze", str(PLAN), "--format", "json", "-o", str(tmp_path / "again.json")])
    assert out.read_bytes() == (tmp_path / "again.json").read_bytes()


def test_in_process_main_never_arms_the_fast_exit() -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert fast_exit._armed == [False]
    fast_exit.keep_until_exit(object())
    assert fast_exit._kept == []
