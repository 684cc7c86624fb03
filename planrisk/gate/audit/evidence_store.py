"""Evidence in the store (audit stage ↔ evidence stage): keep signed envelopes, find them again.

Input: a DSSE envelope written by `planrisk attest --store` or `approve --store` with the plan
digest it names and, for an attestation, the changes it covers; or, for a gate, the plan being
gated. Output: the `EvidenceRow` kept; the `LoadedEvidence` pieces a gate verifies.

The store is a rendezvous, not a trust root. A gate finds candidates by plan digest (approvals)
and by change fingerprint (attestations of the same change set made for another plan, the
sandbox's), columns the writer filled in, then reads each envelope exactly as it reads a file
(`planrisk.gate.evidence.loading.parse_envelope`) and verifies signature, key, environment, age and
plan as for a file. A row whose columns lie costs one lookup; a row that is no envelope is
named with its problem and ignored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from planrisk.gate.audit.engines import open_store
from planrisk.gate.audit.locations import StoreSpec
from planrisk.gate.audit.store_interface import EvidenceRow
from planrisk.gate.evidence.attestation import FingerprintEntry, change_fingerprint
from planrisk.gate.evidence.loading import (
    KIND_UNKNOWN,
    MAX_FILE_BYTES,
    LoadedEvidence,
    parse_envelope,
)
from planrisk.model import Plan
from planrisk.values import canonical_value

MAX_FOUND = 64
"""Envelopes a gate reads from the store per lookup (the newest): a flood of rows that name
the plan costs the gate this many signature checks at most, and can only leave it pending."""


def fingerprint_digest(changes: Sequence[FingerprintEntry]) -> str:
    """`sha256:HEX` of the sorted (address, type, action) triples: the change set's key."""
    triples = sorted([entry.address, entry.type, entry.action] for entry in changes)
    return "sha256:" + hashlib.sha256(canonical_value(triples)).hexdigest()


def record_envelope(
    spec: StoreSpec,
    envelope: bytes,
    *,
    kind: str,
    plan_digest: str,
    changes: Sequence[FingerprintEntry] | None = None,
) -> tuple[EvidenceRow, bool]:
    """Keep `envelope` in the store; the row and whether it was new."""
    row = EvidenceRow(
        sha256=hashlib.sha256(envelope).hexdigest(),
        kind=kind,
        plan_digest=plan_digest,
        fingerprint=fingerprint_digest(changes) if changes is not None else None,
        envelope=envelope.decode(),
        stream=spec.stream,
    )
    with open_store(spec) as store:
        return row, store.put_evidence(row)


def stored_evidence(
    spec: StoreSpec, plan: Plan, already: Sequence[LoadedEvidence] = ()
) -> list[LoadedEvidence]:
    """The store's envelopes for `plan` (by digest or change fingerprint), read like files;
    an envelope also given as a file (`already`) is left out."""
    with open_store(spec) as store:
        rows = store.find_evidence(
            plan.digest, fingerprint_digest(change_fingerprint(plan)), MAX_FOUND
        )
    seen = {(piece.payload, piece.signatures) for piece in already}
    found = []
    for row in rows:
        data = row.envelope.encode()
        if len(data) > MAX_FILE_BYTES:
            problem = f"malformed: envelope is larger than {MAX_FILE_BYTES} bytes"
            found.append(LoadedEvidence(file=store_name(row), kind=KIND_UNKNOWN, problem=problem))
            continue
        piece = parse_envelope(store_name(row), data)
        if (piece.payload, piece.signatures) not in seen:
            seen.add((piece.payload, piece.signatures))
            found.append(piece)
    return found


def store_name(row: EvidenceRow) -> str:
    """How reports name an envelope from the store: `store:` and 16 hex of its sha256."""
    return f"store:{row.sha256[:16]}"
