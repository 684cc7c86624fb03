"""CLI (gate → JSON): what `planrisk gate PLAN --format json` imports.

Input: fixture plans, gated in a fresh interpreter through the real CLI. Checked: networkx
(only the HTML layout needs it), cryptography (only evidence verification and signing
need it) and pydantic (typer >= 0.29 parses parameters with it, ~0.17 s a run) are not
imported on that path, and are imported once a trusted key is configured
(cryptography) or an HTML report is asked for (networkx), so the checks can fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.imports import imported_by
from tests.support.paths import FIXTURES

WATCHED = ("networkx", "cryptography", "pydantic")


@pytest.mark.parametrize(
    "plan",
    ["terraform/vpc-replace-cascade/plan.json", "pulumi/protect-removed/preview.json"],
)
def test_gate_json_imports_neither_networkx_nor_cryptography(plan: str, tmp_path: Path) -> None:
    args = ["gate", str(FIXTURES / plan), "--format", "json", "-o", str(tmp_path / "out.json")]
    args += ["--audit-db", str(tmp_path / "audit.db")]
    assert imported_by(args, WATCHED, tmp_path) == set()
    assert json.loads((tmp_path / "out.json").read_text())["decision"]["outcome"]


def test_html_imports_networkx_and_trusted_keys_import_cryptography(tmp_path: Path) -> None:
    plan = str(FIXTURES / "terraform/vpc-replace-cascade/plan.json")
    keygen = ["keygen", str(tmp_path / "ops")]
    assert imported_by(keygen, WATCHED, tmp_path) == {"cryptography"}
    config = tmp_path / ".planrisk.toml"
    config.write_text(
        '[[trusted_keys]]\nname = "ops"\npurpose = "approval"\npublic_key = "ops.pub"\n'
    )
    gate = ["gate", plan, "--format", "json", "-o", str(tmp_path / "out.json")]
    gate += ["--audit-db", str(tmp_path / "audit.db"), "--config", str(config)]
    assert imported_by(gate, WATCHED, tmp_path) == {"cryptography"}
    html = ["analyze", plan, "--format", "html", "-o", str(tmp_path / "out.html")]
    assert imported_by(html, WATCHED, tmp_path) == {"networkx"}
