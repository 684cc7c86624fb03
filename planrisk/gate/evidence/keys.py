"""Ed25519 keys of signed evidence (evidence stage): generate, write, load, identify.

Input: a file prefix (keygen), a PEM file, or the configuration's `[[trusted_keys]]` entries.
Output: PEM files (PKCS8 private key with mode 0600, SubjectPublicKeyInfo public key), loaded
keys, and `TrustedKey`s. A key's id is the sha256 of its 32 raw public-key bytes (hex); it is
only a hint in an envelope: trust always comes from a signature that verifies.

Refused, as input errors: a private key file that its group or others may access (on POSIX:
anyone who can read it can sign approvals), and `[[trusted_keys]]` that would let one key
count twice (the same key under two names: two approvers from one holder) or that give one
name the same purpose twice.
"""

from __future__ import annotations

import hashlib
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from planrisk._runtime.private_files import replace_file
from planrisk.errors import EvidenceError
from planrisk.model import TrustedKeyEntry

PURPOSES = ("attestation", "approval")
"""The purposes a trusted key may have."""

_MAX_KEY_FILE = 64 * 1024


@dataclass(frozen=True)
class KeyFiles:
    """The two files `write_keypair` created and the new key's id."""

    private_path: Path
    public_path: Path
    keyid: str


@dataclass(frozen=True)
class TrustedKey:
    """A loaded trusted public key: who holds it and what it may sign."""

    name: str
    purpose: str
    keyid: str
    public_key: Ed25519PublicKey
    path: str

    def verifies(self, message: bytes, signature: bytes) -> bool:
        """True when `signature` is this key's Ed25519 signature over `message`."""
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


def key_id(public_key: Ed25519PublicKey) -> str:
    """sha256 of the raw public key bytes, hex."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def key_paths(prefix: Path) -> tuple[Path, Path]:
    """`PREFIX.key` and `PREFIX.pub`."""
    return Path(f"{prefix}.key"), Path(f"{prefix}.pub")


def write_keypair(prefix: Path, *, force: bool = False) -> KeyFiles:
    """Generate an Ed25519 key pair and write PREFIX.key (0600) and PREFIX.pub (0644).

    Existing files are never overwritten unless `force`; the private key file is created with
    mode 0600 from the start (never briefly readable by others).
    """
    private_path, public_path = key_paths(prefix)
    if not force:
        for path in (private_path, public_path):
            if path.exists():
                raise EvidenceError(
                    "key file already exists",
                    source=str(path),
                    hint="choose another PREFIX or pass --force to replace the key pair",
                )
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        private_path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(private_path, private_pem, 0o600)
        replace_file(public_path, public_pem, 0o644)
    except OSError as exc:
        raise EvidenceError(
            f"cannot write key file ({exc.strerror})",
            source=exc.filename or str(private_path),
            hint="choose a writable PREFIX",
        ) from None
    return KeyFiles(private_path, public_path, key_id(key.public_key()))


def _read_key_file(path: Path, what: str) -> bytes:
    """The bytes of a key file, or EvidenceError naming it."""
    try:
        if path.stat().st_size > _MAX_KEY_FILE:
            raise EvidenceError(f"{what} file is too large to be a key", source=str(path))
        return path.read_bytes()
    except OSError as exc:
        raise EvidenceError(
            f"cannot read {what} ({exc.strerror})",
            source=str(path),
            hint="check the path (run `planrisk keygen PREFIX` to create a key pair)",
        ) from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Load an unencrypted PKCS8 PEM Ed25519 private key (as written by keygen); a file that
    its group or others may access is refused."""
    data = _read_key_file(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        detail = "it is encrypted" if "encrypted" in str(exc).lower() else "not a PEM private key"
        raise EvidenceError(
            f"cannot load private key: {detail}",
            source=str(path),
            hint="pass the PREFIX.key file written by `planrisk keygen`",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise EvidenceError(
            "private key is not an Ed25519 key",
            source=str(path),
            hint="create one with `planrisk keygen PREFIX`",
        )
    _require_private_mode(path)
    return key


_OPEN_BITS = 0o077
"""Permission bits for group and others: a private key file must have none (as ssh asks)."""


def _require_private_mode(path: Path) -> None:
    """EvidenceError, with the `chmod` to run, when group or others may access `path`."""
    if os.name != "posix":  # (Windows has no such mode bits: its ACLs are not checked)
        return
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise EvidenceError(f"cannot read private key ({exc.strerror})", source=str(path)) from None
    if mode & _OPEN_BITS:
        raise EvidenceError(
            f"private key file is accessible by group or others (mode {mode & 0o777:04o})",
            source=str(path),
            hint=f"run `chmod 600 {shlex.quote(str(path))}` (and use a new key if others "
            "could have read it)",
        )


def load_public_key(path: Path, data: bytes | None = None) -> Ed25519PublicKey:
    """Load a SubjectPublicKeyInfo PEM Ed25519 public key (from `data` when given: a key file
    read from a revision, named `path` in messages)."""
    if data is None:
        data = _read_key_file(path, "public key")
    elif len(data) > _MAX_KEY_FILE:
        raise EvidenceError("public key file is too large to be a key", source=str(path))
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise EvidenceError(
            "not a PEM public key",
            source=str(path),
            hint="point public_key at the PREFIX.pub file written by `planrisk keygen`",
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise EvidenceError(
            "public key is not an Ed25519 key",
            source=str(path),
            hint="create one with `planrisk keygen PREFIX`",
        )
    return key


def load_trusted_keys(entries: Sequence[TrustedKeyEntry]) -> list[TrustedKey]:
    """Load every configured trusted key; an unreadable or invalid one is an EvidenceError."""
    keys: list[TrustedKey] = []
    for entry in entries:
        if entry.purpose not in PURPOSES:
            raise EvidenceError(
                f"trusted key {entry.name!r} has purpose {entry.purpose!r}",
                source=entry.public_key_path,
                hint='use purpose = "attestation" or "approval"',
            )
        public_key = load_public_key(Path(entry.public_key_path), entry.public_key_pem or None)
        key = TrustedKey(
            entry.name, entry.purpose, key_id(public_key), public_key, entry.public_key_path
        )
        _require_distinct(key, keys)
        keys.append(key)
    return keys


def _require_distinct(key: TrustedKey, earlier: Sequence[TrustedKey]) -> None:
    """EvidenceError naming both entries when `key` repeats an earlier one: the same key
    bytes under another name (one holder would count as two approvers), or the same name
    with the same purpose (which of the two keys is meant?). Names compare as approvers do,
    case-insensitively; one holder may have one key for both purposes."""
    name = key.name.casefold()
    for other in earlier:
        same_bytes = other.keyid == key.keyid and other.name.casefold() != name
        same_entry = other.name.casefold() == name and other.purpose == key.purpose
        if same_bytes or same_entry:
            why = "hold the same public key" if same_bytes else "have the same name and purpose"
            raise EvidenceError(
                f"trusted keys {_entry(other)} and {_entry(key)} {why}",
                source="[[trusted_keys]]",
                hint="give each approver and signer one entry with a key of their own",
            )


def _entry(key: TrustedKey) -> str:
    """How an error names a `[[trusted_keys]]` entry."""
    return f"{key.name!r} ({key.purpose}, {key.path})"
