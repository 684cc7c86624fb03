"""Ingest stage, format detection: parse_plan dispatches each input form to the right reader."""

from __future__ import annotations

import json

import pytest

from planrisk.ingest import parse_plan
from planrisk.ingest.buffer import PlanBuffer
from planrisk.ingest.sniff import InputKind, sniff
from planrisk.model import Tool
from tests.support.paths import FIXTURES

EVENTS = FIXTURES / "pulumi" / "secrets" / "events.ndjson"
PREVIEW = FIXTURES / "pulumi" / "protected-delete" / "preview.json"


def event_lines() -> list[object]:
    return [json.loads(line) for line in EVENTS.read_text().splitlines() if line.strip()]


def test_sniff_kinds() -> None:
    plan = (FIXTURES / "terraform" / "forget" / "plan.json").read_bytes()
    assert sniff(PlanBuffer(plan, "p")).kind is InputKind.TERRAFORM_PLAN
    assert sniff(PlanBuffer(PREVIEW.read_bytes(), "p")).kind is InputKind.PULUMI_PREVIEW
    assert sniff(PlanBuffer(EVENTS.read_bytes(), "p")).kind is InputKind.PULUMI_EVENTS
    page = json.dumps({"events": event_lines(), "continuationToken": None}).encode()
    assert sniff(PlanBuffer(page, "p")).kind is InputKind.PULUMI_EVENTS
    assert (
        sniff(PlanBuffer(json.dumps(event_lines()).encode(), "p")).kind is InputKind.PULUMI_EVENTS
    )


def test_plan_followed_by_log_tail_keeps_only_the_plan() -> None:
    plan = (FIXTURES / "terraform" / "forget" / "plan.json").read_bytes()
    sniffed = sniff(PlanBuffer(plan + b"\n::debug::exit code 0\n", "p"))
    assert bytes(sniffed.document).rstrip() == plan.rstrip()


def test_pulumi_preview_dispatch() -> None:
    plan = parse_plan(PREVIEW.read_bytes(), "preview.json")
    assert plan.tool is Tool.PULUMI and plan.format_version == "preview"


@pytest.mark.parametrize("form", ["ndjson", "concatenated", "page", "array", "partial-last-line"])
def test_pulumi_events_dispatch(form: str) -> None:
    lines = event_lines()
    data = {
        "ndjson": EVENTS.read_bytes(),
        "concatenated": b"".join(json.dumps(e, indent=2).encode() for e in lines),
        "page": json.dumps({"events": lines}).encode(),
        "array": json.dumps(lines).encode(),
        "partial-last-line": EVENTS.read_bytes() + b'{"sequence": 99, "resOutp',
    }[form]
    plan = parse_plan(data, "events")
    assert plan.tool is Tool.PULUMI and plan.format_version == "events"
    assert plan.digest == parse_plan(EVENTS.read_bytes(), "events").digest
