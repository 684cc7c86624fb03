"""Tests of planrisk.score.hints: replace causes, moved blocks, Pulumi aliases, HCL key quoting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import hcl2
import pytest

from planrisk.ingest import load_plan
from planrisk.ingest.addresses import hcl_quote, parse_address
from planrisk.model import Action, Mode, Plan, PulumiStep, ResourceChange, Tool
from planrisk.score.hints import change_hints, hint_key, inputs, moves, pairing
from planrisk.score.hints.hcl import instance_address, render_path
from planrisk.score.hints.pairing import Pairing, Side
from tests.support import builders
from tests.support.builders import make_plan
from tests.support.paths import FIXTURES


def change(
    address: str,
    action: Action,
    *,
    before: Any = None,
    after: Any = None,
    unknown: Any = None,
    before_sensitive: Any = None,
    after_sensitive: Any = None,
    **fields: Any,
) -> ResourceChange:
    """A ResourceChange whose type, name, module and index are read from its address."""
    parsed = parse_address(address)
    rtype, _, name = parsed.resource.name.partition(".")
    defaults: dict[str, Any] = {"name": name, "module": parsed.module, "index": parsed.resource.key}
    defaults.update(fields)
    return builders.change(
        address,
        defaults.pop("type", rtype),
        action,
        before=before,
        after=after,
        after_unknown=unknown if unknown is not None else ({} if after is not None else False),
        before_sensitive=before_sensitive if before_sensitive is not None else {},
        after_sensitive=after_sensitive if after_sensitive is not None else {},
        **defaults,
    )


def plan(*changes: ResourceChange, tool: Tool = Tool.TERRAFORM) -> Plan:
    ordered = sorted(changes, key=lambda c: (c.address, c.deposed or ""))
    return make_plan(*ordered, tool=tool, format_version="1.2")


P = ParamSpec("P")
R = TypeVar("R")

SUBNET = {
    "cidr_block": "10.0.1.0/24",
    "availability_zone": "eu-west-1a",
    "vpc_id": "vpc-1",
    "map_public_ip_on_launch": False,
    "tags": {"Tier": "private"},
}
STATE_ONLY = {"id": "subnet-1", "arn": "arn:aws:ec2:eu-west-1:1:subnet/subnet-1", "owner_id": "1"}


def moved(source: str, target: str) -> str:
    return f"moved {{\n  from = {source}\n  to   = {target}\n}}"


# --- causes --------------------------------------------------------------------------------

CAUSES = [
    (
        "replace_because_tainted",
        Action.REPLACE,
        'aws_instance.web["blue"]',
        Tool.TERRAFORM,
        [
            "tainted: the object was marked tainted (a failed create or `terraform taint`); "
            "`terraform untaint 'aws_instance.web[\"blue\"]'` if it is healthy"
        ],
    ),
    (
        "replace_because_tainted",
        Action.REPLACE,
        "aws_instance.web",
        Tool.OPENTOFU,
        [
            "tainted: the object was marked tainted (a failed create or `tofu taint`); "
            "`tofu untaint aws_instance.web` if it is healthy"
        ],
    ),
    (
        "replace_by_request",
        Action.REPLACE,
        "aws_instance.web",
        Tool.TERRAFORM,
        ["replaced by request (-replace=aws_instance.web)"],
    ),
    (
        "replace_by_triggers",
        Action.REPLACE,
        "aws_instance.web",
        Tool.TERRAFORM,
        ["replace_triggered_by: a referenced resource changed"],
    ),
    (
        "replace_because_cannot_update",
        Action.REPLACE,
        "aws_instance.web",
        Tool.TERRAFORM,
        ["the provider cannot update it in place"],
    ),
    (
        "delete_because_no_resource_config",
        Action.DELETE,
        "aws_instance.web",
        Tool.TERRAFORM,
        ["removed from configuration"],
    ),
    (
        "delete_because_no_module",
        Action.DELETE,
        "module.m.aws_instance.web",
        Tool.TERRAFORM,
        ["its module call was removed"],
    ),
    (
        "delete_because_wrong_repetition",
        Action.DELETE,
        "aws_instance.web[0]",
        Tool.TERRAFORM,
        ["count/for_each was added, removed or swapped, so this instance key no longer exists"],
    ),
    (
        "delete_because_count_index",
        Action.DELETE,
        "aws_instance.web[3]",
        Tool.TERRAFORM,
        ["count no longer includes index [3]"],
    ),
    (
        "delete_because_each_key",
        Action.DELETE,
        'aws_instance.web["a.b"]',
        Tool.TERRAFORM,
        ['for_each no longer includes key ["a.b"]'],
    ),
    (
        "delete_because_no_move_target",
        Action.DELETE,
        "aws_instance.web",
        Tool.TERRAFORM,
        ["a moved block moved it to an address that is not in the configuration"],
    ),
    (
        "delete_because_enabled_false",
        Action.DELETE,
        "aws_instance.web",
        Tool.OPENTOFU,
        ["lifecycle { enabled = false } in configuration"],
    ),
    ("read_because_config_unknown", Action.READ, "data.aws_ami.x", Tool.TERRAFORM, []),
    ("some_future_reason", Action.DELETE, "aws_instance.web", Tool.TERRAFORM, []),
]


@pytest.mark.parametrize(("reason", "action", "address", "tool", "expected"), CAUSES)
def test_action_reason_hints(
    reason: str, action: Action, address: str, tool: Tool, expected: list[str]
) -> None:
    mode = Mode.DATA if address.startswith("data.") else Mode.MANAGED
    target = change(address, action, action_reason=reason, mode=mode)
    assert change_hints(plan(target, tool=tool)).get(address, ()) == tuple(expected)


PATHS = [
    ([("cidr_block",)], None, "forced by cidr_block"),
    ([("subnet_id",), ("availability_zone",)], None, "forced by subnet_id, availability_zone"),
    ([("ingress", 0, "cidr_blocks")], None, "forced by ingress[0].cidr_blocks"),
    ([("tags", "a.b")], None, 'forced by tags["a.b"]'),
    ([("tags", "Name")], None, "forced by tags.Name"),
    # A key under a sensitive map is data: the path stops at the sensitive attribute.
    ([("labels", "customer-acme-secret")], {"labels": True}, "forced by labels"),
    ([("db", 0, "password")], {"db": [{"password": True}]}, "forced by db[0].password"),
    ([("cidr_block",), ("cidr_block",)], None, "forced by cidr_block"),
]


@pytest.mark.parametrize(("paths", "mask", "expected"), PATHS)
def test_replace_paths(paths: list[tuple[str | int, ...]], mask: Any, expected: str) -> None:
    target = change(
        "aws_x.y",
        Action.REPLACE,
        action_reason="replace_because_cannot_update",
        replace_paths=tuple(paths),
        after_sensitive=mask,
    )
    assert change_hints(plan(target))["aws_x.y"] == (expected,)


def test_pulumi_replace_reasons() -> None:
    urn = "urn:pulumi:prod::p::aws:ec2/subnet:Subnet::app"
    target = ResourceChange(
        address=urn,
        type="aws:ec2/subnet:Subnet",
        name="app",
        action=Action.REPLACE,
        replace_paths=(("cidrBlock",), ("tags", "Cost Center")),
    )
    hints = change_hints(plan(target, tool=Tool.PULUMI))
    assert hints == {urn: ('forced by cidrBlock, tags["Cost Center"]',)}


def test_deposed_object_key() -> None:
    target = change("aws_instance.web", Action.DELETE, before={"ami": "a"}, deposed="3f2b8c1a")
    current = change("aws_instance.web", Action.NOOP, before={"ami": "a"}, after={"ami": "a"})
    hints = change_hints(plan(target, current))
    assert hint_key(target) == "aws_instance.web (deposed 3f2b8c1a)"
    assert list(hints) == ["aws_instance.web (deposed 3f2b8c1a)"]
    assert hints[hint_key(target)][0].startswith("deposed object 3f2b8c1a: ")


# --- pairs of deletes and creates ----------------------------------------------------------

PAIRS = [
    (
        "count → for_each",
        [("aws_subnet.private[0]", SUBNET | STATE_ONLY)],
        [('aws_subnet.private["eu-west-1a"]', SUBNET)],
        {
            "aws_subnet.private[0]": "count → for_each: add\n"
            + moved("aws_subnet.private[0]", 'aws_subnet.private["eu-west-1a"]')
        },
    ),
    (
        "for_each → count",
        [('module.net["x"].aws_subnet.private["a"]', SUBNET | STATE_ONLY)],
        [('module.net["x"].aws_subnet.private[0]', SUBNET)],
        {
            'module.net["x"].aws_subnet.private["a"]': "for_each → count: add\n"
            + moved(
                'module.net["x"].aws_subnet.private["a"]', 'module.net["x"].aws_subnet.private[0]'
            )
        },
    ),
    (
        "rename across modules",
        [("aws_subnet.old", SUBNET | STATE_ONLY)],
        [("module.network.aws_subnet.new", SUBNET)],
        {
            "aws_subnet.old": "looks like a rename: add\n"
            + moved("aws_subnet.old", "module.network.aws_subnet.new")
        },
    ),
    (
        "near-identical: only tags differ",
        [("aws_subnet.old", SUBNET | STATE_ONLY)],
        [
            (
                "aws_subnet.new",
                SUBNET
                | {"tags": {"Tier": "private", "Name": "new"}}
                | {
                    "enable_dns64": False,
                    "ipv6_native": False,
                    "assign_ipv6": False,
                    "outpost_arn": None,
                    "customer_owned_ipv4_pool": None,
                    "map_customer_owned_ip": None,
                },
            )
        ],
        {
            "aws_subnet.old": "looks like a rename: add\n"
            + moved("aws_subnet.old", "aws_subnet.new")
        },
    ),
    (
        "identifying attribute differs",
        [("aws_subnet.old", SUBNET | STATE_ONLY)],
        [("aws_subnet.new", SUBNET | {"cidr_block": "10.0.2.0/24"})],
        {},
    ),
    (
        "different types never pair",
        [("aws_subnet.old", SUBNET | STATE_ONLY)],
        [("aws_default_subnet.new", SUBNET)],
        {},
    ),
    (
        "empty inputs never pair",
        [("null_resource.a", {"id": "1", "triggers": None})],
        [("null_resource.b", {"triggers": None})],
        {},
    ),
    (
        "mutually best of two",
        [
            ("aws_subnet.a[0]", SUBNET | STATE_ONLY),
            ("aws_subnet.a[1]", SUBNET | {"cidr_block": "10.0.2.0/24"} | STATE_ONLY),
        ],
        [
            ('aws_subnet.a["x"]', SUBNET | {"cidr_block": "10.0.2.0/24"}),
            ('aws_subnet.a["y"]', SUBNET),
        ],
        {
            "aws_subnet.a[0]": "count → for_each: add\n"
            + moved("aws_subnet.a[0]", 'aws_subnet.a["y"]'),
            "aws_subnet.a[1]": "count → for_each: add\n"
            + moved("aws_subnet.a[1]", 'aws_subnet.a["x"]'),
        },
    ),
]


@pytest.mark.parametrize(
    ("label", "deletes", "creates", "expected"), PAIRS, ids=[p[0] for p in PAIRS]
)
def test_pairs(
    label: str,
    deletes: list[tuple[str, dict[str, Any]]],
    creates: list[tuple[str, dict[str, Any]]],
    expected: dict[str, str],
) -> None:
    changes = [change(a, Action.DELETE, before=v) for a, v in deletes]
    changes += [
        change(
            a, Action.CREATE, after=v | {"id": None, "arn": None}, unknown={"id": True, "arn": True}
        )
        for a, v in creates
    ]
    hints = change_hints(plan(*changes))
    moves = {k: v[-1] for k, v in hints.items() if any(a == k for a, _ in deletes)}
    assert moves == expected, label
    for hint in expected.values():
        target = hint.rsplit("to   = ", 1)[1].removesuffix("\n}")
        assert hints[target] == (hint,), "the create carries the same hint"


def test_identical_inputs_to_several_creates_are_ambiguous() -> None:
    changes = [
        change("aws_subnet.old", Action.DELETE, before=SUBNET | STATE_ONLY),
        change("aws_subnet.b", Action.CREATE, after=SUBNET),
        change("aws_subnet.a", Action.CREATE, after=SUBNET),
    ]
    hints = change_hints(plan(*changes))
    assert hints == {
        "aws_subnet.old": (
            "may be a rename: its inputs match 2 new resources (aws_subnet.a, aws_subnet.b); "
            "add a moved block for the one that replaces it",
        )
    }


def test_one_create_matched_by_two_deletes_is_ambiguous_for_both() -> None:
    changes = [
        change("aws_subnet.old1", Action.DELETE, before=SUBNET | STATE_ONLY),
        change("aws_subnet.old2", Action.DELETE, before=SUBNET | STATE_ONLY),
        change("aws_subnet.new", Action.CREATE, after=SUBNET),
    ]
    hints = change_hints(plan(*changes))
    assert list(hints) == ["aws_subnet.old1", "aws_subnet.old2"]
    assert set(hints.values()) == {
        (
            "may be a rename to aws_subnet.new, but other deleted resources have the same "
            "inputs; add a moved block only for the one it replaces",
        )
    }


def test_unknown_and_sensitive_attributes_are_not_compared_or_shown() -> None:
    secret = "hunter2-do-not-print"
    before = SUBNET | STATE_ONLY | {"password": secret, "endpoint": "db.example:5432"}
    after = SUBNET | {"password": secret, "endpoint": None}
    changes = [
        change("aws_db.old", Action.DELETE, before=before, before_sensitive={"password": True}),
        change(
            "aws_db.new",
            Action.CREATE,
            after=after,
            unknown={"endpoint": True},
            after_sensitive={"password": True},
        ),
    ]
    hints = change_hints(plan(*changes))
    assert hints["aws_db.old"] == (
        "looks like a rename: add\n" + moved("aws_db.old", "aws_db.new"),
    )
    assert secret not in repr(hints)


def test_data_sources_and_imports_are_not_paired() -> None:
    changes = [
        change("aws_subnet.old", Action.DELETE, before=SUBNET | STATE_ONLY),
        change("aws_subnet.new", Action.CREATE, after=SUBNET, importing=True),
    ]
    assert change_hints(plan(*changes)) == {}


PULUMI_STACK = "urn:pulumi:prod::shop::"


def pulumi_change(
    qualified: str, name: str, action: Action, inputs: dict[str, Any]
) -> ResourceChange:
    return builders.change(
        f"{PULUMI_STACK}{qualified}::{name}",
        qualified.rsplit("$", 1)[-1],
        action,
        name=name,
        before=inputs if action is Action.DELETE else None,
        after=inputs if action is Action.CREATE else None,
        after_unknown={},
        pulumi=PulumiStep(ops=(action.value,), stack="prod", project="shop"),
    )


def test_pulumi_rename_gets_a_name_alias() -> None:
    bucket = "aws:s3/bucketV2:BucketV2"
    changes = [
        pulumi_change(bucket, "logs", Action.DELETE, {"bucket": "logs-3f9a1c2", "acl": "private"}),
        pulumi_change(
            bucket, "audit", Action.CREATE, {"bucket": "audit-8b7e6d1", "acl": "private"}
        ),
    ]
    hints = change_hints(plan(*changes, tool=Tool.PULUMI))
    expected = (
        'looks like a rename: add an alias to the new resource "audit"\n'
        'TypeScript: aliases: [{ name: "logs" }]\n'
        'Python: opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="logs")])'
    )
    assert hints == {changes[0].address: (expected,), changes[1].address: (expected,)}


def test_pulumi_reparent_gets_the_old_urn() -> None:
    role = "aws:iam/role:Role"
    old = pulumi_change(role, "app", Action.DELETE, {"path": "/", "maxSessionDuration": 3600})
    new = pulumi_change(
        f"my:x:Svc${role}", "app", Action.CREATE, {"path": "/", "maxSessionDuration": 3600}
    )
    hint = change_hints(plan(old, new, tool=Tool.PULUMI))[new.address][0]
    assert hint.splitlines()[1] == f'TypeScript: aliases: ["{old.address}"]'


# --- HCL quoting ---------------------------------------------------------------------------

KEYS = [
    "a.b",
    'say "hi"',
    "back\\slash",
    "${var.x}",
    "%{ if x }",
    "$${",
    "new\nline",
    "tab\there",
    "bell\x07",
    "ünïcødé ✓",
    "]",
    "a\u2028b",
    "",
]


@pytest.mark.parametrize("key", KEYS)
def test_hcl_quoting_round_trips(key: str) -> None:
    address = f"aws_x.y[{hcl_quote(key)}]"
    assert parse_address(address).resource.key == key
    target = change(address, Action.CREATE, index=key)
    assert instance_address(target) == address


def test_hcl_quoting_exact_forms() -> None:
    assert hcl_quote('a"b\\c${d}%{e}') == '"a\\"b\\\\c$${d}%%{e}"'
    assert hcl_quote("\x01") == '"\\u0001"'
    assert render_path(("rule", 0, "a b", "c")) == 'rule[0]["a b"].c'


def test_module_keys_are_requoted() -> None:
    target = change('module.m["a\\"b"].aws_x.y', Action.CREATE, module='module.m["a\\"b"]')
    assert instance_address(target) == 'module.m["a\\"b"].aws_x.y'


# --- fixtures ------------------------------------------------------------------------------


def fixture_hints(path: str) -> dict[str, tuple[str, ...]]:
    return change_hints(load_plan(FIXTURES / path))


def test_fixture_rename_without_moved() -> None:
    hints = fixture_hints("terraform/rename-without-moved/plan.json")
    bucket = "looks like a rename: add\n" + moved("aws_s3_bucket.logs", "aws_s3_bucket.audit_logs")
    role = "looks like a rename: add\n" + moved("aws_iam_role.app", "module.app.aws_iam_role.this")
    assert hints == {
        "aws_iam_role.app": ("removed from configuration", role),
        "aws_s3_bucket.audit_logs": (bucket,),
        "aws_s3_bucket.logs": ("removed from configuration", bucket),
        "aws_sns_topic.legacy_alerts": ("removed from configuration",),
        "module.app.aws_iam_role.this": (role,),
    }


def test_fixture_count_to_for_each() -> None:
    hints = fixture_hints("terraform/count-to-for-each/plan.json")
    module = 'module.dns["prod.example.com"]'
    record = f"{module}.aws_route53_record.this"
    expected = {
        "module.network.aws_subnet.private[0]": 'module.network.aws_subnet.private["eu-west-1a"]',
        "module.network.aws_subnet.private[1]": 'module.network.aws_subnet.private["eu-west-1b"]',
        "module.network.aws_subnet.private[2]": 'module.network.aws_subnet.private["eu-west-1c"]',
        f"{module}.aws_route53_record.this[0]": f'{record}["api.prod.example.com"]',
        f"{module}.aws_route53_record.this[1]": f'{record}["www.prod.example.com"]',
    }
    cause = "count/for_each was added, removed or swapped, so this instance key no longer exists"
    for source, target in expected.items():
        hint = "count → for_each: add\n" + moved(source, target)
        assert hints[source] == (cause, hint)
        assert hints[target] == (hint,)
        parsed = hcl2.loads(hint.split("\n", 1)[1] + "\n")
        assert parsed["moved"][0]["to"] == "${" + target + "}"
    assert len(hints) == 2 * len(expected)


def test_fixture_tainted_replace() -> None:
    assert fixture_hints("terraform/tainted-replace/plan.json") == {
        'aws_instance.web["blue"]': (
            "tainted: the object was marked tainted (a failed create or `terraform taint`); "
            "`terraform untaint 'aws_instance.web[\"blue\"]'` if it is healthy",
        )
    }


def test_fixture_replace_triggered_by() -> None:
    assert fixture_hints("terraform/replace-triggered-by/plan.json") == {
        "aws_instance.worker": ("replace_triggered_by: a referenced resource changed",)
    }


def test_fixture_forced_replace() -> None:
    hints = fixture_hints("terraform/forced-replace/plan.json")
    assert hints == {
        "aws_db_instance.orders": ("forced by storage_encrypted",),
        "aws_instance.bastion": ("replaced by request (-replace=aws_instance.bastion)",),
        "aws_subnet.app": ("forced by cidr_block, availability_zone",),
    }
    assert "Tr0ub4dor" not in repr(hints)


def test_fixture_pulumi_rename_without_alias() -> None:
    hints = fixture_hints("pulumi/rename-without-alias/preview.json")
    stack = "urn:pulumi:prod::acme-storage::"
    old_role = f"{stack}aws:iam/role:Role::app-role"
    bucket = (
        'looks like a rename: add an alias to the new resource "audit-logs"\n'
        'TypeScript: aliases: [{ name: "logs" }]\n'
        'Python: opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="logs")])'
    )
    role = (
        "looks like a move to another parent: add the old URN as an alias to the new resource "
        '"app-role"\n'
        f'TypeScript: aliases: ["{old_role}"]\n'
        f'Python: opts=pulumi.ResourceOptions(aliases=["{old_role}"])'
    )
    assert hints == {
        f"{stack}acme:app:Service$aws:iam/role:Role::app-role": (role,),
        f"{stack}aws:ec2/subnet:Subnet::app-subnet": ("forced by cidrBlock",),
        old_role: (role,),
        f"{stack}aws:s3/bucketV2:BucketV2::audit-logs": (bucket,),
        f"{stack}aws:s3/bucketV2:BucketV2::logs": (bucket,),
    }


# --- scale ---------------------------------------------------------------------------------


def counted(calls: Counter[str], key: str, function: Callable[P, R]) -> Callable[P, R]:
    """`function`, counting its calls in `calls[key]`."""

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        calls[key] += 1
        return function(*args, **kwargs)

    return wrapper


def pairs_counted(calls: Counter[str]) -> Callable[[list[Side], list[Side], Pairing], None]:
    """`pairing._near`, adding the deletes × creates it compares to `calls["compared"]`."""
    near = pairing._near

    def wrapper(deletes: list[Side], creates: list[Side], result: Pairing) -> None:
        calls["compared"] += len(deletes) * len(creates)
        near(deletes, creates, result)

    return wrapper


def test_twenty_thousand_changes_take_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast, counted rather than timed: each change's inputs are decoded once, and groups too
    large for `PAIR_BUDGET` are not compared pairwise (5000 × 5000 instance pairs otherwise)."""
    calls: Counter[str] = Counter()
    monkeypatch.setattr(moves, "side_inputs", counted(calls, "decoded", inputs.side_inputs))
    monkeypatch.setattr(pairing, "_near", pairs_counted(calls))
    changes: list[ResourceChange] = []
    for i in range(5000):
        values = SUBNET | {"cidr_block": f"10.{i // 256}.{i % 256}.0/24"}
        changes.append(
            change(
                f"module.m{i % 50}.aws_subnet.s[{i}]",
                Action.DELETE,
                before=values | STATE_ONLY,
                action_reason="delete_because_wrong_repetition",
            )
        )
        changes.append(
            change(f'module.m{i % 50}.aws_subnet.s["k{i}"]', Action.CREATE, after=values)
        )
        # Identical inputs everywhere: one large ambiguous-free exact group per module.
        changes.append(
            change(
                f"module.m{i % 50}.aws_instance.old{i}",
                Action.DELETE,
                before={"ami": "ami-1", "instance_type": f"t3.{i}", "id": "i"},
            )
        )
        changes.append(
            change(
                f"module.m{i % 50}.aws_instance.new{i}",
                Action.CREATE,
                after={"ami": "ami-2", "instance_type": f"t3.{i}"},
            )
        )
    big = plan(*changes)
    hints = change_hints(big)
    assert hints["module.m7.aws_subnet.s[7]"][1].endswith('to   = module.m7.aws_subnet.s["k7"]\n}')
    assert "module.m7.aws_instance.old7" not in hints
    assert calls["decoded"] == len(big.changes) == 20_000
    assert calls["compared"] == 0
