"""The store interface (audit stage): what SQLite and PostgreSQL both implement.

Input: nothing (definitions). Output: the `Store` protocol — per-stream hash chains of records
(`append`, `read`, `head`, `streams`, `import_records`), the signed evidence envelopes
(`put_evidence`, `find_evidence`, `evidence`) and the schema (`migrate`) — its row types, and the
chain arithmetic both engines share (`next_record`, `check_continues`). Both engines keep the
same record format and chain (`planrisk.gate.audit.chain`), so `audit verify`, `audit log`,
checkpoints and `store copy` work on either; `planrisk.gate.audit.engines` opens one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import msgspec

from planrisk.gate.audit.chain import GENESIS, AuditRecord, record_hash

SCHEMA_VERSION = 2
"""The store layout this planrisk writes (SQLite files from before streams are version 0;
version 2 adds the job and document tables of `planrisk serve`, `jobs_schema`)."""


class StreamHead(msgspec.Struct, frozen=True):
    """The newest record of one stream."""

    stream: str
    size: int
    """Sequence number of the newest record (0 for an empty stream)."""
    head_hash: str = GENESIS
    """Its hash (GENESIS for an empty stream)."""


class EvidenceRow(msgspec.Struct, frozen=True, kw_only=True):
    """One signed envelope kept in the store, with the keys the gate finds it by."""

    sha256: str
    """sha256 of `envelope` (hex): its identity; the same envelope is kept once."""
    kind: str
    """sandbox_attestation or approval, as the writer said (the gate reads the envelope)."""
    plan_digest: str
    """The plan the envelope names."""
    fingerprint: str | None
    """For an attestation: `fingerprint_digest` of the changes it covers."""
    envelope: str
    """The DSSE envelope as written by `attest`/`approve` (one JSON line)."""
    stream: str
    """The stream of the run that recorded it (informative)."""


class MigrateResult(msgspec.Struct, frozen=True):
    """What `migrate` found and left."""

    before: int
    """Schema version found (0 for a SQLite log from before streams, or when `created`)."""
    after: int
    created: bool = False
    """The store had no planrisk tables: they were created."""


class Store(Protocol):
    """An open store. Every method is one transaction; appends serialize per stream."""

    label: str

    def append(self, stream: str, time: str, payload: str) -> AuditRecord:
        """Append one canonical payload to `stream`'s chain; the stored record."""
        ...

    def read(self, stream: str) -> list[AuditRecord]:
        """Every record of `stream`, in sequence order."""
        ...

    def streams(self) -> list[str]:
        """The streams that hold records, sorted."""
        ...

    def head(self, stream: str) -> StreamHead:
        """The newest record of `stream` (the empty head in a store not yet created)."""
        ...

    def import_records(self, stream: str, records: Sequence[AuditRecord]) -> int:
        """Append records verbatim (seq, hashes) after the stream's head; how many."""
        ...

    def put_evidence(self, row: EvidenceRow) -> bool:
        """Keep an envelope; False when it was already kept."""
        ...

    def find_evidence(
        self, plan_digest: str, fingerprint: str | None, limit: int
    ) -> list[EvidenceRow]:
        """The newest `limit` envelopes naming the plan or the change fingerprint, oldest
        first."""
        ...

    def evidence(self) -> list[EvidenceRow]:
        """Every kept envelope, in the order they were kept."""
        ...

    def migrate(self) -> MigrateResult:
        """Create or upgrade the schema to SCHEMA_VERSION."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def next_record(head: StreamHead, time: str, payload: str) -> AuditRecord:
    """The record that follows `head` in its stream: the next seq, chained to its hash."""
    return AuditRecord(
        seq=head.size + 1,
        time=time,
        payload=payload,
        prev_hash=head.head_hash,
        hash=record_hash(head.head_hash, payload),
        stream=head.stream,
    )


def check_continues(head: StreamHead, records: Sequence[AuditRecord], label: str) -> None:
    """Refuse to import `records` unless they extend `head` exactly (next seq, its hash)."""
    if not records:
        return
    first = records[0]
    if first.seq != head.size + 1 or first.prev_hash != head.head_hash:
        from planrisk.errors import InputError

        raise InputError(
            f"stream {head.stream!r} already holds {head.size} record(s) that the copied "
            f"records do not extend (they start at record {first.seq})",
            source=label,
            hint="copy into an empty stream (--as NAME), or into the stream the log came from",
        )
