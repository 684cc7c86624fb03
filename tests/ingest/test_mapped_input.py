"""Ingest stage, memory-mapped input: a mapped file gives exactly the Plan that its bytes give."""

from __future__ import annotations

import json
import mmap
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from planrisk.errors import PlanFormatError
from planrisk.ingest import load_plan, parse_plan, reader
from tests.support.paths import FIXTURES

PLANS = sorted((FIXTURES / "terraform").glob("*/plan.json")) + sorted(
    (FIXTURES / "pulumi").glob("*/*.json")
)
NESTED = (FIXTURES / "terraform" / "nested-modules" / "plan.json").read_bytes()
WRAPPER = b"[command]/home/runner/work/_temp/terraform-bin show -json tfplan\n"


@pytest.fixture
def map_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MMAP_MIN_BYTES", 0)


@pytest.mark.usefixtures("map_everything")
@pytest.mark.parametrize("path", PLANS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_mapped_plan_equals_read_plan(path: Path) -> None:
    mapped = load_plan(path)
    read = parse_plan(path.read_bytes(), str(path))
    assert msgspec.json.encode(mapped) == msgspec.json.encode(read)


@pytest.mark.usefixtures("map_everything")
@pytest.mark.parametrize(
    "render",
    [
        lambda b: WRAPPER + b,
        lambda b: b"\xef\xbb\xbf" + b,
        lambda b: b"\xff\xfe" + b.decode().encode("utf-16-le"),
        lambda b: b"\xfe\xff" + b.decode().encode("utf-16-be"),
        lambda b: b"\xef\xbb\xbf" + WRAPPER + b,
        lambda b: json.dumps(json.loads(b), separators=(",", ":")).encode(),
    ],
    ids=["wrapper", "bom", "utf16le", "utf16be", "bom-wrapper", "compact"],
)
def test_mapped_renderings_keep_the_digest(
    render: Callable[[bytes], bytes], tmp_path: Path
) -> None:
    target = tmp_path / "plan.json"
    target.write_bytes(render(NESTED))
    assert isinstance(reader.read_file(target), mmap.mmap)
    assert load_plan(target).digest == parse_plan(NESTED, "plan.json").digest


@pytest.mark.usefixtures("map_everything")
def test_values_stay_readable_after_pages_are_released(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    target.write_bytes(NESTED)
    plan = load_plan(target)
    expected = parse_plan(NESTED, "plan.json")
    for change, same in zip(plan.changes, expected.changes, strict=True):
        assert bytes(change.before) == bytes(same.before)
        assert bytes(change.after) == bytes(same.after)
    assert [bytes(r.values) for r in plan.resources] == [
        bytes(r.values) for r in expected.resources
    ]


def test_small_files_and_empty_files_are_read_not_mapped(tmp_path: Path) -> None:
    small = tmp_path / "small.json"
    small.write_bytes(b"{}")
    assert isinstance(reader.read_file(small), bytes)
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    assert reader.read_file(empty) == b""


def test_release_pages_ignores_bytes() -> None:
    data = b"{}"
    reader.release_pages(data)
    assert data == b"{}"


INVALID = sorted(p for p in (FIXTURES / "invalid").glob("*/*") if p.name != "SOURCE.md")


@pytest.mark.usefixtures("map_everything")
@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.parent.name)
def test_mapped_bad_input_fails_with_the_same_message(path: Path) -> None:
    with pytest.raises(PlanFormatError) as mapped:
        load_plan(path)
    with pytest.raises(PlanFormatError) as read:
        parse_plan(path.read_bytes(), str(path))
    assert str(mapped.value) == str(read.value)


@pytest.mark.usefixtures("map_everything")
@pytest.mark.parametrize(
    "tail",
    [b"\n::debug::done\n", b'{"second": 1}\n', b"  \n"],
    ids=["log-tail", "second-document", "blanks"],
)
def test_mapped_plan_with_a_tail(tail: bytes, tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    target.write_bytes(NESTED + tail)
    read = parse_plan(NESTED + tail, str(target))
    assert msgspec.json.encode(load_plan(target)) == msgspec.json.encode(read)
