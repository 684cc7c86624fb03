"""Ingest stage, digest: `canonical_spaced` (values of a document without line breaks or tabs)
gives `canonical_raw`'s bytes, and a mapped compact plan digests like its pretty rendering."""

from __future__ import annotations

import json
import mmap
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planrisk.ingest import load_plan
from planrisk.ingest.buffer import PlanBuffer
from planrisk.ingest.digest import canonical_raw, canonical_spaced
from planrisk.ingest.reader import MMAP_MIN_BYTES, read_file
from planrisk.ingest.sniff import sniff
from tests.support.paths import FIXTURES

FIXTURE = FIXTURES / "terraform" / "nested-modules"

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=' ,:[]{}ab"\\é'),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(alphabet=" ,:[]{}ab", max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


def raw(text: bytes) -> msgspec.Raw:
    """`text` as the Raw member value a plan decode gives."""
    return msgspec.json.decode(b'{"v": ' + text + b"}", type=dict[str, msgspec.Raw])["v"]


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":1,"b":[true,null,"x y"]}',
        b'{"a": 1}',
        b"[1 ,2]",
        b'{"k":"a, b: [c]"}',
        b'"\\u00e9\\/ x"',
        b"-1.5E+3",
        b"{ }",
        b'{"a":{"b":[ ]}}',
    ],
)
def test_spaced_values_canonicalize_like_format(text: bytes) -> None:
    value = raw(text)
    assert bytes(canonical_spaced(value)) == canonical_raw(value)


def test_an_absent_value_is_null() -> None:
    assert canonical_spaced(msgspec.Raw(b"")) == b"null"


@settings(max_examples=300, deadline=None)
@given(JSON, st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : ")]))
def test_any_spaced_rendering_canonicalizes_like_format(
    value: object, separators: tuple[str, str]
) -> None:
    text = json.dumps(value, separators=separators, ensure_ascii=False).encode()
    assert bytes(canonical_spaced(raw(text))) == canonical_raw(raw(text))


def test_a_mapped_compact_plan_digests_like_its_pretty_rendering(tmp_path: Path) -> None:
    doc = json.loads((FIXTURE / "plan.json").read_bytes())
    # Padding in a string value makes the file large enough to be memory-mapped.
    doc["variables"] = {"pad": {"value": "x y" * (MMAP_MIN_BYTES // 3 + 1)}}
    compact = tmp_path / "compact.json"
    compact.write_bytes(json.dumps(doc, separators=(",", ": ")).encode() + b"\n")
    pretty = tmp_path / "pretty.json"
    pretty.write_bytes(json.dumps(doc, indent=2).encode())
    small = tmp_path / "small.json"
    small.write_bytes(json.dumps(doc, separators=(", ", ":")).encode())
    mapped = read_file(compact)
    assert isinstance(mapped, mmap.mmap)
    compact_buffer = PlanBuffer(mapped, str(compact))
    sniff(compact_buffer)
    assert compact_buffer.spaces_only
    pretty_buffer = PlanBuffer(read_file(pretty), str(pretty))
    sniff(pretty_buffer)
    assert not pretty_buffer.spaces_only
    digests = {load_plan(path).digest for path in (compact, pretty, small)}
    assert len(digests) == 1
