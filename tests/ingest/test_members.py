"""Ingest stage, member splitting: a large object's top-level members found one at a time."""

from __future__ import annotations

import msgspec
import pytest

from planrisk.ingest.members import split_members


def whole(text: bytes) -> dict[str, bytes]:
    decoded = msgspec.json.decode(text, type=dict[str, msgspec.Raw])
    return {key: bytes(value) for key, value in decoded.items()}


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":1,"b":[1,2,{"c":"}"}],"d":null}',
        b' \n{ "a" : { "x" : [ ] } ,\n "b" : "s,}" , "c" : -1.5e3 }\n\n',
        b'{"k\\"ey": true, "\\u00e9": false, "k\\"ey": "again"}',
        b'{"only": {"nested": {"deep": [[[]]]}}}',
    ],
    ids=["compact", "blanks", "escaped-and-duplicate-keys", "single"],
)
def test_members_equal_a_whole_decode(text: bytes) -> None:
    released: list[int] = []
    members = split_members(text, lambda: released.append(1))
    assert members is not None
    assert {key: bytes(value) for key, value in members.head.items()} == whole(text)
    assert list(members.head) == list(whole(text))
    assert released and len(released) >= len(members.head)


@pytest.mark.parametrize(
    "text",
    [
        b"[1, 2]",
        b"{}",
        b'{"a": 1} trailing',
        b'{"a": 1}{"b": 2}',
        b'{"a": [1, 2',
        b'{"a": tru, "b": 1}',
        b'{1: 2, "b": 3}',
        b'{"a" 1, "b": 2}',
        b'{"a": 1 "b": 2}',
        b'{"a": 1,}',
        b"",
    ],
    ids=[
        "array",
        "empty",
        "trailing-text",
        "two-documents",
        "truncated",
        "invalid-value",
        "number-key",
        "no-colon",
        "no-comma",
        "trailing-comma",
        "nothing",
    ],
)
def test_anything_else_is_left_to_the_whole_decode(text: bytes) -> None:
    assert split_members(text, lambda: None) is None


def test_each_member_is_released_after_it_is_found() -> None:
    seen: list[int] = []
    members = split_members(b'{"a": 1, "b": 2, "c": 3}', lambda: seen.append(len(seen)))
    assert members is not None and len(members.head) == 3
    assert seen == [0, 1, 2]


@pytest.mark.parametrize(
    ("text", "spaces_only"),
    [
        (b'{"a": {"x": [1, "y z"]}, "b": "s,}"}', True),
        (b'{\n "a": 1,\n "b": [2]\n}\n', True),
        (b'{"a": {"x":\n1}}', False),
        (b'{"a": 1, "b": [\t2]}', False),
        (b'{"a": {\r"x": 1}}', False),
    ],
    ids=["spaces", "breaks-between-members", "break-in-value", "tab-in-value", "cr-in-value"],
)
def test_line_breaks_and_tabs_in_member_values_are_noticed(text: bytes, spaces_only: bool) -> None:
    members = split_members(text, lambda: None)
    assert members is not None
    assert members.spaces_only is spaces_only
