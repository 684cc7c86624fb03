"""Guard evaluation on decoded values: destroys, guard weakening, Pulumi options, masks."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from planrisk.model import Expression, PulumiStep
from planrisk.score.protections import (
    PULUMI_UNKNOWN,
    GuardHit,
    evaluate_guards,
    guard_attribute_names,
    guard_weakening,
    pulumi_guard_weakening,
    pulumi_guards,
)
from planrisk.score.risk_model import RiskModel, load_risk_model


@pytest.fixture(scope="module")
def model() -> RiskModel:
    return load_risk_model()


def hits(model: RiskModel, type_name: str, before: Any, mask: Any = None) -> set[tuple[str, str]]:
    return {(h.kind, h.text) for h in evaluate_guards(model.lookup(type_name), before, mask)}


DESTROYS = [
    (
        "rds_skip_final_snapshot",
        "aws_db_instance",
        {"deletion_protection": False, "skip_final_snapshot": True},
        {("destructive", "skip_final_snapshot=true")},
    ),
    (
        "rds_deletion_protection",
        "aws_db_instance",
        {"deletion_protection": True, "skip_final_snapshot": True},
        {("blocking", "deletion_protection=true"), ("destructive", "skip_final_snapshot=true")},
    ),
    (
        "rds_final_snapshot",
        "aws_db_instance",
        {
            "deletion_protection": False,
            "skip_final_snapshot": False,
            "final_snapshot_identifier": "db-final",
        },
        {("recovery", "final_snapshot_identifier=db-final")},
    ),
    (
        "rds_no_identifier_fails",
        "aws_db_instance",
        {
            "deletion_protection": False,
            "skip_final_snapshot": False,
            "final_snapshot_identifier": None,
        },
        {("blocking", "skip_final_snapshot=false without final_snapshot_identifier")},
    ),
    (
        "secret_immediate",
        "aws_secretsmanager_secret",
        {"recovery_window_in_days": 0},
        {("destructive", "recovery_window_in_days=0")},
    ),
    (
        "secret_window_30",
        "aws_secretsmanager_secret",
        {"recovery_window_in_days": 30},
        {("recovery", "recovery_window_in_days=30")},
    ),
    (
        "secret_window_default",
        "aws_secretsmanager_secret",
        {"name": "x"},
        {("recovery", "recovery_window_in_days=30 (default)")},
    ),
    (
        "kms_window_7",
        "aws_kms_key",
        {"deletion_window_in_days": 7},
        {("recovery", "deletion_window_in_days=7")},
    ),
    (
        "bucket_force_destroy",
        "aws_s3_bucket",
        {"force_destroy": True},
        {("destructive", "force_destroy=true")},
    ),
    (
        "bucket_not_empty_fails",
        "aws_s3_bucket",
        {"force_destroy": False},
        {("blocking", "force_destroy=false (delete fails if the bucket is not empty)")},
    ),
    (
        "log_group_kept",
        "aws_cloudwatch_log_group",
        {"skip_destroy": True},
        {("kept", "skip_destroy=true")},
    ),
    ("log_group_plain", "aws_cloudwatch_log_group", {"skip_destroy": False}, set()),
    (
        "cognito_active",
        "aws_cognito_user_pool",
        {"deletion_protection": "ACTIVE"},
        {("blocking", "deletion_protection=ACTIVE")},
    ),
    ("cognito_inactive", "aws_cognito_user_pool", {"deletion_protection": "INACTIVE"}, set()),
    (
        "dynamodb_pitr",
        "aws_dynamodb_table",
        {"deletion_protection_enabled": False, "point_in_time_recovery": [{"enabled": True}]},
        {("recovery", "point_in_time_recovery[0].enabled=true")},
    ),
    (
        "google_prevent",
        "google_sql_database",
        {"deletion_policy": "PREVENT"},
        {("blocking", "deletion_policy=PREVENT")},
    ),
    (
        "google_abandon",
        "google_storage_bucket",
        {"deletion_policy": "ABANDON", "force_destroy": True},
        {("kept", "deletion_policy=ABANDON"), ("destructive", "force_destroy=true")},
    ),
    (
        "google_project_default_prevent",
        "google_project",
        {"project_id": "p"},
        {("blocking", "deletion_policy=PREVENT (default)")},
    ),
    (
        "cloud_sql_api_protection",
        "google_sql_database_instance",
        {"deletion_protection": False, "settings": [{"deletion_protection_enabled": True}]},
        {("blocking", "settings[0].deletion_protection_enabled=true")},
    ),
    (
        "key_ring_always_kept",
        "google_kms_key_ring",
        {"name": "ring"},
        {("kept", "key rings cannot be deleted in GCP (destroy only drops it from state)")},
    ),
    (
        "pv_delete",
        "kubernetes_persistent_volume_v1",
        {"spec": [{"persistent_volume_reclaim_policy": "Delete"}]},
        {("destructive", "spec[0].persistent_volume_reclaim_policy=Delete")},
    ),
    ("unknown_type_no_guards", "acme_widget", {"deletion_protection": True}, set()),
    # Pulumi inputs: camelCase names and flattened single nested blocks.
    (
        "pulumi_camel_case",
        "aws:rds/instance:Instance",
        {"skipFinalSnapshot": True, "deletionProtection": True},
        {("blocking", "deletion_protection=true"), ("destructive", "skip_final_snapshot=true")},
    ),
    (
        "pulumi_flattened_block",
        "gcp:sql/databaseInstance:DatabaseInstance",
        {"deletionProtection": False, "settings": {"deletionProtectionEnabled": True}},
        {("blocking", "settings[0].deletion_protection_enabled=true")},
    ),
    (
        "pulumi_unknown_placeholder",
        "aws:rds/instance:Instance",
        {"deletionProtection": PULUMI_UNKNOWN, "skipFinalSnapshot": True},
        {("destructive", "skip_final_snapshot=true")},
    ),
]


@pytest.mark.parametrize(
    ("name", "type_name", "before", "expected"), DESTROYS, ids=[c[0] for c in DESTROYS]
)
def test_guards_on_destroy(
    model: RiskModel, name: str, type_name: str, before: Any, expected: set[tuple[str, str]]
) -> None:
    assert hits(model, type_name, before) == expected


def test_sensitive_value_never_in_text(model: RiskModel) -> None:
    before = {"skip_final_snapshot": False, "final_snapshot_identifier": "prod-secret-name"}
    mask = {"final_snapshot_identifier": True}
    result = evaluate_guards(model.lookup("aws_db_instance"), before, mask)
    assert result == (
        GuardHit(
            kind="recovery",
            attribute="final_snapshot_identifier",
            text="final_snapshot_identifier=(sensitive)",
        ),
    )


def test_whole_object_sensitive(model: RiskModel) -> None:
    result = evaluate_guards(
        model.lookup("aws_secretsmanager_secret"), {"recovery_window_in_days": 0}, True
    )
    assert [(h.kind, h.text) for h in result] == [
        ("destructive", "recovery_window_in_days=(sensitive)")
    ]


def test_pulumi_secret_is_neither_on_nor_shown(model: RiskModel) -> None:
    wrapped = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "value": True,
    }
    risk = model.lookup("aws:lb/loadBalancer:LoadBalancer")
    assert evaluate_guards(risk, {"enableDeletionProtection": wrapped}, None) == ()
    assert evaluate_guards(risk, {"enableDeletionProtection": "[secret]"}, None) == ()
    assert len(evaluate_guards(risk, {"enableDeletionProtection": True}, None)) == 1


PROPERTY_MODEL = load_risk_model()


@given(st.text(min_size=3).filter(lambda s: s.strip() and s not in ("true", "false", "null")))
def test_sensitive_identifier_text_property(identifier: str) -> None:
    risk = PROPERTY_MODEL.lookup("aws_rds_cluster")
    mask = {"final_snapshot_identifier": True}

    def texts(value: str) -> list[str]:
        before = {"skip_final_snapshot": False, "final_snapshot_identifier": value}
        return [hit.text for hit in evaluate_guards(risk, before, mask)]

    # (An identifier that is part of what is printed anyway, `ide` of the attribute's name,
    # says nothing about leaking.)
    assume(not any(identifier in text for text in texts("x")))
    shown = texts(identifier)
    assert shown  # the guard names the identifier (masked)
    for text in shown:
        assert identifier not in text


# -- provider `features` (azurerm) ------------------------------------------------------------


def features(**blocks: dict[str, Any]) -> dict[str, Any]:
    return {"features": [{name: [values] for name, values in blocks.items()}]}


def test_azurerm_purge_default_is_destructive(model: RiskModel) -> None:
    vault = model.lookup("azurerm_key_vault")
    before = {"purge_protection_enabled": False, "soft_delete_retention_days": 90}
    assert {(h.kind, h.text) for h in evaluate_guards(vault, before, {})} == {
        ("destructive", "features.key_vault.purge_soft_delete_on_destroy=true (default)")
    }
    empty = features()
    assert {h.kind for h in evaluate_guards(vault, before, {}, provider_config=empty)} == {
        "destructive"
    }


def test_azurerm_purge_disabled_gives_recovery(model: RiskModel) -> None:
    vault = model.lookup("azurerm_key_vault")
    before = {"purge_protection_enabled": False, "soft_delete_retention_days": 90}
    config = features(key_vault={"purge_soft_delete_on_destroy": {"constant_value": False}})
    assert {
        (h.kind, h.text) for h in evaluate_guards(vault, before, {}, provider_config=config)
    } == {("recovery", "soft_delete_retention_days=90")}
    as_struct = {
        "features": [
            {"key_vault": [{"purge_soft_delete_on_destroy": Expression(constant_value=False)}]}
        ]
    }
    assert {h.kind for h in evaluate_guards(vault, before, {}, provider_config=as_struct)} == {
        "recovery"
    }


def test_azurerm_purge_from_a_variable_is_unknown(model: RiskModel) -> None:
    vault = model.lookup("azurerm_key_vault")
    config = features(key_vault={"purge_soft_delete_on_destroy": {"references": ["var.purge"]}})
    before = {"purge_protection_enabled": True, "soft_delete_retention_days": 90}
    result = evaluate_guards(vault, before, {}, provider_config=config)
    assert [(h.kind, h.text) for h in result] == [("recovery", "purge_protection_enabled=true")]


def test_azurerm_resource_group_blocks_by_default(model: RiskModel) -> None:
    group = model.lookup("azurerm_resource_group")
    assert [h.kind for h in evaluate_guards(group, {"name": "rg"}, {})] == ["blocking"]
    config = features(
        resource_group={"prevent_deletion_if_contains_resources": {"constant_value": False}}
    )
    assert evaluate_guards(group, {"name": "rg"}, {}, provider_config=config) == ()


# -- guard weakening on update ----------------------------------------------------------------

WEAKENING = [
    (
        "deletion_protection_off",
        "aws_db_instance",
        {"deletion_protection": True, "skip_final_snapshot": True},
        {"deletion_protection": False, "skip_final_snapshot": True},
        {},
        {("blocking", "deletion_protection true→false")},
    ),
    (
        "deletion_protection_unknown",
        "aws_db_instance",
        {"deletion_protection": True, "skip_final_snapshot": True},
        {"skip_final_snapshot": True},
        {"deletion_protection": True},
        {("blocking", "deletion_protection true→(known after apply)")},
    ),
    (
        "skip_final_snapshot_on",
        "aws_db_instance",
        {"skip_final_snapshot": False, "final_snapshot_identifier": "f"},
        {"skip_final_snapshot": True, "final_snapshot_identifier": "f"},
        {},
        {("destructive", "skip_final_snapshot false→true")},
    ),
    (
        "identifier_removed",
        "aws_db_instance",
        {"skip_final_snapshot": False, "final_snapshot_identifier": "f"},
        {"skip_final_snapshot": False, "final_snapshot_identifier": None},
        {},
        {("recovery", "final_snapshot_identifier f→(unset)")},
    ),
    (
        "identifier_added_is_not_weakening",
        "aws_db_instance",
        {"skip_final_snapshot": False, "final_snapshot_identifier": None},
        {"skip_final_snapshot": False, "final_snapshot_identifier": "f"},
        {},
        set(),
    ),
    (
        "unknown_destructive_flag_is_not_on",
        "aws_s3_bucket",
        {"force_destroy": False},
        {},
        {"force_destroy": True},
        {("blocking", "force_destroy false→(known after apply)")},
    ),
    (
        "recovery_window_to_zero",
        "aws_secretsmanager_secret",
        {"recovery_window_in_days": 30},
        {"recovery_window_in_days": 0},
        {},
        {("destructive", "recovery_window_in_days 30→0")},
    ),
    (
        "prevent_to_delete",
        "google_sql_database_instance",
        {"deletion_protection": False, "deletion_policy": "PREVENT"},
        {"deletion_protection": False, "deletion_policy": "DELETE"},
        {},
        {("blocking", "deletion_policy PREVENT→DELETE")},
    ),
    (
        "prevent_to_abandon_keeps_object",
        "google_sql_database_instance",
        {"deletion_protection": False, "deletion_policy": "PREVENT"},
        {"deletion_protection": False, "deletion_policy": "ABANDON"},
        {},
        set(),
    ),
    (
        "skip_destroy_removed",
        "aws_cloudwatch_log_group",
        {"skip_destroy": True},
        {"skip_destroy": False},
        {},
        {("kept", "skip_destroy true→false")},
    ),
    (
        "unchanged",
        "aws_db_instance",
        {"deletion_protection": True},
        {"deletion_protection": True},
        {},
        set(),
    ),
    (
        "pulumi_camel_case",
        "aws:lb/loadBalancer:LoadBalancer",
        {"enableDeletionProtection": True},
        {"enableDeletionProtection": False},
        None,
        {("blocking", "enable_deletion_protection true→false")},
    ),
]


@pytest.mark.parametrize(
    ("name", "type_name", "before", "after", "unknown", "expected"),
    WEAKENING,
    ids=[c[0] for c in WEAKENING],
)
def test_guard_weakening(
    model: RiskModel,
    name: str,
    type_name: str,
    before: Any,
    after: Any,
    unknown: Any,
    expected: set[tuple[str, str]],
) -> None:
    result = guard_weakening(
        model.lookup(type_name), before, after, unknown, before_sensitive={}, after_sensitive={}
    )
    assert {(h.kind, h.text) for h in result} == expected


def test_weakening_without_masks_hides_values(model: RiskModel) -> None:
    result = guard_weakening(
        model.lookup("aws_secretsmanager_secret"),
        {"recovery_window_in_days": 30},
        {"recovery_window_in_days": 0},
        None,
    )
    assert [h.text for h in result] == ["recovery_window_in_days (sensitive)→(sensitive)"]


def test_weakening_with_sensitive_after(model: RiskModel) -> None:
    result = guard_weakening(
        model.lookup("aws_db_instance"),
        {"skip_final_snapshot": False, "final_snapshot_identifier": "old-name"},
        {"skip_final_snapshot": False, "final_snapshot_identifier": ""},
        {},
        before_sensitive={"final_snapshot_identifier": True},
        after_sensitive={},
    )
    assert [h.text for h in result] == ["final_snapshot_identifier (sensitive)→"]


# -- Pulumi resource options ------------------------------------------------------------------


def test_pulumi_protect_and_retain_on_delete() -> None:
    step = PulumiStep(ops=("delete",), protect_before=True, retain_on_delete=True)
    assert pulumi_guards(step) == (
        GuardHit(kind="blocking", attribute="protect", text="protect=true"),
        GuardHit(kind="kept", attribute="retainOnDelete", text="retainOnDelete=true"),
    )
    assert pulumi_guards(PulumiStep(ops=("delete",))) == ()


def test_pulumi_protect_removed() -> None:
    removed = PulumiStep(ops=("update",), protect_before=True, protect_after=False)
    assert pulumi_guard_weakening(removed) == (
        GuardHit(kind="blocking", attribute="protect", text="protect true→false"),
    )
    kept = PulumiStep(ops=("same",), protect_before=True, protect_after=True)
    assert pulumi_guard_weakening(kept) == ()
    deleted = PulumiStep(ops=("delete",), protect_before=True)
    assert pulumi_guard_weakening(deleted) == ()


def test_guard_attribute_names_cover_also_conditions(model: RiskModel) -> None:
    names = guard_attribute_names(model.lookup("aws_db_instance"))
    assert names == {
        "deletion_protection",
        "deletionProtection",
        "skip_final_snapshot",
        "skipFinalSnapshot",
        "final_snapshot_identifier",
        "finalSnapshotIdentifier",
    }
    vault = guard_attribute_names(model.lookup("azurerm_key_vault"))
    assert "features" not in vault and "purge_protection_enabled" in vault
    assert guard_attribute_names(model.lookup("google_kms_key_ring")) == {
        "deletion_policy",
        "deletionPolicy",
    }


def test_purge_protection_overrides_the_purge_default(model: RiskModel) -> None:
    vault = model.lookup("azurerm_key_vault")
    before = {"purge_protection_enabled": True, "soft_delete_retention_days": 90}
    assert [h.kind for h in evaluate_guards(vault, before, {})] == ["recovery"]
