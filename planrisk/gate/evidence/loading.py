"""Loading evidence files (evidence stage): the files given with `--evidence`.

Input: paths, each a file or a directory (its `*.json`, `*.intoto.jsonl` and `*.dsse` files,
sorted by name, not recursive). Output: one `LoadedEvidence` per envelope, in order.

Policy on bad input: a path that does not exist or cannot be read is an input error (exit 3)
because the user named it; a file that is readable but is not a usable envelope (garbage,
truncated JSON, bad base64, nesting too deep) is *not* an error: it is loaded as kind
"unknown" with a `problem` ("malformed: …") so that the gate ignores it and names it with the
reason.
A `.intoto.jsonl` file holds one envelope per non-empty line (named `FILE:LINE`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import msgspec

from planrisk.errors import EvidenceError
from planrisk.gate.evidence import approval, attestation
from planrisk.gate.evidence.dsse import Signature, b64decode, decode_envelope
from planrisk.model import EvidenceKind

SUFFIXES = (".json", ".intoto.jsonl", ".dsse")
"""File names picked up from an evidence directory."""
MAX_FILE_BYTES = 4 * 1024 * 1024
"""Evidence files larger than this are rejected as malformed without being parsed."""

KIND_ATTESTATION = EvidenceKind.SANDBOX_ATTESTATION
KIND_APPROVAL = EvidenceKind.APPROVAL
KIND_UNKNOWN = EvidenceKind.UNKNOWN

_KINDS = {attestation.PAYLOAD_TYPE: KIND_ATTESTATION, approval.PAYLOAD_TYPE: KIND_APPROVAL}


class LoadedEvidence(msgspec.Struct, frozen=True, kw_only=True):
    """One envelope read from disk, not yet verified."""

    file: str
    """File it came from (`FILE:LINE` for a multi-line .intoto.jsonl)."""
    kind: EvidenceKind
    """sandbox_attestation, approval or unknown (by payload type)."""
    payload_type: str = ""
    """The envelope's payloadType."""
    payload: bytes = b""
    """The decoded payload bytes (what was signed, inside the PAE)."""
    signatures: tuple[Signature, ...] = ()
    """The envelope's signatures."""
    problem: str | None = None
    """Why this piece cannot be used at all (malformed, unsupported type), else None."""


def load_evidence(paths: Sequence[Path]) -> list[LoadedEvidence]:
    """Every envelope in `paths` (files, or directories of evidence files), in order."""
    loaded: list[LoadedEvidence] = []
    for path in paths:
        for file in _expand(path):
            loaded.extend(_load_file(file))
    return loaded


def _expand(path: Path) -> Iterator[Path]:
    """The path itself, or the evidence files of a directory sorted by name."""
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file() and child.name.endswith(SUFFIXES):
                yield child
        return
    if not path.exists():
        raise EvidenceError(
            "evidence file not found",
            source=str(path),
            hint="pass an attestation or approval file, or a directory of them, to --evidence",
        )
    yield path


def _load_file(path: Path) -> list[LoadedEvidence]:
    """The envelopes of one file."""
    try:
        size = path.stat().st_size
        data = b"" if size > MAX_FILE_BYTES else path.read_bytes()
    except OSError as exc:
        raise EvidenceError(
            f"cannot read evidence file ({exc.strerror})",
            source=str(path),
            hint="check the path and its permissions",
        ) from None
    if size > MAX_FILE_BYTES:
        return [_malformed(str(path), f"file is larger than {MAX_FILE_BYTES} bytes")]
    if path.name.endswith(".intoto.jsonl"):
        lines = [(n, line) for n, line in enumerate(data.splitlines(), 1) if line.strip()]
        if not lines:
            return [_malformed(str(path), "file is empty")]
        if len(lines) == 1:
            return [parse_envelope(str(path), lines[0][1])]
        return [parse_envelope(f"{path}:{n}", line) for n, line in lines]
    return [parse_envelope(str(path), data)]


def parse_envelope(name: str, data: bytes) -> LoadedEvidence:
    """One envelope named `name`; a malformed one becomes an `unknown` entry with its problem
    (files, and the envelopes kept in the store)."""
    if not data.strip():
        return _malformed(name, "file is empty")
    try:
        envelope = decode_envelope(data)
    except msgspec.ValidationError as exc:  # a subclass of DecodeError: test it first
        return _malformed(name, f"not a DSSE envelope ({exc})")
    except msgspec.DecodeError:
        return _malformed(name, "not valid JSON")
    except RecursionError:  # (msgspec recurses through what it skips, too)
        return _malformed(name, "JSON nested too deeply to be an envelope")
    try:
        payload = b64decode(envelope.payload)
    except ValueError:
        return _malformed(name, "payload is not base64")
    kind = _KINDS.get(envelope.payload_type, KIND_UNKNOWN)
    problem = None
    if kind == KIND_UNKNOWN:
        problem = f"unsupported payloadType {envelope.payload_type!r}"
    return LoadedEvidence(
        file=name,
        kind=kind,
        payload_type=envelope.payload_type,
        payload=payload,
        signatures=envelope.signatures,
        problem=problem,
    )


def _malformed(name: str, detail: str) -> LoadedEvidence:
    """An unusable file."""
    return LoadedEvidence(file=name, kind=KIND_UNKNOWN, problem=f"malformed: {detail}")
