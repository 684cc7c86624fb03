"""The store's job and document tables (audit stage): the DDL of schema version 2, both engines.

Input: nothing (data). Output: the statements that add the tables `planrisk serve` keeps its
work in to a version-1 store — `planrisk_jobs` (a queue: one row per webhook delivery or run
task, claimed by one replica at a time, retried with backoff) and `planrisk_documents` (plans,
decisions, pending protection rules and answers, keyed by kind and key). The engines run them
through their migration step (`postgres_schema.MIGRATIONS[2]`, `sqlite_engine`).

Unlike the records and evidence, these rows change (a job is claimed, retried, finished), so no
append-only trigger guards them: they hold work in progress, and every decision they lead to is
also appended to the hash-chained records. A job's payload may hold a run task's per-run access
token (needed for the callback after a restart): the database is the server's, not the
agent's, and the token expires with the run.
"""

from __future__ import annotations

JOBS = "planrisk_jobs"
DOCUMENTS = "planrisk_documents"

POSTGRES_V2: tuple[str, ...] = (
    f"""CREATE TABLE {JOBS} (
        id bigserial PRIMARY KEY,
        key text NOT NULL UNIQUE,
        kind text NOT NULL,
        payload text NOT NULL,
        state text NOT NULL DEFAULT 'queued',
        attempts integer NOT NULL DEFAULT 0,
        run_after double precision NOT NULL,
        locked_by text,
        locked_until double precision,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )""",
    f"CREATE INDEX {JOBS}_due ON {JOBS} (state, run_after)",
    f"""CREATE TABLE {DOCUMENTS} (
        kind text NOT NULL,
        key text NOT NULL,
        body text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (kind, key)
    )""",
)
"""Version 1 → 2 in PostgreSQL."""

SQLITE_V2: tuple[str, ...] = (
    f"""CREATE TABLE {JOBS} (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued',
        attempts INTEGER NOT NULL DEFAULT 0,
        run_after REAL NOT NULL,
        locked_by TEXT,
        locked_until REAL,
        last_error TEXT
    )""",
    f"CREATE INDEX {JOBS}_due ON {JOBS} (state, run_after)",
    f"""CREATE TABLE {DOCUMENTS} (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    )""",
)
"""Version 1 → 2 in SQLite (and part of a new file's schema)."""
