"""Comparable inputs of one resource (score stage helper), for pairing deletes with creates.

Input: the `before` (for a delete) or `after` (for a create) side of a `ResourceChange`, with
its sensitivity and unknown masks.
Output: `{top-level attribute: canonical JSON bytes}`. Computed attributes (`id`, `arn`,
`tags_all`…), attributes unknown until apply, and Pulumi internals (`__defaults`, `__meta`) are
left out; an attribute holding any sensitive value becomes the `SENSITIVE` marker, so two
resources compare equal there without their secrets ever being compared or kept. Pulumi
auto-names (`<logical name>-<7 hex>`) become the `AUTONAME` marker, since a renamed Pulumi
resource always gets a new suffix. Empty values (`null`, `""`, `[]`, `{}`, `false`, `0`) are
all the same `EMPTY`.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from planrisk.model import ResourceChange, Tool
from planrisk.values import decode

Inputs = dict[str, bytes]

SENSITIVE = b"(sensitive)"
"""Stands for an attribute with a sensitive value (never the value itself)."""
AUTONAME = b"(autoname)"
"""Stands for a Pulumi auto-generated physical name."""
EMPTY = b"null"
"""Every empty value (`null`, `""`, `[]`, `{}`, `false`, `0`) compares as this: a provider
stores an unset optional attribute as `""` or `false` in state while the plan of a new object
has `null` there."""
_EMPTY_ENCODINGS = frozenset({b"null", b'""', b"[]", b"{}", b"false", b"0"})

PULUMI_UNKNOWN = b"04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""Pulumi's placeholder for a value known only after the update."""
PULUMI_SECRET = b'"[secret]"'
"""How a Pulumi preview digest blinds a secret."""

COMPUTED_KEYS = frozenset(
    {
        "id",
        "arn",
        "tags_all",
        "tagsAll",
        "urn",
        "owner_id",
        "ownerId",
        "unique_id",
        "uniqueId",
        "self_link",
        "selfLink",
        "etag",
        "create_date",
        "createDate",
        "creation_date",
        "created_at",
        "createdAt",
        "creation_timestamp",
        "last_modified",
        "lastModified",
    }
)
"""Attributes a provider computes: they always differ between an old and a new object."""

IDENTIFYING_KEYS = frozenset(
    {
        "name",
        "bucket",
        "identifier",
        "cluster_identifier",
        "clusterIdentifier",
        "function_name",
        "functionName",
        "cidr_block",
        "cidrBlock",
        "domain_name",
        "domainName",
        "db_name",
        "dbName",
        "repository",
        "key",
        "zone_id",
        "zoneId",
    }
)
"""Attributes that name the cloud object: a near-identical pair must agree on all of them."""


def _has_true(mask: Any) -> bool:
    """True when a mask (bool, dict or list of masks) marks anything."""
    if mask is True:
        return True
    if isinstance(mask, dict):
        return any(_has_true(v) for v in mask.values())
    if isinstance(mask, list):
        return any(_has_true(v) for v in mask)
    return False


def _member(mask: Any, key: str) -> Any:
    """The part of a top-level mask that concerns `key` (a plain `true` covers everything)."""
    if mask is True:
        return True
    if isinstance(mask, dict):
        return mask.get(key, False)
    return False


def side_inputs(change: ResourceChange, tool: Tool, *, after: bool) -> Inputs:
    """Comparable inputs of the `after` (creates) or `before` (deletes) side of `change`."""
    value = decode(change.after if after else change.before)
    if not isinstance(value, dict):
        return {}
    sensitive = decode(change.after_sensitive if after else change.before_sensitive)
    unknown = decode(change.after_unknown) if after else None
    autoname = re.compile(re.escape(change.name) + r"-[0-9a-f]{7}") if tool is Tool.PULUMI else None
    if not _has_true(unknown):
        unknown = None
    if not _has_true(sensitive):
        sensitive = None
    out: Inputs = {}
    for key, member in value.items():
        if key in COMPUTED_KEYS or key.startswith("__"):
            continue
        if unknown is not None and _has_true(_member(unknown, key)):
            continue
        if sensitive is not None and _has_true(_member(sensitive, key)):
            out[key] = SENSITIVE
            continue
        encoded = msgspec.json.encode(member, order="sorted")
        if PULUMI_UNKNOWN in encoded:
            continue
        if PULUMI_SECRET in encoded:
            out[key] = SENSITIVE
        elif encoded in _EMPTY_ENCODINGS:
            out[key] = EMPTY
        elif autoname is not None and isinstance(member, str) and autoname.fullmatch(member):
            out[key] = AUTONAME
        else:
            out[key] = encoded
    return out


def is_informative(inputs: Inputs) -> bool:
    """At least one attribute holds a real value (not empty, not a marker)."""
    return any(v not in (EMPTY, SENSITIVE, AUTONAME) for v in inputs.values())


def similarity(old: Inputs, new: Inputs) -> float:
    """Share of the new object's attributes that the old object has with the same value.

    An attribute the old object lacks counts as empty. Zero when an identifying attribute
    (name, bucket, cidr_block…) differs.
    """
    if not new:
        return 0.0
    equal = 0
    for key, value in new.items():
        same = old.get(key, EMPTY) == value
        if not same and key in IDENTIFYING_KEYS and key in old:
            return 0.0
        equal += same
    return equal / len(new)
