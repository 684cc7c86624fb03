"""Copying a store (audit stage): a SQLite log into PostgreSQL, or any store into another.

Input: the source and destination `StoreSpec`s, the streams to copy (default: all) and, for
one stream, the name it gets in the destination. Output: per stream, the records copied and the
head both stores now share; the number of evidence envelopes copied.

Each source stream is verified first: a broken chain is not copied (`BrokenLog`, exit 1).
Records keep their seq, time, payload and hashes, so the destination verifies to the same head
and checkpoints signed over the source still hold (for the same stream name). A destination
stream that already holds the source's first k records (an interrupted copy) gets the rest; one
that holds anything else is refused. Records go over in batches, one transaction each, so a
killed copy leaves a prefix that the next run continues.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from planrisk.errors import ExitCode, InputError, PlanriskError
from planrisk.gate.audit.chain import verify_records
from planrisk.gate.audit.engines import open_store
from planrisk.gate.audit.locations import StoreSpec, check_stream
from planrisk.gate.audit.store_interface import Store

BATCH = 2000
"""Records per destination transaction."""


class BrokenLog(PlanriskError):
    """The source's chain does not verify: nothing of that stream is copied (exit 1)."""

    exit_code = ExitCode.BLOCKED


class CopiedStream(msgspec.Struct, frozen=True, kw_only=True):
    """One stream copied."""

    source: str
    """Its name in the source."""
    stream: str
    """Its name in the destination."""
    copied: int
    """Records added to the destination by this run."""
    size: int
    head_hash: str


class CopyResult(msgspec.Struct, frozen=True, kw_only=True):
    """What `copy_store` did."""

    streams: tuple[CopiedStream, ...]
    evidence: int
    """Envelopes the destination did not hold yet."""


def copy_store(
    source: StoreSpec,
    destination: StoreSpec,
    streams: Sequence[str] = (),
    rename: str | None = None,
) -> CopyResult:
    """Copy `streams` (all when empty) and every evidence envelope from source to destination."""
    if rename is not None and len(streams) != 1:
        raise InputError("--as renames one stream", hint="pass exactly one --stream with --as NAME")
    with open_store(source) as src, open_store(destination) as dst:
        names = list(streams) or src.streams()
        copied = tuple(
            _copy_stream(src, dst, name, check_stream(rename or name, "--as")) for name in names
        )
        added = sum(1 for row in src.evidence() if dst.put_evidence(row))
    return CopyResult(streams=copied, evidence=added)


def _copy_stream(src: Store, dst: Store, name: str, target: str) -> CopiedStream:
    records = src.read(name)
    result = verify_records(records)
    if not result.ok:
        raise BrokenLog(
            f"stream {name!r} is broken at record {result.first_broken_seq}: {result.reason}; "
            "nothing of it was copied",
            source=src.label,
            hint="`planrisk audit verify` shows the damage; copy the other streams with --stream",
        )
    head = dst.head(target)
    done = head.size
    if done > len(records) or (done and records[done - 1].hash != head.head_hash):
        raise InputError(
            f"stream {target!r} already holds {done} record(s) that are not the first of "
            f"{src.label}'s stream {name!r}",
            source=dst.label,
            hint="copy into a new stream with --stream NAME --as NEW",
        )
    for start in range(done, len(records), BATCH):
        dst.import_records(target, records[start : start + BATCH])
    return CopiedStream(
        source=name,
        stream=target,
        copied=len(records) - done,
        size=result.count,
        head_hash=result.head_hash,
    )
