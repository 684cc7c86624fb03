"""Benchmarks: the plan generator (determinism, plan shape, action mixes) and the run command.

Input: plans generated at small sizes into tmp_path. Output: assertions only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from benchmarks.attributes import SENSITIVE_MARKER
from benchmarks.generate import generate, main
from planrisk.ingest import load_plan
from tests.support.paths import REPO

SIZE = 200


def _plan(tmp_path: Path, mix: str, tool: str = "terraform", size: int = SIZE) -> Path:
    return generate(tool, size, mix, tmp_path / f"{tool}-{mix}-{size}.json")


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("plans")
    out = {}
    for mix in ("routine", "vpc-cascade", "teardown"):
        path = _plan(base, mix)
        out[mix] = {"path": path, "doc": json.loads(path.read_bytes())}
    return out


def _config_addresses(module: dict[str, Any], prefix: str = "") -> set[str]:
    found = {prefix + res["address"] for res in module.get("resources", [])}
    for name, call in module.get("module_calls", {}).items():
        found |= _config_addresses(call["module"], f"{prefix}module.{name}.")
    return found


def _state_resources(module: dict[str, Any]) -> list[dict[str, Any]]:
    out = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        out += _state_resources(child)
    return out


@pytest.mark.parametrize("mix", ["routine", "vpc-cascade", "teardown"])
def test_same_arguments_give_identical_bytes(tmp_path: Path, mix: str) -> None:
    first = _plan(tmp_path / "a", mix)
    second = _plan(tmp_path / "b", mix)
    assert first.read_bytes() == second.read_bytes()


def test_seed_changes_the_output(tmp_path: Path) -> None:
    one = generate("terraform", SIZE, "routine", tmp_path / "one.json", seed=1)
    two = generate("terraform", SIZE, "routine", tmp_path / "two.json", seed=2)
    assert one.read_bytes() != two.read_bytes()


def test_plan_has_the_terraform_shape(plans: dict[str, dict[str, Any]]) -> None:
    doc = plans["routine"]["doc"]
    assert list(doc)[:4] == ["format_version", "terraform_version", "variables", "planned_values"]
    assert doc["format_version"] == "1.2" and doc["terraform_version"] == "1.9.8"
    assert list(doc).index("resource_changes") < list(doc).index("prior_state")
    assert list(doc).index("prior_state") < list(doc).index("configuration")
    addresses = [rc["address"] for rc in doc["resource_changes"]]
    assert addresses == sorted(addresses)
    assert len(addresses) == len(set(addresses)) == SIZE
    root = doc["configuration"]["root_module"]
    assert root["variables"]["alert_webhook_token"]["sensitive"] is True
    role = doc["configuration"]["provider_config"]["aws"]["expressions"]["assume_role"][0]
    assert role["role_arn"]["constant_value"].startswith("arn:aws:iam::")
    assert (
        "module.network.vpc_id"
        in (root["module_calls"]["service"]["expressions"]["vpc_id"]["references"])
    )
    children = doc["planned_values"]["root_module"]["child_modules"]
    assert any(child.get("child_modules") for child in children)  # nested module.logs


def test_every_depends_on_target_is_in_the_configuration(
    plans: dict[str, dict[str, Any]],
) -> None:
    doc = plans["vpc-cascade"]["doc"]
    known = _config_addresses(doc["configuration"]["root_module"])
    state = _state_resources(doc["prior_state"]["values"]["root_module"])
    targets = {dep for res in state for dep in res.get("depends_on", [])}
    assert targets and targets <= known
    for res in state:
        assert res.get("depends_on", []) == sorted(res.get("depends_on", []))
    instance = next(r for r in state if r["type"] == "aws_instance")
    assert "module.network.aws_vpc.this" in instance["depends_on"]


@pytest.mark.parametrize("mix", ["routine", "vpc-cascade", "teardown"])
def test_average_size_per_resource_is_3_to_7_kb(plans: dict[str, dict[str, Any]], mix: str) -> None:
    per_resource = plans[mix]["path"].stat().st_size / SIZE
    assert 3000 <= per_resource <= 7000


def test_sensitive_values_are_marked(plans: dict[str, dict[str, Any]]) -> None:
    doc = plans["routine"]["doc"]
    passwords = [rc for rc in doc["resource_changes"] if rc["type"] == "random_password"]
    assert passwords
    for rc in passwords:
        assert rc["change"]["before_sensitive"]["result"] is True
        assert rc["change"]["before"]["result"].startswith(SENSITIVE_MARKER)
    dbs = [rc for rc in doc["resource_changes"] if rc["type"] == "aws_db_instance"]
    assert all(rc["change"]["after_sensitive"]["password"] is True for rc in dbs)
    assert doc["output_changes"]["alert_webhook_token"]["after_sensitive"] is True


def _actions(doc: dict[str, Any]) -> Counter[tuple[str, ...]]:
    return Counter(tuple(rc["change"]["actions"]) for rc in doc["resource_changes"])


def test_routine_changes_a_few_percent(tmp_path: Path) -> None:
    doc = json.loads(_plan(tmp_path, "routine", size=2000).read_bytes())
    counts = _actions(doc)
    changed = sum(n for actions, n in counts.items() if actions != ("no-op",))
    assert 0.01 * 2000 <= changed <= 0.06 * 2000
    assert counts[("update",)] > counts[("create",)] > 0
    assert counts[("delete", "create")] + counts[("create", "delete")] == 2
    replaced = [rc for rc in doc["resource_changes"] if len(rc["change"]["actions"]) == 2]
    assert all(rc["change"]["replace_paths"] == [["ami"]] for rc in replaced)


def test_vpc_cascade_replaces_everything_in_the_vpc(plans: dict[str, dict[str, Any]]) -> None:
    changes = {rc["address"]: rc for rc in plans["vpc-cascade"]["doc"]["resource_changes"]}
    vpc = changes["module.network.aws_vpc.this"]
    assert vpc["change"]["actions"] == ["delete", "create"]
    assert vpc["change"]["replace_paths"] == [["cidr_block"]]
    assert vpc["action_reason"] == "replace_because_cannot_update"
    replaced_types = {
        "aws_subnet",
        "aws_security_group",
        "aws_route_table",
        "aws_nat_gateway",
        "aws_lb_target_group",
        "aws_instance",
        "aws_route_table_association",
    }
    for rc in changes.values():
        if rc["type"] in replaced_types:
            assert rc["change"]["actions"] == ["delete", "create"], rc["address"]
        if rc["type"] == "aws_db_instance":
            assert rc["change"]["actions"] == ["update"]
            assert rc["change"]["after_unknown"]["vpc_security_group_ids"] is True
    assert "vpc_id" not in changes["module.network.aws_subnet.private[0]"]["change"]["after"]


def test_teardown_deletes_everything(plans: dict[str, dict[str, Any]]) -> None:
    doc = plans["teardown"]["doc"]
    assert _actions(doc) == Counter({("delete",): SIZE})
    assert doc["planned_values"] == {"root_module": {}}
    assert all(rc["change"]["after"] is None for rc in doc["resource_changes"])


def test_pulumi_preview_has_n_steps_and_blinds_secrets(tmp_path: Path) -> None:
    raw = _plan(tmp_path, "vpc-cascade", tool="pulumi", size=300).read_bytes()
    assert SENSITIVE_MARKER.encode() not in raw
    doc = json.loads(raw)
    assert len(doc["steps"]) == 300
    assert doc["steps"][0]["urn"].startswith("urn:pulumi:prod::platform::pulumi:pulumi:Stack")
    assert sum(doc["changeSummary"].values()) == 300
    replaces = [s for s in doc["steps"] if s["op"] == "replace"]
    assert any(s["replaceReasons"] == ["cidrBlock"] for s in replaces)
    with_deps = [s for s in doc["steps"] if s.get("newState", {}).get("dependencies")]
    assert with_deps and all(s["newState"]["propertyDependencies"] for s in with_deps)
    db = next(s for s in doc["steps"] if "rds/instance" in s["urn"])
    assert db["oldState"]["inputs"]["password"] == "[secret]"
    states = [s.get("newState") or s["oldState"] for s in doc["steps"]]
    assert "parent" not in states[0]  # the stack is the root
    urns = {s["urn"] for s in doc["steps"]}
    assert all(state["parent"] in urns for state in states[1:])


def test_generate_cli_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert (
        main(["--tool", "terraform", "--resources", "100", "--mix", "teardown", "-o", str(out)])
        == 0
    )
    assert len(json.loads(out.read_bytes())["resource_changes"]) == 100


def test_generate_cli_rejects_too_few_resources(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--resources", "5", "-o", str(tmp_path / "x.json")])
    assert exc.value.code == 2


@pytest.mark.parametrize("mix", ["routine", "vpc-cascade", "teardown"])
def test_generated_plans_load(plans: dict[str, dict[str, Any]], mix: str) -> None:
    plan = load_plan(plans[mix]["path"])
    assert len([c for c in plan.changes if not c.drift]) == SIZE
    assert plan.managed_resource_count == SIZE
    assert {r.address for r in plan.resources if r.mode == "data"} == {
        "data.aws_caller_identity.current",
        "module.network.data.aws_availability_zones.available",
    }


def test_generated_pulumi_preview_loads(tmp_path: Path) -> None:
    plan = load_plan(_plan(tmp_path, "routine", tool="pulumi", size=150))
    assert plan.tool == "pulumi"
    assert len(plan.changes) >= 140


@pytest.mark.slow
def test_run_command_prints_the_table(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--sizes",
            "200",
            "--mixes",
            "routine",
            "--repeat",
            "1",
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("byte-compiled ") and "planrisk" in lines[0]
    assert lines[1].startswith("planrisk command: planrisk ")
    assert lines[2] == f"interpreter: CPython {sys.version.split()[0]}"
    header = next(line for line in lines if line.startswith("tool"))
    for column in ("json.load s", "planrisk s", "ratio", "peak RSS MB", "RSS/file", "targets"):
        assert column in header
    row = next(line for line in lines if line.startswith("terraform  200"))
    assert "routine" in row
    assert any(line.startswith("planrisk --help:") for line in lines)
    assert not list(tmp_path.glob("*.json"))  # generated plans removed without --keep


def test_repeats_go_round_robin_over_the_rows(tmp_path: Path) -> None:
    """Round one measures every row (json.load, then planrisk), then round two...: one slow
    minute of the host does not cover every attempt of one row."""
    from benchmarks.run import best_of_groups

    log = tmp_path / "order.log"

    def command(label: str) -> list[str]:
        return [sys.executable, "-c", f"open({str(log)!r}, 'a').write('{label} ')"]

    plan = tmp_path / "plan.json"
    plan.write_bytes(b"{}")
    groups = [(plan, [command(f"load{row}"), command(f"gate{row}")]) for row in (1, 2)]
    measured = best_of_groups(groups, repeat=2)
    assert log.read_text().split() == ["load1", "gate1", "load2", "gate2"] * 2
    assert len(measured) == 2
    assert all(m.returncode == 0 and m.seconds > 0 for pair in measured for m in pair)
