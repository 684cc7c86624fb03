"""The real CLI: keygen, attest and approve, and the gate library reading what they wrote."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from planrisk.gate.evidence.attestation import decode_statement
from planrisk.gate.evidence.durations import utc_now
from planrisk.gate.evidence.loading import load_evidence
from planrisk.gate.evidence.verify import check_approvals, check_attestations
from planrisk.model import TrustedKeyEntry
from tests.support.cli import run_main as run

PLAN_JSON = """{"format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": [
 {"address": "module.db.aws_db_instance.main", "module_address": "module.db", "mode": "managed",
  "type": "aws_db_instance", "name": "main",
  "provider_name": "registry.terraform.io/hashicorp/aws",
  "change": {"actions": ["delete"], "before": {"identifier": "db"}, "after": null,
             "after_unknown": {}, "before_sensitive": {}, "after_sensitive": false}},
 {"address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket", "name": "logs",
  "provider_name": "registry.terraform.io/hashicorp/aws",
  "change": {"actions": ["create"], "before": null, "after": {"bucket": "logs"},
             "after_unknown": {"id": true}, "before_sensitive": false, "after_sensitive": {}}}
]}
"""


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    """A hand-written Terraform plan: one delete, one create."""
    path = tmp_path / "plan.json"
    path.write_text(PLAN_JSON)
    return path


def test_keygen_writes_the_pair_with_modes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("keygen", str(tmp_path / "alice")) == 0
    out = capsys.readouterr().out
    assert stat.S_IMODE(os.stat(tmp_path / "alice.key").st_mode) == 0o600
    assert (tmp_path / "alice.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert "[[trusted_keys]]" in out
    assert f'public_key = "{tmp_path / "alice.pub"}"' in out


def test_keygen_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("keygen", str(tmp_path / "alice")) == 0
    before = (tmp_path / "alice.key").read_bytes()
    assert run("keygen", str(tmp_path / "alice")) == 3
    err = capsys.readouterr().err
    assert f"{tmp_path / 'alice.key'}: key file already exists" in err
    assert "--force" in err
    assert (tmp_path / "alice.key").read_bytes() == before
    assert run("keygen", "--force", str(tmp_path / "alice")) == 0
    assert (tmp_path / "alice.key").read_bytes() != before


def test_attest_then_gate_library_accepts_it(
    tmp_path: Path, plan_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_SHA", "a" * 40)
    monkeypatch.setenv("GITHUB_ACTOR", "deploy-bot")
    assert run("keygen", str(tmp_path / "sandbox")) == 0
    out = tmp_path / "att.intoto.jsonl"
    code = run(
        "attest", str(plan_file), "--key", str(tmp_path / "sandbox.key"),
        "--env", "sandbox", "--apply-exit-code", "0", "-o", str(out),
    )  # fmt: skip
    assert code == 0
    [piece] = load_evidence([out])
    predicate = decode_statement(piece.payload).predicate
    assert (predicate.commit, predicate.actor, predicate.environment) == (
        "a" * 40,
        "deploy-bot",
        "sandbox",
    )
    from planrisk.ingest import load_plan

    plan = load_plan(plan_file)
    trusted = [
        TrustedKeyEntry(
            name="sandbox", purpose="attestation", public_key_path=str(tmp_path / "sandbox.pub")
        )
    ]
    checks, covered = check_attestations(
        [piece], plan=plan, trusted=trusted, max_age=timedelta(days=7), now=utc_now()
    )
    assert covered, checks


def test_attest_failed_apply_is_recorded_and_rejected(tmp_path: Path, plan_file: Path) -> None:
    assert run("keygen", str(tmp_path / "sandbox")) == 0
    out = tmp_path / "att.json"
    key = str(tmp_path / "sandbox.key")
    assert (
        run("attest", str(plan_file), "--key", key, "--apply-exit-code", "2", "-o", str(out)) == 0
    )
    from planrisk.ingest import load_plan

    trusted = [TrustedKeyEntry(name="s", purpose="attestation", public_key_path=key[:-4] + ".pub")]
    checks, covered = check_attestations(
        load_evidence([out]),
        plan=load_plan(plan_file),
        trusted=trusted,
        max_age=timedelta(days=7),
        now=utc_now(),
    )
    assert (covered, checks[0].reason) == (False, "apply failed (exit code 2)")


def test_approve_binds_the_plan_and_expires(tmp_path: Path, plan_file: Path) -> None:
    assert run("keygen", str(tmp_path / "carol")) == 0
    out = tmp_path / "carol.json"
    code = run(
        "approve", str(plan_file), "--approver", "carol",
        "--key", str(tmp_path / "carol.key"), "--expires", "90s", "-o", str(out),
    )  # fmt: skip
    assert code == 0
    from planrisk.ingest import load_plan

    plan = load_plan(plan_file)
    trusted = [
        TrustedKeyEntry(
            name="carol", purpose="approval", public_key_path=str(tmp_path / "carol.pub")
        )
    ]
    evidence = load_evidence([out])
    now = utc_now()
    checks, approvers = check_approvals(
        evidence, plan=plan, trusted=trusted, initiator="dave", now=now
    )
    assert approvers == ["carol"], checks
    later, none = check_approvals(
        evidence, plan=plan, trusted=trusted, initiator="dave", now=now + timedelta(seconds=91)
    )
    assert none == []
    assert later[0].reason.startswith("expired ")


def test_approve_by_digest_without_the_plan_file(tmp_path: Path, plan_file: Path) -> None:
    from planrisk.ingest import load_plan

    plan = load_plan(plan_file)
    assert run("keygen", str(tmp_path / "carol")) == 0
    out = tmp_path / "carol.json"
    code = run(
        "approve", "--digest", plan.digest, "--approver", "carol",
        "--key", str(tmp_path / "carol.key"), "-o", str(out),
    )  # fmt: skip
    assert code == 0
    trusted = [
        TrustedKeyEntry(
            name="carol", purpose="approval", public_key_path=str(tmp_path / "carol.pub")
        )
    ]
    checks, approvers = check_approvals(
        load_evidence([out]), plan=plan, trusted=trusted, initiator="dave", now=utc_now()
    )
    assert approvers == ["carol"], checks


@pytest.mark.parametrize(
    "args",
    [
        [],  # neither a plan nor a digest
        ["PLAN", "--digest", "sha256:" + "a" * 64],  # both
        ["--digest", "sha256:" + "A" * 64],  # not as the gate prints it
        ["--digest", "a" * 64],
        ["--digest", "sha256:abc"],
    ],
)
def test_approve_needs_exactly_one_well_formed_plan_reference(
    tmp_path: Path, plan_file: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("keygen", str(tmp_path / "carol")) == 0
    args = [str(plan_file) if a == "PLAN" else a for a in args]
    out = tmp_path / "o.json"
    key = str(tmp_path / "carol.key")
    assert run("approve", *args, "--approver", "carol", "--key", key, "-o", str(out)) == 2
    assert "Invalid value" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("expires", ["1w", "0s", "soon", "15"])
def test_bad_expires_is_a_usage_error(
    tmp_path: Path, plan_file: Path, expires: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("keygen", str(tmp_path / "carol")) == 0
    code = run(
        "approve", str(plan_file), "--approver", "carol",
        "--key", str(tmp_path / "carol.key"), "--expires", expires, "-o", str(tmp_path / "o.json"),
    )  # fmt: skip
    assert code == 2
    assert "invalid duration" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


def test_missing_key_is_an_input_error(
    tmp_path: Path, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        "approve", str(plan_file), "--approver", "carol",
        "--key", str(tmp_path / "nope.key"), "-o", str(tmp_path / "o.json"),
    )  # fmt: skip
    assert code == 3
    assert f"{tmp_path / 'nope.key'}: cannot read private key" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


@pytest.mark.slow
def test_subprocess_keygen_and_attest_to_stdout(tmp_path: Path, plan_file: Path) -> None:
    env = {**os.environ, "GITHUB_SHA": "b" * 40}
    subprocess.run(
        [sys.executable, "-m", "planrisk", "keygen", str(tmp_path / "k")], check=True, env=env
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "planrisk",
            "attest",
            str(plan_file),
            "--key",
            str(tmp_path / "k.key"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('{"payloadType":"application/vnd.in-toto+json"')
    assert "attested 2 change(s)" in done.stderr
