"""`planrisk graph` through the real CLI: formats, -o, --source-dir, determinism, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import FIXTURES

FIXTURE = FIXTURES / "terraform" / "local-references"

pytestmark = pytest.mark.slow


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "planrisk", "graph", *args], capture_output=True, check=False
    )


@pytest.mark.parametrize("fmt", ["json", "dot", "mermaid"])
def test_formats_are_byte_identical_across_runs(fmt: str) -> None:
    args = (str(FIXTURE / "plan.json"), "--format", fmt, "--source-dir", str(FIXTURE))
    first, second = run(*args), run(*args)
    assert first.returncode == 0, first.stderr.decode()
    assert first.stdout == second.stdout
    assert first.stdout


def test_output_file_and_local_edges(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "graph.json"
    result = run(str(FIXTURE / "plan.json"), "--source-dir", str(FIXTURE), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""
    edges = json.loads(out.read_text())["edges"]
    assert {
        "dependent": "module.app.aws_instance.web",
        "dependency": "aws_subnet.private[0]",
        "kind": "local",
    } in edges


def test_bad_source_dir_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "a_b" "c" {\n')
    result = run(str(FIXTURE / "plan.json"), "--source-dir", str(tmp_path))
    assert result.returncode == 3
    assert b"main.tf" in result.stderr and b"Traceback" not in result.stderr


def test_output_file_is_written_whole_and_ends_with_a_newline(tmp_path: Path) -> None:
    from planrisk.report.output import write_output

    target = tmp_path / "out" / "graph.json"
    write_output(iter(["{", '"a": 1', "}"]), target)
    assert target.read_text() == '{"a": 1}\n'
    assert not list(target.parent.glob(".*partial"))
