"""The job queue and documents in the store (audit stage): what `planrisk serve` keeps there.

Input: a `StoreSpec`. Output: an open `JobQueue` — jobs to enqueue once per key (a webhook
delivery id, a run task's result id), claim (one replica at a time, for a lease), reschedule
with a new payload (a retry with backoff, the next heartbeat) and finish; and documents (plans,
decisions, pending protection rules) by kind and key. Both engines implement it on the tables
of schema version 2 (`jobs_schema`): PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so
replicas sharing one store never take the same job; SQLite inside `BEGIN IMMEDIATE`.

A claim is a lease, not a lock held by a connection: a replica killed mid-job leaves the row
`running` with a `locked_until` in the past, and the next claim after that takes it again, so
a restart loses nothing. Times are seconds since the epoch from the caller's clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from planrisk.gate.audit.job_rows import DEAD, DONE, QUEUED, RUNNING, Job
from planrisk.gate.audit.locations import POSTGRESQL, StoreSpec

__all__ = [
    "DEAD",
    "DONE",
    "QUEUED",
    "RUNNING",
    "Job",
    "JobQueue",
    "connect_job_queue",
    "open_job_queue",
]


class JobQueue(Protocol):
    """An open job queue; every method is one transaction."""

    def enqueue(self, key: str, kind: str, payload: str, run_after: float) -> bool:
        """Add a job unless one with `key` exists; whether it was added."""
        ...

    def claim(self, worker: str, now: float, lease: float) -> Job | None:
        """The oldest due job nobody holds (queued, or running with an expired lease), now
        held by `worker` until `now + lease`; None when nothing is due."""
        ...

    def reschedule(
        self, job: Job, worker: str, run_after: float, payload: str, error: str | None
    ) -> bool:
        """Put a held job back with a new payload, due at `run_after`; False when `worker` no
        longer holds it (its lease expired and another replica took it)."""
        ...

    def finish(self, job: Job, worker: str, state: str, error: str | None) -> bool:
        """Mark a held job DONE or DEAD; False when `worker` no longer holds it."""
        ...

    def depth(self) -> int:
        """Jobs not finished (queued or running)."""
        ...

    def put_document(self, kind: str, key: str, body: str) -> None:
        """Insert or replace a document."""
        ...

    def add_document(self, kind: str, key: str, body: str) -> bool:
        """Insert a document unless one exists; whether it was inserted."""
        ...

    def get_document(self, kind: str, key: str) -> str | None:
        """A document's body, or None."""
        ...

    def documents(self, kind: str, prefix: str) -> list[tuple[str, str]]:
        """(key, body) of the documents of `kind` whose key starts with `prefix`, by key."""
        ...

    def delete_document(self, kind: str, key: str) -> None:
        """Remove a document (nothing when there is none)."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


@contextmanager
def open_job_queue(spec: StoreSpec) -> Iterator[JobQueue]:
    """The job queue of `spec`'s store (its tables created or migrated as a writer would),
    closed afterwards."""
    queue = connect_job_queue(spec)
    try:
        yield queue
    finally:
        queue.close()


def connect_job_queue(spec: StoreSpec) -> JobQueue:
    """An open job queue for a caller that keeps it (one per thread: a connection is not
    shared between threads); the caller closes it."""
    queue: JobQueue
    if spec.engine == POSTGRESQL:
        from planrisk.gate.audit.postgres_jobs import PostgresJobQueue

        queue = PostgresJobQueue(spec)
    else:
        from planrisk.gate.audit.sqlite_jobs import SqliteJobQueue

        queue = SqliteJobQueue(spec)
    return queue
