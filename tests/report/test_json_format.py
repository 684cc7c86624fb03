"""Report stage: `iter_json` pieces join to exactly the whole-document rendering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import msgspec
import pytest

from planrisk.report.analysis_data import BlastEntry, ChangeEntry
from planrisk.report.json_format import CHANGES_BATCH, iter_json, render_json


def _whole(document: dict[str, Any]) -> str:
    """The reference rendering: the whole document encoded, indented and decoded at once."""
    encoded = msgspec.json.encode(document, order="sorted")
    return msgspec.json.format(encoded, indent=2).decode() + "\n"


def _entry(number: int) -> ChangeEntry:
    paths = {"b.x": ["b.x", f"a.{number}"], "a.y": []} if number % 3 == 0 else None
    return ChangeEntry(
        action="delete",
        address=f'module.m["k\\n{number}"].aws_s3_bucket.b',
        blast_radius=BlastEntry(count=number, paths=paths, top=(), weighted=number / 7),
        deposed="00aa" if number % 5 == 0 else None,
        hints=("dépendance \u2014 note", '"changes": []'),
        level="high",
        reasons=[] if number % 2 else ["+40 destroys data", 'line\n  "changes": []'],
        replace_order=None,
        risk_class="stateful-data",
        score=number,
        type="aws_s3_bucket",
    )


def _document(count: int) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "risk": {"reasons": [], "score": 7, "level": "low"},
        "actor": {"evidence": [], "kind": "human"},
        "changes": [_entry(n) for n in range(count)],
        "plan": {"counts": {}, "digest": "sha256:00"},
        "decision": {"rules": [{"name": "changes", "effect": "[]"}]},
    }


@pytest.mark.parametrize(
    "count", [0, 1, 2, CHANGES_BATCH, CHANGES_BATCH + 1, 2 * CHANGES_BATCH + 5]
)
def test_pieces_join_to_the_whole_rendering(count: int) -> None:
    document = _document(count)
    expected = _whole(document)
    pieces = list(iter_json(document))
    assert "".join(pieces) == expected
    assert render_json(document) == expected
    batches = -(-count // CHANGES_BATCH)
    assert len(pieces) == (1 if count == 0 else batches + 2)


def test_documents_without_a_changes_list_render_whole() -> None:
    for document in ({"runs": [{"changes": [1, 2]}], "version": "2.1.0"}, {"changes": {"a": 1}}):
        assert list(iter_json(document)) == [_whole(document)]


class _Built(Sequence[ChangeEntry]):
    """Entries built when read, recording how many each read built (like `ChangeEntries`)."""

    def __init__(self, count: int) -> None:
        self.size = count
        self.reads: list[int] = []

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> ChangeEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[ChangeEntry]: ...

    def __getitem__(self, index: int | slice) -> ChangeEntry | list[ChangeEntry]:
        if isinstance(index, int):
            return _entry(range(self.size)[index])
        built = [_entry(n) for n in range(self.size)[index]]
        self.reads.append(len(built))
        return built


@pytest.mark.parametrize("count", [0, 1, CHANGES_BATCH + 1, 2 * CHANGES_BATCH + 5])
def test_entries_built_when_read_render_like_the_list_one_batch_at_a_time(count: int) -> None:
    built = _Built(count)
    document = {**_document(count), "changes": built}
    assert "".join(iter_json(document)) == _whole(_document(count))
    assert sum(built.reads) == count
    assert all(read <= CHANGES_BATCH for read in built.reads)
