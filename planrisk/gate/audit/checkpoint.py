"""Signed checkpoints of the audit log (audit stage): tamper evidence beyond the database.

Input: a stream's head (size and head hash) and an Ed25519 private key (`planrisk keygen`);
or checkpoint text, the matching public key and the stream's records. Output: a checkpoint as
a C2SP signed note (c2sp.org/tlog-checkpoint, c2sp.org/signed-note); the checkpoints read back
from a file; and whether the log still extends each one (the same record at that size with that
hash).

    planrisk/acme/infra                              origin: PREFIX/STREAM
    1234                                             size: seq of the newest record
    p9QbUmzWJvZ8sZ3Wq0p7fX8fQn0cBZkzY1Z6m3hQd0E=     its hash, base64 of the 32 bytes

    — planrisk/acme/infra base64(key ID || Ed25519 signature over the three lines above)

The key name is the origin; key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4] (0x01:
Ed25519). The third line is the head of planrisk's hash chain, where a transparency log puts
an RFC 6962 Merkle root: it commits to every record up to that size as well, but proves it by
replaying the chain rather than by a consistency proof, so the note verifies with any signed-
note library while only planrisk can check the log against it.

Whoever can rewrite the database can rewrite a chain kept inside it, consistently. A checkpoint
kept where they cannot write (an object-lock bucket, another repository, the job summary) makes
that visible: the rewritten log no longer has the signed hash at the signed size.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from planrisk.errors import InputError
from planrisk.gate.audit.chain import AuditRecord
from planrisk.gate.audit.store_interface import StreamHead

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

SIGNATURE_PREFIX = "\u2014 "
"""Em dash and space: how a signature line starts."""
ED25519_TYPE = b"\x01"
"""signed-note signature type of Ed25519."""
MAX_SIGNATURES = 16
"""Signature lines read per note (the signed-note spec asks verifiers to accept 16)."""

# Key names (and so origins) may hold neither Unicode spaces nor `+`.
_NAME = re.compile(r"^[^\s+]+$")
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,18})$")


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    """A checkpoint read from a note (not yet verified unless `open_checkpoint` said so)."""

    source: str
    """The file it came from (`FILE#N` for the Nth note of a file of several)."""
    origin: str
    size: int
    head_hash: str
    """Hex, as the log stores it."""


class Note(msgspec.Struct, frozen=True, kw_only=True):
    """A signed note split into its text and signature lines."""

    source: str
    text: str
    """The signed text, final newline included."""
    signatures: tuple[tuple[str, bytes], ...]
    """(key name, decoded key ID || signature) of each signature line."""


def origin_for(prefix: str, stream: str) -> str:
    """`PREFIX/STREAM`: a checkpoint's origin and key name."""
    origin = f"{prefix.rstrip('/')}/{stream}"
    if not _NAME.match(origin):
        raise InputError(
            f"checkpoint origin {origin!r} holds a space or a +",
            hint="pass --origin with a schema-less URL such as audit.example.com/planrisk",
        )
    return origin


def stream_of(origin: str, prefix: str) -> str | None:
    """The stream an origin names under `prefix`, or None when it is another log's."""
    head = prefix.rstrip("/") + "/"
    return origin[len(head) :] if origin.startswith(head) and len(origin) > len(head) else None


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte signed-note key ID of an Ed25519 key called `name`."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n" + ED25519_TYPE + raw).digest()[:4]


def sign_checkpoint(origin: str, head: StreamHead, key: Ed25519PrivateKey) -> str:
    """The signed note of `head` under `origin` (the key's name), ending with a newline."""
    text = f"{origin}\n{head.size}\n{base64.b64encode(bytes.fromhex(head.head_hash)).decode()}\n"
    return sign_note(text, origin, key)


def sign_note(text: str, name: str, key: Ed25519PrivateKey) -> str:
    """`text` (ending with a newline) as a signed note with one Ed25519 signature by `name`."""
    signature = key_id(name, key.public_key()) + key.sign(text.encode())
    return f"{text}\n{SIGNATURE_PREFIX}{name} {base64.b64encode(signature).decode()}\n"


def parse_notes(text: str, source: str) -> list[Note]:
    """Every note in a checkpoint file (notes may follow each other, blank lines between)."""
    if any(ord(c) < 0x20 and c not in "\n\r" for c in text):
        raise _malformed(source, "it holds control characters")
    lines = text.replace("\r\n", "\n").split("\n")
    notes: list[Note] = []
    index = 0
    while index < len(lines):
        if not lines[index]:
            index += 1
            continue
        body: list[str] = []
        while index < len(lines) and lines[index]:
            body.append(lines[index])
            index += 1
        index += 1  # the blank line before the signatures
        signed: list[tuple[str, bytes]] = []
        while index < len(lines) and lines[index].startswith(SIGNATURE_PREFIX):
            signed.append(_signature_line(lines[index], source))
            index += 1
        if not signed:
            raise _malformed(source, "a note has no signature line after its blank line")
        notes.append(Note(source=source, text="\n".join(body) + "\n", signatures=tuple(signed)))
    if not notes:
        raise _malformed(source, "it holds no checkpoint")
    if len(notes) > 1:
        notes = [msgspec.structs.replace(n, source=f"{source}#{i}") for i, n in enumerate(notes, 1)]
    return notes


def open_checkpoint(note: Note, public_key: Ed25519PublicKey) -> Checkpoint | str:
    """The checkpoint of a note signed by `public_key` under its origin, or why not."""
    from cryptography.exceptions import InvalidSignature

    body = note.text.split("\n")[:-1]
    if len(body) < 3:
        return "malformed: a checkpoint has an origin, a size and a hash line"
    origin, size, root = body[0], body[1], body[2]
    if not _SIZE.match(size):
        return f"malformed: size {size[:30]!r} is not a decimal number"
    try:
        head = base64.b64decode(root, validate=True)
    except (binascii.Error, ValueError):
        head = b""
    if len(head) != 32:
        return "malformed: the hash line is not the base64 of 32 bytes"
    expected = key_id(origin, public_key)
    known = [sig for name, sig in note.signatures[:MAX_SIGNATURES] if name == origin]
    known = [sig for sig in known if sig[:4] == expected]
    if not known:
        return f"not signed by the given key under the name {origin!r}"
    for signature in known:
        try:
            public_key.verify(signature[4:], note.text.encode())
        except InvalidSignature:
            return "its signature by the given key does not verify: the note was changed"
    return Checkpoint(source=note.source, origin=origin, size=int(size), head_hash=head.hex())


def extension_problem(checkpoint: Checkpoint, records: Sequence[AuditRecord]) -> str | None:
    """Why the log does not extend `checkpoint`, or None when it holds the signed record.

    The caller verifies the chain from record 1 to the head as well; together they prove the
    log is the signed one up to the checkpoint, and grew only by appends after it.
    """
    if checkpoint.size == 0:
        return None
    by_seq = {record.seq: record for record in records}
    record = by_seq.get(checkpoint.size)
    if record is None:
        return (
            f"the log has no record {checkpoint.size} ({len(records)} record(s)): records "
            "were removed from the end, or the log was replaced"
        )
    if record.hash != checkpoint.head_hash:
        return (
            f"record {checkpoint.size} has hash {record.hash[:16]}…, the checkpoint signed "
            f"{checkpoint.head_hash[:16]}…: the log was rewritten at or before record "
            f"{checkpoint.size}"
        )
    return None


def _signature_line(line: str, source: str) -> tuple[str, bytes]:
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _malformed(source, "a signature is not base64") from None
    if not name or len(signature) < 5:
        raise _malformed(source, "a signature line has no key name or is too short")
    return name, signature


def _malformed(source: str, detail: str) -> InputError:
    return InputError(
        f"not a checkpoint file ({detail})",
        source=source,
        hint="pass the file `planrisk audit checkpoint` wrote",
    )
