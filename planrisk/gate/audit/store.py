"""The audit log (audit stage): append a decision to the store; read and verify one stream.

Input: a gate decision (a JSON-able dict: time, actor, environment, plan digest, score,
outcome, rules, evidence, policy digest, version) and where the log is: a SQLite path (the
library's form from before the store) or a `StoreSpec` (`planrisk.gate.audit.locations`, which
knows PostgreSQL URLs and streams). Output: the stored `AuditRecord`, a stream's records, or
its verification.

This module makes the payload canonical and names the stream; the engines
(`sqlite_engine`, `postgres_engine`) keep the chain, serialize concurrent writers and refuse
UPDATE and DELETE.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from planrisk.errors import InputError
from planrisk.gate.audit.chain import AuditRecord, VerifyResult, canonical_payload, verify_records
from planrisk.gate.audit.engines import open_store
from planrisk.gate.audit.locations import (
    AUDIT_DB_ENV,
    DEFAULT_RELATIVE_PATH,
    StoreSpec,
    sqlite_spec,
)
from planrisk.gate.audit.store_interface import Store
from planrisk.gate.evidence.durations import format_utc, utc_now

ENV_VAR = AUDIT_DB_ENV
"""Environment variable that moves the SQLite log."""

__all__ = [
    "DEFAULT_RELATIVE_PATH",
    "ENV_VAR",
    "append_decision",
    "default_audit_path",
    "read_log",
    "verify_log",
]


def default_audit_path(environ: Mapping[str, str], cwd: Path) -> Path:
    """PLANRISK_AUDIT_DB (relative to `cwd`) or `cwd/.planrisk/audit.db`."""
    configured = environ.get(ENV_VAR, "").strip()
    path = Path(configured) if configured else DEFAULT_RELATIVE_PATH
    return path if path.is_absolute() else cwd / path


def append_decision(target: Path | StoreSpec, record: Mapping[str, Any]) -> AuditRecord:
    """Append one decision to the target's stream (a bare path: the SQLite log's `default`
    stream); adds `time` (now, UTC) when the record has none."""
    data = dict(record)
    moment = data.get("time")
    if moment is None:
        data["time"] = format_utc(utc_now())
    elif isinstance(moment, datetime):
        data["time"] = format_utc(moment)
    elif not isinstance(moment, str):
        raise TypeError("audit record time must be a str or datetime")
    spec = _spec(target)
    with open_store(spec) as store:
        return store.append(spec.stream, data["time"], canonical_payload(data))


def read_log(target: Path | StoreSpec, stream: str | None = None) -> list[AuditRecord]:
    """Every record of `stream` in seq order; without one, of the log's only stream (a log of
    several streams is an InputError asking for one). A missing or foreign SQLite file is an
    InputError too, and is not created."""
    spec = _spec(target)
    with open_store(spec) as store:
        return store.read(stream if stream is not None else only_stream(store, spec))


def verify_log(target: Path | StoreSpec, stream: str | None = None) -> VerifyResult:
    """Verify the chain of one stream (as `read_log` picks it)."""
    return verify_records(read_log(target, stream))


def only_stream(store: Store, spec: StoreSpec) -> str:
    """The log's one stream (the spec's when it has none yet); several are an InputError."""
    streams = store.streams()
    if len(streams) > 1:
        shown = ", ".join(streams[:5]) + (", …" if len(streams) > 5 else "")
        raise InputError(
            f"the log holds {len(streams)} streams ({shown})",
            source=spec.label,
            hint="name one with --stream",
        )
    return streams[0] if streams else spec.stream


def _spec(target: Path | StoreSpec) -> StoreSpec:
    return target if isinstance(target, StoreSpec) else sqlite_spec(target)
