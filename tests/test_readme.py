"""The README shows what the commands print: its quickstart and gate blocks are the real output.

Input: README.md and the fixture its quickstart names. Output: pass when the quickstart's
printed block is exactly what `planrisk analyze` prints on that fixture today, and the gate
block's lines are what `planrisk gate --actor agent` prints (the analysis after them is cut in
the README), with the exit code it shows. A change to the text report must update the README.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import clean_env, run_program
from tests.support.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
PLAN = "fixtures/terraform/nested-modules/plan.json"


def _blocks() -> list[str]:
    """The text of each fenced block (without its fences)."""
    blocks: list[str] = []
    current: list[str] | None = None
    for line in README.splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_the_quickstart_command_runs_the_fixture_the_readme_shows() -> None:
    assert f"pip install . && planrisk analyze {PLAN}\n" in README


def test_the_quickstart_output_is_what_analyze_prints(tmp_path: Path) -> None:
    done = run_program("analyze", str(REPO / PLAN), cwd=tmp_path, env=clean_env(tmp_path))
    assert done.returncode == 0, done.stderr
    shown = next(b for b in _blocks() if b.startswith("planrisk "))
    assert shown == done.stdout


def test_the_gate_block_is_what_gate_prints(tmp_path: Path) -> None:
    block = next(b for b in _blocks() if b.startswith("$ planrisk gate "))
    lines = block.splitlines()
    command, shown = lines[0].removeprefix("$ planrisk "), lines[1:]
    cut = next(i for i, line in enumerate(shown) if line.startswith("planrisk ") and "…" in line)
    args = [REPO / a if a == PLAN else a for a in command.split()]
    env = clean_env(tmp_path)
    done = run_program(*map(str, args), cwd=tmp_path, env=env)
    printed = done.stdout.splitlines()
    assert printed[:cut] == shown[:cut]
    assert printed[cut].startswith(shown[cut].split("…")[0])
    assert shown[cut + 1 :] == ["$ echo $?", str(done.returncode)]
