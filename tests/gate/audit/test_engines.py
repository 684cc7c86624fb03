"""Both engines, one contract: per-stream chains, append-only tables, tampering found, evidence.

Every test runs on SQLite and on the real PostgreSQL server (`engine`), through the library
(`append_decision`, `read_log`, `open_store`); the CLI tests are in test_store_cli.py.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from planrisk.errors import InputError
from planrisk.gate.audit import GENESIS, append_decision, read_log, verify_log
from planrisk.gate.audit.chain import record_hash
from planrisk.gate.audit.engines import open_store
from planrisk.gate.audit.store_interface import SCHEMA_VERSION, EvidenceRow, StreamHead

from .stores import Engine, PostgresSchema


def decision(n: int, stream: str = "default") -> dict[str, Any]:
    return {
        "time": f"2026-11-21T10:{n:02d}:00Z",
        "actor": {"kind": "agent", "identity": f"bot-{n}"},
        "environment": {"name": "prod"},
        "plan_digest": "sha256:" + f"{n:02d}" * 32,
        "outcome": "pending",
        "stream_hint": stream,
    }


def fill(engine: Engine, count: int = 5, stream: str = "default") -> None:
    for n in range(1, count + 1):
        append_decision(engine.spec(stream), decision(n, stream))


def test_streams_are_separate_chains(engine: Engine) -> None:
    fill(engine, 3, "acme/infra")
    fill(engine, 2, "acme/web")
    fill(engine, 1, "acme/infra")  # continues the first chain
    with open_store(engine.spec()) as store:
        assert store.streams() == ["acme/infra", "acme/web"]
        infra = store.read("acme/infra")
        assert [r.seq for r in infra] == [1, 2, 3, 4]
        assert [r.seq for r in store.read("acme/web")] == [1, 2]
        assert store.head("acme/infra").head_hash == infra[-1].hash
        assert store.head("nothing-here").size == 0
    assert infra[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(infra):
        assert after.prev_hash == before.hash
        assert after.hash == record_hash(after.prev_hash, after.payload)
    assert verify_log(engine.spec(), "acme/web").ok
    with pytest.raises(InputError, match="holds 2 streams"):
        read_log(engine.spec())


def test_the_chain_does_not_depend_on_the_engine(engine: Engine, tmp_path: Path) -> None:
    # What `store copy` and the checkpoints rely on: the same decisions give the same records.
    fill(engine, 3)
    reference = Engine.sqlite(tmp_path / "reference.db")
    fill(reference, 3)
    assert read_log(engine.spec()) == read_log(reference.spec())
    assert read_log(engine.spec())[2].data == decision(3)


def test_update_and_delete_are_refused(engine: Engine) -> None:
    fill(engine, 2)
    for statement in (
        f"UPDATE {engine.table} SET payload = '{{}}' WHERE seq = 2",
        f"DELETE FROM {engine.table} WHERE seq = 2",
    ):
        with pytest.raises(Exception, match="append-only"):
            _raw(engine, statement)
    assert verify_log(engine.spec()).count == 2


@pytest.mark.parametrize(
    ("statements", "broken", "reason"),
    [
        (
            ["UPDATE {t} SET payload = replace(payload, 'pending', 'allow') WHERE seq = 3"],
            3,
            "record was changed",
        ),
        (["DELETE FROM {t} WHERE seq = 2"], 2, "record 2 is missing"),
        (
            [
                "UPDATE {t} SET seq = 100 WHERE seq = 3",
                "UPDATE {t} SET seq = 3 WHERE seq = 4",
                "UPDATE {t} SET seq = 4 WHERE seq = 100",
            ],
            3,
            "reordered",
        ),
        (["UPDATE {t} SET time = '2020-01-01T00:00:00Z' WHERE seq = 5"], 5, "time column"),
    ],
    ids=["edited", "deleted", "reordered", "time"],
)
def test_tampering_is_found_after_the_triggers_are_dropped(
    engine: Engine, statements: list[str], broken: int, reason: str
) -> None:
    fill(engine, 5)
    engine.tamper(*(s.format(t=engine.table) for s in statements))
    result = verify_log(engine.spec())
    assert (result.ok, result.first_broken_seq) == (False, broken)
    assert reason in result.reason


def test_a_record_rewritten_with_its_hash_breaks_the_next_link(engine: Engine) -> None:
    fill(engine, 4)
    third = read_log(engine.spec())[2]
    payload = third.payload.replace('"pending"', '"allow"')
    engine.tamper(
        f"UPDATE {engine.table} SET payload = '{payload}', "
        f"hash = '{record_hash(third.prev_hash, payload)}' WHERE seq = 3"
    )
    result = verify_log(engine.spec())
    assert (result.ok, result.first_broken_seq) == (False, 4)


def test_evidence_is_kept_once_and_found_by_plan_or_fingerprint(engine: Engine) -> None:
    def row(n: int, plan: str, fingerprint: str | None) -> EvidenceRow:
        return EvidenceRow(
            sha256=f"{n:064x}",
            kind="approval" if fingerprint is None else "sandbox_attestation",
            plan_digest=plan,
            fingerprint=fingerprint,
            envelope=f'{{"n": {n}}}',
            stream="acme/infra",
        )

    with open_store(engine.spec()) as store:
        assert store.find_evidence("sha256:p", "sha256:f", 10) == []  # nothing, nothing created
        assert store.put_evidence(row(1, "sha256:p", None))
        assert not store.put_evidence(row(1, "sha256:p", None))
        assert store.put_evidence(row(2, "sha256:sandbox", "sha256:f"))
        assert store.put_evidence(row(3, "sha256:other", "sha256:g"))
        assert store.put_evidence(row(4, "sha256:p", None))
        found = store.find_evidence("sha256:p", "sha256:f", 10)
        assert [r.sha256[-1] for r in found] == ["1", "2", "4"]
        assert [r.sha256[-1] for r in store.find_evidence("sha256:p", "sha256:f", 2)] == [
            "2",
            "4",
        ]  # the newest two, oldest first
        assert len(store.evidence()) == 4


def test_a_store_of_a_newer_schema_is_refused(engine: Engine) -> None:
    fill(engine, 1)
    if engine.schema is not None:
        engine.schema.admin("UPDATE planrisk_meta SET value = '99' WHERE key = 'schema_version'")
    else:
        _raw(engine, "PRAGMA user_version = 99")
    with pytest.raises(
        InputError, match=f"version 99, newer than this planrisk's .{SCHEMA_VERSION}"
    ):
        append_decision(engine.spec(), decision(2))
    with pytest.raises(InputError, match="version 99"):
        read_log(engine.spec())


def test_migrate_creates_then_reports_current(engine: Engine) -> None:
    with open_store(engine.spec()) as store:
        first = store.migrate()
        again = store.migrate()
    assert (first.created, first.after) == (True, SCHEMA_VERSION)
    assert (again.created, again.before, again.after) == (False, SCHEMA_VERSION, SCHEMA_VERSION)


def _raw(engine: Engine, statement: str) -> None:
    """One statement without dropping anything (the triggers still stand)."""
    if engine.schema is not None:
        engine.schema.admin(statement)
        return
    import sqlite3

    conn = sqlite3.connect(engine.url)
    try:
        with conn:
            conn.execute(statement)
    finally:
        conn.close()


def test_a_lost_race_on_the_head_is_retried(
    postgres: PostgresSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A writer that read a stale head (as one that skipped the lock would) hits the primary
    # key on (stream, seq); the transaction is rolled back and the append tried again.
    import planrisk.gate.audit.postgres_engine as engine_module

    engine = Engine.on_postgres(postgres)
    fill(engine, 2)
    first = read_log(engine.spec())[0]
    real_head = engine_module._head
    calls: list[str] = []

    def stale_once(conn: Any, stream: str) -> StreamHead:
        calls.append(stream)
        return StreamHead(stream, 1, first.hash) if len(calls) == 1 else real_head(conn, stream)

    monkeypatch.setattr(engine_module, "_head", stale_once)
    stored = append_decision(engine.spec(), decision(3))
    assert (stored.seq, len(calls)) == (3, 2)
    result = verify_log(engine.spec())
    assert (result.ok, result.count) == (True, 3)
