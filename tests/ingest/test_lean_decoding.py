"""Ingest stage, lean decoding: shared objects, one-entry-at-a-time decoding, exact shape errors."""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
import pytest

from planrisk.errors import PlanFormatError
from planrisk.ingest import parse_plan
from planrisk.ingest.digest import PlanDigest
from planrisk.ingest.sharing import Sharer
from planrisk.ingest.terraform_decode import TfResourceChange, decode_section
from planrisk.model import EMPTY_RAW
from tests.support.paths import FIXTURES

FIXTURE = FIXTURES / "terraform" / "nested-modules"
DOC: dict[str, Any] = json.loads((FIXTURE / "plan.json").read_bytes())


def parse(doc: dict[str, Any]) -> Any:
    return parse_plan(json.dumps(doc).encode(), "p.json")


def test_sharer_returns_the_first_equal_object() -> None:
    share = Sharer()
    first = "".join(["aws_", "instance"])
    second = "".join(["aws_in", "stance"])
    assert first is not second
    assert share.text(first) is first
    assert share.text(second) is first
    deps = share.texts(["a", "b"])
    assert deps == ("a", "b")
    assert share.texts(["a", "b"]) is deps
    assert share.texts([]) == ()
    null = msgspec.json.decode(b"[null]", type=list[msgspec.Raw])[0]
    assert share.raw(null) is null
    assert share.raw(msgspec.Raw(b"null")) is null
    big = msgspec.Raw(b'{"a": 1}')
    assert share.raw(big) is big


def test_changes_and_resources_share_strings_and_tuples() -> None:
    doc = copy.deepcopy(DOC)
    plan = parse(doc)
    changed = {c.address: c for c in plan.changes}
    shared = [r for r in plan.resources if r.address in changed]
    assert shared
    for resource in shared:
        change = changed[resource.address]
        assert resource.address is change.address
        assert resource.type is change.type
        assert resource.provider is change.provider
    providers = {id(c.provider) for c in plan.changes if c.provider == plan.changes[0].provider}
    assert len(providers) == 1
    deps: dict[tuple[str, ...], set[int]] = {}
    for resource in plan.resources:
        deps.setdefault(resource.depends_on, set()).add(id(resource.depends_on))
    assert all(len(ids) == 1 for ids in deps.values())


def test_shared_values_keep_their_content() -> None:
    plan = parse(DOC)
    created = [c for c in plan.changes if bytes(c.before) == b"null"]
    assert created
    assert all(c.before == EMPTY_RAW for c in created)
    expected = {
        rc["address"]: msgspec.json.encode(rc["change"]["after"]) for rc in DOC["resource_changes"]
    }
    for change in plan.changes:
        assert msgspec.json.format(bytes(change.after), indent=-1) == expected[change.address]


def error_of(doc: dict[str, Any]) -> str:
    with pytest.raises(PlanFormatError) as info:
        parse(doc)
    return str(info.value)


def whole_section_error(doc: dict[str, Any], key: str, type_: Any) -> str:
    head = msgspec.json.decode(json.dumps(doc).encode(), type=dict[str, msgspec.Raw])
    with pytest.raises(PlanFormatError) as info:
        decode_section(head, key, type_, "p.json")
    return str(info.value)


def test_resource_change_shape_error_names_the_entry() -> None:
    doc = copy.deepcopy(DOC)
    doc["resource_changes"][2]["change"]["actions"] = [7]
    message = error_of(doc)
    assert "at `resource_changes[2].change.actions[0]`" in message
    assert message == whole_section_error(doc, "resource_changes", list[TfResourceChange] | None)


def test_resource_change_that_is_not_an_object() -> None:
    doc = copy.deepcopy(DOC)
    doc["resource_changes"][1] = "x"
    assert "at `resource_changes[1]`" in error_of(doc)


@pytest.mark.parametrize(
    ("key", "path"),
    [("planned_values", ["root_module"]), ("prior_state", ["values", "root_module"])],
)
def test_state_resource_shape_error_names_the_resource(key: str, path: list[str]) -> None:
    doc = copy.deepcopy(DOC)
    module = doc[key]
    where = ".".join([key, *path])
    for step in path:
        module = module[step]
    while not module.get("resources"):
        module = module["child_modules"][0]
        where += ".child_modules[0]"
    module["resources"][0]["depends_on"] = 3
    message = error_of(doc)
    # The path a decode of the whole section names, without decoding the section again.
    assert message == (
        f"not a valid plan: Expected `array`, got `int` - at `{where}.resources[0].depends_on`"
    )


def test_shape_error_in_drift_wins_over_unknown_actions() -> None:
    doc = copy.deepcopy(DOC)
    doc["resource_changes"][0]["change"]["actions"] = ["explode"]
    assert "unknown actions" in error_of(doc)
    doc["resource_drift"] = [{"change": {"actions": 5}}]
    assert "at `resource_drift[0].change.actions`" in error_of(doc)


def test_batched_digest_parts_hash_like_single_parts() -> None:
    parts: list[bytes | str] = ["aws_instance.a", "", "delete", b'{"a":1}', b"", "é"]
    one = PlanDigest("terraform")
    for part in parts:
        one.add(part)
    batched = PlanDigest("terraform")
    batched.add_parts(parts[:2])
    batched.add_parts(parts[2:])
    batched.add_parts([])
    assert batched.result() == one.result()
    other = PlanDigest("terraform")
    other.add_parts(["aws_instance.a", "d", "elete"])
    assert other.result() != one.result()


def test_masks_are_shared_by_content_and_large_ones_kept() -> None:
    share = Sharer()
    masks = msgspec.json.decode(b'[{"tags": {}}, {"tags": {}}]', type=list[msgspec.Raw])
    assert share.mask(masks[0]) is masks[0]
    assert share.mask(masks[1]) is masks[0]
    large = msgspec.Raw(b'{"a": "' + b"x" * 600 + b'"}')
    assert share.mask(large) is large
    plan = parse(DOC)
    by_content: dict[bytes, set[int]] = {}
    for change in plan.changes:
        by_content.setdefault(bytes(change.after_unknown), set()).add(id(change.after_unknown))
    assert all(len(ids) == 1 for ids in by_content.values())
