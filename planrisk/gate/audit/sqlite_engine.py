"""The store in SQLite (audit stage): one file with per-stream hash chains and kept evidence.

Input: a SQLite `StoreSpec`, canonical payloads to append, envelopes to keep. Output: the stored
records and envelopes, read back in order.

Writes run inside `BEGIN IMMEDIATE` with a 30 s busy timeout in WAL mode, so gates in several
processes serialize and none loses a record; the head is read and the hash computed inside that
transaction. UPDATE and DELETE are refused by triggers (a tamperer must drop them first;
`verify` still finds the damage). Readers open the file read-only and never create it.

Schema version 2 (`PRAGMA user_version`): `records` keyed by (stream, seq), `evidence` keyed
by the envelope's sha256, and the job and document tables of `planrisk serve` (`jobs_schema`;
a version-1 file gains them on its first write). A log from before streams (version 0:
`records(seq …)`, one chain) is read as the stream `default`; the first write migrates it in
the same transaction, so a killed writer leaves either the old file or the new one.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

from planrisk.errors import InputError
from planrisk.gate.audit.chain import DEFAULT_STREAM, AuditRecord
from planrisk.gate.audit.jobs_schema import SQLITE_V2
from planrisk.gate.audit.locations import AUDIT_DB_ENV, StoreSpec
from planrisk.gate.audit.store_errors import version_error
from planrisk.gate.audit.store_interface import (
    SCHEMA_VERSION,
    EvidenceRow,
    MigrateResult,
    StreamHead,
    check_continues,
    next_record,
)

APPLICATION_ID = 0x706C6E72
"""SQLite `application_id` of a planrisk audit database ("plnr")."""
BUSY_TIMEOUT_SECONDS = 30.0
"""How long a write waits for another process's write."""

_APPEND_ONLY = "BEGIN SELECT RAISE(ABORT, 'the planrisk audit log is append-only'); END"
_SCHEMA = (
    """CREATE TABLE records (
        stream TEXT NOT NULL,
        seq INTEGER NOT NULL,
        time TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (stream, seq)
    )""",
    """CREATE TABLE evidence (
        sha256 TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        plan_digest TEXT NOT NULL,
        fingerprint TEXT,
        envelope TEXT NOT NULL,
        stream TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX evidence_plan_digest ON evidence (plan_digest)",
    "CREATE INDEX evidence_fingerprint ON evidence (fingerprint)",
    f"CREATE TRIGGER records_no_update BEFORE UPDATE ON records {_APPEND_ONLY}",
    f"CREATE TRIGGER records_no_delete BEFORE DELETE ON records {_APPEND_ONLY}",
    f"CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence {_APPEND_ONLY}",
    f"CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence {_APPEND_ONLY}",
    *SQLITE_V2,
    f"PRAGMA application_id = {APPLICATION_ID}",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)
# Version 0 → 1: the single chain becomes the stream `default`, records and hashes unchanged.
_FROM_VERSION_0 = (
    "DROP TRIGGER records_no_update",
    "DROP TRIGGER records_no_delete",
    "ALTER TABLE records RENAME TO records_v0",
    *_SCHEMA,
    "INSERT INTO records (stream, seq, time, payload, prev_hash, hash) "
    f"SELECT '{DEFAULT_STREAM}', seq, time, payload, prev_hash, hash FROM records_v0 ORDER BY seq",
    "DROP TABLE records_v0",
)
_RECORD_COLUMNS = "seq, time, payload, prev_hash, hash"
_EVIDENCE_COLUMNS = "sha256, kind, plan_digest, fingerprint, envelope, stream"


class SqliteStore:
    """The `Store` in one SQLite file; each call opens its own short connection."""

    def __init__(self, spec: StoreSpec) -> None:
        self.label = spec.label
        self.path = spec.path

    def close(self) -> None:
        """Nothing stays open between calls."""

    def append(self, stream: str, time: str, payload: str) -> AuditRecord:
        with self._writer() as (conn, _):
            head = _head(conn, stream, SCHEMA_VERSION)
            stored = next_record(head, time, payload)
            _insert(conn, stream, [stored])
        return stored

    def read(self, stream: str) -> list[AuditRecord]:
        with self._reader() as (conn, version):
            try:
                if version == 0:
                    sql = f"SELECT {_RECORD_COLUMNS} FROM records ORDER BY seq"
                    rows = conn.execute(sql).fetchall() if stream == DEFAULT_STREAM else []
                else:
                    sql = f"SELECT {_RECORD_COLUMNS} FROM records WHERE stream = ? ORDER BY seq"
                    rows = conn.execute(sql, (stream,)).fetchall()
            except sqlite3.DatabaseError as exc:
                raise _not_audit_db(self.path, str(exc)) from None
        try:
            return [
                AuditRecord(
                    seq=int(s),
                    time=str(t),
                    payload=str(p),
                    prev_hash=str(ph),
                    hash=str(h),
                    stream=stream,
                )
                for s, t, p, ph, h in rows
            ]
        except (TypeError, ValueError):
            raise _not_audit_db(self.path, "records table holds values of the wrong type") from None

    def streams(self) -> list[str]:
        with self._reader() as (conn, version):
            if version == 0:
                found = conn.execute("SELECT 1 FROM records LIMIT 1").fetchone()
                return [DEFAULT_STREAM] if found else []
            rows = conn.execute("SELECT DISTINCT stream FROM records ORDER BY stream").fetchall()
        return [str(row[0]) for row in rows]

    def head(self, stream: str) -> StreamHead:
        if not self.path.is_file():
            return StreamHead(stream, 0)  # no log yet: every stream is empty
        with self._reader() as (conn, version):
            return _head(conn, stream, version)

    def import_records(self, stream: str, records: Sequence[AuditRecord]) -> int:
        with self._writer() as (conn, _):
            check_continues(_head(conn, stream, SCHEMA_VERSION), records, self.label)
            _insert(conn, stream, records)
        return len(records)

    def put_evidence(self, row: EvidenceRow) -> bool:
        from planrisk.gate.evidence.durations import format_utc, utc_now

        with self._writer() as (conn, _):
            cursor = conn.execute(
                f"INSERT OR IGNORE INTO evidence ({_EVIDENCE_COLUMNS}, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*_evidence_values(row), format_utc(utc_now())),
            )
            return cursor.rowcount == 1

    def find_evidence(
        self, plan_digest: str, fingerprint: str | None, limit: int
    ) -> list[EvidenceRow]:
        if not self.path.is_file():
            return []  # nothing was ever recorded here; a gate does not create the log early
        with self._reader() as (conn, version):
            if version == 0:
                return []
            rows = conn.execute(
                f"SELECT {_EVIDENCE_COLUMNS} FROM evidence "
                "WHERE plan_digest = ? OR fingerprint = ? ORDER BY rowid DESC LIMIT ?",
                (plan_digest, fingerprint, limit),
            ).fetchall()
        return [_evidence_row(row) for row in reversed(rows)]

    def evidence(self) -> list[EvidenceRow]:
        with self._reader() as (conn, version):
            if version == 0:
                return []
            sql = f"SELECT {_EVIDENCE_COLUMNS} FROM evidence ORDER BY rowid"
            return [_evidence_row(row) for row in conn.execute(sql).fetchall()]

    def migrate(self) -> MigrateResult:
        with self._writer() as (_, found):
            return found

    @contextmanager
    def _writer(self) -> Iterator[tuple[sqlite3.Connection, MigrateResult]]:
        """A connection inside `BEGIN IMMEDIATE` on a version-1 log (created or migrated
        first) and what was found; commits on success."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise InputError(
                f"cannot open the audit log ({exc})",
                source=str(self.path),
                hint=f"pass a writable path with --audit-db, --store or {AUDIT_DB_ENV}",
            ) from None
        with closing(conn):
            _enable_wal(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                found = _ensure_schema(conn, self.path, self.label)
                yield conn, found
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def _reader(self) -> Iterator[tuple[sqlite3.Connection, int]]:
        """A read-only connection to an existing planrisk log and its schema version."""
        with closing(_open_existing(self.path)) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise version_error(self.label, version, SCHEMA_VERSION)
            yield conn, version


def _head(conn: sqlite3.Connection, stream: str, version: int) -> StreamHead:
    """The newest record of `stream` as the connection sees it."""
    if version == 0:
        sql = "SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1"
        row = conn.execute(sql).fetchone() if stream == DEFAULT_STREAM else None
    else:
        sql = "SELECT seq, hash FROM records WHERE stream = ? ORDER BY seq DESC LIMIT 1"
        row = conn.execute(sql, (stream,)).fetchone()
    return StreamHead(stream, int(row[0]), str(row[1])) if row else StreamHead(stream, 0)


def _insert(conn: sqlite3.Connection, stream: str, records: Sequence[AuditRecord]) -> None:
    """Insert `records` into `stream` as they are (seq and hashes kept)."""
    conn.executemany(
        f"INSERT INTO records (stream, {_RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        [(stream, r.seq, r.time, r.payload, r.prev_hash, r.hash) for r in records],
    )


def _evidence_values(row: EvidenceRow) -> tuple[str, str, str, str | None, str, str]:
    return (row.sha256, row.kind, row.plan_digest, row.fingerprint, row.envelope, row.stream)


def _evidence_row(row: tuple[object, ...]) -> EvidenceRow:
    sha256, kind, plan_digest, fingerprint, envelope, stream = row
    return EvidenceRow(
        sha256=str(sha256),
        kind=str(kind),
        plan_digest=str(plan_digest),
        fingerprint=None if fingerprint is None else str(fingerprint),
        envelope=str(envelope),
        stream=str(stream),
    )


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


def _ensure_schema(conn: sqlite3.Connection, path: Path, label: str) -> MigrateResult:
    """Create the schema in a new database or migrate a version-0 log; what was found.
    A foreign database, or one from a newer planrisk, is refused."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id != APPLICATION_ID:
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise _not_audit_db(path, "the database holds other tables")
        for statement in _SCHEMA:
            conn.execute(statement)
        return MigrateResult(before=0, after=SCHEMA_VERSION, created=True)
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version == 0:
        for statement in _FROM_VERSION_0:
            conn.execute(statement)
    elif version == 1:  # version 2 adds the tables of `planrisk serve`
        for statement in (*SQLITE_V2, f"PRAGMA user_version = {SCHEMA_VERSION}"):
            conn.execute(statement)
    elif version != SCHEMA_VERSION:
        raise version_error(label, version, SCHEMA_VERSION)
    return MigrateResult(before=version, after=SCHEMA_VERSION)


def _open_existing(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing planrisk audit database."""
    if not path.is_file():
        raise InputError(
            "audit log not found",
            source=str(path),
            hint=(
                f"run `planrisk gate` to record a decision first, or point --audit-db, --store "
                f"or {AUDIT_DB_ENV} at the log"
            ),
        )
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise _not_audit_db(path, str(exc)) from None
    if app_id != APPLICATION_ID:
        conn.close()
        raise _not_audit_db(path, "it was not created by planrisk")
    return conn


def _not_audit_db(path: Path, detail: str) -> InputError:
    """The error for a file that is not a usable planrisk audit log."""
    return InputError(
        f"not a planrisk audit log ({detail})",
        source=str(path),
        hint=f"point --audit-db, --store or {AUDIT_DB_ENV} at the log `planrisk gate` writes",
    )
