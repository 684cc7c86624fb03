"""Key pairs: file modes, no silent overwrite, loading errors that name the file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from planrisk.errors import EvidenceError
from planrisk.gate.evidence.keys import (
    key_id,
    load_private_key,
    load_public_key,
    load_trusted_keys,
    write_keypair,
)
from planrisk.model import TrustedKeyEntry


def test_keygen_writes_private_0600_and_public_0644(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        files = write_keypair(tmp_path / "ci")
    finally:
        os.umask(old)
    assert files.private_path == tmp_path / "ci.key"
    assert files.public_path == tmp_path / "ci.pub"
    assert stat.S_IMODE(os.stat(files.private_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(files.public_path).st_mode) == 0o644
    assert files.private_path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert files.public_path.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    private = load_private_key(files.private_path)
    public = load_public_key(files.public_path)
    assert key_id(private.public_key()) == key_id(public) == files.keyid
    assert len(files.keyid) == 64


def test_keygen_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    first = write_keypair(tmp_path / "ci")
    with pytest.raises(EvidenceError, match="already exists") as info:
        write_keypair(tmp_path / "ci")
    assert info.value.source == str(first.private_path)
    assert "--force" in (info.value.hint or "")
    assert load_public_key(first.public_path) is not None
    second = write_keypair(tmp_path / "ci", force=True)
    assert second.keyid != first.keyid
    assert stat.S_IMODE(os.stat(second.private_path).st_mode) == 0o600


def test_keygen_refuses_when_only_the_public_file_exists(tmp_path: Path) -> None:
    (tmp_path / "ci.pub").write_text("x")
    with pytest.raises(EvidenceError, match="already exists"):
        write_keypair(tmp_path / "ci")
    assert not (tmp_path / "ci.key").exists()


def test_missing_key_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="cannot read private key") as info:
        load_private_key(tmp_path / "nope.key")
    assert info.value.source == str(tmp_path / "nope.key")


def test_public_key_is_not_a_private_key(tmp_path: Path) -> None:
    files = write_keypair(tmp_path / "ci")
    with pytest.raises(EvidenceError, match="not a PEM private key"):
        load_private_key(files.public_path)


def test_non_ed25519_keys_are_refused(tmp_path: Path) -> None:
    ec = generate_private_key(SECP256R1())
    pem = ec.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = tmp_path / "ec.pub"
    path.write_bytes(pem)
    with pytest.raises(EvidenceError, match="not an Ed25519 key"):
        load_public_key(path)


def test_trusted_key_with_unknown_purpose_is_refused(tmp_path: Path) -> None:
    files = write_keypair(tmp_path / "ci")
    entry = TrustedKeyEntry(name="ci", purpose="deploy", public_key_path=str(files.public_path))
    with pytest.raises(EvidenceError, match="purpose 'deploy'"):
        load_trusted_keys([entry])


def test_trusted_key_file_missing_is_exit_3(tmp_path: Path) -> None:
    entry = TrustedKeyEntry(
        name="ci", purpose="approval", public_key_path=str(tmp_path / "gone.pub")
    )
    with pytest.raises(EvidenceError) as info:
        load_trusted_keys([entry])
    assert info.value.exit_code == 3
    assert info.value.one_line().startswith(f"{tmp_path / 'gone.pub'}: cannot read public key")
