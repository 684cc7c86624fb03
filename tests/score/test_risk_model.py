"""Risk model loader: shipped files, lookups, user overrides and strict validation."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from planrisk.errors import ExitCode, RiskModelError
from planrisk.score.risk_model import load_risk_model
from planrisk.score.risk_model_parse import (
    CLASS_WEIGHTS,
    RISK_CLASSES,
    builtin_model_files,
    entry_keys,
    parse_model_file,
    parse_path,
)
from tests.support.paths import REPO

SHIPPED = REPO / "risk_models"

# Types per file and class, as counted in the knowledge base §1.3–§1.6 (kubernetes_manifest is
# listed twice there: its own entry is standard, the CRD kind is a foundational token entry).
EXPECTED_CLASSES = {
    "aws.toml": {"data-bearing": 57, "foundational": 47, "standard": 4, "cheap": 21, "guard": 3},
    "azurerm.toml": {"data-bearing": 43, "foundational": 26, "standard": 9, "cheap": 5, "guard": 1},
    "google.toml": {"data-bearing": 30, "foundational": 29, "standard": 9, "cheap": 4, "guard": 1},
    "kubernetes.toml": {"data-bearing": 4, "foundational": 14, "standard": 13, "cheap": 6},
    "default.toml": {"cheap": 20},
}


def test_every_shipped_file_loads_and_counts_match_the_knowledge_base() -> None:
    files = dict(builtin_model_files())
    assert sorted(files) == sorted(f"risk_models/{name}" for name in EXPECTED_CLASSES)
    total = 0
    for label, file in files.items():
        parsed = parse_model_file(label, file.read_bytes())
        counts = Counter(entry.risk_class for entry in parsed.entries)
        assert dict(counts) == EXPECTED_CLASSES[label.removeprefix("risk_models/")], label
        total += len(parsed.entries)
    print(f"risk model: {total} entries")
    assert total == 346
    model = load_risk_model()
    assert len(model.entries()) == total


def test_no_name_is_defined_by_two_shipped_files() -> None:
    owner: dict[str, str] = {}
    for label, file in builtin_model_files():
        for entry in parse_model_file(label, file.read_bytes()).entries:
            for key in entry_keys(entry):
                assert key not in owner, f"{key} in {label} and {owner[key]}"
                owner[key] = label


@pytest.mark.parametrize(
    ("label", "prefixes"),
    [
        ("risk_models/aws.toml", ("aws_",)),
        ("risk_models/azurerm.toml", ("azurerm_",)),
        ("risk_models/google.toml", ("google_",)),
        ("risk_models/kubernetes.toml", ("kubernetes_", "helm_", "kubernetes:")),
    ],
)
def test_types_sit_in_their_provider_file(label: str, prefixes: tuple[str, ...]) -> None:
    file = dict(builtin_model_files())[label]
    for entry in parse_model_file(label, file.read_bytes()).entries:
        assert entry.type.startswith(prefixes), entry.type


def test_lookup_by_type_alias_and_token() -> None:
    model = load_risk_model()
    by_type = model.lookup("aws_db_instance")
    assert by_type.known and by_type.risk_class == "data-bearing"
    assert by_type.credentials == ("password",)
    assert {g.attribute for g in by_type.guards} >= {"deletion_protection", "skip_final_snapshot"}
    assert model.lookup("aws:rds/instance:Instance") is by_type
    assert model.lookup("gcp:compute/uRLMap:URLMap").type == "google_compute_url_map"
    assert model.lookup("kubernetes_namespace").type == "kubernetes_namespace_v1"
    assert model.lookup("kubernetes:core/v1:Namespace").risk_class == "foundational"
    assert model.lookup("random:index/randomPassword:RandomPassword").risk_class == "cheap"
    assert model.lookup("command:local:Command").risk_class == "cheap"
    assert model.lookup("aws_s3_bucket_versioning").risk_class == "guard"
    assert model.lookup("aws_s3_bucket_versioning").weight == 1.0


def test_unknown_type_gets_the_default_entry() -> None:
    model = load_risk_model()
    risk = model.lookup("aws_brand_new_thing")
    assert risk.type == "aws_brand_new_thing"
    assert risk.risk_class == "standard"
    assert not risk.known
    assert risk.guards == ()
    assert risk.source == "risk_models/default.toml"


def test_manifest_lookup_by_api_version_and_kind() -> None:
    model = load_risk_model()
    assert model.lookup_manifest("v1", "PersistentVolumeClaim").risk_class == "data-bearing"
    crd = model.lookup_manifest("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    assert crd.risk_class == "foundational"
    assert model.lookup_manifest("apps/v1", "StatefulSet").type == "kubernetes_stateful_set_v1"
    assert model.lookup_manifest("example.com/v1", "Widget").type == "kubernetes_manifest"


def test_class_weights() -> None:
    assert dict(CLASS_WEIGHTS) == {
        "data-bearing": 3.0,
        "foundational": 2.0,
        "standard": 1.0,
        "cheap": 0.25,
        "guard": 1.0,
    }
    assert set(CLASS_WEIGHTS) == set(RISK_CLASSES)


def test_digest_is_stable_and_follows_the_effective_model(tmp_path: Path) -> None:
    first = load_risk_model()
    assert first.digest == load_risk_model().digest
    assert first.digest.startswith("sha256:") and len(first.digest) == 71
    user = tmp_path / "mine.toml"
    user.write_text(
        'schema_version = 1\n[[resource]]\ntype = "aws_sqs_queue"\n'
        'pulumi = ["aws:sqs/queue:Queue"]\nclass = "cheap"\n'
    )
    assert load_risk_model([user]).digest != first.digest


def test_user_file_wins_per_type_and_token(tmp_path: Path) -> None:
    user = tmp_path / "override.toml"
    user.write_text(
        "schema_version = 1\n"
        "[[resource]]\n"
        'type = "aws_sqs_queue"\n'
        'pulumi = ["aws:sqs/queue:Queue"]\n'
        'class = "cheap"\n'
        "[[resource]]\n"
        'type = "acme_widget"\n'
        'class = "data-bearing"\n'
    )
    model = load_risk_model([user])
    assert model.lookup("aws_sqs_queue").risk_class == "cheap"
    assert model.lookup("aws_sqs_queue").source == str(user)
    assert model.lookup("aws:sqs/queue:Queue").risk_class == "cheap"
    assert model.lookup("acme_widget").risk_class == "data-bearing"
    assert model.lookup("aws_db_instance").risk_class == "data-bearing"
    assert model.sources[-1] == str(user)


def test_user_directory_loads_sorted_and_later_paths_win(tmp_path: Path) -> None:
    directory = tmp_path / "models"
    directory.mkdir()
    (directory / "a.toml").write_text(
        'schema_version = 1\n[[resource]]\ntype = "acme_db"\nclass = "standard"\n'
    )
    (directory / "b.toml").write_text(
        'schema_version = 1\n[[resource]]\ntype = "acme_db"\nclass = "data-bearing"\n'
    )
    (directory / "notes.txt").write_text("not a model")
    assert load_risk_model([directory]).lookup("acme_db").risk_class == "data-bearing"
    later = tmp_path / "later.toml"
    later.write_text('schema_version = 1\n[default]\nclass = "foundational"\n')
    model = load_risk_model([directory, later])
    assert model.lookup("unlisted_type").risk_class == "foundational"
    assert model.lookup("acme_db").risk_class == "data-bearing"


def test_missing_user_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(RiskModelError) as caught:
        load_risk_model([tmp_path / "absent.toml"])
    assert caught.value.exit_code == ExitCode.INPUT_ERROR
    assert caught.value.source == str(tmp_path / "absent.toml")


def test_invalid_user_file_names_the_file_and_key(tmp_path: Path) -> None:
    user = tmp_path / "bad.toml"
    user.write_text('schema_version = 1\n[[resource]]\ntype = "x_y"\nclass = "precious"\n')
    with pytest.raises(RiskModelError) as caught:
        load_risk_model([user])
    assert caught.value.exit_code == 3
    assert caught.value.one_line().startswith(f"{user}: resource[0].class: unknown value")


GOOD_RESOURCE = '[[resource]]\ntype = "acme_db"\nclass = "data-bearing"\n'

INVALID = [
    ("unknown_top_key", "schema_version = 1\ncolour = 1\n", "colour: unknown key"),
    ("missing_schema", GOOD_RESOURCE, "schema_version: missing (expected 1)"),
    ("schema_2", "schema_version = 2\n", "schema_version: unsupported value 2 (expected 1)"),
    ("schema_string", 'schema_version = "1"\n', 'schema_version: unsupported value "1"'),
    ("syntax", "schema_version = 1\n[[resource]\n", "invalid TOML: "),
    (
        "unknown_resource_key",
        'schema_version = 1\n[[resource]]\ntype = "acme_db"\nclass = "cheap"\nnote = "x"\n',
        "resource[0].note: unknown key (expected one of aliases, class, credentials, guard, "
        "pulumi, type)",
    ),
    (
        "unknown_class",
        'schema_version = 1\n[[resource]]\ntype = "acme_db"\nclass = "precious"\n',
        'resource[0].class: unknown value "precious" (expected one of data-bearing, '
        "foundational, standard, cheap, guard)",
    ),
    (
        "class_wrong_type",
        'schema_version = 1\n[[resource]]\ntype = "acme_db"\nclass = 3\n',
        "resource[0].class: expected a string, got a number",
    ),
    (
        "missing_class",
        'schema_version = 1\n[[resource]]\ntype = "acme_db"\n',
        "resource[0].class: missing",
    ),
    (
        "pulumi_not_list",
        f'schema_version = 1\n{GOOD_RESOURCE}pulumi = "acme:db:Db"\n',
        "resource[0].pulumi: expected an array of strings, got a string",
    ),
    (
        "bad_token",
        f'schema_version = 1\n{GOOD_RESOURCE}pulumi = ["AcmeDb"]\n',
        'resource[0].pulumi[0]: not a Pulumi type token: "AcmeDb"',
    ),
    (
        "bad_type_name",
        'schema_version = 1\n[[resource]]\ntype = "Acme-DB"\nclass = "cheap"\n',
        'resource[0].type: not a Terraform resource type: "Acme-DB"',
    ),
    (
        "no_type_no_token",
        'schema_version = 1\n[[resource]]\nclass = "cheap"\n',
        "resource[0].type: missing",
    ),
    (
        "duplicate_type",
        f"schema_version = 1\n{GOOD_RESOURCE}{GOOD_RESOURCE}",
        'resource[1]: "acme_db" is already defined by resource[0]',
    ),
    (
        "duplicate_token",
        'schema_version = 1\n[[resource]]\ntype = "a_b"\npulumi = ["acme:x:Y"]\nclass = "cheap"\n'
        '[[resource]]\ntype = "a_c"\npulumi = ["acme:x:Y"]\nclass = "cheap"\n',
        'resource[1]: "acme:x:Y" is already defined by resource[0]',
    ),
    (
        "unknown_kind",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "maybe"\n'
        'attribute = "a"\nwhen = "true"\n',
        'resource[0].guard[0].kind: unknown value "maybe" (expected one of blocking, recovery, '
        "destructive, kept)",
    ),
    (
        "unknown_when",
        f"schema_version = 1\n{GOOD_RESOURCE}{GOOD_RESOURCE.replace('acme_db', 'acme_x')}"
        '[[resource.guard]]\nkind = "blocking"\nattribute = "a"\nwhen = "maybe"\n',
        'resource[1].guard[0].when: unknown value "maybe" (expected one of true, false, '
        "nonempty, empty, equals, not_equals, at_least, at_most, always)",
    ),
    (
        "unknown_guard_key",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "blocking"\n'
        'attribute = "a"\nwhen = "true"\nseverity = 3\n',
        "resource[0].guard[0].severity: unknown key",
    ),
    (
        "value_missing",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "blocking"\n'
        'attribute = "a"\nwhen = "equals"\n',
        'resource[0].guard[0].value: missing (required when when = "equals")',
    ),
    (
        "value_not_allowed",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "blocking"\n'
        'attribute = "a"\nwhen = "true"\nvalue = true\n',
        'resource[0].guard[0].value: not allowed with when = "true"',
    ),
    (
        "value_not_number",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "recovery"\n'
        'attribute = "days"\nwhen = "at_least"\nvalue = "7"\n',
        "resource[0].guard[0].value: expected a number, got a string",
    ),
    (
        "value_bool_not_number",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "recovery"\n'
        'attribute = "days"\nwhen = "at_most"\nvalue = true\n',
        "resource[0].guard[0].value: expected a number, got a boolean",
    ),
    (
        "bad_path",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "blocking"\n'
        'attribute = "a..b"\nwhen = "true"\n',
        'resource[0].guard[0].attribute: invalid attribute path "a..b"',
    ),
    (
        "missing_attribute",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "blocking"\n'
        'when = "true"\n',
        "resource[0].guard[0].attribute: missing",
    ),
    (
        "unknown_scope",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "blocking"\n'
        'attribute = "a"\nwhen = "true"\nscope = "account"\n',
        'resource[0].guard[0].scope: unknown value "account" (expected one of resource, provider)',
    ),
    (
        "also_unknown_key",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "blocking"\n'
        'attribute = "a"\nwhen = "true"\nalso = [{ attribute = "b", when = "empty", '
        'kind = "x" }]\n',
        "resource[0].guard[0].also[0].kind: unknown key",
    ),
    (
        "always_needs_text",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "kept"\nwhen = "always"\n',
        'resource[0].guard[0].text: missing (required when when = "always")',
    ),
    (
        "always_no_attribute",
        f'schema_version = 1\n{GOOD_RESOURCE}[[resource.guard]]\nkind = "kept"\n'
        'when = "always"\nattribute = "a"\ntext = "t"\n',
        'resource[0].guard[0].attribute: not allowed with when = "always"',
    ),
    (
        "guard_not_table_array",
        f'schema_version = 1\n{GOOD_RESOURCE}guard = "deletion_protection"\n',
        "resource[0].guard: expected an array of tables, got a string",
    ),
    (
        "credentials_bad_path",
        f'schema_version = 1\n{GOOD_RESOURCE}credentials = ["pass word"]\n',
        'resource[0].credentials[0]: invalid attribute path "pass word"',
    ),
    (
        "default_unknown_key",
        'schema_version = 1\n[default]\nclass = "standard"\nguard = []\n',
        "default.guard: unknown key (expected one of class)",
    ),
    (
        "shared_guard_bad_kind",
        'schema_version = 1\n[[shared_guard]]\nkind = "soft"\nattribute = "a"\nwhen = "true"\n',
        'shared_guard[0].kind: unknown value "soft"',
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), INVALID, ids=[c[0] for c in INVALID])
def test_strict_validation_names_file_and_key_path(name: str, text: str, expected: str) -> None:
    with pytest.raises(RiskModelError) as caught:
        parse_model_file("risk_models/test.toml", text.encode())
    line = caught.value.one_line()
    assert line.startswith("risk_models/test.toml: "), line
    assert line.removeprefix("risk_models/test.toml: ").startswith(expected), line
    assert caught.value.exit_code == 3


def test_non_utf8_file_is_an_input_error() -> None:
    with pytest.raises(RiskModelError, match="not UTF-8"):
        parse_model_file("x.toml", b"schema_version = 1\n# \xff\n")


def test_valid_guard_vocabulary_parses() -> None:
    text = (
        'schema_version = 1\nprovider = "acme"\n'
        "[[resource]]\n"
        'type = "acme_db"\naliases = ["acme_database"]\npulumi = ["acme:db/db:Db"]\n'
        'class = "data-bearing"\ncredentials = ["auth.password"]\n'
        "[[resource.guard]]\n"
        'kind = "recovery"\nattribute = "backup[0].days"\nwhen = "at_least"\nvalue = 7\n'
        "default = 30\n"
        'also = [{ attribute = "purge", when = "false", scope = "provider", default = true }]\n'
        "[[resource.guard]]\n"
        'kind = "kept"\nwhen = "always"\ntext = "cannot be deleted"\n'
    )
    parsed = parse_model_file("acme.toml", text.encode())
    (entry,) = parsed.entries
    assert entry_keys(entry) == ("acme_db", "acme_database", "acme:db/db:Db")
    recovery, kept = entry.guards
    assert recovery.condition.path == ("backup", 0, "days")
    assert recovery.condition.value == 7 and recovery.condition.default == 30
    assert recovery.also[0].scope == "provider"
    assert kept.condition.when == "always" and kept.text == "cannot be deleted"


def test_parse_path() -> None:
    assert parse_path("settings[0].final_backup_config[0].enabled") == (
        "settings",
        0,
        "final_backup_config",
        0,
        "enabled",
    )
    assert parse_path("a[1][2]") == ("a", 1, 2)
    for bad in ("", "a.", ".a", "a[x]", "a b", "1a"):
        with pytest.raises(ValueError):
            parse_path(bad)
