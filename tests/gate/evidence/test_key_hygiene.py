"""Evidence keys that would let one holder count twice, or anyone sign: refused, exit 3.

Attacks reproduced: a private key file with mode 0644/0777 was used without a word; one
public key listed under two names in `[[trusted_keys]]` counted as two approvers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planrisk.errors import EvidenceError
from planrisk.gate.evidence.keys import load_private_key, load_trusted_keys, write_keypair
from planrisk.model import TrustedKeyEntry
from tests.support.cli import run_main as run

from .test_cli import PLAN_JSON

POSIX = pytest.mark.skipif(os.name != "posix", reason="file mode bits are POSIX")


@POSIX
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o777, 0o660])
@pytest.mark.parametrize("command", ["approve", "attest"])
def test_a_private_key_others_may_read_is_refused_with_the_chmod_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int, command: str
) -> None:
    key = write_keypair(tmp_path / "alice").private_path
    key.chmod(mode)
    plan = tmp_path / "plan.json"
    plan.write_text(PLAN_JSON)
    out = tmp_path / "evidence.json"
    extra = ["--approver", "alice"] if command == "approve" else []
    assert run(command, str(plan), *extra, "--key", str(key), "-o", str(out)) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{key}: private key file is accessible by group or others (mode {mode:04o})" in err
    assert f"chmod 600 {key}" in err
    assert not out.exists()


@POSIX
def test_a_private_key_of_mode_0600_or_0400_is_used(tmp_path: Path) -> None:
    key = write_keypair(tmp_path / "alice").private_path
    for mode in (0o600, 0o400):
        key.chmod(mode)
        assert load_private_key(key) is not None


@POSIX
def test_the_chmod_hint_quotes_a_path_with_spaces(tmp_path: Path) -> None:
    key = write_keypair(tmp_path / "my keys" / "alice").private_path
    key.chmod(0o644)
    with pytest.raises(EvidenceError) as caught:
        load_private_key(key)
    assert f"chmod 600 '{key}'" in (caught.value.hint or "")


def entry(name: str, purpose: str, path: Path) -> TrustedKeyEntry:
    return TrustedKeyEntry(name=name, purpose=purpose, public_key_path=str(path))


def test_one_public_key_under_two_names_is_an_error_naming_both(tmp_path: Path) -> None:
    public = write_keypair(tmp_path / "alice").public_path
    copy = tmp_path / "bob.pub"
    copy.write_bytes(public.read_bytes())  # the same key bytes in another file
    entries = [entry("alice", "approval", public), entry("bob", "approval", copy)]
    with pytest.raises(EvidenceError) as caught:
        load_trusted_keys(entries)
    message = caught.value.message
    assert f"'alice' (approval, {public})" in message and f"'bob' (approval, {copy})" in message
    assert "hold the same public key" in message


def test_one_key_under_two_names_of_different_purposes_is_an_error(tmp_path: Path) -> None:
    public = write_keypair(tmp_path / "ci").public_path
    entries = [entry("sandbox-ci", "attestation", public), entry("alice", "approval", public)]
    with pytest.raises(EvidenceError, match="hold the same public key"):
        load_trusted_keys(entries)


def test_the_same_name_and_purpose_twice_is_an_error(tmp_path: Path) -> None:
    first = write_keypair(tmp_path / "a1").public_path
    second = write_keypair(tmp_path / "a2").public_path
    entries = [entry("alice", "approval", first), entry("Alice", "approval", second)]
    with pytest.raises(EvidenceError, match="have the same name and purpose"):
        load_trusted_keys(entries)


def test_one_holder_may_use_one_key_for_both_purposes(tmp_path: Path) -> None:
    public = write_keypair(tmp_path / "alice").public_path
    entries = [entry("alice", "approval", public), entry("alice", "attestation", public)]
    assert [k.purpose for k in load_trusted_keys(entries)] == ["approval", "attestation"]


def test_gate_with_a_duplicated_trusted_key_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    public = write_keypair(tmp_path / "alice").public_path
    config = tmp_path / ".planrisk.toml"
    config.write_text(
        "".join(
            f'[[trusted_keys]]\nname = "{name}"\npurpose = "approval"\npublic_key = "{public}"\n'
            for name in ("alice", "alice-again")
        )
    )
    plan = tmp_path / "plan.json"
    plan.write_text(PLAN_JSON)
    code = run(
        "gate", str(plan), "--config", str(config), "--actor", "agent", "--env", "prod",
        "--initiator", "mallory", "--audit-db", str(tmp_path / "audit.db"), "-o", os.devnull,
    )  # fmt: skip
    assert code == 3
    err = capsys.readouterr().err
    assert "'alice' (approval" in err and "'alice-again' (approval" in err
