"""Ingest stage: input reading (encodings, wrapper prefixes), digest stability, addresses."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from planrisk.ingest import parse_plan
from planrisk.ingest.addresses import Key, build_address, format_key, parse_address
from planrisk.ingest.reader import prepare
from tests.support.paths import FIXTURES

FIXTURE = FIXTURES / "terraform" / "nested-modules"
PLAN_BYTES = (FIXTURE / "plan.json").read_bytes()

WRAPPER = (
    b"[command]/home/runner/work/_temp/terraform-bin show -json tfplan\n"
    b"::debug::Terraform exited with code 0.\n"
)


def digest_of(data: bytes) -> str:
    return parse_plan(data, "plan.json").digest


@pytest.mark.parametrize(
    "render",
    [
        lambda b: json.dumps(json.loads(b), separators=(",", ":")).encode(),
        lambda b: json.dumps(json.loads(b), indent=4).encode(),
        lambda b: WRAPPER + b,
        lambda b: WRAPPER + b + b"\n::debug::stdout: done\n::set-output name=exitcode::0\n",
        lambda b: b"\xef\xbb\xbf" + b,
        lambda b: b"\xff\xfe" + b.decode().replace("\n", "\r\n").encode("utf-16-le"),
        lambda b: b"\xfe\xff" + b.decode().encode("utf-16-be"),
        lambda b: b"[terragrunt] 2025/03/14 Running command: terraform show -json\n" + b,
    ],
    ids=["compact", "indent4", "wrapper", "wrapper-tail", "bom", "utf16le-crlf", "utf16be", "log"],
)
def test_digest_stable_across_renderings(render: Callable[[bytes], bytes]) -> None:
    assert digest_of(render(PLAN_BYTES)) == digest_of(PLAN_BYTES)


def test_digest_changes_with_any_planned_value() -> None:
    base = digest_of(PLAN_BYTES)
    doc = json.loads(PLAN_BYTES)
    doc["resource_changes"][1]["change"]["after"]["instance_class"] = "db.r6g.xlarge"
    assert digest_of(json.dumps(doc).encode()) != base
    doc = json.loads(PLAN_BYTES)
    doc["resource_changes"][1]["change"]["after_unknown"]["port"] = True
    assert digest_of(json.dumps(doc).encode()) != base
    doc = json.loads(PLAN_BYTES)
    doc["resource_changes"][3]["change"]["actions"] = ["delete", "create"]
    assert digest_of(json.dumps(doc).encode()) != base
    doc = json.loads(PLAN_BYTES)
    doc["output_changes"]["db_endpoint"]["actions"] = ["delete"]
    assert digest_of(json.dumps(doc).encode()) != base
    assert base.startswith("sha256:") and len(base) == 71


def test_prepare_returns_same_object_when_nothing_to_strip() -> None:
    assert prepare(PLAN_BYTES, "p") is PLAN_BYTES
    once = prepare(WRAPPER + PLAN_BYTES, "p")
    assert once == PLAN_BYTES
    assert prepare(once, "p") is once


def test_prepare_keeps_pretty_printed_arrays_and_skips_bracket_logs() -> None:
    assert prepare(b"[INFO] starting\n[\n  {}\n]\n", "p") == b"[\n  {}\n]\n"
    assert prepare(b"::debug::x\n  [1, 2]", "p") == b"[1, 2]"


@pytest.mark.parametrize(
    ("address", "module", "resource", "key"),
    [
        ("aws_instance.web", "", ("managed", "aws_instance.web"), None),
        ("aws_instance.web[3]", "", ("managed", "aws_instance.web"), 3),
        ('module.a["x.y"].data.aws_ami.u["k]"]', 'module.a["x.y"]', ("data", "aws_ami.u"), "k]"),
        (
            'module.a[0].module.b["q\\"t"].aws_s3_bucket.b["$${x}"]',
            'module.a[0].module.b["q\\"t"]',
            ("managed", "aws_s3_bucket.b"),
            "${x}",
        ),
        ('aws_s3_bucket.b["\\u00e9\\x41\\n"]', "", ("managed", "aws_s3_bucket.b"), "éA\n"),
        ("ephemeral.random_password.p", "", ("ephemeral", "random_password.p"), None),
        ("aws_instance.w[*]", "", ("managed", "aws_instance.w"), "*"),
    ],
)
def test_parse_address(address: str, module: str, resource: tuple[str, str], key: object) -> None:
    parsed = parse_address(address)
    assert parsed.module == module
    assert (parsed.resource.kind, parsed.resource.name) == resource
    assert parsed.resource.key == key


@pytest.mark.parametrize("bad", ["", "aws_instance", 'aws_instance.a["x', "module.m", "a.b junk"])
def test_parse_address_rejects_non_addresses(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_address(bad)


@pytest.mark.parametrize("key", ["a.b", 'q"t', "back\\slash", "${x}", "%{y}", "tab\t", 7, None])
def test_format_key_round_trips(key: Key) -> None:
    address = build_address('module.m["z"]', "managed", "aws_s3_bucket", "b", key)
    parsed = parse_address(address)
    assert parsed.resource.key == key
    assert format_key(parsed.resource.key) == format_key(key)
