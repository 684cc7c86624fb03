"""Bulk-stage memory housekeeping (used around ingest and every later stage): GC pause, freeze,
release of mapped plan pages."""

from __future__ import annotations

import gc
import mmap
from pathlib import Path

import pytest

from planrisk._runtime.gc import paused_gc, release_mapped_pages, track_mapping
from tests.support.paths import REPO


def test_collector_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_survivors_move_to_the_oldest_generation_and_cycles_stay_collectable() -> None:
    class Node:
        other: object

    with paused_gc():
        first, second = Node(), Node()
        first.other, second.other = second, first
        young = gc.get_count()[0]
    assert young > 0
    assert gc.get_count()[0] < young
    assert gc.get_freeze_count() == 0
    del first, second
    gc.collect()
    assert not [o for o in gc.get_objects() if type(o) is Node]


def test_released_mapping_keeps_its_content(tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    target.write_bytes(b"x" * 100_000 + b"end")
    with target.open("rb") as handle:
        mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    track_mapping(mapping)
    view = memoryview(mapping)[-3:]
    with paused_gc():
        assert mapping[:1] == b"x"
    assert bytes(view) == b"end"
    release_mapped_pages()
    assert mapping[99_999:] == b"xend"
    view.release()
    mapping.close()
    release_mapped_pages()


def test_platform_without_madvise_reads_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planrisk._runtime import gc as gc_pause
    from planrisk.ingest import load_plan, parse_plan, reader

    monkeypatch.setattr(gc_pause, "_DONTNEED", None)
    monkeypatch.setattr(reader, "MMAP_MIN_BYTES", 0)
    plan = REPO / "fixtures" / "terraform" / "teardown" / "plan.json"
    target = tmp_path / "plan.json"
    target.write_bytes(plan.read_bytes())
    assert isinstance(reader.read_file(target), bytes)
    with paused_gc():
        mapped = load_plan(target)
    assert mapped.digest == parse_plan(plan.read_bytes(), "x").digest
