"""Every Pulumi preview digest and event stream of the shared corpus parses (ingest stage).

Counts per action are checked against the tool's own `changeSummary` / `summaryEvent` where the
two are comparable: finished, error-free runs without refresh or import steps (a summary counts
ops, planrisk counts URNs, and an interrupted `up` summarizes only the finished steps).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from planrisk.ingest.pulumi import parse_pulumi_preview
from planrisk.ingest.pulumi_events import iter_documents, parse_pulumi_events
from planrisk.ingest.reader import prepare
from planrisk.model import Plan, ReplaceOrder, Tool
from tests.support.paths import CORPUS

FORMATS = ("pulumi-preview", "pulumi-events")
COMPARED = ("create", "update", "delete", "replace")
SECRET_SIGNATURE = b'"1b47061264138c4ac30d75fd1eb44270"'
LIFECYCLE = "pulumi/pulumi-pulumi/pkg/engine/lifecycletest/testdata/output"


def corpus_rows() -> list[Any]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"corpus absent: {CORPUS}"))]
    with manifest.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["format"] in FORMATS]
    return [pytest.param(row, id=row["path"].split("testdata/")[-1]) for row in rows]


def parse(row: dict[str, str]) -> tuple[Plan, bytes]:
    path = CORPUS / row["path"]
    data = prepare(path.read_bytes(), str(path))
    parser = parse_pulumi_preview if row["format"] == "pulumi-preview" else parse_pulumi_events
    return parser(data, row["path"]), data


def events(data: bytes) -> Iterator[dict[str, Any]]:
    for document in iter_documents(data, "corpus"):
        items = document.get("events", [document]) if isinstance(document, dict) else document
        yield from (item for item in items if isinstance(item, dict))


def summary_of(row: dict[str, str], data: bytes) -> dict[str, int] | None:
    """The tool's own counts, or None when they are not comparable with planrisk's."""
    if row["format"] == "pulumi-preview":
        summary: dict[str, int] | None = json.loads(data).get("changeSummary")
        return summary
    opened = finished = 0
    summary = None
    for event in events(data):
        meta = (event.get("resourcePreEvent") or {}).get("metadata") or {}
        planning = (event.get("resourcePreEvent") or {}).get("planning", False)
        if meta:
            opened += 0 if planning else 1
            if meta.get("op") in ("refresh", "import", "import-replacement"):
                return None
        finished += 1 if event.get("resOutputsEvent") else 0
        if "summaryEvent" in event:
            summary = event["summaryEvent"].get("resourceChanges")
    return summary if finished >= opened else None


@pytest.mark.parametrize("row", corpus_rows())
def test_corpus_file_parses(row: dict[str, str]) -> None:
    plan, data = parse(row)
    assert plan.tool is Tool.PULUMI
    assert plan.format_version == ("preview" if row["format"] == "pulumi-preview" else "events")
    assert plan.digest.startswith("sha256:")
    assert [c.address for c in plan.changes] == sorted(c.address for c in plan.changes)
    addresses = {r.address for r in plan.resources}
    assert all(c.address in addresses for c in plan.changes)
    encoded = msgspec.json.encode(plan)
    assert SECRET_SIGNATURE not in encoded
    assert b"PRIVATE KEY-----" not in encoded, "outputs (here a private key) are never kept"
    summary = summary_of(row, data)
    if summary is not None and not plan.errored:
        counts = plan.counts()
        assert {k: counts[k] for k in COMPARED} == {k: summary.get(k, 0) for k in COMPARED}


def lifecycle(name: str) -> Plan:
    path = CORPUS / LIFECYCLE / name / "eventstream.json"
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    return parse_pulumi_events(prepare(path.read_bytes(), str(path)), str(path))


def test_explicit_delete_before_replace_vs_create_before_replace() -> None:
    explicit = lifecycle("TestExplicitDeleteBeforeReplace/-0-2")
    replaces = [c for c in explicit.changes if c.raw_actions[0] == "delete-replaced"]
    assert len(replaces) == 2
    assert all(c.replace_order is ReplaceOrder.DELETE_BEFORE_CREATE for c in replaces)
    default = lifecycle("TestViewsCreateBeforeReplace/2")
    (replace,) = [c for c in default.changes if c.replace_order is not None]
    assert replace.replace_order is ReplaceOrder.CREATE_BEFORE_DELETE
    assert replace.raw_actions == ("create-replacement", "replace", "delete-replaced")


def test_failed_stack_has_secrets_blinded_and_is_errored() -> None:
    path = "pulumi/pulumi-pulumi/pkg/backend/display/testdata/not-truncated"
    source = CORPUS / path / "failed-stacks-dont-rewrite-operations.json"
    if not source.is_file():
        pytest.skip(f"corpus absent: {source}")
    plan = parse_pulumi_events(source.read_bytes(), str(source))
    assert plan.errored
    sensitive = [c for c in plan.changes if b"true" in bytes(c.before_sensitive)]
    assert sensitive, "the wrapped __provider secrets must be marked sensitive"
    assert b"4dabf18193072939515e22adb298388d" not in msgspec.json.encode(plan)


def test_counts_were_compared_for_most_of_the_corpus() -> None:
    """Guards the comparability filter above against silently skipping everything."""
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip(f"corpus absent: {CORPUS}")
    rows = [r.values[0] for r in corpus_rows()]
    compared = 0
    for row in rows:
        plan, data = parse(row)
        compared += summary_of(row, data) is not None and not plan.errored
    assert compared >= len(rows) * 2 // 3
