"""The job queue in PostgreSQL (audit stage): jobs shared by every replica of `planrisk serve`.

Input: a PostgreSQL `StoreSpec`. Output: the `JobQueue` of `planrisk.gate.audit.job_queue` on
the tables of `jobs_schema`, through the store's connection, schema check and error mapping
(`PostgresStore`: a failure is one scrubbed line, never the URL's password).

A claim is one statement: the oldest due row is picked `FOR UPDATE SKIP LOCKED` (a row another
replica is claiming right now is skipped, not waited for) and marked held for a lease; finishing
or rescheduling checks that this worker still holds it.
"""

from __future__ import annotations

from planrisk.gate.audit.job_rows import QUEUED, RUNNING, Job, like_prefix
from planrisk.gate.audit.jobs_schema import DOCUMENTS, JOBS
from planrisk.gate.audit.postgres_engine import PostgresStore

_CLAIM = (
    f"UPDATE {JOBS} SET state = '{RUNNING}', locked_by = %s, locked_until = %s, "
    "attempts = attempts + 1 WHERE id = ("
    f"SELECT id FROM {JOBS} WHERE (state = '{QUEUED}' AND run_after <= %s) "
    f"OR (state = '{RUNNING}' AND locked_until < %s) "
    "ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED"
    ") RETURNING id, key, kind, payload, attempts"
)


class PostgresJobQueue(PostgresStore):
    """The `JobQueue` in the store's PostgreSQL database."""

    def enqueue(self, key: str, kind: str, payload: str, run_after: float) -> bool:
        self._require_schema(create=True)
        with self._transaction() as conn:
            cursor = conn.execute(
                f"INSERT INTO {JOBS} (key, kind, payload, run_after) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (key) DO NOTHING",
                (key, kind, payload, run_after),
            )
            return cursor.rowcount == 1

    def claim(self, worker: str, now: float, lease: float) -> Job | None:
        self._require_schema(create=True)
        with self._transaction() as conn:
            row = conn.execute(_CLAIM, (worker, now + lease, now, now)).fetchone()
        if row is None:
            return None
        ident, key, kind, payload, attempts = row
        return Job(int(ident), str(key), str(kind), str(payload), int(attempts))

    def reschedule(
        self, job: Job, worker: str, run_after: float, payload: str, error: str | None
    ) -> bool:
        with self._transaction() as conn:
            cursor = conn.execute(
                f"UPDATE {JOBS} SET state = '{QUEUED}', run_after = %s, payload = %s, "
                "last_error = %s, locked_by = NULL, locked_until = NULL "
                f"WHERE id = %s AND locked_by = %s AND state = '{RUNNING}'",
                (run_after, payload, error, job.id, worker),
            )
            return cursor.rowcount == 1

    def finish(self, job: Job, worker: str, state: str, error: str | None) -> bool:
        with self._transaction() as conn:
            cursor = conn.execute(
                f"UPDATE {JOBS} SET state = %s, last_error = %s, locked_by = NULL, "
                f"locked_until = NULL WHERE id = %s AND locked_by = %s AND state = '{RUNNING}'",
                (state, error, job.id, worker),
            )
            return cursor.rowcount == 1

    def depth(self) -> int:
        self._require_schema(create=True)
        with self._transaction() as conn:
            row = conn.execute(
                f"SELECT count(*) FROM {JOBS} WHERE state IN ('{QUEUED}', '{RUNNING}')"
            ).fetchone()
        return int(row[0]) if row else 0

    def put_document(self, kind: str, key: str, body: str) -> None:
        self._require_schema(create=True)
        with self._transaction() as conn:
            conn.execute(
                f"INSERT INTO {DOCUMENTS} (kind, key, body) VALUES (%s, %s, %s) "
                "ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body, "
                "updated_at = clock_timestamp()",
                (kind, key, body),
            )

    def add_document(self, kind: str, key: str, body: str) -> bool:
        self._require_schema(create=True)
        with self._transaction() as conn:
            cursor = conn.execute(
                f"INSERT INTO {DOCUMENTS} (kind, key, body) VALUES (%s, %s, %s) "
                "ON CONFLICT (kind, key) DO NOTHING",
                (kind, key, body),
            )
            return cursor.rowcount == 1

    def get_document(self, kind: str, key: str) -> str | None:
        self._require_schema(create=True)
        with self._transaction() as conn:
            row = conn.execute(
                f"SELECT body FROM {DOCUMENTS} WHERE kind = %s AND key = %s", (kind, key)
            ).fetchone()
        return None if row is None else str(row[0])

    def documents(self, kind: str, prefix: str) -> list[tuple[str, str]]:
        self._require_schema(create=True)
        with self._transaction() as conn:
            rows = conn.execute(
                f"SELECT key, body FROM {DOCUMENTS} WHERE kind = %s AND key LIKE %s "
                "ESCAPE '\\' ORDER BY key",
                (kind, like_prefix(prefix)),
            ).fetchall()
        return [(str(key), str(body)) for key, body in rows]

    def delete_document(self, kind: str, key: str) -> None:
        self._require_schema(create=True)
        with self._transaction() as conn:
            conn.execute(f"DELETE FROM {DOCUMENTS} WHERE kind = %s AND key = %s", (kind, key))
