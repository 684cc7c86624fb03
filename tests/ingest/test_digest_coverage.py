"""Ingest stage, digest: it binds everything the decision reads, so evidence for one plan never
counts for a plan judged differently.

The list of fields is derived, not written down: the decision modules (score, guards,
environment, policy, graph, hints, blast radius) are parsed and every attribute they read that
is a field of a model struct (`Plan`, `ResourceChange`, `PulumiStep`, `Resource`, `Link`,
`Variable`, `ProviderConfig`) is collected. Each field of a change is then mutated on a parsed
plan and the digest recomputed from the mutated change: it must change, unless the field is
derived from bound fields (a derivation each test below checks). A field added to a struct and
read by the decision fails here until it is bound.

Attack reproduced: approvals and an attestation given for a "kept in cloud" Pulumi plan
(`retainOnDelete`) allowed the real delete, whose digest was the same.
"""

from __future__ import annotations

import ast
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from planrisk.gate.evidence.approval import build_approval, sign_approval
from planrisk.gate.evidence.attestation import build_statement, sign_statement
from planrisk.gate.evidence.ci_context import CiContext
from planrisk.gate.evidence.dsse import encode_envelope
from planrisk.gate.evidence.durations import utc_now
from planrisk.gate.evidence.loading import load_evidence
from planrisk.gate.evidence.verify import check_approvals, check_attestations
from planrisk.ingest import load_plan, parse_plan, pulumi_common, terraform
from planrisk.ingest.buffer import PlanBuffer
from planrisk.ingest.pulumi_values import parse_urn
from planrisk.ingest.terraform_actions import normalize_actions
from planrisk.model import (
    Action,
    Link,
    Mode,
    Plan,
    ProviderConfig,
    PulumiStep,
    ReplaceOrder,
    Resource,
    ResourceChange,
    Variable,
)
from tests.support.evidence import KeyRing
from tests.support.paths import FIXTURES, REPO

DECISION_MODULES = sorted(
    path
    for stage in ("graph", "classify", "score")
    for path in (REPO / "planrisk" / stage).rglob("*.py")
) + [REPO / "planrisk" / "gate" / name for name in ("decide.py", "policy.py", "way_forward.py")]
STRUCTS = (Plan, ResourceChange, PulumiStep, Resource, Link, Variable, ProviderConfig)
TF_PLANS = sorted((FIXTURES / "terraform").glob("*/plan.json"))
PULUMI_PLANS = sorted((FIXTURES / "pulumi").glob("*/preview.json")) + sorted(
    (FIXTURES / "pulumi").glob("*/events.ndjson")
)


def attributes_read() -> set[str]:
    """Every attribute name the decision modules read (`x.name` anywhere in them)."""
    names: set[str] = set()
    for path in DECISION_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
    return names


def fields(struct: type[msgspec.Struct]) -> list[str]:
    return [f.name for f in msgspec.structs.fields(struct)]


READ = attributes_read()

# Fields of a change that no input sets on its own: each is computed from bound fields (the
# derivation is checked by the tests named beside it).
TF_DERIVED = {
    "action": "normalize_actions(raw_actions, importing): test_tf_derived_fields",
    "replace_order": "normalize_actions(raw_actions): test_tf_derived_fields",
    "forgets_old": "normalize_actions(raw_actions): test_tf_derived_fields",
    "pulumi": "None for Terraform: test_tf_derived_fields",
}
PULUMI_DERIVED = {
    "type": "the URN's type: test_pulumi_derived_fields",
    "name": "the URN's name: test_pulumi_derived_fields",
    "action": "the ops (bound): test_pulumi_derived_fields",
    "replace_order": "the ops and deleteBeforeReplace (bound): test_pulumi_derived_fields",
    "forgets_old": "the ops: test_pulumi_derived_fields",
    "importing": "the ops: test_pulumi_derived_fields",
    "before_sensitive": "the secrets in the inputs (bound): test_pulumi_derived_fields",
    "after_sensitive": "the secrets in the inputs (bound): test_pulumi_derived_fields",
    "module": "always empty for Pulumi: test_pulumi_derived_fields",
    "index": "always None for Pulumi: test_pulumi_derived_fields",
    "action_reason": "always None for Pulumi: test_pulumi_derived_fields",
    "previous_address": "always None for Pulumi: test_pulumi_derived_fields",
    "deposed": "always None for Pulumi: test_pulumi_derived_fields",
    "deferred_reason": "always None for Pulumi: test_pulumi_derived_fields",
    "drift": "drift entries are hashed after a `drift` part: test_pulumi_drift_is_bound",
}


def other(value: Any, name: str) -> Any:
    """A value of the same kind as `value` that differs from it."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, Mode):
        return Mode.DATA if value is not Mode.DATA else Mode.MANAGED
    if isinstance(value, Action):
        return Action.CREATE if value is not Action.CREATE else Action.DELETE
    if isinstance(value, ReplaceOrder) or name == "replace_order":
        return (
            ReplaceOrder.CREATE_BEFORE_DELETE
            if value is not ReplaceOrder.CREATE_BEFORE_DELETE
            else ReplaceOrder.DELETE_BEFORE_CREATE
        )
    if isinstance(value, msgspec.Raw):
        return msgspec.Raw(b'{"mutated":true}')
    if isinstance(value, str):
        return value + "-mutated"
    if name == "index":
        return 7 if value != 7 else "k"
    if name in ("action_reason", "previous_address", "deposed", "deferred_reason", "deleted_with"):
        return "mutated"
    if name == "replace_paths":
        return (("mutated",),)
    if isinstance(value, tuple):
        return (*value, "mutated")
    if name == "pulumi":
        return PulumiStep(ops=("mutated",))
    raise AssertionError(f"no mutation for {name}={value!r}")


def tf_digest(changes: list[ResourceChange]) -> str:
    facts = terraform._PlanFacts(
        changes=changes, drift=[], outputs=(), variables={}, configuration=None, head={}
    )
    return terraform._digest(facts, PlanBuffer(b"{}", "plan.json"))


def test_the_decision_reads_fields_of_every_struct() -> None:
    # The derivation finds what is known to be read (else the scan itself is broken).
    assert {"type", "provider", "retain_on_delete", "protect_before", "links", "variables"} <= READ


@pytest.mark.parametrize("name", fields(ResourceChange))
def test_each_terraform_change_field_the_decision_reads_is_bound(name: str) -> None:
    if name not in READ:
        pytest.skip(f"the decision does not read ResourceChange.{name}")
    if name in TF_DERIVED:
        pytest.skip(f"derived: {TF_DERIVED[name]}")
    checked = 0
    for path in TF_PLANS:
        plan = load_plan(path)
        changes = list(plan.changes)
        if not changes:
            continue
        base = tf_digest(changes)
        first = changes[0]
        changes[0] = msgspec.structs.replace(first, **{name: other(getattr(first, name), name)})
        assert tf_digest(changes) != base, (path, name)
        checked += 1
    assert checked


def test_tf_derived_fields() -> None:
    for path in TF_PLANS:
        for change in load_plan(path).changes:
            normalized = normalize_actions(change.raw_actions, change.importing)
            assert normalized is not None
            assert (change.action, change.replace_order, change.forgets_old) == normalized
            assert change.pulumi is None


def pulumi_parts(change: ResourceChange, links: tuple[Link, ...]) -> bytes:
    parts = parse_urn(change.address)
    assert parts is not None, change.address
    entry = pulumi_common._UrnSteps(change.address, parts)
    return b"\0".join(bytes(p) for p in pulumi_common._digest_parts(entry, change, links))


def pulumi_changes() -> list[tuple[ResourceChange, tuple[Link, ...]]]:
    found = []
    for path in PULUMI_PLANS:
        plan = load_plan(path)
        links = {r.address: r.links for r in plan.resources}
        found += [(c, links.get(c.address, ())) for c in plan.changes if c.pulumi is not None]
    assert found
    return found


@pytest.mark.parametrize(
    "name", fields(ResourceChange) + [f"pulumi.{n}" for n in fields(PulumiStep)]
)
def test_each_pulumi_change_field_the_decision_reads_is_bound(name: str) -> None:
    field = name.removeprefix("pulumi.")
    if field not in READ:
        pytest.skip(f"the decision does not read {name}")
    if name in PULUMI_DERIVED:
        pytest.skip(f"derived: {PULUMI_DERIVED[name]}")
    for change, links in pulumi_changes():
        base = pulumi_parts(change, links)
        if name.startswith("pulumi."):
            assert change.pulumi is not None
            step = msgspec.structs.replace(
                change.pulumi, **{field: other(getattr(change.pulumi, field), field)}
            )
            mutated = msgspec.structs.replace(change, pulumi=step)
        else:
            mutated = msgspec.structs.replace(
                change, **{field: other(getattr(change, field), field)}
            )
        assert pulumi_parts(mutated, links) != base, (change.address, name)


@pytest.mark.parametrize("name", fields(Link))
def test_each_link_field_is_bound(name: str) -> None:
    for change, links in pulumi_changes():
        if not links:
            continue
        base = pulumi_parts(change, links)
        moved = msgspec.structs.replace(links[0], **{name: other(getattr(links[0], name), name)})
        assert pulumi_parts(change, (moved, *links[1:])) != base


def test_pulumi_derived_fields() -> None:
    for change, _ in pulumi_changes():
        parts = parse_urn(change.address)
        assert parts is not None and (change.type, change.name) == (parts.type, parts.name)
        assert change.module == "" and change.index is None
        assert change.action_reason is change.previous_address is change.deposed is None
        assert change.deferred_reason is None
        assert change.pulumi is not None and change.pulumi.ops == change.raw_actions
        for side, mask in (
            (change.before, change.before_sensitive),
            (change.after, change.after_sensitive),
        ):
            # A sensitive member is exactly a blinded secret of the bound inputs.
            assert (b"true" in bytes(mask)) == (b'"[secret]"' in bytes(side))


def test_pulumi_drift_is_bound() -> None:
    # A refresh that finds the object gone is drift: the same log without the refresh result
    # (the resource unchanged) digests differently.
    urn = "urn:pulumi:dev::shop::aws:sqs/queue:Queue::orders"
    side = {"type": "aws:sqs/queue:Queue", "urn": urn, "custom": True, "inputs": {"name": "o"}}

    def log(result: str) -> bytes:
        events = [
            {
                "resourcePreEvent": {
                    "metadata": {"op": "refresh", "urn": urn, "old": side, "new": side}
                }
            },
            {"resOutputsEvent": {"metadata": {"op": result, "urn": urn, "old": side, "new": side}}},
            {"summaryEvent": {"resourceChanges": {result: 1}}},
        ]
        return b"\n".join(json.dumps(e).encode() for e in events)

    gone, same = parse_plan(log("delete"), "a"), parse_plan(log("same"), "b")
    assert [c.drift for c in gone.drift] == [True] and same.drift == ()
    assert gone.digest != same.digest


# ---------------------------------------------------------------------------------------------
# Plan-level inputs of the decision, mutated in the input JSON.


def tf_document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / "terraform" / name / "plan.json").read_text())
    return document


def digest_of(document: dict[str, Any]) -> str:
    return parse_plan(json.dumps(document).encode(), "plan.json").digest


def mutate_tf(name: str, change: Any) -> tuple[str, str]:
    document = tf_document(name)
    base = digest_of(document)
    change(document)
    return base, digest_of(document)


def _set_type(document: dict[str, Any]) -> None:
    document["resource_changes"][0]["type"] = "aws_cloudwatch_log_group"


def _set_provider_name(document: dict[str, Any]) -> None:
    document["resource_changes"][0]["provider_name"] = "registry.terraform.io/evil/aws"


def _set_assume_role(document: dict[str, Any]) -> None:
    for block in document["configuration"]["provider_config"].values():
        block.setdefault("expressions", {})["assume_role"] = [
            {"role_arn": {"constant_value": "arn:aws:iam::111111111111:role/dev"}}
        ]


def _set_environment_variable(document: dict[str, Any]) -> None:
    document["variables"]["environment"] = {"value": "dev"}


def _set_tags(document: dict[str, Any]) -> None:
    resource = document["planned_values"]["root_module"]["resources"][0]
    resource["values"]["tags"] = {"Environment": "dev"}


def _set_depends_on(document: dict[str, Any]) -> None:
    resource = document["prior_state"]["values"]["root_module"]["resources"][0]
    resource["depends_on"] = []


def _set_sensitive_mask(document: dict[str, Any]) -> None:
    document["resource_changes"][0]["change"]["before_sensitive"] = {"deletion_protection": True}


@pytest.mark.parametrize(
    "mutation",
    [
        _set_type, _set_provider_name, _set_assume_role, _set_environment_variable, _set_tags,
        _set_depends_on, _set_sensitive_mask,
    ],
    ids=lambda f: f.__name__.removeprefix("_set_"),
)  # fmt: skip
def test_terraform_inputs_of_the_decision_change_the_digest(mutation: Any) -> None:
    base, mutated = mutate_tf("prod-db-delete-no-snapshot", mutation)
    assert base != mutated


def test_a_plan_field_the_decision_reads_is_bound_or_not_an_input() -> None:
    bound = {
        "changes": "every change (above)",
        "resources": "planned_values and prior_state (Terraform), the steps (Pulumi)",
        "variables": "the variables that name an environment",
        "configuration": "the configuration, whole",
        "pulumi_config": "the stack config",
        "drift": "the drift entries",
        "output_changes": "the output actions",
        "tool": "derived from the providers and configuration (bound) and the version",
        "digest": "the digest itself",
        "source": "the file name (not part of the plan)",
    }
    read = [name for name in fields(Plan) if name in READ]
    assert set(read) <= set(bound), set(read) - set(bound)


def test_a_sensitive_environment_variable_is_bound_by_name_only() -> None:
    document = tf_document("prod-db-delete-no-snapshot")
    document["variables"]["environment"] = {"value": "prod"}
    document.setdefault("configuration", {}).setdefault("root_module", {}).setdefault(
        "variables", {}
    )["environment"] = {"sensitive": True}
    base = digest_of(document)
    document["variables"]["environment"] = {"value": "something-else"}
    assert digest_of(document) == base  # (never read: its value is not hashed either)


# ---------------------------------------------------------------------------------------------
# The attack: evidence for a "kept in cloud" plan, replayed on the deleting plan.


def without_retain(path: Path, tmp_path: Path) -> Path:
    document = json.loads(path.read_text())
    for step in document["steps"]:
        for side in ("oldState", "newState"):
            if isinstance(step.get(side), dict):
                step[side].pop("retainOnDelete", None)
    out = tmp_path / "deleting.json"
    out.write_text(json.dumps(document, indent=4))
    return out


def test_evidence_for_a_kept_in_cloud_plan_does_not_count_for_the_deleting_plan(
    tmp_path: Path,
) -> None:
    kept = load_plan(FIXTURES / "pulumi/retain-on-delete/preview.json")
    deleting = load_plan(
        without_retain(FIXTURES / "pulumi/retain-on-delete/preview.json", tmp_path)
    )
    assert [c.address for c in kept.changes] == [c.address for c in deleting.changes]
    assert kept.digest != deleting.digest

    keys = KeyRing(tmp_path)
    trusted = [keys.trust("bob", "approval"), keys.trust("sandbox", "attestation")]
    now = utc_now()
    approval = build_approval(
        approver="bob", plan_digest=kept.digest, now=now, lifetime=timedelta(hours=1)
    )
    attestation = build_statement(
        kept, environment="sandbox", apply_exit_code=0, context=CiContext(None, None), now=now
    )
    approval_file = tmp_path / "approval.json"
    approval_file.write_bytes(encode_envelope(sign_approval(approval, keys.key("bob"))))
    attestation_file = tmp_path / "attestation.json"
    attestation_file.write_bytes(encode_envelope(sign_statement(attestation, keys.key("sandbox"))))
    evidence = load_evidence([approval_file, attestation_file])
    for plan, counts in ((kept, True), (deleting, False)):
        _, approvers = check_approvals(
            evidence, plan=plan, trusted=trusted, initiator="alice", now=now
        )
        _, covered = check_attestations(
            evidence, plan=plan, trusted=trusted, max_age=timedelta(hours=2), now=now
        )
        assert (approvers == ["bob"], covered) == (counts, counts), plan.source
