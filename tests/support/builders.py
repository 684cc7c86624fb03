"""Model objects and plan documents built by hand, independent of ingest.

`raw` encodes a Python value as the JSON a plan holds. `change` and `resource` take their name
from the address's last part; `make_plan` fills the header fields (format version, source,
digest) that a test does not read. `tf_change` and `tf_plan_json` write the Terraform
`show -json` text that the real CLI reads, with the masks Terraform writes for absent sides.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from planrisk.model import Action, Mode, Plan, ReplaceOrder, Resource, ResourceChange, Tool

PLACEHOLDER_DIGEST = "sha256:" + "0" * 64
"""The digest of a hand-built plan (no bytes were read)."""

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
"""The provider a hand-written Terraform change names."""


def raw(value: Any) -> msgspec.Raw:
    """`value` as JSON, the way a plan holds attribute values and masks."""
    return msgspec.Raw(msgspec.json.encode(value))


def tail(address: str) -> str:
    """The last dotted part of an address (`module.db.aws_db_instance.main` → `main`)."""
    return address.rsplit(".", 1)[-1]


def change(
    address: str,
    type_: str,
    action: Action,
    *,
    name: str | None = None,
    before: Any = None,
    after: Any = None,
    before_sensitive: Any = None,
    after_sensitive: Any = None,
    after_unknown: Any = None,
    replace_order: ReplaceOrder | None = None,
    **fields: Any,
) -> ResourceChange:
    """A change of `type_` at `address`, its values and masks given as Python values.

    A value or mask left out is JSON `null`, as in a change built from nothing. A replace
    without an order is delete-before-create, Terraform's default.
    """
    if action is Action.REPLACE and replace_order is None:
        replace_order = ReplaceOrder.DELETE_BEFORE_CREATE
    return ResourceChange(
        address=address,
        type=type_,
        name=tail(address) if name is None else name,
        action=action,
        replace_order=replace_order,
        before=raw(before),
        after=raw(after),
        before_sensitive=raw(before_sensitive),
        after_sensitive=raw(after_sensitive),
        after_unknown=raw(after_unknown),
        **fields,
    )


def resource(
    address: str, type_: str, *depends_on: str, mode: Mode = Mode.MANAGED, **fields: Any
) -> Resource:
    """A resource of `type_` at `address` that depends on `depends_on`."""
    return Resource(
        address=address, type=type_, name=tail(address), mode=mode, depends_on=depends_on, **fields
    )


def make_plan(
    *changes: ResourceChange,
    tool: Tool = Tool.TERRAFORM,
    source: str = "test",
    digest: str = PLACEHOLDER_DIGEST,
    **fields: Any,
) -> Plan:
    """A plan of `changes` in the order given (a Pulumi plan is a preview, others format 1.2)."""
    fields.setdefault("format_version", "preview" if tool is Tool.PULUMI else "1.2")
    return Plan(tool=tool, source=source, digest=digest, changes=changes, **fields)


def tf_change(
    address: str,
    type_: str,
    actions: list[str],
    *,
    name: str | None = None,
    before: Any = None,
    after: Any = None,
    after_unknown: Any = None,
    index: int | str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """One `resource_changes` entry of `terraform show -json`.

    A side that is absent (`None`) has the mask `false`, a present one `{}`, as Terraform
    writes them; `after_unknown` is `{}` unless given.
    """
    entry: dict[str, Any] = {"address": address, "mode": "managed", "type": type_}
    entry["name"] = tail(address).split("[", 1)[0] if name is None else name
    if index is not None:
        entry["index"] = index
    entry["provider_name"] = AWS_PROVIDER
    entry["change"] = {
        "actions": actions,
        "before": before,
        "after": after,
        "after_unknown": {} if after_unknown is None else after_unknown,
        "before_sensitive": False if before is None else {},
        "after_sensitive": False if after is None else {},
    }
    entry.update(fields)
    return entry


def tf_plan_json(*changes: dict[str, Any], **fields: Any) -> str:
    """The text of a Terraform plan (format 1.2) with `changes` and any other top-level keys."""
    return json.dumps({"format_version": "1.2", **fields, "resource_changes": list(changes)})
