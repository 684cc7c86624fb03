"""Pulumi engine events → Plan (ingest stage): every stream layout, pairing, secrets, errors."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from planrisk.errors import PlanFormatError
from planrisk.ingest.pulumi_events import parse_pulumi_events
from planrisk.ingest.reader import prepare
from planrisk.model import Action, Link, Mode, Plan, ReplaceOrder
from planrisk.values import decode
from tests.support import paths

FIXTURES = paths.FIXTURES / "pulumi"
SENTINEL = b"PLANRISK-SENTINEL-7f3c9e2a-do-not-leak"
SECRET_SIGNATURE = b"1b47061264138c4ac30d75fd1eb44270"
STACK = "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev"
PROVIDER = "urn:pulumi:dev::shop::pulumi:providers:aws::default_6_0_0"
QUEUE = "urn:pulumi:dev::shop::aws:sqs/queue:Queue::orders"


def load(name: str) -> Plan:
    path = FIXTURES / name
    return parse_pulumi_events(prepare(path.read_bytes(), str(path)), str(path))


def step_event(payload: str, op: str, urn: str = QUEUE, **meta: Any) -> dict[str, Any]:
    side = {"type": urn.split("::")[2], "urn": urn, "custom": True, "inputs": {"name": "orders"}}
    body = {"op": op, "urn": urn, "type": side["type"], "old": side, "new": side, **meta}
    return {"sequence": 1, "timestamp": 1767000000, payload: {"metadata": body, "planning": True}}


def summary(**counts: int) -> dict[str, Any]:
    """The summary event the engine ends a preview with (`resourceChanges`: steps per op)."""
    return {"sequence": 9, "timestamp": 0, "summaryEvent": {"resourceChanges": counts}}


SUMMARY = summary(update=1)


def ndjson(events: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(event).encode() + b"\n" for event in events)


def test_delete_before_replace_log_with_partial_last_line() -> None:
    plan = load("replace-delete-before-replace/events.ndjson")
    assert plan.format_version == "events" and not plan.errored
    assert plan.counts()["replace"] == 2
    assert {c.name for c in plan.changes} == {"orders-sql", "orders-app"}
    for change in plan.changes:
        assert change.replace_order is ReplaceOrder.DELETE_BEFORE_CREATE
        assert change.raw_actions == ("delete-replaced", "replace", "create-replacement")
    sql = next(c for c in plan.changes if c.name == "orders-sql")
    assert sql.replace_paths == (("databaseVersion",),)
    user = next(c for c in plan.changes if c.name == "orders-app")
    assert decode(user.after_unknown) == {"instance": True}
    assert "instance" not in decode(user.after)
    modes = {r.name: r.mode for r in plan.resources}
    assert modes == {
        "orders-sql": Mode.MANAGED,
        "orders-app": Mode.MANAGED,
        "default_8_10_0": Mode.MANAGED,
        "platform-staging": Mode.COMPONENT,
    }
    assert plan.pulumi_config == {
        "gcp:project": "acme-platform-staging",
        "gcp:region": "europe-west1",
    }


def test_secrets_never_reach_the_model() -> None:
    plan = load("secrets/events.ndjson")
    encoded = msgspec.json.encode(plan)
    assert SENTINEL not in encoded
    assert SECRET_SIGNATURE not in encoded
    secret = next(c for c in plan.changes if c.name == "stripe-api-key")
    assert decode(secret.before)["secretString"] == "[secret]"
    assert decode(secret.before_sensitive) == {"secretString": True}
    assert decode(secret.after_sensitive) == {"secretString": True}
    assert decode(secret.after_unknown) == {"versionStages": [False, True]}
    role = next(c for c in plan.changes if c.name == "payments-task")
    assert decode(role.after_sensitive) == {"tags": {"webhookToken": True}}
    assert plan.pulumi_config["payments:stripeKey"] == "[secret]"


def test_secret_plaintext_does_not_change_the_digest() -> None:
    data = (FIXTURES / "secrets/events.ndjson").read_bytes()
    other = data.replace(SENTINEL, b"another-plaintext")
    assert parse_pulumi_events(data, "a").digest == parse_pulumi_events(other, "b").digest


def test_pre_and_outputs_events_of_one_step_count_once() -> None:
    events = [step_event("resourcePreEvent", "update"), step_event("resOutputsEvent", "update")]
    plan = parse_pulumi_events(ndjson([*events, SUMMARY]), "log")
    assert [c.raw_actions for c in plan.changes] == [("update",)]


def test_outputs_event_without_its_pre_event_still_counts() -> None:
    events = [step_event("resOutputsEvent", "delete"), summary(delete=1)]
    plan = parse_pulumi_events(ndjson(events), "log")
    assert [c.action for c in plan.changes] == [Action.DELETE]


def test_failed_step_marks_the_plan_errored() -> None:
    failed = step_event("resOpFailedEvent", "update")
    failed["resOpFailedEvent"].update(status=1, steps=1)
    events = [step_event("resourcePreEvent", "update"), failed, summary()]
    plan = parse_pulumi_events(ndjson(events), "l")
    assert plan.errored and [c.raw_actions for c in plan.changes] == [("update",)]


def test_failed_summary_marks_the_plan_errored() -> None:
    summary = {"summaryEvent": {"resourceChanges": {}, "result": "failed"}}
    assert parse_pulumi_events(ndjson([summary]), "l").errored


def test_refresh_results_are_drift_not_changes() -> None:
    events = [
        step_event("resourcePreEvent", "refresh"),
        {**step_event("resOutputsEvent", "delete"), "new": None},
        summary(delete=1),
    ]
    plan = parse_pulumi_events(ndjson(events), "log")
    assert [c.action for c in plan.changes] == [Action.NOOP]
    assert [(c.action, c.drift) for c in plan.drift] == [(Action.DELETE, True)]
    assert plan.counts()["delete"] == 0


def test_events_carry_parent_and_provider_links_only() -> None:
    event = step_event("resourcePreEvent", "create", provider=f"{PROVIDER}::abc")
    event["resourcePreEvent"]["metadata"]["new"].update(parent=STACK, provider=f"{PROVIDER}::abc")
    plan = parse_pulumi_events(ndjson([event, summary(create=1)]), "log")
    (resource,) = plan.resources
    assert resource.links == (Link(STACK, "parent"), Link(PROVIDER, "provider"))
    assert resource.provider == PROVIDER


def test_missing_custom_means_component_in_events() -> None:
    urn = "urn:pulumi:dev::shop::my:web:Site::site"
    event = step_event("resourcePreEvent", "create", urn)
    del event["resourcePreEvent"]["metadata"]["new"]["custom"]
    plan = parse_pulumi_events(ndjson([event, summary(create=1)]), "log")
    assert plan.changes[0].mode is Mode.COMPONENT


def test_unknown_payloads_internal_ops_and_log_noise_are_skipped() -> None:
    events = [
        {"sequence": 0, "futureEvent": {"x": 1}},
        step_event("resourcePreEvent", "extend-parameterize"),
        step_event("resourcePreEvent", "update"),
        SUMMARY,
    ]
    data = b"warning: A new version of Pulumi is available\n" + ndjson(events)
    data = data.replace(b'\n{"sequence": 9', b'\n[INFO] still running\n{"sequence": 9')
    plan = parse_pulumi_events(data, "log")
    assert [c.raw_actions for c in plan.changes] == [("update",)]


def test_pretty_printed_back_to_back_objects() -> None:
    events = [step_event("resourcePreEvent", "update"), SUMMARY]
    data = b"".join(json.dumps(event, indent=4).encode() + b"\n" for event in events)
    plan = parse_pulumi_events(data, "golden.json")
    assert plan.digest == parse_pulumi_events(ndjson(events), "log").digest
    assert [c.action for c in plan.changes] == [Action.UPDATE]


def test_pulumi_cloud_events_page() -> None:
    events = [{**step_event("resourcePreEvent", "update"), "type": "resourcePreEvent"}, SUMMARY]
    for event in events:
        event.pop("sequence", None)
    page = json.dumps({"events": events, "continuationToken": "eyJvZmZzZXQiOjEwMH0="}, indent=2)
    plan = parse_pulumi_events(page.encode(), "page.json")
    assert [c.action for c in plan.changes] == [Action.UPDATE]


def test_automation_api_events() -> None:
    """What `pulumi.automation` reads from its event log and hands to `on_event` (same JSON).

    The automation API writes events with `streamID` diagnostics and `isPreview` summaries, and
    callers often keep the collected events as one JSON array.
    """
    events = [
        {"sequence": 0, "timestamp": 1767000000, "preludeEvent": {"config": {"aws:region": "x"}}},
        {
            "sequence": 1,
            "timestamp": 1767000001,
            "diagnosticEvent": {
                "message": "hi\n",
                "color": "never",
                "severity": "info#err",
                "streamID": 1,
            },
        },
        step_event("resourcePreEvent", "create"),
        step_event("resOutputsEvent", "create"),
        {
            "sequence": 5,
            "timestamp": 1767000003,
            "summaryEvent": {
                "maybeCorrupt": False,
                "durationSeconds": 1,
                "resourceChanges": {"create": 1},
                "PolicyPacks": {},
                "isPreview": True,
            },
        },
        {"sequence": 6, "timestamp": 1767000003, "cancelEvent": {}},
    ]
    for data in (ndjson(events), json.dumps(events).encode()):
        plan = parse_pulumi_events(data, "automation")
        assert plan.counts()["create"] == 1 and plan.pulumi_config == {"aws:region": "x"}


def test_summary_only_stream_is_an_empty_plan() -> None:
    plan = parse_pulumi_events(ndjson([summary()]), "log")
    assert plan.changes == () and plan.resources == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (ndjson([{"preludeEvent": {"config": {}}}, {"cancelEvent": {}}]), "no Pulumi resource"),
        (b'{"preludeEvent": {}}\n{"broken": ]\n' + ndjson([SUMMARY]), "line 2: not valid JSON"),
        (b'{"events": {"not": "a list"}}', "no Pulumi resource"),
    ],
)
def test_malformed_streams_raise_plan_format_error(data: bytes, message: str) -> None:
    with pytest.raises(PlanFormatError) as caught:
        parse_pulumi_events(data, "events.log")
    assert message in caught.value.message
    assert caught.value.source == "events.log" and caught.value.hint
