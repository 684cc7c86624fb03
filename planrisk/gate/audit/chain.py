"""The audit hash chain (audit stage): record hashes and verification of a sequence of records.

Input: stored records in sequence order. Output: each record's hash (sha256 over the previous
record's hash followed by the canonical JSON payload) and a `VerifyResult` naming the first
record that is missing, changed or out of order. Pure: no I/O (the SQLite store is `store`).

The chain proves that no record was changed, removed or reordered *before the newest one*;
removing records from the end leaves a shorter valid chain, so `audit verify` prints the head
hash and count, which can be kept elsewhere to detect that too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import msgspec

from planrisk.values import canonical_value

GENESIS = "0" * 64
"""`prev_hash` of the first record."""
DEFAULT_STREAM = "default"
"""The stream of a log written outside CI (and of a log from before streams)."""


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One stored gate decision."""

    seq: int
    """Position in the log, from 1, without gaps."""
    time: str
    """When the decision was made (copied from the payload's `time`)."""
    payload: str
    """The decision as canonical JSON (sorted keys): exactly what is hashed."""
    prev_hash: str
    """Hash of the previous record (GENESIS for the first)."""
    hash: str
    """sha256(prev_hash + payload), hex."""
    stream: str = DEFAULT_STREAM
    """The chain the record belongs to (not hashed: a checkpoint's origin names the stream)."""

    @property
    def data(self) -> Any:
        """The decoded payload."""
        return msgspec.json.decode(self.payload)


class VerifyResult(msgspec.Struct, frozen=True, kw_only=True):
    """Outcome of verifying a whole log."""

    ok: bool
    first_broken_seq: int | None = None
    """The first record that is missing, changed or out of place."""
    reason: str = ""
    """What is wrong with it."""
    count: int = 0
    """Records in the log."""
    head_hash: str = GENESIS
    """Hash of the newest record (GENESIS for an empty log)."""


def record_hash(prev_hash: str, payload: str) -> str:
    """sha256 over `prev_hash` followed by `payload`, hex."""
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def canonical_payload(record: dict[str, Any]) -> str:
    """The canonical JSON text of a decision (sorted keys, no whitespace)."""
    return canonical_value(record).decode()


def verify_records(records: Sequence[AuditRecord]) -> VerifyResult:
    """Walk the chain in seq order; stop at the first broken record."""
    previous_hash = GENESIS
    expected_seq = 1
    for record in records:
        problem = _problem(record, expected_seq, previous_hash)
        if problem is not None:
            broken_seq, reason = problem
            return VerifyResult(
                ok=False, first_broken_seq=broken_seq, reason=reason, count=len(records)
            )
        previous_hash = record.hash
        expected_seq = record.seq + 1
    return VerifyResult(ok=True, count=len(records), head_hash=previous_hash)


def _problem(record: AuditRecord, expected_seq: int, previous_hash: str) -> tuple[int, str] | None:
    """(seq, reason) of what is wrong with `record`, or None."""
    if record.seq > expected_seq:
        missing = (
            f"record {expected_seq} is"
            if record.seq == expected_seq + 1
            else f"records {expected_seq}-{record.seq - 1} are"
        )
        return expected_seq, f"{missing} missing (removed): the log jumps to record {record.seq}"
    if record.seq != expected_seq:
        return record.seq, f"unexpected sequence number (expected {expected_seq})"
    if record_hash(record.prev_hash, record.payload) != record.hash:
        return record.seq, "record was changed: its hash does not match its content"
    if record.prev_hash != previous_hash:
        before = f"record {record.seq - 1}" if record.seq > 1 else "the start of the log"
        return record.seq, (
            f"record does not follow {before}: records were removed or reordered, "
            "or a record was rewritten with a new hash"
        )
    try:
        data = record.data
    except msgspec.DecodeError:
        return record.seq, "payload is not JSON"
    if not isinstance(data, dict) or canonical_payload(data) != record.payload:
        return record.seq, "payload is not a canonical JSON object"
    if data.get("time") != record.time:
        return record.seq, "time column does not match the hashed payload"
    return None
