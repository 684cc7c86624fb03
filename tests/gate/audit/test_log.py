"""Audit log: append and read back, the hash chain, and tampering found by `verify_log`."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from planrisk.errors import InputError
from planrisk.gate.audit import GENESIS, append_decision, default_audit_path, read_log, verify_log
from planrisk.gate.audit.chain import record_hash

from .stores import tamper


def decision(n: int) -> dict[str, Any]:
    """A gate decision shaped like the gate's record."""
    return {
        "time": f"2026-11-21T10:{n:02d}:00Z",
        "actor": {"kind": "agent", "identity": f"bot-{n}"},
        "environment": {"name": "prod", "treated_as": "prod"},
        "plan_digest": "sha256:" + f"{n:02d}" * 32,
        "score": n,
        "outcome": "pending",
        "rules": ["agent-destroy-needs-approval"],
        "evidence": [],
        "policy_digest": "sha256:" + "ef" * 32,
        "version": "0.1.0",
    }


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A log with five decisions."""
    path = tmp_path / ".planrisk" / "audit.db"
    for n in range(1, 6):
        append_decision(path, decision(n))
    return path


def test_records_chain_from_genesis(db: Path) -> None:
    records = read_log(db)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash
    for record in records:
        assert record.hash == record_hash(record.prev_hash, record.payload)
    assert records[2].data == decision(3)
    assert records[2].time == "2026-11-21T10:03:00Z"
    assert records[0].payload.startswith('{"actor":{"identity":"bot-1","kind":"agent"}')
    result = verify_log(db)
    assert (result.ok, result.count, result.head_hash) == (True, 5, records[-1].hash)


def test_append_returns_the_stored_record(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    stored = append_decision(path, {"outcome": "allow", "score": 0})
    assert stored == read_log(path)[0]
    assert stored.data["time"] == stored.time
    datetime.fromisoformat(stored.time)


def test_datetime_time_is_written_canonically(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    stored = append_decision(path, {"time": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)})
    assert stored.time == "2026-01-02T03:04:05Z"


def test_update_and_delete_are_refused_by_the_database(db: Path) -> None:
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE records SET payload = '{}' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM records WHERE seq = 2")
    conn.close()
    assert verify_log(db).ok


def test_changed_payload_is_found(db: Path) -> None:
    tamper(
        db,
        "UPDATE records SET payload = replace(payload, '\"pending\"', '\"allow\"') WHERE seq = 3",
    )
    result = verify_log(db)
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert result.reason == "record was changed: its hash does not match its content"


def test_rewritten_record_with_recomputed_hash_breaks_the_next_link(db: Path) -> None:
    records = read_log(db)
    payload = records[2].payload.replace('"pending"', '"allow"')
    new_hash = record_hash(records[2].prev_hash, payload)
    tamper(db, f"UPDATE records SET payload = '{payload}', hash = '{new_hash}' WHERE seq = 3")
    result = verify_log(db)
    assert (result.ok, result.first_broken_seq) == (False, 4)
    assert result.reason.startswith("record does not follow record 3")


def test_removed_record_is_found(db: Path) -> None:
    tamper(db, "DELETE FROM records WHERE seq = 2")
    result = verify_log(db)
    assert (result.ok, result.first_broken_seq) == (False, 2)
    assert result.reason == "record 2 is missing (removed): the log jumps to record 3"


def test_removed_and_renumbered_record_is_found(db: Path) -> None:
    tamper(
        db,
        "DELETE FROM records WHERE seq = 2",
        "UPDATE records SET seq = seq - 1 WHERE seq > 2",
    )
    result = verify_log(db)
    assert (result.ok, result.first_broken_seq) == (False, 2)
    assert result.reason.startswith("record does not follow record 1")


def test_removed_first_record_is_found(db: Path) -> None:
    tamper(db, "DELETE FROM records WHERE seq = 1", "UPDATE records SET seq = seq - 1")
    result = verify_log(db)
    assert (result.ok, result.first_broken_seq) == (False, 1)
    assert result.reason.startswith("record does not follow the start of the log")


def test_reordered_records_are_found(db: Path) -> None:
    tamper(
        db,
        "UPDATE records SET seq = 100 WHERE seq = 3",
        "UPDATE records SET seq = 3 WHERE seq = 4",
        "UPDATE records SET seq = 4 WHERE seq = 100",
    )
    result = verify_log(db)
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert "reordered" in result.reason


def test_changed_time_column_is_found(db: Path) -> None:
    tamper(db, "UPDATE records SET time = '2020-01-01T00:00:00Z' WHERE seq = 5")
    result = verify_log(db)
    assert (result.ok, result.first_broken_seq) == (False, 5)
    assert result.reason == "time column does not match the hashed payload"


def test_appending_after_verification_keeps_the_chain(db: Path) -> None:
    append_decision(db, decision(6))
    assert verify_log(db).count == 6
    assert verify_log(db).ok


def test_empty_log_verifies(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    append_decision(path, decision(1))
    tamper(path, "DELETE FROM records")
    result = verify_log(path)
    assert (result.ok, result.count, result.head_hash) == (True, 0, GENESIS)


def test_missing_log_is_an_input_error_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    with pytest.raises(InputError, match="audit log not found") as info:
        read_log(path)
    assert info.value.exit_code == 3
    assert not path.exists()


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="not a planrisk audit log"):
        verify_log(path)
    with pytest.raises(InputError, match="holds other tables"):
        append_decision(path, decision(1))


def test_non_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "text.db"
    path.write_text("hello, this is not a database at all" * 10)
    with pytest.raises(InputError, match="not a planrisk audit log"):
        read_log(path)


def test_default_path_honours_the_environment(tmp_path: Path) -> None:
    assert default_audit_path({}, tmp_path) == tmp_path / ".planrisk" / "audit.db"
    assert default_audit_path({"PLANRISK_AUDIT_DB": "logs/a.db"}, tmp_path) == (
        tmp_path / "logs" / "a.db"
    )
    assert default_audit_path({"PLANRISK_AUDIT_DB": "/var/a.db"}, tmp_path) == Path("/var/a.db")


def test_text_log_names_guard_records_by_kind(tmp_path: Path) -> None:
    from planrisk.gate.audit.render import render_text

    db = tmp_path / "audit.db"
    append_decision(db, decision(1))
    append_decision(
        db,
        {
            "kind": "apply_result",
            "command": "terraform apply",
            "plan_digest": decision(1)["plan_digest"],
            "exit_code": 0,
        },
    )
    append_decision(
        db,
        {
            "kind": "state_command",
            "command": "terraform state rm",
            "outcome": "deny",
            "actor": {"kind": "agent", "identity": None},
        },
    )
    lines = render_text(read_log(db)).splitlines()
    assert lines[0].split()[2] == "pending"
    assert "apply_result command=terraform apply exit_code=0 plan=sha256:010101010101" in lines[1]
    assert "state_command command=terraform state rm outcome=deny actor=agent" in lines[2]
