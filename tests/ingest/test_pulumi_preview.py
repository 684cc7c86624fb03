"""`pulumi preview --json` digest → Plan (ingest stage): fixtures and hand-built digests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from planrisk.errors import PlanFormatError
from planrisk.ingest import parse_plan
from planrisk.ingest.buffer import PlanBuffer
from planrisk.ingest.pulumi import (
    parse_pulumi_preview,
    parse_pulumi_preview_members,
    parse_whole_preview,
)
from planrisk.ingest.reader import prepare
from planrisk.ingest.sniff import looks_like_preview, sniff
from planrisk.model import Action, Link, Mode, Plan, ReplaceOrder, Tool
from planrisk.values import decode
from tests.support import paths

FIXTURES = paths.FIXTURES / "pulumi"
STACK = "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev"
PROVIDER = "urn:pulumi:dev::shop::pulumi:providers:aws::default_6_0_0"
BUCKET = "urn:pulumi:dev::shop::aws:s3/bucketV2:BucketV2::assets"


def load(name: str) -> Plan:
    path = FIXTURES / name
    return parse_pulumi_preview(prepare(path.read_bytes(), str(path)), str(path))


def state(urn: str, inputs: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"urn": urn, "custom": True, "type": urn.split("::")[2], "inputs": inputs or {}, **extra}


def digest_of(steps: list[Any], **top: Any) -> bytes:
    return json.dumps({"steps": steps, **top}, indent=4).encode()


def parse(steps: list[Any], **top: Any) -> Plan:
    return parse_pulumi_preview(digest_of(steps, **top), "preview.json")


def only_change(plan: Plan) -> Any:
    assert len(plan.changes) == 1, plan.changes
    return plan.changes[0]


def test_retain_on_delete_fixture() -> None:
    plan = load("retain-on-delete/preview.json")
    assert (plan.tool, plan.format_version, plan.errored) == (Tool.PULUMI, "preview", False)
    change = only_change(plan)
    assert change.action is Action.DELETE and change.type == "aws:rds/instance:Instance"
    assert change.name == "billing-db" and change.address.endswith("::billing-db")
    assert change.pulumi is not None
    assert change.pulumi.retain_on_delete and not change.pulumi.protect_before
    assert (change.pulumi.stack, change.pulumi.project) == ("prod", "billing")
    assert change.provider == "urn:pulumi:prod::billing::pulumi:providers:aws::default_6_66_2"
    assert decode(change.before)["password"] == "[secret]"
    assert decode(change.before_sensitive) == {"password": True}
    assert decode(change.after) is None
    assert plan.pulumi_config["billing:dbPassword"] == "[secret]"
    assert plan.pulumi_config["aws:region"] == "eu-west-1"


def test_retain_on_delete_fixture_resources_and_links() -> None:
    plan = load("retain-on-delete/preview.json")
    by_name = {r.name: r for r in plan.resources}
    assert by_name["billing-prod"].mode is Mode.COMPONENT
    db = by_name["billing-db"]
    subnets = "urn:pulumi:prod::billing::aws:rds/subnetGroup:SubnetGroup::billing-db-subnets"
    assert Link(subnets, "depends_on") in db.links
    assert Link(subnets, "property", "dbSubnetGroupName") in db.links
    assert Link("urn:pulumi:prod::billing::pulumi:pulumi:Stack::billing-prod", "parent") in db.links
    assert {link.kind for link in db.links} == {"depends_on", "property", "parent", "provider"}
    assert decode(db.sensitive_values) == {"password": True}


def test_protected_delete_fixture_is_errored_and_protected() -> None:
    plan = load("protected-delete/preview.json")
    change = only_change(plan)
    assert change.action is Action.DELETE
    assert change.pulumi is not None and change.pulumi.protect_before
    assert plan.errored


OPS = [
    ("same", Action.NOOP),
    ("refresh", Action.NOOP),
    ("create", Action.CREATE),
    ("update", Action.UPDATE),
    ("delete", Action.DELETE),
    ("replace", Action.REPLACE),
    ("create-replacement", Action.REPLACE),
    ("delete-replaced", Action.REPLACE),
    ("read", Action.READ),
    ("read-replacement", Action.READ),
    ("import", Action.IMPORT),
    ("import-replacement", Action.IMPORT),
    ("discard", Action.FORGET),
    ("discard-replaced", Action.FORGET),
]


@pytest.mark.parametrize(("op", "action"), OPS)
def test_op_maps_to_action(op: str, action: Action) -> None:
    step = {"op": op, "urn": BUCKET, "oldState": state(BUCKET), "newState": state(BUCKET)}
    change = only_change(parse([step]))
    assert change.action is action
    assert change.raw_actions == (op,)
    assert change.importing is (op in ("import", "import-replacement"))


@pytest.mark.parametrize("op", ["remove-pending-replace", "extend-parameterize", "diff"])
def test_internal_ops_are_skipped(op: str) -> None:
    plan = parse([{"op": op, "urn": BUCKET, "newState": state(BUCKET)}])
    assert plan.changes == () and plan.resources == ()


def test_replacement_steps_merge_into_one_create_before_delete_replace() -> None:
    old, new = state(BUCKET, {"bucket": "a"}), state(BUCKET, {"bucket": "b"})
    steps = [
        {"op": op, "urn": BUCKET, "oldState": old, "newState": new, "replaceReasons": ["bucket"]}
        for op in ("create-replacement", "replace", "delete-replaced")
    ]
    change = only_change(parse(steps))
    assert change.action is Action.REPLACE
    assert change.replace_order is ReplaceOrder.CREATE_BEFORE_DELETE
    assert change.raw_actions == ("create-replacement", "replace", "delete-replaced")
    assert change.pulumi is not None and change.pulumi.ops == change.raw_actions
    assert change.replace_paths == (("bucket",),)
    assert change.is_destructive


def test_delete_replaced_first_means_delete_before_create() -> None:
    old, new = state(BUCKET), state(BUCKET, {"bucket": "b"})
    steps = [
        {"op": op, "urn": BUCKET, "oldState": old, "newState": new}
        for op in ("delete-replaced", "replace", "create-replacement")
    ]
    change = only_change(parse(steps))
    assert change.replace_order is ReplaceOrder.DELETE_BEFORE_CREATE
    assert change.pulumi is not None and change.pulumi.delete_before_replace


def test_step_flag_means_delete_before_create() -> None:
    step = {"op": "replace", "urn": BUCKET, "oldState": state(BUCKET), "newState": state(BUCKET)}
    change = only_change(parse([{**step, "deleteBeforeReplace": True}]))
    assert change.replace_order is ReplaceOrder.DELETE_BEFORE_CREATE


def test_import_replacement_discards_the_old_state_entry() -> None:
    steps = [
        {"op": op, "urn": BUCKET, "oldState": state(BUCKET), "newState": state(BUCKET)}
        for op in ("import-replacement", "replace", "discard-replaced")
    ]
    change = only_change(parse(steps))
    assert change.action is Action.IMPORT and change.importing and not change.is_destructive


def test_stack_and_default_provider_are_nodes_not_changes_unless_they_change() -> None:
    stack = {"urn": STACK, "custom": False, "type": "pulumi:pulumi:Stack"}
    provider = state(PROVIDER)
    steps = [
        {"op": "same", "urn": STACK, "oldState": stack, "newState": stack},
        {"op": "create", "urn": PROVIDER, "newState": provider},
        {"op": "create", "urn": BUCKET, "newState": state(BUCKET)},
    ]
    plan = parse(steps)
    assert [c.address for c in plan.changes] == [BUCKET]
    assert {r.address for r in plan.resources} == {STACK, PROVIDER, BUCKET}
    replaced = parse(
        [{"op": "replace", "urn": PROVIDER, "oldState": provider, "newState": provider}]
    )
    assert only_change(replaced).action is Action.REPLACE
    created = parse([{"op": "create", "urn": STACK, "newState": stack}])
    assert only_change(created).mode is Mode.COMPONENT


def test_component_resources_have_component_mode() -> None:
    urn = "urn:pulumi:dev::shop::my:web:Site::site"
    step = {"op": "create", "urn": urn, "newState": {**state(urn), "custom": False}}
    assert only_change(parse([step])).mode is Mode.COMPONENT


def test_unknowns_are_removed_from_after_and_marked() -> None:
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    new = state(BUCKET, {"bucket": unknown, "tags": {"a": "b"}})
    step = {"op": "create", "urn": BUCKET, "newState": new, "provider": f"{PROVIDER}::{unknown}"}
    change = only_change(parse([step]))
    assert decode(change.after) == {"tags": {"a": "b"}}
    assert decode(change.after_unknown) == {"bucket": True}
    assert change.provider == PROVIDER
    assert unknown.encode() not in bytes(change.after)


def test_digest_ignores_layout_but_not_values() -> None:
    step = {
        "op": "update",
        "urn": BUCKET,
        "oldState": state(BUCKET, {"a": 1}),
        "newState": state(BUCKET, {"a": 2}),
    }
    pretty = digest_of([step])
    compact = json.dumps({"steps": [step]}, separators=(",", ":")).encode()
    first = parse_pulumi_preview(pretty, "p").digest
    assert first == parse_pulumi_preview(compact, "c").digest
    assert first.startswith("sha256:") and len(first) == 71
    changed = {**step, "newState": state(BUCKET, {"a": 3})}
    assert parse([changed]).digest != first


def test_wrapper_tail_after_the_digest_is_ignored() -> None:
    step = {"op": "create", "urn": BUCKET, "newState": state(BUCKET)}
    data = digest_of([step]) + b'\n::debug::exit code 0\n{"not": "ours"}\n'
    assert only_change(parse_pulumi_preview(data, "p")).action is Action.CREATE


def test_output_is_deterministic() -> None:
    data = (FIXTURES / "retain-on-delete/preview.json").read_bytes()
    first = msgspec.json.encode(parse_pulumi_preview(data, "x"))
    assert first == msgspec.json.encode(parse_pulumi_preview(data, "x"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"steps": {"op": "create"}}', "`steps` is dict, expected a list"),
        (b'[{"steps": []}]', "is list"),
        (b'{"steps": [42]}', "steps[0] is int"),
        (b'{"steps": [{"op": "create", "urn": "bucket"}]}', "steps[0] has no Pulumi URN"),
        (b'{"steps": [', "not valid JSON"),
    ],
)
def test_malformed_previews_raise_plan_format_error(data: bytes, message: str) -> None:
    with pytest.raises(PlanFormatError) as caught:
        parse_pulumi_preview(data, "broken.json")
    assert message in caught.value.message
    assert caught.value.source == "broken.json"
    assert caught.value.hint and "pulumi preview --json" in caught.value.hint


def _split_and_parse(data: bytes) -> Plan:
    """The path `load_plan` takes: members split by the sniff, steps decoded typed."""
    return parse_pulumi_preview_members(sniff(PlanBuffer(data, "p")).head, "p")


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*/*.json")), ids=lambda p: p.parent.name)
def test_typed_and_generic_decoding_give_the_same_plan(path: Path) -> None:
    data = path.read_bytes()
    assert _split_and_parse(data) == parse_pulumi_preview(prepare(data, "p"), "p")


def test_a_state_with_only_outputs_is_a_state_on_every_decoding_path() -> None:
    """An `outputs`-only new state (no inputs) is still the resource's current state: its
    inputs are empty, whether steps are decoded typed, one at a time, or generically."""
    steps = [
        {
            "op": "update",
            "urn": BUCKET,
            "oldState": state(BUCKET, {"a": 1}, dependencies=[STACK]),
            "newState": {"outputs": {"arn": "x"}},
        }
    ]
    odd = [*steps, {"op": "create", "urn": STACK, "newState": "not a state"}]
    for plan in (
        _split_and_parse(digest_of(steps)),
        _split_and_parse(digest_of(odd)),
        parse(steps),
        parse(odd),
    ):
        bucket = next(r for r in plan.resources if r.address == BUCKET)
        assert decode(bucket.values) == {}
        assert bucket.links == ()
        assert decode(only_changes(plan, BUCKET).before) == {"a": 1}


def only_changes(plan: Plan, address: str) -> Any:
    return next(c for c in plan.changes if c.address == address)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*/*.json")), ids=lambda p: p.parent.name)
def test_a_digest_decoded_whole_gives_the_plan_of_its_split_members(path: Path) -> None:
    data = path.read_bytes()
    assert looks_like_preview(data)
    whole = parse_whole_preview(data, "p")
    assert whole is not None
    assert whole == _split_and_parse(data)
    assert parse_plan(data, "p") == whole


def test_digests_of_another_shape_take_the_general_path() -> None:
    step = {"op": "create", "urn": BUCKET, "newState": state(BUCKET)}
    tail = digest_of([step]) + b"\n::debug::exit code 0\n"
    assert parse_whole_preview(tail, "p") is None  # a wrapper's tail: not one document
    assert only_change(parse_plan(tail, "p")).action is Action.CREATE
    odd = digest_of([step, 42])
    assert parse_whole_preview(odd, "p") is None  # a step that is not an object
    with pytest.raises(PlanFormatError, match=r"steps\[1\] is int"):
        parse_plan(odd, "p")
    events = digest_of([step], summaryEvent={"resourceChanges": {}})
    assert parse_whole_preview(events, "p") is None  # an event key: not a digest
    assert parse_plan(events, "p").format_version == "events"


def test_a_damaged_digest_names_the_byte_where_it_breaks() -> None:
    data = digest_of([{"op": "create", "urn": BUCKET, "newState": state(BUCKET)}])
    broken = data.replace(b'"op"', b'"op" "', 1)
    assert looks_like_preview(broken) and parse_whole_preview(broken, "p") is None
    with pytest.raises(PlanFormatError, match="truncated or invalid JSON at byte offset"):
        parse_plan(broken, "broken.json")


ROLE = "urn:pulumi:dev::shop::aws:iam/role:Role::app"
QUEUE = "urn:pulumi:dev::shop::aws:sqs/queue:Queue::events"
VPC = "urn:pulumi:dev::shop::aws:ec2/vpc:Vpc::main"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (  # the usual state: a list of URNs (repeated), a parent URN, property dependencies
            {
                "dependencies": [ROLE, QUEUE, ROLE],
                "parent": STACK,
                "propertyDependencies": {"policy": [QUEUE], "role": [ROLE]},
            },
            [  # each kind ordered by target (then detail)
                Link(ROLE, "depends_on"),
                Link(QUEUE, "depends_on"),
                Link(STACK, "parent"),
                Link(ROLE, "property", "role"),
                Link(QUEUE, "property", "policy"),
            ],
        ),
        (  # deletedWith and replaceWith are dependencies too, merged with the list
            {"dependencies": [ROLE], "deletedWith": VPC, "replaceWith": [QUEUE, ROLE]},
            [Link(VPC, "depends_on"), Link(ROLE, "depends_on"), Link(QUEUE, "depends_on")],
        ),
        (  # what is not a URN string is skipped, wherever it is
            {"dependencies": [ROLE, "", 7, None, {"urn": QUEUE}], "parent": ""},
            [Link(ROLE, "depends_on")],
        ),
        (  # a single URN where a list is usual, and a list where a URN is usual
            {"dependencies": QUEUE, "parent": [STACK, "", STACK]},
            [Link(QUEUE, "depends_on"), Link(STACK, "parent")],
        ),
        ({"dependencies": "", "deletedWith": "", "parent": None}, []),
    ],
    ids=["usual", "deleted-and-replaced-with", "not-urns", "odd-shapes", "empty"],
)
def test_links_of_a_state(extra: dict[str, Any], expected: list[Link]) -> None:
    steps = [{"op": "delete", "urn": BUCKET, "oldState": state(BUCKET, {"a": 1}, **extra)}]
    whole = parse_whole_preview(digest_of(steps), "p")
    assert whole is not None
    for plan in (whole, _split_and_parse(digest_of(steps)), parse(steps)):
        bucket = next(r for r in plan.resources if r.address == BUCKET)
        assert bucket.links == tuple(expected)
