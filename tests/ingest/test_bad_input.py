"""Ingest stage: bad input → PlanFormatError (exit 3, one line naming the file, no traceback)."""

from __future__ import annotations

import builtins
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from planrisk.errors import ExitCode, PlanFormatError, PlanriskError
from planrisk.ingest import load_plan, parse_plan
from tests.support.cli import run_program
from tests.support.paths import REPO

INVALID = REPO / "fixtures" / "invalid"

# fixture path → words the one-line message must contain
CASES = {
    "binary-plan/plan.tfplan": ("binary plan file", "terraform show -json plan.out > plan.json"),
    "state-file/terraform.tfstate": ("Terraform state", "terraform show -json PLANFILE"),
    "state-show-json/state.json": ("Terraform state", "terraform show -json PLANFILE"),
    "plan-json-log/plan.log": ("terraform plan -json", "terraform show -json PLANFILE"),
    "truncated/plan.json": ("truncated or invalid JSON at byte offset",),
    "empty/plan.json": ("empty",),
    "not-a-plan/package.json": ("not a plan", "keys name, scripts, version"),
    "unsupported-version/plan.json": ("format_version 2.0",),
    "pulumi-truncated-event-log/events.ndjson": ("no summaryEvent", "--event-log FILE"),
    "pulumi-summary-counts-a-missing-step/preview.json": (
        "`changeSummary` counts 1 delete step(s) but the input holds 0",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_load_plan_rejects(name: str) -> None:
    path = INVALID / name
    with pytest.raises(PlanFormatError) as info:
        load_plan(path)
    line = info.value.one_line()
    assert line.startswith(f"{path}: ")
    assert "\n" not in line
    for words in CASES[name]:
        assert words in line


def test_truncated_offset_counts_from_file_start() -> None:
    data = (INVALID / "truncated" / "plan.json").read_bytes()
    with pytest.raises(PlanFormatError, match=f"byte offset {len(data)}"):
        parse_plan(data, "t.json")
    prefix = b"::debug::x\n"
    with pytest.raises(PlanFormatError, match=f"byte offset {len(data) + len(prefix)}"):
        parse_plan(prefix + data, "t.json")


def test_invalid_character_offset() -> None:
    with pytest.raises(PlanFormatError, match="byte offset 7"):
        parse_plan(b'{"a": 1x}', "x.json")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(PlanFormatError, match="is a directory"):
        load_plan(tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanFormatError, match="no such file"):
        load_plan(tmp_path / "absent.json")


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, which ignores file modes: make open() fail as it would for a user.
    target = tmp_path / "plan.json"
    target.write_text("{}")
    real_open = builtins.open

    def deny(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(target):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", deny)
    with pytest.raises(PlanFormatError, match="permission denied"):
        load_plan(target)


_DEEP = 100_000


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"   \n\t ", "empty"),
        (b"just some text\nno json here\n", "no JSON document found"),
        (b"42", "no JSON document found"),
        (b"[42]\n", "JSON array of 1 items"),
        (b'["a"] "b"', "first not an object"),
        (b"[1, 2, 3]", "JSON array of 3 items"),
        (b'{"format_version": "1.0"}', "without plan content"),
        (b'{"format_version": "1.0", "provider_schemas": {}}', "providers schema"),
        (b'{"version": 3, "deployment": {}}', "Pulumi stack export"),
        (b'{"format_version": "1.2", "resource_changes": {"a": 1}}', "resource_changes"),
        (
            b'{"format_version": "1.2", "resource_changes": [{"change": {"actions": "x"}}]}',
            "actions",
        ),
        (b'{"format_version": 12, "resource_changes": []}', "format_version"),
        # (Deep enough for every supported Python: 3.13 decodes 5,000 levels.)
        (b"[" * _DEEP + b"]" * _DEEP, "too deeply"),
        (b'{"a":' * _DEEP + b"1" + b"}" * _DEEP, "nested too deeply"),
        (b"\xff\xfe{\x00\x00\xd8", "UTF-16"),
    ],
)
def test_parse_plan_rejects(data: bytes, words: str) -> None:
    with pytest.raises(PlanriskError) as info:
        parse_plan(data, "in.json")
    assert words in info.value.one_line()


def test_pulumi_state_is_not_a_plan_but_terraform_log_is_recognized_mid_stream() -> None:
    log = (INVALID / "plan-json-log" / "plan.log").read_bytes()
    with pytest.raises(PlanFormatError, match="log output"):
        parse_plan(b"Initializing...\n" + log, "ci.log")


def cli(path: Path) -> subprocess.CompletedProcess[str]:
    return run_program("graph", str(path), cwd=REPO, timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_exit_3_one_line(name: str) -> None:
    path = INVALID / name
    result = cli(path)
    assert result.returncode == ExitCode.INPUT_ERROR, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.slow
def test_cli_directory_and_missing(tmp_path: Path) -> None:
    for path in (tmp_path, tmp_path / "missing.json"):
        result = cli(path)
        assert result.returncode == ExitCode.INPUT_ERROR, result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert "Traceback" not in result.stderr


def test_fixture_sources_documented() -> None:
    for name in CASES:
        assert (INVALID / name).parent.joinpath("SOURCE.md").is_file()
    assert json.loads((INVALID / "not-a-plan" / "package.json").read_text())["name"] == "web"
