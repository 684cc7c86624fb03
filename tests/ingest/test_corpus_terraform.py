"""Ingest stage over the shared corpus: every `terraform-plan` row parses; spot-checked facts."""

from __future__ import annotations

import csv

import msgspec
import pytest

from planrisk.ingest import load_plan
from planrisk.model import Action, Mode, Tool
from planrisk.values import decode
from tests.support.paths import CORPUS

MANIFEST = CORPUS / "MANIFEST.tsv"
TF = CORPUS / "terraform"


def _rows() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [r for r in rows if r["format"] == "terraform-plan"]


ROWS = _rows()


def needs_corpus() -> None:
    if not MANIFEST.is_file():
        pytest.skip(f"shared corpus not found at {CORPUS}")


@pytest.mark.parametrize("row", ROWS or [None], ids=[r["path"] for r in ROWS] or ["no-corpus"])
def test_every_corpus_plan_parses(row: dict[str, str] | None) -> None:
    needs_corpus()
    assert row is not None
    plan = load_plan(CORPUS / row["path"])
    assert plan.tool in (Tool.TERRAFORM, Tool.OPENTOFU)
    assert plan.digest.startswith("sha256:")
    expected = row["resource_change_count"]
    if expected.isdigit():
        assert sum(1 for c in plan.changes if c.deferred_reason is None) == int(expected)
    for change in plan.changes:
        assert isinstance(change.before, msgspec.Raw)
        assert change.address
    addresses = [(c.address, c.deposed or "") for c in plan.changes]
    assert addresses == sorted(addresses)


def test_moved_with_drift() -> None:
    needs_corpus()
    plan = load_plan(
        TF / "opentofu-opentofu/testing/equivalence-tests/outputs/moved_with_drift/plan.json"
    )
    moved = [c for c in plan.changes if c.previous_address]
    assert [(c.address, c.previous_address) for c in moved] == [
        ("tfcoremock_simple_resource.base_after", "tfcoremock_simple_resource.base_before")
    ]
    assert len(plan.drift) == 1 and plan.drift[0].drift


def test_importing_identity() -> None:
    needs_corpus()
    plan = load_plan(TF / "hashicorp-terraform-json/testdata/identity/plan.json")
    (change,) = plan.changes
    assert change.importing and change.action is Action.IMPORT


def test_sensitive_masks_kept_raw_and_variables_flagged() -> None:
    needs_corpus()
    plan = load_plan(
        TF / "opentofu-opentofu/internal/command/testdata/show-json/sensitive-values/output.json"
    )
    (change,) = plan.changes
    assert isinstance(change.after_sensitive, msgspec.Raw)
    assert decode(change.after_sensitive) == {"ami": True}
    assert plan.variables["test_var"].sensitive is True
    assert all(o.sensitive for o in plan.output_changes)
    assert plan.tool is Tool.OPENTOFU


def test_drift_entries_without_address() -> None:
    needs_corpus()
    plan = load_plan(TF / "terraform-compliance-cli/tests/functional/test_issue_522/plan.out.json")
    assert len(plan.drift) == 15
    assert "aws_cloudwatch_event_rule.metrics_schedule" in {c.address for c in plan.drift}
    assert plan.counts()["update"] + plan.counts()["create"] <= len(plan.changes)


def test_transitive_depends_on_across_modules() -> None:
    needs_corpus()
    plan = load_plan(TF / "infracost-infracost/cmd/infracost/testdata/terraform_v0.14_plan.json")
    resources = {r.address: r for r in plan.resources}
    db = resources["module.db.module.db_1.module.db_instance.aws_db_instance.this[0]"]
    assert len(db.depends_on) == 9
    assert db.module == "module.db.module.db_1.module.db_instance" and db.index == 0
    data = resources["module.db.module.db_1.module.db_instance.data.aws_partition.current"]
    assert data.mode is Mode.DATA


def test_redacted_and_unredacted_forms_agree() -> None:
    needs_corpus()
    base = TF / "opentofu-opentofu/internal/cloud/testdata/plan-json-full"
    redacted = load_plan(base / "plan-redacted.json")
    plain = load_plan(base / "plan-unredacted.json")
    assert redacted.redacted and not plain.redacted
    assert redacted.configuration is None and plain.configuration is not None
    assert [(c.address, c.action) for c in redacted.changes] == [
        (c.address, c.action) for c in plain.changes
    ]


def test_errored_and_refresh_only() -> None:
    needs_corpus()
    errored = load_plan(
        TF / "opentofu-opentofu/internal/command/testdata/show-json/plan-error/output.json"
    )
    assert errored.errored is True
    refresh = load_plan(
        TF / "opentofu-opentofu/testing/equivalence-tests/outputs/drift_refresh_only/plan.json"
    )
    assert refresh.changes == () and len(refresh.drift) == 1


def test_compact_single_line_plan() -> None:
    needs_corpus()
    encodings = TF / "bridgecrewio-checkov/tests/terraform/parser/resources/plan_encodings"
    path = encodings / "tfplan_win_utf8.json"
    assert len(path.read_bytes().splitlines()) <= 2
    assert len(load_plan(path).changes) == 1
