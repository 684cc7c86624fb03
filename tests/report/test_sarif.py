"""SARIF renderer: valid against the SARIF 2.1.0 schema, one rule per kind, .tf locations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from planrisk.report.findings import KINDS
from planrisk.report.sarif import render_sarif, sarif_document
from tests.report.helpers import HOSTILE, SARIF_SCHEMA
from tests.support.paths import FIXTURES
from tests.support.pipeline import analyze_and_gate


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    if not SARIF_SCHEMA.is_file():
        pytest.skip("SARIF schema not present at ../shared/schemas")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _plans() -> list[Path]:
    return [HOSTILE, *sorted((FIXTURES / "terraform").glob("*/plan.json"))[:6]]


@pytest.mark.parametrize("plan", _plans(), ids=lambda p: p.parent.name)
def test_sarif_validates(plan: Path, tmp_path: Path, validator: Any) -> None:
    analysis, gate = analyze_and_gate(plan, tmp_path, env="prod")
    for result in (None, gate):
        document = json.loads(render_sarif(result or analysis, plan_path="plan.json"))
        validator.validate(document)


def test_rules_levels_and_scores(tmp_path: Path) -> None:
    _analysis, gate = analyze_and_gate(HOSTILE, tmp_path, env="prod")
    document = sarif_document(gate, plan_path="plan.json")
    run_ = document["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "planrisk" and "informationUri" not in driver
    assert [r["id"] for r in driver["rules"]] == [k.id for k in KINDS]
    by_address = {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r
        for r in run_["results"]
        if "logicalLocations" in r["locations"][0]
    }
    db = by_address["aws_db_instance.main"]
    assert db["ruleId"] == "irreversible-data-loss" and db["level"] == "error"
    assert db["properties"]["score"] >= 75
    assert driver["rules"][db["ruleIndex"]]["id"] == db["ruleId"]
    gate_results = [r for r in run_["results"] if r["ruleId"].startswith("gate-")]
    assert [r["ruleId"] for r in gate_results] == [f"gate-{gate.decision.outcome}"]


def test_source_dir_gives_tf_file_and_line(tmp_path: Path, validator: Any) -> None:
    source = FIXTURES / "terraform" / "hostile-names"
    work = tmp_path / "src"
    work.mkdir()
    shutil.copy(source / "plan.json", work / "plan.json")
    (work / "main.tf").write_text(
        'resource "aws_s3_bucket" "site" {\n  for_each = toset([])\n}\n\n'
        'resource "aws_db_instance" "main" {\n  identifier = "main"\n}\n',
        encoding="utf-8",
    )
    _analysis, gate = analyze_and_gate(work / "plan.json", tmp_path, source_dir=work, env="prod")
    document = sarif_document(gate, plan_path="plan.json", source_prefix="infra")
    validator.validate(document)
    located = {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r["locations"][0].get(
            "physicalLocation"
        )
        for r in document["runs"][0]["results"]
        if "logicalLocations" in r["locations"][0]
    }
    assert located["aws_db_instance.main"] == {
        "artifactLocation": {"uri": "infra/main.tf"},
        "region": {"startLine": 5},
    }
    bucket = next(v for k, v in located.items() if k.startswith("aws_s3_bucket.site"))
    assert bucket["region"]["startLine"] == 1
