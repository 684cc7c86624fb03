"""DSSE envelopes (evidence stage): in-toto's signing format for attestations and approvals.

Input: a payload type and payload bytes plus a private key (signing), or envelope JSON bytes
(reading). Output: an `Envelope` (`payloadType`, base64 `payload`, `signatures[{keyid, sig}]`)
whose signatures are Ed25519 over the DSSE pre-authentication encoding (PAE), so that neither
the payload nor its type can be changed without breaking every signature.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, TypeVar

import msgspec

_T = TypeVar("_T")

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class Signature(msgspec.Struct, frozen=True):
    """One signature of an envelope."""

    sig: str
    """Base64 Ed25519 signature over the PAE."""
    keyid: str = ""
    """Hint: sha256 of the signer's raw public key (hex)."""


class Envelope(msgspec.Struct, frozen=True, rename="camel"):
    """A DSSE envelope."""

    payload_type: str
    """Media type of the payload (part of what is signed)."""
    payload: str
    """Base64 of the payload bytes."""
    signatures: tuple[Signature, ...]
    """At least one signature."""


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what the signatures cover."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def b64decode(text: str) -> bytes:
    """Standard or URL-safe base64 (both allowed by DSSE) → bytes; ValueError if neither."""
    padded = text + "=" * (-len(text) % 4)
    alphabet = b"-_" if ("-" in text or "_" in text) else None
    try:
        return base64.b64decode(padded, altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


def sign_envelope(payload_type: str, payload: bytes, key: Ed25519PrivateKey) -> Envelope:
    """An envelope over `payload` with one signature by `key`."""
    from planrisk.gate.evidence.keys import key_id

    signature = key.sign(pae(payload_type, payload))
    return Envelope(
        payload_type=payload_type,
        payload=base64.b64encode(payload).decode(),
        signatures=(
            Signature(sig=base64.b64encode(signature).decode(), keyid=key_id(key.public_key())),
        ),
    )


def encode_envelope(envelope: Envelope) -> bytes:
    """Compact one-line JSON (valid as `.json`, `.dsse` and one `.intoto.jsonl` line)."""
    return msgspec.json.encode(envelope)


def decode_envelope(data: bytes) -> Envelope:
    """Parse envelope JSON; msgspec.DecodeError / ValidationError when it is not one."""
    envelope = msgspec.json.decode(data, type=Envelope)
    if not envelope.signatures:
        raise msgspec.ValidationError("envelope has no signatures")
    return envelope


def decode_payload(payload: bytes, kind: type[_T], what: str) -> _T:
    """An envelope's payload decoded as `kind`; ValueError naming `what` it is not."""
    try:
        return msgspec.json.decode(payload, type=kind)
    except msgspec.DecodeError as exc:
        raise ValueError(f"payload is not {what} ({exc})") from None
    except RecursionError:
        raise ValueError(f"payload is nested too deeply to be {what}") from None
