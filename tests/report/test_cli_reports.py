"""`analyze` and `gate` through the real CLI: --format, -o FILE and --output-dir DIR."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from planrisk.report.formats import FILE_NAMES, Format
from tests.report.helpers import HOSTILE
from tests.support.cli import run_program


def _planrisk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI"))}
    env["PLANRISK_AUDIT_DB"] = str(cwd / "audit.db")
    return run_program(*args, cwd=cwd, env=env, timeout=60)


@pytest.mark.slow
def test_output_dir_without_format_writes_every_format(tmp_path: Path) -> None:
    done = _planrisk("gate", str(HOSTILE), "--env", "prod", "--output-dir", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(FILE_NAMES.values())
    document = json.loads((tmp_path / "out" / "planrisk.json").read_text(encoding="utf-8"))
    assert document["decision"]["outcome"] in ("pending", "deny")
    markdown = (tmp_path / "out" / "planrisk.md").read_text(encoding="utf-8")
    assert markdown.startswith(f"<!-- planrisk:{HOSTILE}:prod -->")


@pytest.mark.slow
def test_output_dir_with_formats_writes_only_those(tmp_path: Path) -> None:
    done = _planrisk(
        "analyze",
        str(HOSTILE),
        "--output-dir",
        "out",
        "--format",
        "markdown",
        "--format",
        "sarif",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["planrisk.md", "planrisk.sarif"]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(Format))
def test_dash_o_writes_each_format(fmt: Format, tmp_path: Path) -> None:
    target = tmp_path / "report" / FILE_NAMES[fmt]
    done = _planrisk(
        "analyze", str(HOSTILE), "--format", fmt.value, "-o", str(target), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert "\033[" not in text
    address = "aws\\_db\\_instance.main" if fmt is Format.MARKDOWN else "aws_db_instance.main"
    assert address in text


@pytest.mark.slow
def test_several_formats_without_output_dir_is_an_input_error(tmp_path: Path) -> None:
    done = _planrisk("analyze", str(HOSTILE), "--format", "json", "--format", "html", cwd=tmp_path)
    assert done.returncode == 3
    assert "several --format values need --output-dir" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_dash_o_and_output_dir_together_is_an_input_error(tmp_path: Path) -> None:
    done = _planrisk("analyze", str(HOSTILE), "-o", "x.txt", "--output-dir", "out", cwd=tmp_path)
    assert done.returncode == 3
    assert "cannot be combined" in done.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "x.txt").exists()


def test_help_documents_output_dir_and_its_file_names(capsys: pytest.CaptureFixture[str]) -> None:
    from planrisk.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["gate", "--help"])
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--output-dir" in out
    for name in FILE_NAMES.values():
        assert name in out
