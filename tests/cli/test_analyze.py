"""`planrisk analyze` through the real CLI: the JSON contract, determinism, every corpus plan.

Input: fixture plans (and the shared corpus, when present). Output: assertions on the exact key
sets of the schema_version 1 document, byte-identical output across runs, and exit codes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from planrisk.cli import main
from tests.support.cli import clean_env
from tests.support.corpus import corpus_plans
from tests.support.paths import CORPUS, REPO

VPC = REPO / "fixtures/terraform/vpc-replace-cascade/plan.json"
DB_DELETE = REPO / "fixtures/terraform/data-delete-no-recovery/plan.json"

TOP_KEYS = {"schema_version", "plan", "environment", "risk", "changes"}
PLAN_KEYS = {"tool", "format_version", "digest", "resources", "counts"}
ENV_KEYS = {"name", "treated_as", "evidence"}
RISK_KEYS = {"score", "level", "teardown", "reasons"}
CHANGE_KEYS = {
    "address", "type", "action", "replace_order", "risk_class", "score", "level", "reasons",
    "blast_radius", "hints",
}  # fmt: skip
BLAST_KEYS = {"count", "weighted", "top"}
COUNT_KEYS = {"create", "update", "delete", "replace", "forget", "read", "import", "no-op"}


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "planrisk", "analyze", *args],
        cwd=cwd, env=clean_env(cwd), capture_output=True, timeout=60, check=False,
    )  # fmt: skip


def test_json_contract_keys_exactly(tmp_path: Path) -> None:
    proc = run_cli(str(VPC), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) == TOP_KEYS and doc["schema_version"] == 1
    assert set(doc["plan"]) == PLAN_KEYS and set(doc["plan"]["counts"]) == COUNT_KEYS
    assert set(doc["environment"]) == ENV_KEYS and set(doc["risk"]) == RISK_KEYS
    assert doc["changes"]
    for change in doc["changes"]:
        assert set(change) - {"deposed"} == CHANGE_KEYS
        assert set(change["blast_radius"]) == BLAST_KEYS
        assert all(isinstance(r, str) for r in change["reasons"])
    scores = [c["score"] for c in doc["changes"]]
    assert scores == sorted(scores, reverse=True)
    vpc = doc["changes"][0]
    assert vpc["address"] == "aws_vpc.main" and vpc["blast_radius"]["count"] == 14
    assert vpc["replace_order"] == "delete-before-create"


def test_paths_option_adds_dependency_paths(tmp_path: Path) -> None:
    proc = run_cli(str(VPC), "--format", "json", "--paths", cwd=tmp_path)
    vpc = json.loads(proc.stdout)["changes"][0]
    paths = vpc["blast_radius"]["paths"]
    assert set(paths) == set(vpc["blast_radius"]["top"])
    assert all(p[0] == d and p[-1] == "aws_vpc.main" for d, p in paths.items())


def test_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first = run_cli(str(DB_DELETE), "--format", "json", cwd=tmp_path)
    second = run_cli(str(DB_DELETE), "--format", "json", cwd=tmp_path)
    assert first.returncode == 0 and first.stdout == second.stdout
    text = first.stdout.decode()
    assert "pr0d-0rders-s3cret-value" not in text  # the sensitive password never leaves


def test_bad_input_is_exit_3_without_traceback(tmp_path: Path) -> None:
    proc = run_cli(str(tmp_path / "nope.json"), cwd=tmp_path)
    assert proc.returncode == 3 and b"Traceback" not in proc.stderr


def test_every_corpus_plan_analyses_with_exit_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = corpus_plans()
    if not paths:
        pytest.skip(f"corpus not found at {CORPUS} (shared/corpus is not checked out)")
    monkeypatch.chdir(tmp_path)
    for path in paths:
        with pytest.raises(SystemExit) as exit_info:
            main(["analyze", str(CORPUS / path), "--format", "json"])
        assert exit_info.value.code in (0, None), path
        doc = json.loads(capsys.readouterr().out)
        assert set(doc) == TOP_KEYS, path
