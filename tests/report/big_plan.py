"""A large Terraform plan built in code: one VPC replaced and N subnets and buckets deleted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.builders import tf_change


def _entry(address: str, rtype: str, name: str, index: str | None, action: str) -> dict[str, Any]:
    values = {"name": f"{name}-{index}", "tags": {"Name": f"{name} | `{index}` <x>"}}
    if action == "replace":
        return tf_change(
            address,
            rtype,
            ["delete", "create"],
            name=name,
            index=index,
            before=values,
            after=values,
            action_reason="replace_because_cannot_update",
        )
    return tf_change(address, rtype, ["delete"], name=name, index=index, before=values)


def write_big_plan(path: Path, changes: int) -> Path:
    """`changes` entries: `aws_vpc.main` replaced, the rest deletes that depend on it."""
    changes_list = [_entry("aws_vpc.main", "aws_vpc", "main", None, "replace")]
    state = [
        {
            "address": "aws_vpc.main",
            "mode": "managed",
            "type": "aws_vpc",
            "name": "main",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "values": {},
            "sensitive_values": {},
        }
    ]
    for i in range(changes - 1):
        rtype, name = ("aws_subnet", "s") if i % 2 else ("aws_s3_bucket", "b")
        key = f"k{i:05d}|`<b>"
        address = f"{rtype}.{name}[{json.dumps(key)}]"
        changes_list.append(_entry(address, rtype, name, key, "delete"))
        state.append(
            {
                "address": address,
                "mode": "managed",
                "type": rtype,
                "name": name,
                "index": key,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "values": {},
                "sensitive_values": {},
                "depends_on": ["aws_vpc.main"],
            }
        )
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "resource_changes": sorted(changes_list, key=lambda e: e["address"]),
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": state}}},
    }
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path
