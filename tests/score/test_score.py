"""Score stage: table-driven tests per factor, fixture behaviours, and recomputable reasons.

Changes are built by hand (independent of ingest) and scored through the real graph builder and
the built-in risk model; the property tests recompute every score of every fixture and corpus
plan from its rendered reason strings.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from planrisk.model import (
    Action,
    Assessment,
    ChangeScore,
    Environment,
    EnvironmentResult,
    Mode,
    PulumiStep,
    ReplaceOrder,
    Resource,
    ResourceChange,
    RiskLevel,
    Tool,
)
from planrisk.score.points import BLAST_CAP, blast_points
from planrisk.score.protections import PULUMI_UNKNOWN
from planrisk.score.risk_model import load_risk_model
from tests.support.builders import change, resource
from tests.support.corpus import corpus_plans
from tests.support.paths import CORPUS, FIXTURES
from tests.support.pipeline import analyze_isolated
from tests.support.scoring import assess, one, scored


def tags(s: ChangeScore) -> list[str]:
    return [r.tag for r in s.reasons]


# ---------------------------------------------------------------------------------------------
# Base by class × action × replace order

DBC = ReplaceOrder.DELETE_BEFORE_CREATE
CBD = ReplaceOrder.CREATE_BEFORE_DELETE

BASE_CASES = [
    # type, class, action, order, points
    ("aws_sqs_queue", "data-bearing", Action.DELETE, None, 70),
    ("aws_sqs_queue", "data-bearing", Action.REPLACE, DBC, 70),
    ("aws_sqs_queue", "data-bearing", Action.REPLACE, CBD, 65),
    ("aws_sqs_queue", "data-bearing", Action.UPDATE, None, 8),
    ("aws_vpc", "foundational", Action.DELETE, None, 60),
    ("aws_vpc", "foundational", Action.REPLACE, DBC, 60),
    ("aws_vpc", "foundational", Action.REPLACE, CBD, 45),
    ("aws_vpc", "foundational", Action.UPDATE, None, 8),
    ("aws_lambda_function", "standard", Action.DELETE, None, 35),
    ("aws_lambda_function", "standard", Action.REPLACE, DBC, 30),
    ("aws_lambda_function", "standard", Action.REPLACE, CBD, 15),
    ("aws_lambda_function", "standard", Action.UPDATE, None, 4),
    ("some_unlisted_type", "standard", Action.DELETE, None, 35),
    ("random_pet", "cheap", Action.DELETE, None, 5),
    ("random_pet", "cheap", Action.REPLACE, DBC, 4),
    ("random_pet", "cheap", Action.REPLACE, CBD, 2),
    ("random_pet", "cheap", Action.UPDATE, None, 1),
    ("aws_vpc", "foundational", Action.CREATE, None, 0),
    ("aws_sqs_queue", "data-bearing", Action.IMPORT, None, 0),
]


@pytest.mark.parametrize(("type_", "cls", "action", "order", "points"), BASE_CASES)
def test_base_points_by_class_action_and_replace_order(
    type_: str, cls: str, action: Action, order: ReplaceOrder | None, points: int
) -> None:
    s = one(change(f"{type_}.x", type_, action, replace_order=order, before={}, after={}))
    assert s.risk_class == cls
    base = s.reasons[0]
    assert (base.tag, base.points) == ("base", points)
    assert s.score == points
    assert s.level is RiskLevel.for_score(points)


def test_guard_class_delete_is_a_weakening_but_its_replace_is_not() -> None:
    deleted = one(change("aws_s3_bucket_versioning.v", "aws_s3_bucket_versioning", Action.DELETE))
    assert deleted.risk_class == "guard"
    assert [r.points for r in deleted.reasons if r.kind == "add"] == [8, 30]
    assert deleted.guard_weakening and deleted.score == 38
    replaced = one(change("aws_s3_bucket_versioning.v", "aws_s3_bucket_versioning", Action.REPLACE))
    assert not replaced.guard_weakening and replaced.score == 8


# ---------------------------------------------------------------------------------------------
# Guards of a destroy (read from `before`) and their precedence

DB = "aws_db_instance"

GUARD_CASES = [
    # before, tag, points, text fragment, irreversible, apply fails
    (
        {"deletion_protection": True, "skip_final_snapshot": True},
        "guard_blocking",
        -30,
        "blocked by deletion_protection=true: apply will fail",
        False,
        True,
    ),
    (
        {"deletion_protection": False, "skip_final_snapshot": True},
        "guard_destructive",
        15,
        "no recovery: skip_final_snapshot=true",
        True,
        False,
    ),
    (
        {"skip_final_snapshot": False, "final_snapshot_identifier": "orders-final"},
        "guard_recovery",
        -15,
        "recoverable: final_snapshot_identifier=orders-final",
        False,
        False,
    ),
    (
        {"final_snapshot_identifier": None},
        "guard_blocking",
        -30,
        "skip_final_snapshot=false without final_snapshot_identifier",
        False,
        True,
    ),
]


@pytest.mark.parametrize(("before", "tag", "points", "text", "irreversible", "fails"), GUARD_CASES)
def test_destroy_guard_kinds(
    before: dict[str, Any], tag: str, points: int, text: str, irreversible: bool, fails: bool
) -> None:
    s = one(change("aws_db_instance.db", DB, Action.DELETE, before=before))
    guard = [r for r in s.reasons if r.tag.startswith("guard_")]
    assert len(guard) == 1
    assert (guard[0].tag, guard[0].points) == (tag, points)
    assert text in guard[0].text
    assert (s.irreversible_data_loss, s.apply_will_fail) == (irreversible, fails)
    assert s.score == 70 + points


def test_data_delete_without_any_guard_is_irreversible() -> None:
    s = one(change("aws_sqs_queue.q", "aws_sqs_queue", Action.DELETE, before={"name": "q"}))
    assert s.irreversible_data_loss and tags(s) == ["base", "environment"]


def test_force_destroy_is_a_destructive_flag() -> None:
    s = one(
        change("aws_s3_bucket.b", "aws_s3_bucket", Action.DELETE, before={"force_destroy": True})
    )
    assert "guard_destructive" in tags(s) and s.irreversible_data_loss
    assert s.score == 85


PRECEDENCE_MODEL = """
schema_version = 1
[[resource]]
type = "acme_store"
class = "data-bearing"
[[resource.guard]]
kind = "recovery"
attribute = "soft_delete_days"
when = "at_least"
value = 7
[[resource.guard]]
kind = "destructive"
attribute = "purge_on_destroy"
when = "true"
[[resource.guard]]
kind = "blocking"
attribute = "locked"
when = "true"
[[resource.guard]]
kind = "kept"
attribute = "abandon"
when = "true"
"""


@pytest.mark.parametrize(
    ("before", "tag"),
    [
        ({"soft_delete_days": 30}, "guard_recovery"),
        ({"soft_delete_days": 30, "purge_on_destroy": True}, "guard_destructive"),
        ({"soft_delete_days": 30, "purge_on_destroy": True, "locked": True}, "guard_blocking"),
        ({"purge_on_destroy": True, "locked": True, "abandon": True}, "kept_in_cloud"),
    ],
)
def test_guard_precedence_kept_blocking_destructive_recovery(
    tmp_path: Path, before: dict[str, Any], tag: str
) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(PRECEDENCE_MODEL, encoding="utf-8")
    model = load_risk_model([path])
    s = one(change("acme_store.s", "acme_store", Action.DELETE, before=before), model=model)
    found = [t for t in tags(s) if t.startswith("guard_") or t == "kept_in_cloud"]
    assert found == [tag]
    assert s.irreversible_data_loss is (tag == "guard_destructive")


def test_unknown_value_is_never_a_guard() -> None:
    step = PulumiStep(ops=("delete",))
    s = one(
        change(
            "urn:pulumi:prod::p::aws:rds/instance:Instance::db",
            "aws:rds/instance:Instance",
            Action.DELETE,
            before={"deletionProtection": PULUMI_UNKNOWN, "skipFinalSnapshot": True},
            pulumi=step,
        ),
        tool=Tool.PULUMI,
    )
    assert "guard_blocking" not in tags(s)
    assert "guard_destructive" in tags(s)
    # An update whose new value is known only after apply removes the guard.
    weakened = one(
        change(
            "aws_db_instance.db",
            DB,
            Action.UPDATE,
            before={"deletion_protection": True},
            after={},
            after_unknown={"deletion_protection": True},
        )
    )
    assert weakened.guard_weakening
    assert "deletion_protection true→(known after apply)" in weakened.reasons[1].text


def test_sensitive_guard_value_is_never_printed() -> None:
    s = one(
        change(
            "aws_db_instance.db",
            DB,
            Action.DELETE,
            before={"skip_final_snapshot": False, "final_snapshot_identifier": "snap-s3cr3t"},
            before_sensitive={"final_snapshot_identifier": True},
        )
    )
    rendered = " ".join(r.render() for r in s.reasons)
    assert "snap-s3cr3t" not in rendered
    assert "recoverable: final_snapshot_identifier=(sensitive)" in rendered


# ---------------------------------------------------------------------------------------------
# Guard weakening on an update


WEAKENING_CASES = [
    (DB, {"deletion_protection": True}, {"deletion_protection": False}, "deletion_protection"),
    (
        "aws_s3_bucket",
        {"force_destroy": False},
        {"force_destroy": True},
        "force_destroy false→true",
    ),
    (
        DB,
        {"skip_final_snapshot": False, "final_snapshot_identifier": None},
        {"skip_final_snapshot": True, "final_snapshot_identifier": None},
        "skip_final_snapshot false→true",
    ),
]


@pytest.mark.parametrize(("type_", "before", "after", "text"), WEAKENING_CASES)
def test_guard_weakening_on_update(
    type_: str, before: dict[str, Any], after: dict[str, Any], text: str
) -> None:
    s = one(change(f"{type_}.x", type_, Action.UPDATE, before=before, after=after))
    weak = [r for r in s.reasons if r.tag == "guard_weakening"]
    assert len(weak) == 1 and weak[0].points == 30 and text in weak[0].text
    assert s.guard_weakening and s.score == 38


def test_update_that_keeps_the_guard_is_not_weakening() -> None:
    s = one(
        change(
            "aws_db_instance.db",
            DB,
            Action.UPDATE,
            before={"deletion_protection": True, "tags": {"a": "1"}},
            after={"deletion_protection": True, "tags": {"a": "2"}},
        )
    )
    assert not s.guard_weakening and s.score == 8


def test_pulumi_protect_removed_is_weakening() -> None:
    step = PulumiStep(ops=("update",), protect_before=True, protect_after=False)
    s = one(
        change(
            "urn:pulumi:prod::p::aws:sqs/queue:Queue::q",
            "aws:sqs/queue:Queue",
            Action.UPDATE,
            before={},
            after={},
            pulumi=step,
        ),
        tool=Tool.PULUMI,
    )
    assert s.guard_weakening and "protect true→false" in s.reasons[1].text and s.score == 38


def test_prevent_destroy_removed_in_source_is_weakening() -> None:
    c = change("aws_sqs_queue.jobs[0]", "aws_sqs_queue", Action.UPDATE, before={}, after={})
    s = one(c, prevent_destroy_removed=frozenset({"aws_sqs_queue.jobs"}))
    assert s.guard_weakening
    assert (
        s.reasons[-2].text == "guard removed: lifecycle.prevent_destroy deleted from the .tf source"
    )
    assert s.score == 38


# ---------------------------------------------------------------------------------------------
# Kept in cloud: never a delete

KEPT_CASES = [
    (
        change("aws_s3_bucket.b", "aws_s3_bucket", Action.FORGET, before={"force_destroy": True}),
        "forget",
    ),
    (
        change(
            "aws_iam_role.r",
            "aws_iam_role",
            Action.REPLACE,
            replace_order=CBD,
            forgets_old=True,
            before={},
            after={},
        ),
        "old object forgotten",
    ),
    (
        change(
            "urn:pulumi:prod::p::aws:rds/instance:Instance::db",
            "aws:rds/instance:Instance",
            Action.DELETE,
            before={"skipFinalSnapshot": True},
            pulumi=PulumiStep(ops=("delete",), retain_on_delete=True),
        ),
        "retainOnDelete=true",
    ),
    (
        change(
            "aws_cloudwatch_log_group.l",
            "aws_cloudwatch_log_group",
            Action.DELETE,
            before={"skip_destroy": True},
        ),
        "skip_destroy=true",
    ),
    (
        change(
            "google_sql_database_instance.db",
            "google_sql_database_instance",
            Action.DELETE,
            before={"deletion_policy": "ABANDON", "deletion_protection": False},
        ),
        "deletion_policy=ABANDON",
    ),
]


@pytest.mark.parametrize(("c", "text"), KEPT_CASES, ids=[t for _, t in KEPT_CASES])
def test_kept_in_cloud_is_never_a_delete(c: ResourceChange, text: str) -> None:
    a = assess(c, tool=Tool.PULUMI if c.pulumi else Tool.TERRAFORM)
    s = a.changes[0]
    assert s.kept_in_cloud and s.score == 0 and s.level is RiskLevel.NONE
    assert s.reasons[0].tag == "kept_in_cloud" and text in s.reasons[0].text
    assert not s.irreversible_data_loss and s.blast_radius.count == 0
    assert a.risk.destroyed_ratio == 0.0


# ---------------------------------------------------------------------------------------------
# Blast radius


@pytest.mark.parametrize(
    ("dependents", "weighted"),
    [
        (["aws_sqs_queue"], 3.0),
        (["aws_subnet", "aws_subnet"], 4.0),
        (["aws_lambda_function", "random_pet"], 1.25),
        (["aws_sqs_queue"] * 40, 120.0),
    ],
)
def test_blast_radius_weights_by_class_and_cap(dependents: list[str], weighted: float) -> None:
    resources = (
        *tuple(resource(f"{t}.d{i}", t, "aws_vpc.main") for i, t in enumerate(dependents)),
        resource("aws_vpc.main", "aws_vpc"),
    )
    s = one(change("aws_vpc.main", "aws_vpc", Action.DELETE, before={}), resources=resources)
    assert s.blast_radius.count == len(dependents)
    assert s.blast_radius.weighted == weighted
    expected = min(BLAST_CAP, int(Decimal(5 * math.log2(1 + weighted)).quantize(1, ROUND_HALF_UP)))
    blast = next(r for r in s.reasons if r.tag == "blast_radius")
    assert blast.points == expected == blast_points(weighted)
    assert f"{len(dependents)} dependent" in blast.text and f"weight {weighted:g}" in blast.text


def test_blast_radius_is_transitive_and_skips_data_sources_and_creates() -> None:
    resources = (
        resource("aws_vpc.main", "aws_vpc"),
        resource("aws_subnet.a", "aws_subnet", "aws_vpc.main"),
        resource("aws_instance.app", "aws_instance", "aws_subnet.a"),
        resource("data.aws_ami.x", "aws_ami", "aws_vpc.main", mode=Mode.DATA),
        resource("aws_subnet.new", "aws_subnet", "aws_vpc.main"),
    )
    a = assess(
        change("aws_vpc.main", "aws_vpc", Action.DELETE, before={}),
        change("aws_subnet.new", "aws_subnet", Action.CREATE, after={}),
        resources=resources,
    )
    s = scored(a, "aws_vpc.main")
    assert set(s.blast_radius.top) == {"aws_subnet.a", "aws_instance.app"}
    assert s.blast_radius.weighted == 3.0


def test_component_parent_edges_do_not_spread_the_blast_radius() -> None:
    """A component that depends on X does not take its children down with X (stack alike)."""
    from planrisk.model import Link

    urn = "urn:pulumi:prod::p::"
    comp = f"{urn}acme:x:Store::store"
    child = f"{urn}acme:x:Store$aws:sqs/queue:Queue::q"
    custom_child = f"{urn}aws:ec2/vpc:Vpc$aws:ec2/subnet:Subnet::s"
    vpc = f"{urn}aws:ec2/vpc:Vpc::v"
    resources = (
        Resource(address=vpc, type="aws:ec2/vpc:Vpc", name="v"),
        Resource(
            address=comp,
            type="acme:x:Store",
            name="store",
            mode=Mode.COMPONENT,
            links=(Link(vpc, "depends_on"),),
        ),
        Resource(
            address=child, type="aws:sqs/queue:Queue", name="q", links=(Link(comp, "parent"),)
        ),
        Resource(
            address=custom_child,
            type="aws:ec2/subnet:Subnet",
            name="s",
            links=(Link(vpc, "parent"),),
        ),
    )
    s = one(
        change(
            vpc, "aws:ec2/vpc:Vpc", Action.DELETE, before={}, pulumi=PulumiStep(ops=("delete",))
        ),
        resources=resources,
        tool=Tool.PULUMI,
    )
    assert set(s.blast_radius.top) == {custom_child}
    component = one(
        change(comp, "acme:x:Store", Action.DELETE, mode=Mode.COMPONENT),
        resources=resources,
        tool=Tool.PULUMI,
    )
    assert component.score == 0 and "no cloud object" in component.reasons[0].text


# ---------------------------------------------------------------------------------------------
# Credential rotation


def test_replaced_password_generator_rotates_a_database_credential() -> None:
    resources = (
        resource("random_password.db", "random_password"),
        resource("aws_db_instance.main", DB, "random_password.db"),
    )
    a = assess(
        change("random_password.db", "random_password", Action.REPLACE, before={}, after={}),
        change(
            "aws_db_instance.main",
            DB,
            Action.UPDATE,
            before={"password": "old-pw-value", "deletion_protection": True},
            after={"deletion_protection": True},
            after_unknown={"password": True},
            before_sensitive={"password": True},
        ),
        resources=resources,
    )
    s = scored(a, "random_password.db")
    rotation = next(r for r in s.reasons if r.tag == "credential_rotation")
    assert rotation.points == 30
    assert rotation.text == "rotates credential of data-bearing aws_db_instance.main.password"
    assert "old-pw-value" not in " ".join(r.render() for r in s.reasons)


def test_password_generator_without_credential_use_is_just_cheap() -> None:
    resources = (
        resource("random_password.x", "random_password"),
        resource("aws_sqs_queue.q", "aws_sqs_queue", "random_password.x"),
    )
    s = one(
        change("random_password.x", "random_password", Action.REPLACE, before={}, after={}),
        resources=resources,
    )
    assert "credential_rotation" not in tags(s)


# ---------------------------------------------------------------------------------------------
# Environment multiplier and clamp


@pytest.mark.parametrize(
    ("name", "treated", "factor", "score"),
    [
        ("prod", "prod", 1.0, 70),
        ("unknown", "prod", 1.0, 70),
        ("staging", "staging", 0.7, 49),
        ("dev", "dev", 0.5, 35),
        ("sandbox", "sandbox", 0.3, 21),
    ],
)
def test_environment_multiplier(name: str, treated: str, factor: float, score: int) -> None:
    env = EnvironmentResult(name=Environment(name), treated_as=Environment(treated))
    s = one(change("aws_sqs_queue.q", "aws_sqs_queue", Action.DELETE, before={}), environment=env)
    multiplier = next(r for r in s.reasons if r.kind == "multiply")
    assert multiplier.points == factor and multiplier.text == env.label
    assert s.score == score


def test_rounding_is_half_up() -> None:
    # 15 × 0.7 = 10.5 → 11 (a reviewer rounds half up; binary floats and banker's rounding
    # would give 10).
    env = EnvironmentResult(name=Environment.STAGING, treated_as=Environment.STAGING)
    s = one(
        change(
            "aws_lambda_function.f",
            "aws_lambda_function",
            Action.REPLACE,
            replace_order=CBD,
            before={},
            after={},
        ),
        environment=env,
    )
    assert s.score == 11


def test_clamp_to_100_is_an_explained_term() -> None:
    resources = (
        resource("aws_s3_bucket.b", "aws_s3_bucket"),
        *tuple(
            resource(f"aws_s3_object.o{i}", "aws_s3_object", "aws_s3_bucket.b") for i in range(30)
        ),
    )
    s = one(
        change("aws_s3_bucket.b", "aws_s3_bucket", Action.DELETE, before={"force_destroy": True}),
        resources=resources,
    )
    assert s.score == 100
    assert s.reasons[-1].tag == "clamp" and s.reasons[-1].render() == "clamped to 100 -10"


# ---------------------------------------------------------------------------------------------
# The plan: worst, breadth, mass destruction, teardown


def _estate(n: int, deleted: int, cls_type: str = "aws_vpc") -> Assessment:
    resources = tuple(resource(f"{cls_type}.r{i}", cls_type) for i in range(n))
    changes = tuple(
        change(f"{cls_type}.r{i}", cls_type, Action.DELETE, before={}) for i in range(deleted)
    )
    return assess(*changes, resources=resources)


@pytest.mark.parametrize(
    ("n", "deleted", "breadth", "mass", "teardown"),
    [
        (10, 1, 0, 0, False),
        (10, 2, 3, 0, False),
        (40, 4, 9, 0, False),  # fewer than 5 destroyed: no mass term
        (20, 5, 12, 10, False),  # 25%
        (10, 5, 12, 20, False),  # 50%
        (10, 9, 15, 20, True),  # 90%: teardown
    ],
)
def test_plan_breadth_mass_and_teardown(
    n: int, deleted: int, breadth: int, mass: int, teardown: bool
) -> None:
    a = _estate(n, deleted)
    points = {r.tag: r.points for r in a.risk.reasons}
    assert points["worst"] == 60
    assert points.get("breadth", 0) == breadth
    assert points.get("mass_destruction", 0) == mass
    assert a.risk.teardown is teardown
    assert a.risk.destroyed_ratio == round(deleted / n, 4)
    assert a.risk.score == min(100, 60 + breadth + mass)


def test_tag_only_updates_add_nothing_at_plan_level() -> None:
    changes = tuple(
        change(f"aws_s3_bucket.b{i}", "aws_s3_bucket", Action.UPDATE, before={}, after={})
        for i in range(200)
    )
    a = assess(*changes)
    assert a.risk.score == 8 and a.risk.level is RiskLevel.LOW
    assert [r.tag for r in a.risk.reasons] == ["worst"]


def test_deposed_objects_count_as_objects() -> None:
    resources = (resource("aws_instance.web", "aws_instance"),)
    a = assess(
        change("aws_instance.web", "aws_instance", Action.DELETE, before={}, deposed="aaaa1111"),
        change("aws_instance.web", "aws_instance", Action.DELETE, before={}, deposed="bbbb2222"),
        resources=resources,
    )
    assert a.risk.destroyed_ratio == round(2 / 3, 4) and not a.risk.teardown


# ---------------------------------------------------------------------------------------------
# Fixture behaviours (through the pipeline)


def fixture_plan(name: str) -> Path:
    folder = FIXTURES / name
    return next(p for p in sorted(folder.iterdir()) if p.name != "SOURCE.md")


def run(name: str, env: str = "auto") -> Assessment:
    return analyze_isolated(fixture_plan(name), Path("/"), env=env).assessment


def test_fixture_data_delete_no_recovery_is_critical_and_says_why() -> None:
    a = run("terraform/data-delete-no-recovery")
    db = scored(a, "aws_db_instance.orders")
    assert a.environment.name == "prod"
    assert db.level is RiskLevel.CRITICAL and db.irreversible_data_loss
    assert [r.render() for r in db.reasons if r.kind == "add"] == [
        "data-bearing delete +70",
        "no recovery: skip_final_snapshot=true +15",
        "1 dependent, weight 0.25 +2",
    ]
    assert [(r.text, r.points) for r in db.reasons if r.kind == "multiply"] == [("prod", 1.0)]
    assert db.score == 87
    assert a.risk.level is RiskLevel.CRITICAL


def test_fixture_db_delete_protected_will_fail() -> None:
    db = scored(run("terraform/db-delete-protected"), "aws_db_instance.orders")
    assert db.apply_will_fail and not db.irreversible_data_loss
    assert "blocked by deletion_protection=true: apply will fail -30" in [
        r.render() for r in db.reasons
    ]
    assert db.score == 42


def test_fixture_guard_weakening() -> None:
    a = run("terraform/guard-weakening")
    assert all(s.guard_weakening and s.score == 38 for s in a.changes)
    assert {s.change.address for s in a.changes} == {
        "aws_db_instance.orders",
        "aws_s3_bucket.exports",
    }


def test_fixture_vpc_replace_cascade_reports_its_real_dependents() -> None:
    a = run("terraform/vpc-replace-cascade")
    vpc = scored(a, "aws_vpc.main")
    expected = {
        "aws_subnet.private[0]", "aws_subnet.private[1]", "aws_subnet.public[0]",
        "aws_subnet.public[1]", "aws_security_group.app", "aws_security_group.db",
        "aws_route_table.public", "aws_route_table_association.public[0]",
        "aws_route_table_association.public[1]", "aws_internet_gateway.main",
        "aws_instance.app[0]", "aws_instance.app[1]", "aws_db_subnet_group.orders",
        "aws_db_instance.orders",
    }  # fmt: skip
    assert vpc.blast_radius.count == len(expected) == 14
    assert set(vpc.blast_radius.top) <= expected
    assert vpc.blast_radius.by_class == {
        "cheap": 2, "data-bearing": 1, "foundational": 9, "standard": 2
    }  # fmt: skip
    assert vpc.blast_radius.weighted == 23.5 and vpc.score == 83
    assert a.risk.level is RiskLevel.CRITICAL


def test_fixture_forget_bucket_is_never_a_delete() -> None:
    a = run("terraform/forget-bucket")
    (s,) = a.changes
    assert s.kept_in_cloud and s.score == 0 and not s.change.is_destructive
    assert a.risk.score == 0


def test_fixture_tag_only_update_scores_low() -> None:
    a = run("terraform/tag-only-update")
    assert a.risk.level is RiskLevel.LOW
    assert all(s.level is RiskLevel.LOW for s in a.changes)


def test_fixture_credential_rotation() -> None:
    s = scored(run("terraform/credential-rotation"), "random_password.db")
    assert "credential_rotation" in tags(s) and s.score == 44


def test_fixture_teardown() -> None:
    a = run("terraform/teardown")
    assert a.risk.teardown and a.risk.destroyed_ratio == 1.0
    assert any(r.tag == "mass_destruction" and r.points == 20 for r in a.risk.reasons)


def test_fixture_pulumi_retain_on_delete_and_protect_removed() -> None:
    retained = run("pulumi/retain-on-delete").changes[0]
    assert retained.kept_in_cloud and retained.score == 0
    a = run("pulumi/protect-removed")
    db = next(s for s in a.changes if s.change.type == "aws:rds/instance:Instance")
    assert db.guard_weakening and db.score == 38
    queue = next(s for s in a.changes if s.change.type == "aws:sqs/queue:Queue")
    assert queue.blast_radius.count == 0 and queue.score == 70


def test_fixture_rename_without_moved_suggests_the_moved_block() -> None:
    a = run("terraform/rename-without-moved")
    hints = [h for s in a.changes for h in s.hints]
    assert any(
        "moved {\n  from = aws_s3_bucket.logs\n  to   = aws_s3_bucket.audit_logs\n}" in h
        for h in hints
    )


def test_fixture_count_to_for_each_explains_the_deletes() -> None:
    a = run("terraform/count-to-for-each")
    deletes = [s for s in a.changes if s.change.action is Action.DELETE]
    assert deletes and all(s.hints for s in deletes)


# ---------------------------------------------------------------------------------------------
# Property: every score can be recomputed from its rendered reasons

_RENDERED = re.compile(r"^(?P<text>.*) (?P<op>[+\-×])(?P<num>[0-9.]+(?:e[+-]?\d+)?)$")


def recompute(rendered: list[str]) -> tuple[int, int]:
    """(score by the documented formula, score by reading the terms in order)."""
    before = Decimal(0)
    factor: Decimal | None = None
    after = 0
    for line in rendered:
        match = _RENDERED.match(line)
        assert match is not None, line
        number = Decimal(match["num"])
        if match["op"] == "×":
            assert factor is None, "one multiplier per score"
            factor = number
        elif factor is None:
            before += number if match["op"] == "+" else -number
        else:
            after += int(number if match["op"] == "+" else -number)
    assert factor is not None, "every change score states its environment factor"
    scaled = int((before * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(0, min(100, scaled)), scaled + after


def check_assessment(a: Assessment) -> None:
    order = [(-s.score, s.change.address, s.change.deposed or "") for s in a.changes]
    assert order == sorted(order), "changes are listed by score, then address and deposed key"
    for s in a.changes:
        rendered = [r.render() for r in s.reasons]
        formula, in_order = recompute(rendered)
        assert s.score == formula == in_order, (s.change.address, rendered)
        assert s.level is RiskLevel.for_score(s.score)
    plan_points = [r.render() for r in a.risk.reasons]
    total = 0
    for line in plan_points:
        match = _RENDERED.match(line)
        assert match is not None and match["op"] != "×", line
        total += int(match["num"]) * (1 if match["op"] == "+" else -1)
    assert total == a.risk.score, plan_points
    worst = max((s.score for s in a.changes), default=0)
    assert worst <= a.risk.score <= 100


FIXTURE_PLANS = sorted(
    str(p.relative_to(FIXTURES))
    for tool in ("terraform", "pulumi")
    for p in (FIXTURES / tool).glob("*/*")
    if p.suffix in (".json", ".ndjson") and p.name != "SOURCE.md"
)


@pytest.mark.parametrize("relative", FIXTURE_PLANS)
@pytest.mark.parametrize("env", ["auto", "staging", "sandbox"])
def test_every_fixture_score_recomputes_from_its_reasons(relative: str, env: str) -> None:
    analysis = analyze_isolated(FIXTURES / relative, Path("/"), env=env)
    check_assessment(analysis.assessment)


def test_every_corpus_score_recomputes_from_its_reasons() -> None:
    paths = corpus_plans()
    if not paths:
        pytest.skip(f"corpus not found at {CORPUS} (shared/corpus is not checked out)")
    for path in paths:
        analysis = analyze_isolated(CORPUS / path, Path("/"))
        check_assessment(analysis.assessment)
