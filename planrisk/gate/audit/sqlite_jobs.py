"""The job queue in SQLite (audit stage): `planrisk serve`'s jobs and documents in one file.

Input: a SQLite `StoreSpec`. Output: the `JobQueue` of `planrisk.gate.audit.job_queue` on the
tables of `jobs_schema`. Every call is one `BEGIN IMMEDIATE` transaction of the store's writer
(which creates or migrates the file first), so several processes on one file still take turns;
SQLite is meant for a single server process, PostgreSQL for replicas.
"""

from __future__ import annotations

from planrisk.gate.audit.job_rows import QUEUED, RUNNING, Job, like_prefix
from planrisk.gate.audit.jobs_schema import DOCUMENTS, JOBS
from planrisk.gate.audit.sqlite_engine import SqliteStore

_DUE = (
    f"SELECT id, key, kind, payload, attempts FROM {JOBS} "
    f"WHERE (state = '{QUEUED}' AND run_after <= ?) "
    f"OR (state = '{RUNNING}' AND locked_until < ?) ORDER BY run_after, id LIMIT 1"
)


class SqliteJobQueue(SqliteStore):
    """The `JobQueue` in the store's SQLite file."""

    def enqueue(self, key: str, kind: str, payload: str, run_after: float) -> bool:
        with self._writer() as (conn, _):
            cursor = conn.execute(
                f"INSERT OR IGNORE INTO {JOBS} (key, kind, payload, run_after) VALUES (?, ?, ?, ?)",
                (key, kind, payload, run_after),
            )
            return cursor.rowcount == 1

    def claim(self, worker: str, now: float, lease: float) -> Job | None:
        with self._writer() as (conn, _):
            row = conn.execute(_DUE, (now, now)).fetchone()
            if row is None:
                return None
            conn.execute(
                f"UPDATE {JOBS} SET state = '{RUNNING}', locked_by = ?, locked_until = ?, "
                "attempts = attempts + 1 WHERE id = ?",
                (worker, now + lease, row[0]),
            )
        ident, key, kind, payload, attempts = row
        return Job(int(ident), str(key), str(kind), str(payload), int(attempts) + 1)

    def reschedule(
        self, job: Job, worker: str, run_after: float, payload: str, error: str | None
    ) -> bool:
        with self._writer() as (conn, _):
            cursor = conn.execute(
                f"UPDATE {JOBS} SET state = '{QUEUED}', run_after = ?, payload = ?, "
                "last_error = ?, locked_by = NULL, locked_until = NULL "
                f"WHERE id = ? AND locked_by = ? AND state = '{RUNNING}'",
                (run_after, payload, error, job.id, worker),
            )
            return cursor.rowcount == 1

    def finish(self, job: Job, worker: str, state: str, error: str | None) -> bool:
        with self._writer() as (conn, _):
            cursor = conn.execute(
                f"UPDATE {JOBS} SET state = ?, last_error = ?, locked_by = NULL, "
                f"locked_until = NULL WHERE id = ? AND locked_by = ? AND state = '{RUNNING}'",
                (state, error, job.id, worker),
            )
            return cursor.rowcount == 1

    def depth(self) -> int:
        with self._writer() as (conn, _):
            row = conn.execute(
                f"SELECT count(*) FROM {JOBS} WHERE state IN ('{QUEUED}', '{RUNNING}')"
            ).fetchone()
        return int(row[0])

    def put_document(self, kind: str, key: str, body: str) -> None:
        with self._writer() as (conn, _):
            conn.execute(
                f"INSERT INTO {DOCUMENTS} (kind, key, body) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body",
                (kind, key, body),
            )

    def add_document(self, kind: str, key: str, body: str) -> bool:
        with self._writer() as (conn, _):
            cursor = conn.execute(
                f"INSERT OR IGNORE INTO {DOCUMENTS} (kind, key, body) VALUES (?, ?, ?)",
                (kind, key, body),
            )
            return cursor.rowcount == 1

    def get_document(self, kind: str, key: str) -> str | None:
        with self._writer() as (conn, _):
            row = conn.execute(
                f"SELECT body FROM {DOCUMENTS} WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        return None if row is None else str(row[0])

    def documents(self, kind: str, prefix: str) -> list[tuple[str, str]]:
        with self._writer() as (conn, _):
            rows = conn.execute(
                f"SELECT key, body FROM {DOCUMENTS} WHERE kind = ? AND key LIKE ? ESCAPE '\\' "
                "ORDER BY key",
                (kind, like_prefix(prefix)),
            ).fetchall()
        return [(str(key), str(body)) for key, body in rows]

    def delete_document(self, kind: str, key: str) -> None:
        with self._writer() as (conn, _):
            conn.execute(f"DELETE FROM {DOCUMENTS} WHERE kind = ? AND key = ?", (kind, key))
