"""The audit log in SQLite (audit stage): append-only, hash-chained, safe for concurrent gates.

Input: a gate decision (a JSON-able dict: time, actor, environment, plan digest, score,
outcome, rules, evidence, policy digest, version) and the database path. Output: the stored
`AuditRecord`, the whole log, or its verification.

Appends run inside `BEGIN IMMEDIATE` with a 30 s busy timeout in WAL mode, so gates in several
processes serialize and none loses a record. UPDATE and DELETE are refused by triggers (a
tamperer must drop them first; `verify_log` still finds the damage).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from planrisk.errors import InputError
from planrisk.gate.audit.chain import (
    GENESIS,
    AuditRecord,
    VerifyResult,
    canonical_payload,
    record_hash,
    verify_records,
)
from planrisk.gate.evidence.durations import format_utc, utc_now

APPLICATION_ID = 0x706C6E72
"""SQLite `application_id` of a planrisk audit database ("plnr")."""
BUSY_TIMEOUT_SECONDS = 30.0
"""How long an append waits for another process's append."""
DEFAULT_RELATIVE_PATH = Path(".planrisk") / "audit.db"
"""Where the log lives when neither --audit-db nor PLANRISK_AUDIT_DB says otherwise."""
ENV_VAR = "PLANRISK_AUDIT_DB"
"""Environment variable that moves the log."""

_SCHEMA = (
    """CREATE TABLE records (
        seq INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    """CREATE TRIGGER records_no_update BEFORE UPDATE ON records
       BEGIN SELECT RAISE(ABORT, 'the planrisk audit log is append-only'); END""",
    """CREATE TRIGGER records_no_delete BEFORE DELETE ON records
       BEGIN SELECT RAISE(ABORT, 'the planrisk audit log is append-only'); END""",
    f"PRAGMA application_id = {APPLICATION_ID}",
)
_COLUMNS = "seq, time, payload, prev_hash, hash"


def default_audit_path(environ: Mapping[str, str], cwd: Path) -> Path:
    """PLANRISK_AUDIT_DB (relative to `cwd`) or `cwd/.planrisk/audit.db`."""
    configured = environ.get(ENV_VAR, "").strip()
    path = Path(configured) if configured else DEFAULT_RELATIVE_PATH
    return path if path.is_absolute() else cwd / path


def append_decision(db_path: Path, record: Mapping[str, Any]) -> AuditRecord:
    """Append one decision; adds `time` (now, UTC) when the record has none."""
    data = dict(record)
    moment = data.get("time")
    if moment is None:
        data["time"] = format_utc(utc_now())
    elif isinstance(moment, datetime):
        data["time"] = format_utc(moment)
    elif not isinstance(moment, str):
        raise TypeError("audit record time must be a str or datetime")
    payload = canonical_payload(data)
    with _writer(db_path) as conn:
        row = conn.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev_hash = (int(row[0]) + 1, str(row[1])) if row else (1, GENESIS)
        stored = AuditRecord(
            seq=seq,
            time=data["time"],
            payload=payload,
            prev_hash=prev_hash,
            hash=record_hash(prev_hash, payload),
        )
        conn.execute(
            f"INSERT INTO records ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
            (stored.seq, stored.time, stored.payload, stored.prev_hash, stored.hash),
        )
    return stored


def read_log(db_path: Path) -> list[AuditRecord]:
    """Every record in seq order (read-only; a missing or foreign database is an InputError)."""
    with closing(_open_existing(db_path)) as conn:
        try:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM records ORDER BY seq").fetchall()
        except sqlite3.DatabaseError as exc:
            raise _not_audit_db(db_path, str(exc)) from None
    try:
        return [
            AuditRecord(seq=int(s), time=str(t), payload=str(p), prev_hash=str(ph), hash=str(h))
            for s, t, p, ph, h in rows
        ]
    except (TypeError, ValueError):
        raise _not_audit_db(db_path, "records table holds values of the wrong type") from None


def verify_log(db_path: Path) -> VerifyResult:
    """Verify the whole chain of the log at `db_path`."""
    return verify_records(read_log(db_path))


@contextmanager
def _writer(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection inside `BEGIN IMMEDIATE` on an initialized log; commits on success."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise InputError(
            f"cannot open the audit log ({exc})",
            source=str(db_path),
            hint=f"pass a writable path with --audit-db or {ENV_VAR}",
        ) from None
    with closing(conn):
        _enable_wal(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            _ensure_schema(conn, db_path)
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL; a concurrent first switch may report busy, so retry for a while."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _ensure_schema(conn: sqlite3.Connection, db_path: Path) -> None:
    """Create the table and triggers in a new database; refuse a foreign one."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id == APPLICATION_ID:
        return
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if tables:
        raise _not_audit_db(db_path, "the database holds other tables")
    for statement in _SCHEMA:
        conn.execute(statement)


def _open_existing(db_path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing planrisk audit database."""
    if not db_path.is_file():
        raise InputError(
            "audit log not found",
            source=str(db_path),
            hint=(
                f"run `planrisk gate` to record a decision first, or point --audit-db or "
                f"{ENV_VAR} at the log"
            ),
        )
    uri = "file:" + quote(str(db_path.resolve())) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise _not_audit_db(db_path, str(exc)) from None
    if app_id != APPLICATION_ID:
        conn.close()
        raise _not_audit_db(db_path, "it was not created by planrisk")
    return conn


def _not_audit_db(db_path: Path, detail: str) -> InputError:
    """The error for a file that is not a usable planrisk audit log."""
    return InputError(
        f"not a planrisk audit log ({detail})",
        source=str(db_path),
        hint=f"point --audit-db or {ENV_VAR} at the log `planrisk gate` writes",
    )
