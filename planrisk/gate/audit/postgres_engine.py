"""The store in PostgreSQL (audit stage): one record for every runner, in one order per stream.

Input: a PostgreSQL `StoreSpec` (its URL is libpq's: PGPASSWORD, ~/.pgpass, sslmode… apply),
canonical payloads to append, envelopes to keep. Output: the stored records and envelopes.

An append is one transaction: `pg_advisory_xact_lock` on the stream (so writers of one stream
queue and writers of different streams do not), then the head is read, the next record's hash
computed and the row inserted. The lock is released by COMMIT or ROLLBACK, and by the server
when a killed client's connection goes away, so a killed writer leaves no half record and
blocks nobody. A serialization failure, a deadlock or a lost race on (stream, seq) (a writer
that skipped the lock) is retried; a connection that fails is exit 4 (`StoreUnavailable`),
never a retry that could record twice.

Connections use no prepared statements (safe behind a transaction-mode PgBouncer) and a
10 s connect timeout unless the URL sets one. psycopg is imported here only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg import errors

from planrisk.errors import InputError
from planrisk.gate.audit.chain import AuditRecord
from planrisk.gate.audit.locations import StoreSpec, scrub
from planrisk.gate.audit.postgres_schema import EVIDENCE, META, MIGRATIONS, RECORDS, SET_VERSION
from planrisk.gate.audit.store_errors import (
    StoreSchemaError,
    StoreUnavailable,
    unreachable,
    version_error,
)
from planrisk.gate.audit.store_interface import (
    SCHEMA_VERSION,
    EvidenceRow,
    MigrateResult,
    StreamHead,
    check_continues,
    next_record,
)

if TYPE_CHECKING:
    from psycopg import Connection

CONNECT_TIMEOUT_SECONDS = 10
"""How long to wait for the server unless the URL says `connect_timeout`."""
LOCK_TIMEOUT = "30s"
"""How long an append waits for the stream's lock before it gives up (exit 4)."""
ATTEMPTS = 8
"""Tries of one append when the server asks for a retry."""

_RETRY = (errors.SerializationFailure, errors.DeadlockDetected, errors.UniqueViolation)
_RECORD_COLUMNS = "seq, time, payload, prev_hash, hash"
_EVIDENCE_COLUMNS = "sha256, kind, plan_digest, fingerprint, envelope, stream"
# The lock key names the schema too: stores in two schemas of one database do not queue on
# each other. set_config runs in the FROM clause, before the lock is taken.
_LOCK = (
    "SELECT pg_advisory_xact_lock(hashtextextended('planrisk:' || current_schema() || ':' "
    f"|| %s, 0)) FROM (SELECT set_config('lock_timeout', '{LOCK_TIMEOUT}', true)) AS settings"
)
_MIGRATE_LOCK = (
    "SELECT pg_advisory_xact_lock(hashtextextended('planrisk-migrate:' || current_schema(), 0))"
)
_TABLE_EXISTS = (
    "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = %s AND n.nspname = ANY (current_schemas(false)))"
)
_HEAD = f"SELECT seq, hash FROM {RECORDS} WHERE stream = %s ORDER BY seq DESC LIMIT 1"

T = TypeVar("T")


class PostgresStore:
    """The `Store` in a PostgreSQL database; one connection, opened on first use."""

    def __init__(self, spec: StoreSpec) -> None:
        self.spec = spec
        self.label = spec.label
        self._conn: Connection[Any] | None = None
        self._version: int | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def append(self, stream: str, time: str, payload: str) -> AuditRecord:
        self._require_schema(create=True)

        def write(conn: Connection[Any]) -> AuditRecord:
            conn.execute(_LOCK, (stream,))
            head = _head(conn, stream)
            stored = next_record(head, time, payload)
            _insert(conn, stream, [stored])
            return stored

        return self._retrying(write)

    def read(self, stream: str) -> list[AuditRecord]:
        self._require_schema(create=False)
        with self._transaction() as conn:
            rows = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM {RECORDS} WHERE stream = %s ORDER BY seq",
                (stream,),
            ).fetchall()
        return [
            AuditRecord(seq=int(s), time=t, payload=p, prev_hash=ph, hash=h, stream=stream)
            for s, t, p, ph, h in rows
        ]

    def streams(self) -> list[str]:
        self._require_schema(create=False)
        with self._transaction() as conn:
            rows = conn.execute(f"SELECT DISTINCT stream FROM {RECORDS} ORDER BY stream")
            return [str(row[0]) for row in rows.fetchall()]

    def head(self, stream: str) -> StreamHead:
        if self._schema_version() == 0:
            return StreamHead(stream, 0)  # no tables yet: every stream is empty
        self._require_schema(create=False)
        with self._transaction() as conn:
            return _head(conn, stream)

    def import_records(self, stream: str, records: Sequence[AuditRecord]) -> int:
        self._require_schema(create=True)

        def write(conn: Connection[Any]) -> int:
            conn.execute(_LOCK, (stream,))
            check_continues(_head(conn, stream), records, self.label)
            _insert(conn, stream, records)
            return len(records)

        return self._retrying(write)

    def put_evidence(self, row: EvidenceRow) -> bool:
        self._require_schema(create=True)
        with self._transaction() as conn:
            cursor = conn.execute(
                f"INSERT INTO {EVIDENCE} ({_EVIDENCE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (sha256) DO NOTHING",
                (row.sha256, row.kind, row.plan_digest, row.fingerprint, row.envelope, row.stream),
            )
            return cursor.rowcount == 1

    def find_evidence(
        self, plan_digest: str, fingerprint: str | None, limit: int
    ) -> list[EvidenceRow]:
        if self._schema_version() == 0:
            return []  # nothing was ever recorded; the gate's append creates the tables
        self._require_schema(create=False)
        with self._transaction() as conn:
            rows = conn.execute(
                f"SELECT {_EVIDENCE_COLUMNS} FROM {EVIDENCE} "
                "WHERE plan_digest = %s OR fingerprint = %s "
                "ORDER BY recorded_at DESC, sha256 LIMIT %s",
                (plan_digest, fingerprint, limit),
            ).fetchall()
        return [_evidence_row(row) for row in reversed(rows)]

    def evidence(self) -> list[EvidenceRow]:
        self._require_schema(create=False)
        with self._transaction() as conn:
            rows = conn.execute(
                f"SELECT {_EVIDENCE_COLUMNS} FROM {EVIDENCE} ORDER BY recorded_at, sha256"
            ).fetchall()
        return [_evidence_row(row) for row in rows]

    def migrate(self) -> MigrateResult:
        with self._transaction() as conn:
            conn.execute(_MIGRATE_LOCK)
            before = _version_in(conn)
            if before > SCHEMA_VERSION:
                raise version_error(self.label, before, SCHEMA_VERSION)
            for version in range(before + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
            if before != SCHEMA_VERSION:
                conn.execute(SET_VERSION, (str(SCHEMA_VERSION),))
        self._version = SCHEMA_VERSION
        return MigrateResult(before=before, after=SCHEMA_VERSION, created=before == 0)

    def _schema_version(self) -> int:
        """The store's schema version (0: no planrisk tables), read once per connection."""
        if self._version is None:
            with self._transaction() as conn:
                self._version = _version_in(conn)
        return self._version

    def _require_schema(self, *, create: bool) -> None:
        """Refuse a store of another version; a writer creates the tables of an empty one."""
        found = self._schema_version()
        if found == SCHEMA_VERSION:
            return
        if found == 0 and create:
            self.migrate()
            return
        if found == 0:
            raise StoreSchemaError(
                "the store has no planrisk tables yet",
                source=self.label,
                hint="record a decision with `planrisk gate` first, or create them with "
                "`planrisk store migrate`",
            )
        raise version_error(self.label, found, SCHEMA_VERSION)

    def _retrying(self, work: Callable[[Connection[Any]], T]) -> T:
        """`work` in a transaction, again (with jittered backoff) when the server asks."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self._transaction() as conn:
                    return work(conn)
            except _Retry:
                if attempt == ATTEMPTS:
                    break
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise StoreUnavailable(
            f"the store kept asking to retry the append ({ATTEMPTS} attempts); nothing was allowed",
            source=self.label,
            hint="run the command again; if it persists, look for a writer that holds the "
            "stream's lock",
        )

    @contextmanager
    def _transaction(self) -> Iterator[Connection[Any]]:
        """One transaction on the connection; psycopg failures become planrisk errors."""
        try:
            conn = self._connection()
            with conn.transaction():
                yield conn
        except _RETRY as exc:
            raise _Retry(self.label, _first_line(scrub(str(exc), self.spec))) from None
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def _connection(self) -> Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.spec)
        return self._conn

    def _error(self, exc: psycopg.Error) -> InputError | StoreUnavailable:
        """The one-line planrisk error of a psycopg failure (scrubbed of the password)."""
        detail = _first_line(scrub(str(exc), self.spec))
        user = self._conn.info.user if self._conn is not None and not self._conn.closed else ""
        if isinstance(exc, errors.InsufficientPrivilege):
            return StoreSchemaError(
                f"role {user!r} may not do this ({detail})",
                source=self.label,
                hint="gates need SELECT and INSERT on planrisk_records and planrisk_evidence "
                "and SELECT on planrisk_meta; creating or migrating the tables needs their "
                "owner (`planrisk store migrate`): see the README's PostgreSQL section",
            )
        if isinstance(exc, errors.InvalidSchemaName):
            return StoreSchemaError(
                f"no schema to create the planrisk tables in ({detail})",
                source=self.label,
                hint="create a schema and put it first on the role's search_path "
                "(ALTER ROLE … SET search_path = planrisk), or add "
                "?options=-csearch_path%3Dplanrisk to the URL",
            )
        if isinstance(exc, errors.LockNotAvailable):
            return StoreUnavailable(
                f"waited {LOCK_TIMEOUT} for the stream's lock; nothing was allowed",
                source=self.label,
                hint="another writer holds it: look for an idle transaction in pg_stat_activity",
            )
        if isinstance(exc, psycopg.OperationalError):
            return unreachable(self.label, detail)
        state = f"SQLSTATE {exc.sqlstate}: " if exc.sqlstate else ""
        return StoreUnavailable(
            f"the store failed ({state}{detail}); nothing was allowed",
            source=self.label,
            hint="check the server's log; `planrisk audit verify` checks the records",
        )


class _Retry(StoreUnavailable):
    """The server rolled the transaction back and asks the client to try again (retried by
    `_retrying`; elsewhere it ends the command like any unavailable store)."""

    def __init__(self, label: str, detail: str) -> None:
        super().__init__(
            f"the store rolled the transaction back ({detail}); nothing was allowed",
            source=label,
            hint="run the command again",
        )


def connect(spec: StoreSpec) -> Connection[Any]:
    """A connection to the store: no prepared statements, a connect timeout, named planrisk."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        given = conninfo_to_dict(spec.location)
        conninfo = make_conninfo(
            spec.location,
            connect_timeout=given.get("connect_timeout", CONNECT_TIMEOUT_SECONDS),
            application_name=given.get("application_name", "planrisk"),
        )
    except psycopg.Error as exc:
        raise InputError(
            f"not a usable PostgreSQL URL ({_first_line(scrub(str(exc), spec))})",
            source=spec.label,
            hint="write it as postgresql://USER@HOST:PORT/DB (put the password in PGPASSWORD "
            "or ~/.pgpass rather than the URL)",
        ) from None
    try:
        return psycopg.connect(conninfo, prepare_threshold=None)
    except psycopg.Error as exc:
        raise unreachable(spec.label, _first_line(scrub(str(exc), spec))) from None


def _version_in(conn: Connection[Any]) -> int:
    """The schema version recorded in the store (0 when it has no planrisk tables)."""
    # pg_class through SQL, not to_regclass(): the catalog cache may predate the migrate lock,
    # and a concurrent first writer's tables must be seen once it has committed them.
    exists = conn.execute(_TABLE_EXISTS, (META,)).fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute(f"SELECT value FROM {META} WHERE key = 'schema_version'").fetchone()
    try:
        return int(row[0]) if row else 0
    except ValueError:
        return 0


def _head(conn: Connection[Any], stream: str) -> StreamHead:
    row = conn.execute(_HEAD, (stream,)).fetchone()
    return StreamHead(stream, int(row[0]), str(row[1])) if row else StreamHead(stream, 0)


def _insert(conn: Connection[Any], stream: str, records: Sequence[AuditRecord]) -> None:
    """Insert `records` into `stream` as they are (seq and hashes kept)."""
    with conn.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {RECORDS} (stream, {_RECORD_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)",
            [(stream, r.seq, r.time, r.payload, r.prev_hash, r.hash) for r in records],
        )


def _evidence_row(row: Sequence[Any]) -> EvidenceRow:
    sha256, kind, plan_digest, fingerprint, envelope, stream = row
    return EvidenceRow(
        sha256=sha256,
        kind=kind,
        plan_digest=plan_digest,
        fingerprint=fingerprint,
        envelope=envelope,
        stream=stream,
    )


def _first_line(text: str) -> str:
    """The first non-empty line of a server message, whitespace collapsed, at most 200 chars."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else "no detail"
    return first if len(first) <= 200 else first[:199] + "…"
