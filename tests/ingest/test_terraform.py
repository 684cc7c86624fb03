"""Ingest stage, Terraform/OpenTofu reader: planrisk's own fixtures → Plan facts."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from planrisk.errors import PlanFormatError
from planrisk.ingest import load_plan, parse_plan
from planrisk.model import Action, Mode, Plan, ReplaceOrder, ResourceChange, Tool
from planrisk.values import decode
from tests.support import paths

FIXTURES = paths.FIXTURES / "terraform"


def fixture(name: str) -> Path:
    return FIXTURES / name / "plan.json"


def by_address(plan: Plan, address: str) -> list[ResourceChange]:
    return [c for c in plan.changes if c.address == address]


def test_nested_modules_changes_and_resources() -> None:
    plan = load_plan(fixture("nested-modules"))
    assert plan.tool is Tool.TERRAFORM
    assert plan.tool_version == "1.9.8"
    assert plan.format_version == "1.2"
    counts = plan.counts()
    assert (counts["create"], counts["update"], counts["delete"], counts["replace"]) == (1, 1, 1, 1)
    (db,) = by_address(plan, "module.db.aws_db_instance.main")
    assert db.action is Action.REPLACE
    assert db.replace_order is ReplaceOrder.DELETE_BEFORE_CREATE
    assert db.replace_paths == (("identifier",),)
    assert db.module == "module.db"
    assert db.action_reason == "replace_because_cannot_update"
    assert isinstance(db.before, msgspec.Raw)
    assert decode(db.before_sensitive) == {"password": True}
    (subnet,) = by_address(plan, "module.vpc.aws_subnet.private[2]")
    assert (subnet.action, subnet.index, subnet.module) == (Action.DELETE, 2, "module.vpc")
    addresses = [c.address for c in plan.changes]
    assert addresses == sorted(addresses)
    resources = {r.address: r for r in plan.resources}
    assert len(resources) == 9  # the deleted subnet is known from prior_state only
    main = resources["module.db.aws_db_instance.main"]
    assert main.depends_on == (
        "module.db.aws_db_subnet_group.this",
        "module.db.aws_security_group.db",
        "module.vpc.aws_subnet.private",
        "module.vpc.aws_vpc.this",
    )
    # planned_values wins for values: the new identifier.
    assert decode(main.values)["identifier"] == "shop-prod-v2"
    assert (
        decode(resources["module.vpc.aws_subnet.private[2]"].values)["cidr_block"]
        == "10.20.32.0/20"
    )
    assert resources["aws_cloudwatch_metric_alarm.db_cpu"].depends_on == ()
    assert plan.variables["db_password"].sensitive is True
    assert plan.variables["environment"].sensitive is False
    assert plan.configuration is not None
    db_call = plan.configuration.root_module.module_calls["db"]
    assert db_call.module is not None
    assert db_call.expressions["vpc_id"]["references"] == ["module.vpc.vpc_id", "module.vpc"]
    assert [o.name for o in plan.output_changes] == ["db_endpoint"]
    assert plan.complete is True and plan.errored is False


def test_deposed_objects() -> None:
    plan = load_plan(fixture("deposed-object"))
    changes = by_address(plan, "aws_instance.web")
    assert [(c.deposed, c.action) for c in changes] == [
        (None, Action.NOOP),
        ("3f2b8c1a", Action.DELETE),
        ("9e0d7c6b", Action.DELETE),
    ]
    # Deposed objects are changes, not separate resource instances.
    assert [r.address for r in plan.resources] == ["aws_instance.web"]


def test_forget_actions() -> None:
    plan = load_plan(fixture("forget"))
    (role,) = by_address(plan, "aws_iam_role.app")
    assert role.action is Action.REPLACE and role.forgets_old
    assert role.replace_order is ReplaceOrder.CREATE_BEFORE_DELETE
    assert not role.is_destructive
    (bucket,) = by_address(plan, "aws_s3_bucket.audit")
    assert bucket.action is Action.FORGET
    assert bucket.raw_actions == ("forget",)


def test_opentofu_forget_create_and_detection() -> None:
    plan = load_plan(fixture("opentofu-forget-create"))
    assert plan.tool is Tool.OPENTOFU
    (role,) = plan.changes
    assert role.action is Action.REPLACE and role.forgets_old
    assert role.replace_order is ReplaceOrder.DELETE_BEFORE_CREATE


def test_deferred_changes_are_included() -> None:
    plan = load_plan(fixture("deferred-changes"))
    assert plan.complete is False
    deferred = {c.address: c for c in plan.changes if c.deferred_reason}
    assert deferred["aws_instance.worker[*]"].deferred_reason == "instance_count_unknown"
    assert deferred["aws_instance.worker[*]"].index == "*"
    ns = deferred["module.k8s.kubernetes_namespace.jobs"]
    assert (ns.action, ns.deferred_reason, ns.module) == (
        Action.DELETE,
        "provider_config_unknown",
        "module.k8s",
    )
    assert len(plan.changes) == 3


def test_deep_modules_keep_keys_at_every_level() -> None:
    plan = load_plan(fixture("deep-modules"))
    change = next(c for c in plan.changes if '["pool.a"]' in c.address and c.index == 1)
    assert change.module.startswith('module.region["')
    assert ".module.cluster[" in change.module
    assert change.module.endswith('.module.nodes["pool.a"]')
    assert change.address == f"{change.module}.aws_instance.node[1]"
    resources = {r.address: r for r in plan.resources}
    assert len(resources) == 16
    for resource in resources.values():
        assert resource.address.startswith(resource.module + ".")
        assert resource.depends_on == ("module.region.module.cluster.aws_eks_cluster.this",)
    deleted = [c for c in plan.changes if c.action is Action.DELETE]
    assert len(deleted) == 4
    assert all('us-east-1"].module.cluster[1]' in c.address for c in deleted)


def test_special_characters_in_keys() -> None:
    plan = load_plan(fixture("special-keys"))
    keys = {c.index for c in plan.changes}
    assert {"logs.example.com", 'o\'brien "the" [admin]', "a]b", "${not.interpolated}"} <= keys
    assert "back\\slash" in keys and "tab\there" in keys and "ünïcødé key" in keys
    for change in plan.changes:
        assert change.module == 'module.team["platform.core"]'
        assert (change.type, change.name) == ("aws_s3_bucket", "b")


def test_keys_recovered_from_address_when_fields_missing() -> None:
    doc = json.loads(fixture("special-keys").read_text())
    for entry in doc["resource_changes"]:
        del entry["index"], entry["module_address"], entry["type"], entry["name"]
    plan = parse_plan(json.dumps(doc).encode(), "trimmed.json")
    original = load_plan(fixture("special-keys"))
    assert [(c.module, c.index, c.type, c.name) for c in plan.changes] == [
        (c.module, c.index, c.type, c.name) for c in original.changes
    ]


def test_moved_blocks() -> None:
    plan = load_plan(fixture("moved-block"))
    (api,) = by_address(plan, "aws_instance.api")
    assert api.previous_address == "aws_instance.web" and api.action is Action.NOOP
    (bucket,) = by_address(plan, "module.assets.aws_s3_bucket.this")
    assert bucket.previous_address == "aws_s3_bucket.assets"
    assert bucket.action is Action.UPDATE


def test_plan_without_format_version_is_accepted() -> None:
    plan = load_plan(fixture("no-format-version"))
    assert plan.format_version == ""
    assert plan.configuration is None
    assert [c.action for c in plan.changes] == [Action.DELETE, Action.CREATE]


def test_hcp_redacted_plan() -> None:
    plan = load_plan(fixture("hcp-redacted"))
    assert plan.redacted is True
    assert plan.format_version == "1.1"
    assert plan.configuration is None
    assert plan.resources == ()
    assert plan.output_changes[0].sensitive is True
    (password,) = by_address(plan, "random_password.db")
    assert password.action is Action.REPLACE
    assert decode(password.after_sensitive) == {"result": True}


def test_drift_without_address_builds_it_from_parts() -> None:
    doc = {
        "format_version": "0.2",
        "terraform_version": "0.15.5",
        "resource_changes": [],
        "resource_drift": [
            {
                "module_address": 'module.m["a.b"]',
                "mode": "data",
                "type": "aws_ami",
                "name": "ubuntu",
                "index": 'k"1',
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {"actions": ["update"], "before": {"id": "a"}, "after": {"id": "b"}},
            }
        ],
    }
    plan = parse_plan(json.dumps(doc).encode(), "drift.json")
    (drift,) = plan.drift
    assert drift.address == 'module.m["a.b"].data.aws_ami.ubuntu["k\\"1"]'
    assert drift.drift and drift.mode is Mode.DATA and drift.index == 'k"1'
    assert plan.counts()["update"] == 0


@pytest.mark.parametrize(
    ("actions", "importing", "expected"),
    [
        (["no-op"], True, Action.IMPORT),
        (["update"], True, Action.IMPORT),
        (["delete", "create"], True, Action.REPLACE),
        (["read"], False, Action.READ),
        (["open"], False, Action.READ),
        (["create", "delete"], False, Action.REPLACE),
    ],
)
def test_action_normalization(actions: list[str], importing: bool, expected: Action) -> None:
    change: dict[str, object] = {"actions": actions, "before": None, "after": None}
    if importing:
        change["importing"] = {"id": "i-1"}
    doc = {
        "format_version": "1.2",
        "resource_changes": [
            {"address": "aws_instance.a", "type": "aws_instance", "name": "a", "change": change}
        ],
    }
    (result,) = parse_plan(json.dumps(doc).encode(), "p.json").changes
    assert result.action is expected
    assert result.importing is importing
    assert result.raw_actions == tuple(actions)


def test_unknown_actions_are_rejected() -> None:
    doc = {
        "format_version": "1.2",
        "resource_changes": [{"address": "aws_instance.a", "change": {"actions": ["explode"]}}],
    }
    with pytest.raises(PlanFormatError, match="unknown actions"):
        parse_plan(json.dumps(doc).encode(), "p.json")


@pytest.mark.parametrize("version", ["0.1", "0.2", "1.0", "1.2", "1.9"])
def test_supported_versions(version: str) -> None:
    doc = {"format_version": version, "resource_changes": []}
    assert parse_plan(json.dumps(doc).encode(), "p.json").format_version == version


@pytest.mark.parametrize("version", ["2.0", "10.1", "0.0", "latest"])
def test_unsupported_versions(version: str) -> None:
    doc = {"format_version": version, "resource_changes": []}
    with pytest.raises(PlanFormatError, match="format_version"):
        parse_plan(json.dumps(doc).encode(), "p.json")


def test_opentofu_detected_by_missing_applyable() -> None:
    doc = {"format_version": "1.2", "terraform_version": "1.9.0", "errored": False}
    doc["resource_changes"] = []
    assert parse_plan(json.dumps(doc).encode(), "p.json").tool is Tool.OPENTOFU
    doc.update(applyable=True, complete=True)
    assert parse_plan(json.dumps(doc).encode(), "p.json").tool is Tool.TERRAFORM


def test_errored_plan() -> None:
    doc = {"format_version": "1.2", "errored": True, "applyable": False, "complete": False}
    doc["configuration"] = {"root_module": {}}
    plan = parse_plan(json.dumps(doc).encode(), "p.json")
    assert plan.errored is True and plan.changes == ()


def test_output_sensitive_when_either_side_is() -> None:
    doc = {
        "format_version": "1.2",
        "output_changes": {
            "a": {"actions": ["update"], "before_sensitive": True, "after_sensitive": False},
            "b": {"actions": ["create"], "before_sensitive": False, "after_sensitive": False},
        },
    }
    outputs = parse_plan(json.dumps(doc).encode(), "p.json").output_changes
    assert [(o.name, o.action, o.sensitive) for o in outputs] == [
        ("a", Action.UPDATE, True),
        ("b", Action.CREATE, False),
    ]
