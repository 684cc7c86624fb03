"""The store's job queue and documents (schema version 2), on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from planrisk.gate.audit.engines import open_store
from planrisk.gate.audit.job_queue import DEAD, DONE, open_job_queue
from planrisk.gate.audit.store import append_decision, read_log
from planrisk.gate.audit.store_interface import SCHEMA_VERSION
from tests.gate.audit.conftest import engine, postgres, postgres_server
from tests.gate.audit.stores import Engine, PostgresSchema

__all__ = ["engine", "postgres", "postgres_server"]


def test_a_job_is_queued_once_per_key_and_claimed_by_one_worker(engine: Engine) -> None:
    with open_job_queue(engine.spec()) as queue:
        assert queue.enqueue("github:d-1", "github.rule", "{}", 100.0)
        assert not queue.enqueue("github:d-1", "github.rule", '{"again": 1}', 100.0)
        assert queue.claim("w1", 99.0, 10.0) is None  # not due yet
        job = queue.claim("w1", 100.0, 10.0)
        assert job is not None and (job.key, job.payload, job.attempts) == ("github:d-1", "{}", 1)
        assert queue.claim("w2", 105.0, 10.0) is None  # held by w1
        assert queue.depth() == 1
        assert queue.reschedule(job, "w1", 120.0, '{"step": 2}', "plan not ready")
        assert not queue.finish(job, "w1", DONE, None)  # no longer held
        again = queue.claim("w2", 120.0, 10.0)
        assert again is not None and (again.payload, again.attempts) == ('{"step": 2}', 2)
        assert queue.finish(again, "w2", DONE, None)
        assert queue.depth() == 0
        assert queue.claim("w1", 1000.0, 10.0) is None


def test_a_lease_that_expires_is_taken_by_another_worker(engine: Engine) -> None:
    with open_job_queue(engine.spec()) as queue:
        queue.enqueue("terraform:taskrs-1", "terraform.run_task", "{}", 0.0)
        first = queue.claim("killed", 1.0, 5.0)
        assert first is not None
        assert queue.claim("other", 5.5, 5.0) is None
        taken = queue.claim("other", 6.5, 5.0)
        assert taken is not None and taken.id == first.id and taken.attempts == 2
        assert not queue.reschedule(first, "killed", 7.0, "{}", None)  # the old holder lost it
        assert queue.finish(taken, "other", DEAD, "given up")
        assert queue.depth() == 0


def test_concurrent_claims_take_each_job_once(engine: Engine) -> None:
    with open_job_queue(engine.spec()) as queue:
        for i in range(40):
            queue.enqueue(f"k{i}", "x", "{}", 0.0)
    taken: list[str] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        with open_job_queue(engine.spec()) as mine:
            while (job := mine.claim(name, 1.0, 60.0)) is not None:
                with lock:
                    taken.append(job.key)
                mine.finish(job, name, DONE, None)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(f"k{i}" for i in range(40))


def test_documents(engine: Engine) -> None:
    with open_job_queue(engine.spec()) as queue:
        assert queue.get_document("plan", "sha256:a") is None
        queue.put_document("plan", "sha256:a", "one")
        queue.put_document("plan", "sha256:a", "two")
        assert queue.get_document("plan", "sha256:a") == "two"
        assert queue.add_document("answer", "r1", "job-1")
        assert not queue.add_document("answer", "r1", "job-2")
        assert queue.get_document("answer", "r1") == "job-1"
        queue.put_document("pending", "acme/x#7:r1", "a")
        queue.put_document("pending", "acme/x#70:r2", "b")
        queue.put_document("pending", "acme_x#7:r3", "c")  # `_` is no wildcard
        assert queue.documents("pending", "acme/x#7:") == [("acme/x#7:r1", "a")]
        queue.delete_document("pending", "acme/x#7:r1")
        assert queue.documents("pending", "acme/x#7") == [("acme/x#70:r2", "b")]


def test_a_version_1_sqlite_store_gains_the_job_tables_and_keeps_its_records(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.db"
    append_decision(path, {"outcome": "allow", "time": "2026-12-01T10:00:00Z"})
    conn = sqlite3.connect(path)
    with conn:  # back to what a version-1 planrisk wrote
        conn.execute("DROP TABLE planrisk_jobs")
        conn.execute("DROP TABLE planrisk_documents")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with open_job_queue(Engine.sqlite(path).spec()) as queue:
        assert queue.enqueue("k", "x", "{}", 0.0)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert len(read_log(path)) == 1


def test_a_version_1_postgres_store_is_refused_until_migrated(postgres: PostgresSchema) -> None:
    from planrisk.errors import InputError

    engine = Engine.on_postgres(postgres)
    append_decision(engine.spec(), {"outcome": "allow", "time": "2026-12-01T10:00:00Z"})
    postgres.admin(
        "DROP TABLE planrisk_jobs",
        "DROP TABLE planrisk_documents",
        "UPDATE planrisk_meta SET value = '1' WHERE key = 'schema_version'",
    )
    with open_job_queue(engine.spec()) as queue, pytest.raises(InputError, match="version 1"):
        queue.depth()
    with open_store(engine.spec()) as store:
        assert store.migrate().before == 1
    with open_job_queue(engine.spec()) as queue:
        assert queue.enqueue("k", "x", "{}", 0.0)
