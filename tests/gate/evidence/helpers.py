"""Helpers for the evidence tests: hand-built plans, a key ring, envelope tampering."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from planrisk.gate.evidence.dsse import Envelope
from planrisk.gate.evidence.keys import load_private_key, write_keypair
from planrisk.model import Action, Plan, ResourceChange, Tool, TrustedKeyEntry

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
"""The fixed 'current time' of the verification tests."""


def change(address: str, type_: str, action: Action) -> ResourceChange:
    """A resource change with just the fields the evidence stage reads."""
    name = address.rsplit(".", 1)[-1]
    return ResourceChange(address=address, type=type_, name=name, action=action)


def make_plan(*changes: ResourceChange, digest_hex: str = "cd34" * 16) -> Plan:
    """A plan built by hand (independent of ingest)."""
    return Plan(
        tool=Tool.TERRAFORM,
        format_version="1.2",
        source="/ci/plans/prod.json",
        digest=f"sha256:{digest_hex}",
        changes=changes,
    )


class KeyRing:
    """Key pairs created on demand under a directory, and the trusted entries naming them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.private: dict[str, Ed25519PrivateKey] = {}
        self.public_paths: dict[str, Path] = {}

    def key(self, name: str) -> Ed25519PrivateKey:
        """The private key called `name` (created on first use)."""
        if name not in self.private:
            files = write_keypair(self.root / name)
            self.private[name] = load_private_key(files.private_path)
            self.public_paths[name] = files.public_path
        return self.private[name]

    def trust(self, name: str, purpose: str) -> TrustedKeyEntry:
        """A trusted-key entry for `name`'s public key."""
        self.key(name)
        return TrustedKeyEntry(
            name=name, purpose=purpose, public_key_path=str(self.public_paths[name])
        )


def flip_payload_byte(envelope: Envelope, needle: bytes, replacement: bytes) -> Envelope:
    """The envelope with `needle` in its payload replaced (the signature left as it was)."""
    payload = base64.b64decode(envelope.payload)
    assert needle in payload
    changed = payload.replace(needle, replacement, 1)
    return msgspec.structs.replace(envelope, payload=base64.b64encode(changed).decode())


def flip_signature_byte(envelope: Envelope) -> Envelope:
    """The envelope with one bit of its first signature flipped."""
    first = envelope.signatures[0]
    raw = bytearray(base64.b64decode(first.sig))
    raw[10] ^= 0x01
    bad = msgspec.structs.replace(first, sig=base64.b64encode(bytes(raw)).decode())
    return msgspec.structs.replace(envelope, signatures=(bad, *envelope.signatures[1:]))
