"""Pulumi names and values (ingest stage): URNs, provider references, paths, secrets, unknowns."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planrisk.ingest.pulumi_values import (
    SECRET_TEXT,
    UNKNOWN,
    config_text,
    is_default_provider,
    parse_property_path,
    parse_urn,
    provider_urn,
    scrub,
)

WRAPPED = {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    "plaintext": '"s3cr3t"',
}


def test_urn_name_may_contain_double_colons_and_type_is_last_dollar_segment() -> None:
    urn = parse_urn("urn:pulumi:prod::shop::eks:index:Cluster$aws:iam/role:Role::a::b$c")
    assert urn is not None
    assert (urn.stack, urn.project, urn.name) == ("prod", "shop", "a::b$c")
    assert urn.qualified_type == "eks:index:Cluster$aws:iam/role:Role"
    assert urn.type == "aws:iam/role:Role"


@pytest.mark.parametrize("text", ["", "arn:aws:s3:::x", "urn:pulumi:prod::shop::only-type"])
def test_non_urns_are_rejected(text: str) -> None:
    assert parse_urn(text) is None


def test_provider_reference_splits_at_the_last_double_colon() -> None:
    provider = "urn:pulumi:dev::p::pulumi:providers:aws::default_6_0_0"
    assert provider_urn(f"{provider}::{UNKNOWN}") == provider
    assert provider_urn(f"{provider}::0f1e") == provider
    assert provider_urn("") == ""
    assert provider_urn("not-a-reference") == ""


@pytest.mark.parametrize(
    ("name", "default"), [("default", True), ("default_6_66_2", True), ("eu-west-1", False)]
)
def test_default_providers_are_recognized_by_name(name: str, default: bool) -> None:
    urn = parse_urn(f"urn:pulumi:dev::p::pulumi:providers:aws::{name}")
    assert urn is not None
    assert is_default_provider(urn) is default


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("tags", ("tags",)),
        ("tags.CostCenter", ("tags", "CostCenter")),
        ("ingress[0]", ("ingress", 0)),
        ("inlinePolicies[0].policy", ("inlinePolicies", 0, "policy")),
        ('tags["kubernetes.io/role"]', ("tags", "kubernetes.io/role")),
        ('a["say \\"hi\\""][2]', ("a", 'say "hi"', 2)),
        ("a[x", ("a", "[x")),
    ],
)
def test_property_paths(path: str, steps: tuple[str | int, ...]) -> None:
    assert parse_property_path(path) == steps


def test_scrub_blinds_secrets_and_marks_them_sensitive() -> None:
    result = scrub(
        {"password": WRAPPED, "user": "admin", "digest": SECRET_TEXT, "list": [1, WRAPPED]}
    )
    assert result.value == {
        "password": SECRET_TEXT,
        "user": "admin",
        "digest": SECRET_TEXT,
        "list": [1, SECRET_TEXT],
    }
    assert result.sensitive == {"password": True, "digest": True, "list": [False, True]}
    assert result.unknown == {}


def test_scrub_removes_unknown_members_and_nulls_unknown_items() -> None:
    result = scrub({"id": UNKNOWN, "ports": [80, UNKNOWN], "tags": {"a": "b"}})
    assert result.value == {"ports": [80, None], "tags": {"a": "b"}}
    assert result.unknown == {"id": True, "ports": [False, True]}
    assert result.sensitive == {}


def test_scrub_of_a_whole_unknown_or_secret_value() -> None:
    assert scrub(UNKNOWN) == (None, False, True)
    assert scrub(WRAPPED) == (SECRET_TEXT, True, False)
    assert scrub(3) == (3, False, False)


def test_config_text() -> None:
    assert config_text("eu-west-1") == "eu-west-1"
    assert config_text(WRAPPED) == SECRET_TEXT
    assert config_text({"b": 1, "a": [True]}) == '{"a":[true],"b":1}'


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        "plain",
        7,
        None,
        {"a": {"b": [1, {"c": "d"}]}, "e": []},
        {"password": "[secret]", "name": "x"},
        ["[secret]", "text [secret] inside"],
        {"token": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}},
        {"4dabf18193072939515e22adb298388d": "not-the-secret-signature", "v": 1},
        {"id": UNKNOWN, "tags": [UNKNOWN, "x"]},
        {"nested": [{"deep": {"x": "04da6b54-80e4-46f7-96ec-b56ff0331ba9 and more"}}]},
        {"ünïcode": "välue", "n": 1.5},
    ],
)
def test_scrub_json_and_scrub_raw_are_scrub_encoded(value: object) -> None:
    from planrisk.ingest.pulumi_values import scrub, scrub_json, scrub_raw

    expected = scrub(value)
    encoded = tuple(msgspec.json.encode(part) for part in expected)
    assert scrub_json(value) == encoded
    # The same value as it sits in a preview: indented, or compact.
    for text in (
        msgspec.json.format(msgspec.json.encode(value), indent=2),
        msgspec.json.encode(value),
    ):
        assert scrub_raw(msgspec.Raw(text)) == (encoded if value is not None else scrub_json({}))


def test_scrub_raw_keeps_document_order_and_finds_escaped_markers() -> None:
    from planrisk.ingest.pulumi_values import scrub_raw

    assert scrub_raw(msgspec.Raw(b'{ "b": 1, "a": [ 2 ] }')) == (b'{"b":1,"a":[2]}', b"{}", b"{}")
    # `\u005b` is `[`: the secret is found even when the text escapes it.
    escaped = msgspec.Raw(
        b'{"p": "\\u005bsecret]", "id": "04da6b54-80e4-46f7-96ec-b56ff0331ba\\u0039"}'
    )
    assert scrub_raw(escaped) == (b'{"p":"[secret]"}', b'{"p":true}', b'{"id":true}')
    assert scrub_raw(msgspec.Raw(b"null")) == (b"{}", b"{}", b"{}")


def _reference_scrub(value: Any) -> Any:
    """The plain recursive definition of `scrub` (one call per node), as an oracle."""
    from planrisk.ingest.pulumi_values import Scrubbed, is_secret

    if is_secret(value):
        return Scrubbed(SECRET_TEXT, True, False)
    if value == UNKNOWN:
        return Scrubbed(None, False, True)
    if isinstance(value, dict):
        clean, sensitive, unknown = {}, {}, {}
        for key, member in value.items():
            part = _reference_scrub(member)
            if part.unknown is True:
                unknown[key] = True
                continue
            clean[key] = part.value
            if part.sensitive:
                sensitive[key] = part.sensitive
            if part.unknown:
                unknown[key] = part.unknown
        return Scrubbed(clean, sensitive, unknown)
    if isinstance(value, list):
        parts = [_reference_scrub(item) for item in value]
        masks = [p.sensitive or False for p in parts], [p.unknown or False for p in parts]
        return Scrubbed(
            [p.value for p in parts],
            masks[0] if any(masks[0]) else [],
            masks[1] if any(masks[1]) else [],
        )
    return Scrubbed(value, False, False)


_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),  # (JSON has no infinity)
    st.text(max_size=5),
    st.sampled_from([UNKNOWN, SECRET_TEXT, "x" + SECRET_TEXT]),
    st.just({"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "v": 1}),
)
_VALUES = st.recursive(
    _LEAF,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=25,
)


@given(_VALUES)
def test_scrub_equals_its_recursive_definition(value: Any) -> None:
    from planrisk.ingest.pulumi_values import scrub

    assert scrub(value) == _reference_scrub(value)


@given(_VALUES)
def test_scrub_raw_equals_scrub_encoded(value: Any) -> None:
    from planrisk.ingest.pulumi_values import scrub_json, scrub_raw

    expected = scrub_json(value if value is not None else {})
    for text in (msgspec.json.encode(value), msgspec.json.format(msgspec.json.encode(value))):
        assert scrub_raw(msgspec.Raw(text)) == expected
