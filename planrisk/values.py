"""Attribute values and their masks, decoded on demand (used by score, gate and report).

Input: `msgspec.Raw` values and masks from a `ResourceChange` or `Resource`.
Output: decoded Python values, and answers to "is this path known / sensitive?".
Nothing here ever returns a value that a sensitivity mask covers unless asked for it by
`lookup`, whose callers must check `is_sensitive` first; `redact` gives a safe copy.
A value that is not JSON text msgspec accepts (a number out of range: ingest keeps values
undecoded, so it is first met here) is a `PlanValueError`, an input error, never a crash.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from msgspec import Raw

from planrisk.errors import PlanFormatError

REDACTED = "(sensitive)"
"""What planrisk prints instead of a sensitive value."""

Path = Sequence[str | int]


class PlanValueError(PlanFormatError):
    """A value of the plan cannot be decoded (the message names why, never the value)."""


def decode(raw: Raw) -> Any:
    """Decode a raw JSON value (`null` and empty raw give None)."""
    if not raw:
        return None
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise PlanValueError(
            f"a value in the plan is not JSON text planrisk can read ({exc})",
            hint="re-render it with `terraform show -json PLANFILE` or `pulumi preview --json`",
        ) from None


def lookup(value: Any, path: Path) -> Any:
    """Follow `path` through dicts and lists; `MISSING` when any step is absent."""
    current = value
    for step in path:
        if isinstance(current, dict) and isinstance(step, str):
            if step not in current:
                return MISSING
            current = current[step]
        elif isinstance(current, list) and isinstance(step, int):
            if not -len(current) <= step < len(current):
                return MISSING
            current = current[step]
        else:
            return MISSING
    return current


def mask_covers(mask: Any, path: Path) -> bool:
    """True when a Terraform-style mask (`true` covers a subtree) marks `path` or an ancestor."""
    current = mask
    if current is True:
        return True
    for step in path:
        nxt = lookup(current, (step,))
        if nxt is MISSING:
            return False
        if nxt is True:
            return True
        current = nxt
    return False


def redact(value: Any, mask: Any) -> Any:
    """A copy of `value` with every part that `mask` marks sensitive replaced by REDACTED."""
    if mask is True:
        return REDACTED
    if isinstance(value, dict):
        sub = mask if isinstance(mask, dict) else {}
        return {k: redact(v, sub.get(k, False)) for k, v in value.items()}
    if isinstance(value, list):
        subs = mask if isinstance(mask, list) else []
        return [redact(v, subs[i] if i < len(subs) else False) for i, v in enumerate(value)]
    return value


class _Missing:
    """Marker type for an absent path."""

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()
"""Returned by `lookup` when a path is absent."""


_TOP_LEVEL = msgspec.json.Decoder(dict[str, Raw])


def decode_members(raw: Raw, names: set[str]) -> dict[str, Any]:
    """Decode only the top-level members `names` of a raw JSON object.

    The other members are skipped without being materialized, which keeps guard checks on
    large attribute objects cheap. A raw value that is not an object gives an empty dict.
    """
    if not raw or not names:
        return {}
    try:
        members = _TOP_LEVEL.decode(raw)
    except msgspec.ValidationError:
        return {}
    return {name: decode(members[name]) for name in names if name in members}


def raw_members(raw: Raw, names: set[str]) -> dict[str, Raw] | None:
    """The top-level members `names` of a raw JSON object, still undecoded.

    None when the value is not an object (or is empty); what `decode_members` would decode.
    """
    if not raw:
        return None
    try:
        members = _TOP_LEVEL.decode(raw)
    except msgspec.ValidationError:
        return None
    return {name: members[name] for name in names if name in members}


class MemberReader:
    """Reads the top-level members `names` of raw JSON objects, still undecoded.

    What `raw_members` finds, through a decoder of a Struct holding just those members, so the
    other members are skipped without a key or a `Raw` made for each. Like `raw_members` it
    keeps the last of duplicate keys (Terraform and Pulumi JSON has none).
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(names)
        """The members read, in the order `values` gives them."""
        fields = [(f"m{i}", Raw, msgspec.UNSET) for i in range(len(self.names))]
        members = msgspec.defstruct(
            "Members", fields, rename={f"m{i}": name for i, name in enumerate(self.names)}
        )
        self._decoder = msgspec.json.Decoder(members)

    def values(self, raw: Raw) -> tuple[Raw | msgspec.UnsetType, ...] | None:
        """Each member of `names` (`msgspec.UNSET` when absent); None when `raw` is not an
        object or is empty."""
        if not raw:
            return None
        try:
            found = self._decoder.decode(raw)
        except msgspec.ValidationError:
            return None
        values: tuple[Raw | msgspec.UnsetType, ...] = msgspec.structs.astuple(found)
        return values
