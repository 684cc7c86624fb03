"""`MemberReader` (score stage guard keys) finds what `raw_members` finds, duplicates included."""

from __future__ import annotations

import json

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from planrisk.values import MemberReader, raw_members

NAMES = {"deletion_protection", "force destroy", "a"}

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)
_KEYS = st.sampled_from([*NAMES, "other", "", "A"])


def found(reader: MemberReader, raw: bytes) -> dict[str, bytes] | None:
    values = reader.values(msgspec.Raw(raw))
    if values is None:
        return None
    pairs = zip(reader.names, values, strict=True)
    return {name: bytes(value) for name, value in pairs if value is not msgspec.UNSET}


def expected(raw: bytes) -> dict[str, bytes] | None:
    members = raw_members(msgspec.Raw(raw), NAMES)
    return None if members is None else {name: bytes(value) for name, value in members.items()}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_KEYS, _VALUES), max_size=6))
def test_objects_with_repeated_keys_read_the_last_value(pairs: list[tuple[str, object]]) -> None:
    raw = ("{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in pairs) + "}").encode()
    reader = MemberReader(NAMES)
    got = found(reader, raw)
    want = expected(raw)
    assert got == want
    assert got is not None and want is not None and list(got) == list(want)


def test_values_that_are_not_objects_give_none() -> None:
    reader = MemberReader(NAMES)
    for raw in (b"", b"null", b"[]", b"1", b'"a"'):
        assert found(reader, raw) is None
        assert expected(raw) is None
    assert found(reader, b'{"a\\u0020": 1, "a": [1, {"a": 2}]}') == {"a": b'[1, {"a": 2}]'}
