"""Evidence for tests: a fixed clock, a hand-built prod plan, a key ring, envelope tampering."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from planrisk.gate.evidence.dsse import Envelope
from planrisk.gate.evidence.keys import load_private_key, write_keypair
from planrisk.model import Plan, ResourceChange, TrustedKeyEntry
from tests.support.builders import make_plan

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
"""The fixed 'current time' of the verification tests."""


PLAN_SOURCE = "/ci/plans/prod.json"
"""Where the hand-built plan of the evidence tests was read from."""


PLAN_DIGEST = "sha256:" + "cd34" * 16
"""Its digest (what approvals and attestations name)."""


def prod_plan(*changes: ResourceChange) -> Plan:
    """A hand-built plan of `changes` as CI would have gated it (`PLAN_SOURCE`, `PLAN_DIGEST`)."""
    return make_plan(*changes, source=PLAN_SOURCE, digest=PLAN_DIGEST)


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
