"""Environment classification: whole tokens, config globs, plan signals, conflicts and --env."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from planrisk.classify.environment import classify_environment
from planrisk.classify.tokens import environment_of
from planrisk.config import EnvironmentMapping, PlanriskConfig
from planrisk.errors import PlanriskError
from planrisk.model import (
    Action,
    Configuration,
    EnvironmentResult,
    Plan,
    ProviderConfig,
    PulumiStep,
    Resource,
    ResourceChange,
    Tool,
    Variable,
)
from tests.support import builders
from tests.support.builders import make_plan, raw
from tests.support.paths import FIXTURES


def change(address: str, *, after: Any = None, sensitive: Any = None, **kw: Any) -> ResourceChange:
    """An update of an S3 bucket unless told otherwise, its sensitive mask `{}` by default."""
    return builders.change(
        address,
        kw.pop("type", "aws_s3_bucket"),
        kw.pop("action", Action.UPDATE),
        after=after,
        after_sensitive=sensitive if sensitive is not None else {},
        **kw,
    )


def plan(**kw: Any) -> Plan:
    return make_plan(*kw.pop("changes", ()), **kw)


def tagged(address: str, tags: dict[str, str]) -> ResourceChange:
    return change(address, after={"bucket": "b", "tags": tags, "tags_all": tags})


@pytest.fixture(autouse=True)
def neutral_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the root of a repository whose path names no environment."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root


def classify(p: Plan, **kw: Any) -> EnvironmentResult:
    kw.setdefault("environ", {})
    return classify_environment(p, **kw)


@pytest.mark.parametrize(
    ("workspace", "expected"),
    [
        ("prod-eu", "prod"),
        ("production", "prod"),
        ("prd", "prod"),
        ("prod1", "prod"),
        ("app-PROD", "prod"),
        ("live", "prod"),
        ("non-prod", "staging"),
        ("nonprod", "staging"),
        ("nonproduction", "staging"),
        ("NonProd", "staging"),
        ("preprod", "staging"),
        ("pre-prod", "staging"),
        ("uat", "staging"),
        ("stg02", "staging"),
        ("dev-alice", "dev"),
        ("development", "dev"),
        ("sandbox", "sandbox"),
        ("pr-123", "sandbox"),
        ("preview-pr-123", "sandbox"),
        ("pr123", "sandbox"),
        ("product-catalog", "unknown"),
        ("reproduce", "unknown"),
        ("default", "unknown"),
    ],
)
def test_tricky_workspace_names(workspace: str, expected: str) -> None:
    result = classify(plan(), environ={"TF_WORKSPACE": workspace})
    assert result.name == expected
    assert result.treated_as == ("prod" if expected == "unknown" else expected)
    if expected != "unknown":
        assert result.evidence == (f"TF_WORKSPACE={workspace} → {expected}",)


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        ("live/prod/vpc", True, "prod"),
        ("live/app/vpc", True, None),
        ("live/staging/db", True, "staging"),
        ("non-prod/us-east-1/qa/mysql", True, "staging"),
        ("2-environments/envs/nonproduction", True, "staging"),
        ("producer/queue", True, None),
    ],
)
def test_path_tokens(text: str, path: bool, expected: str | None) -> None:
    assert environment_of(text, path=path) == expected


def test_live_prod_path_is_prod_by_token_prod(neutral_cwd: Path) -> None:
    plan_path = neutral_cwd / "live" / "prod" / "vpc" / "plan.json"
    result = classify(plan(), plan_path=plan_path)
    assert result.name == "prod"
    assert result.evidence == ("plan path live/prod/vpc → prod",)
    assert classify(plan(), plan_path=neutral_cwd / "live" / "plan.json").name == "unknown"


def test_working_directory_counts(neutral_cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = neutral_cwd / "envs" / "staging"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert classify(plan()).evidence == ("working directory envs/staging → staging",)


def test_explicit_cwd_is_used_instead_of_the_process_cwd(neutral_cwd: Path) -> None:
    work = neutral_cwd / "stacks" / "sandbox" / "app"
    work.mkdir(parents=True)
    result = classify(plan(), cwd=work)
    assert result.evidence == ("working directory stacks/sandbox/app → sandbox",)


def test_no_evidence_is_unknown_treated_as_prod() -> None:
    result = classify(plan(changes=(change("aws_s3_bucket.logs", after={"bucket": "logs"}),)))
    assert (result.name, result.treated_as) == ("unknown", "prod")
    assert result.evidence == ("no environment evidence: unknown, treated as prod",)


def test_tags_name_the_environment() -> None:
    p = plan(
        changes=(
            tagged("aws_s3_bucket.a", {"Environment": "staging"}),
            tagged("aws_s3_bucket.b", {"Environment": "staging"}),
        )
    )
    result = classify(p)
    assert result.name == "staging"
    assert result.evidence == (
        "tag Environment=staging on 2 resources, e.g. aws_s3_bucket.a → staging",
    )


def test_live_as_tag_value_is_prod() -> None:
    assert classify(plan(changes=(tagged("aws_s3_bucket.a", {"env": "live"}),))).name == "prod"


def test_mixed_tags_are_a_conflict_resolved_to_prod() -> None:
    p = plan(
        changes=(
            tagged("aws_s3_bucket.a", {"Environment": "dev"}),
            tagged("aws_s3_bucket.b", {"Environment": "staging"}),
        )
    )
    result = classify(p)
    assert result.name == "prod"
    assert result.evidence[-1] == "conflict: staging vs dev → prod"


def test_workspace_against_prod_account_is_prod_and_says_so() -> None:
    config = PlanriskConfig(environments={"prod": EnvironmentMapping(aws_accounts=("1111*",))})
    provider = ProviderConfig(
        name="aws",
        expressions={
            "assume_role": [
                {"role_arn": {"constant_value": "arn:aws:iam::111122223333:role/deploy"}}
            ]
        },
    )
    p = plan(configuration=Configuration(provider_config={"aws": provider}))
    result = classify(p, config=config, environ={"TF_WORKSPACE": "dev"})
    assert result.name == "prod"
    assert result.evidence == (
        "TF_WORKSPACE=dev → dev",
        "provider aws assume_role account 111122223333 → prod by [environments.prod] "
        "aws_accounts '1111*'",
        "conflict: prod vs dev → prod",
    )


def test_unmapped_account_is_not_evidence() -> None:
    provider = ProviderConfig(
        name="aws", expressions={"allowed_account_ids": {"constant_value": ["999988887777"]}}
    )
    p = plan(configuration=Configuration(provider_config={"aws": provider}))
    assert classify(p).name == "unknown"


@pytest.mark.parametrize(
    ("mapping", "environ", "plan_kw", "expected_line"),
    [
        (
            EnvironmentMapping(workspaces=("team-*-sbx",)),
            {"TF_WORKSPACE": "team-a-sbx"},
            {},
            "TF_WORKSPACE=team-a-sbx → sandbox by [environments.sandbox] workspaces 'team-*-sbx'",
        ),
        (
            EnvironmentMapping(stacks=("alice",)),
            {},
            {"changes": (change("urn:pulumi:alice::app::aws:s3/bucket:Bucket::logs"),)},
            "Pulumi stack alice → sandbox by [environments.sandbox] stacks 'alice'",
        ),
        (
            EnvironmentMapping(paths=("area-*/*",)),
            {},
            {},
            "plan path infra/area-51/net → sandbox by [environments.sandbox] paths 'area-*/*'",
        ),
        (
            EnvironmentMapping(aws_accounts=("444455556666",)),
            {},
            {
                "changes": (
                    change(
                        "aws_db_instance.main",
                        type="aws_db_instance",
                        after={"arn": "arn:aws:rds:us-east-1:444455556666:db:main"},
                    ),
                )
            },
            "aws account 444455556666 (arn on 1 resource, e.g. aws_db_instance.main) → sandbox "
            "by [environments.sandbox] aws_accounts '444455556666'",
        ),
        (
            EnvironmentMapping(gcp_projects=("acme-play-*",)),
            {},
            {
                "resources": (
                    Resource(
                        address="google_storage_bucket.b",
                        type="x",
                        name="b",
                        values=raw({"project": "acme-play-42"}),
                    ),
                )
            },
            "gcp project acme-play-42 (project on 1 resource, e.g. google_storage_bucket.b) → "
            "sandbox by [environments.sandbox] gcp_projects 'acme-play-*'",
        ),
        (
            EnvironmentMapping(azure_subscriptions=("00000000-0000-0000-0000-00000000abcd",)),
            {},
            {
                "changes": (
                    change(
                        "azurerm_resource_group.rg",
                        after={
                            "id": "/subscriptions/00000000-0000-0000-0000-00000000ABCD"
                            "/resourceGroups/rg"
                        },
                    ),
                )
            },
            "azure subscription 00000000-0000-0000-0000-00000000abcd (id on 1 resource, e.g. "
            "azurerm_resource_group.rg) → sandbox by [environments.sandbox] azure_subscriptions "
            "'00000000-0000-0000-0000-00000000abcd'",
        ),
        (
            EnvironmentMapping(kube_contexts=("kind-*",)),
            {},
            {
                "configuration": Configuration(
                    provider_config={
                        "kubernetes": ProviderConfig(
                            name="kubernetes",
                            expressions={"config_context": {"constant_value": "kind-a"}},
                        )
                    }
                )
            },
            "provider kubernetes config_context kind-a → sandbox by [environments.sandbox] "
            "kube_contexts 'kind-*'",
        ),
    ],
)
def test_config_globs(
    mapping: EnvironmentMapping,
    environ: dict[str, str],
    plan_kw: dict[str, Any],
    expected_line: str,
    neutral_cwd: Path,
) -> None:
    config = PlanriskConfig(environments={"sandbox": mapping})
    plan_path = neutral_cwd / "infra" / "area-51" / "net" / "plan.json"
    result = classify(plan(**plan_kw), config=config, environ=environ, plan_path=plan_path)
    assert result.name == "sandbox"
    assert result.evidence == (expected_line,)


def test_config_mapping_beats_the_tokens_of_the_same_value() -> None:
    config = PlanriskConfig(environments={"prod": EnvironmentMapping(workspaces=("sandbox",))})
    result = classify(plan(), config=config, environ={"TF_WORKSPACE": "sandbox"})
    assert result.name == "prod"


@pytest.mark.parametrize(
    ("stack", "expected"), [("prod", "prod"), ("pr-123", "sandbox"), ("staging-eu", "staging")]
)
def test_pulumi_urn_stacks(stack: str, expected: str) -> None:
    urn = f"urn:pulumi:{stack}::shop::aws:rds/instance:Instance::db"
    result = classify(plan(tool=Tool.PULUMI, changes=(change(urn),)))
    assert result.name == expected
    assert result.evidence == (f"Pulumi stack {stack} → {expected}",)


def test_pulumi_step_stack_and_config() -> None:
    step = PulumiStep(ops=("update",), stack="dev", project="shop")
    p = plan(
        tool=Tool.PULUMI,
        changes=(change("urn:pulumi:dev::shop::aws:s3/bucket:Bucket::b", pulumi=step),),
        pulumi_config={"shop:environment": "development", "aws:region": "us-east-1"},
    )
    result = classify(p)
    assert result.name == "dev"
    assert result.evidence == (
        "Pulumi stack dev → dev",
        "Pulumi config shop:environment=development → dev",
    )


def test_variables_and_sensitive_variables() -> None:
    p = plan(
        variables={
            "environment": Variable(value=raw("staging")),
            "region": Variable(value=raw("prod-like-region")),
        }
    )
    assert classify(p).evidence == ("variable environment=staging → staging",)
    secret = plan(variables={"env": Variable(value=raw("prod-secret-name"), sensitive=True)})
    result = classify(secret)
    assert result.name == "unknown"
    assert not any("prod-secret-name" in line for line in result.evidence)


def test_provider_default_tags_and_labels() -> None:
    aws = ProviderConfig(
        name="aws",
        expressions={"default_tags": [{"tags": {"constant_value": {"Environment": "production"}}}]},
    )
    google = ProviderConfig(
        name="google", expressions={"default_labels": {"constant_value": {"env": "production"}}}
    )
    p = plan(configuration=Configuration(provider_config={"aws": aws, "google": google}))
    assert classify(p).evidence == (
        "provider aws default tag Environment=production → prod",
        "provider google default tag env=production → prod",
    )


def test_sensitive_tags_are_never_read() -> None:
    c = change(
        "aws_s3_bucket.a",
        after={"tags": {"Environment": "prod-hidden"}},
        sensitive={"tags": {"Environment": True}},
    )
    result = classify(plan(changes=(c,)))
    assert result.name == "unknown"
    assert not any("prod-hidden" in line for line in result.evidence)


@pytest.mark.parametrize(
    ("environ", "requested", "name", "line"),
    [
        (
            {"TF_WORKSPACE": "prod"},
            "sandbox",
            "prod",
            "--env sandbox requested but prod evidence wins",
        ),
        ({"TF_WORKSPACE": "dev"}, "prod", "prod", "--env prod requested"),
        ({"TF_WORKSPACE": "dev"}, "dev", "dev", "--env dev requested, as detected"),
        ({}, "dev", "dev", "--env dev requested"),
    ],
)
def test_env_option_is_stricter_never_looser(
    environ: dict[str, str], requested: str, name: str, line: str
) -> None:
    result = classify(plan(), environ=environ, requested=requested)
    assert (result.name, result.treated_as) == (name, name)
    assert result.evidence[-1] == line


def test_env_sandbox_on_prod_tagged_plan_stays_prod() -> None:
    p = plan(changes=(tagged("aws_db_instance.main", {"Environment": "prod"}),))
    result = classify(p, requested="sandbox")
    assert result.name == "prod"
    assert result.evidence[-1] == "--env sandbox requested but prod evidence wins"


def test_bad_env_value_is_an_input_error() -> None:
    with pytest.raises(PlanriskError, match="unknown --env value 'qa'"):
        classify(plan(), requested="qa")


def test_scan_stops_once_prod_is_certain() -> None:
    changes = [tagged(f"aws_s3_bucket.b{i:03}", {"env": "dev"}) for i in range(5)]
    changes.insert(0, tagged("aws_s3_bucket.a", {"env": "prod"}))
    result = classify(plan(changes=tuple(changes)))
    assert result.name == "prod"
    assert result.evidence == (
        "tag env=prod on 1 resource, e.g. aws_s3_bucket.a → prod",
        "resource scan stopped early: prod is certain",
    )


def test_large_plan_stays_fast() -> None:
    values = raw(
        {
            "bucket": "b",
            "acl": "private",
            "tags": {"env": "dev", "team": "core"},
            "tags_all": {"env": "dev", "team": "core"},
            "policy": "x" * 400,
        }
    )
    resources = tuple(
        Resource(address=f"aws_s3_bucket.b{i}", type="aws_s3_bucket", name=f"b{i}", values=values)
        for i in range(100_000)
    )
    start = time.perf_counter()
    result = classify(plan(resources=resources))
    elapsed = time.perf_counter() - start
    assert result.name == "dev"
    assert result.evidence == ("tag env=dev on 100000 resources, e.g. aws_s3_bucket.b0 → dev",)
    assert elapsed < 5.0


# --- recorded fixture plans, through the real ingest ------------------------------------------


def load(relative: str) -> Plan:
    from planrisk.ingest import load_plan

    return load_plan(FIXTURES / relative)


def test_fixture_provider_account_and_default_tags() -> None:
    p = load("terraform/environment-provider-account/plan.json")
    assert classify(p).evidence == (
        "variable environment=production → prod",
        "provider aws default tag Environment=production → prod",
    )
    config = PlanriskConfig(
        environments={"prod": EnvironmentMapping(aws_accounts=("111122223333",))}
    )
    mapped = classify(p, config=config)
    assert mapped.name == "prod"
    assert (
        "provider aws assume_role account 111122223333 → prod by [environments.prod] "
        "aws_accounts '111122223333'"
    ) in mapped.evidence
    conflict = classify(p, environ={"TF_WORKSPACE": "dev"}, requested="dev")
    assert conflict.name == "prod"
    assert conflict.evidence[-2:] == (
        "conflict: prod vs dev → prod",
        "--env dev requested but prod evidence wins",
    )


def test_fixture_mixed_labels_and_sensitive_values() -> None:
    p = load("terraform/environment-mixed-tags/plan.json")
    result = classify(p)
    assert result.name == "prod"
    assert result.evidence == (
        "label env=dev on 1 resource, e.g. google_storage_bucket.exports → dev",
        "label env=staging on 1 resource, e.g. google_storage_bucket.reports → staging",
        "conflict: staging vs dev → prod",
    )
    assert not any("prod-hidden" in e or "prod-shadow" in e for e in result.evidence)
    config = PlanriskConfig(environments={"dev": EnvironmentMapping(gcp_projects=("acme-data-*",))})
    mapped = classify(p, config=config)
    assert (
        "provider google project acme-data-42 → dev by [environments.dev] gcp_projects "
        "'acme-data-*'" in mapped.evidence
    )


def test_fixture_pulumi_stack() -> None:
    result = classify(load("pulumi/protected-delete/preview.json"))
    assert (result.name, result.evidence) == ("prod", ("Pulumi stack prod → prod",))


def test_fixture_pulumi_stack_and_provider_project() -> None:
    result = classify(load("pulumi/replace-delete-before-replace/events.ndjson"))
    assert (result.name, result.evidence) == (
        "staging",
        (
            "Pulumi stack staging → staging",
            "provider gcp default_8_10_0 project acme-platform-staging → staging",
        ),
    )


def test_pulumi_provider_inputs() -> None:
    provider = Resource(
        address="urn:pulumi:ops::net::pulumi:providers:aws::main",
        type="pulumi:providers:aws",
        name="main",
        values=raw(
            {
                "assumeRole": '{"roleArn":"arn:aws:iam::222233334444:role/deploy"}',
                "defaultTags": {"tags": {"Stage": "sandbox"}},
                "region": "us-east-1",
            }
        ),
    )
    config = PlanriskConfig(environments={"dev": EnvironmentMapping(aws_accounts=("2222*",))})
    result = classify(plan(tool=Tool.PULUMI, resources=(provider,)), config=config)
    assert result.evidence == (
        "provider aws main assumeRole account 222233334444 → dev by [environments.dev] "
        "aws_accounts '2222*'",
        "provider aws main default tag Stage=sandbox → sandbox",
        "conflict: dev vs sandbox → prod",
    )
