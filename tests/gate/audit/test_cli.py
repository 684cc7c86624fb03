"""The real CLI: `planrisk audit log` and `planrisk audit verify`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from planrisk.gate.audit import append_decision
from tests.support.cli import run_main as run


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A log with three decisions."""
    path = tmp_path / "audit.db"
    for n in range(1, 4):
        append_decision(
            path,
            {
                "time": f"2026-11-21T10:0{n}:00Z",
                "actor": {"kind": "human", "identity": "alice"},
                "environment": {"name": "prod"},
                "plan_digest": "sha256:" + "ab" * 32,
                "score": 40 + n,
                "outcome": "allow" if n != 2 else "pending",
            },
        )
    return path


def test_log_text(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("audit", "log", "--audit-db", str(db)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[1].startswith(
        "#2 2026-11-21T10:02:00Z pending env=prod actor=alice score=42 "
        "plan=sha256:abababababab hash="
    )


def test_log_json_is_deterministic(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("audit", "log", "--audit-db", str(db), "--format", "json") == 0
    first = capsys.readouterr().out
    assert run("audit", "log", "--audit-db", str(db), "--format", "json") == 0
    assert capsys.readouterr().out == first
    items = json.loads(first)
    assert [i["seq"] for i in items] == [1, 2, 3]
    assert items[2]["record"]["score"] == 43
    assert items[1]["prev_hash"] == items[0]["hash"]


def test_environment_variable_moves_the_log(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLANRISK_AUDIT_DB", str(db))
    assert run("audit", "verify") == 0
    assert "audit log intact: 3 record(s)" in capsys.readouterr().out


def test_verify_names_the_first_broken_record(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DROP TRIGGER records_no_update")
        conn.execute("UPDATE records SET payload = replace(payload, '42', '2') WHERE seq = 2")
    conn.close()
    assert run("audit", "verify", "--audit-db", str(db)) == 1
    out = capsys.readouterr().out
    assert "audit log broken at record 2: record was changed" in out


def test_missing_db_is_exit_3_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.db"
    assert run("audit", "log", "--audit-db", str(missing)) == 3
    err = capsys.readouterr().err
    assert f"{missing}: audit log not found" in err
    assert "--audit-db" in err
    assert run("audit", "verify", "--audit-db", str(missing)) == 3
    assert not missing.exists()


def test_foreign_db_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.db"
    other.write_bytes(b"garbage" * 100)
    assert run("audit", "verify", "--audit-db", str(other)) == 3
    assert "not a planrisk audit log" in capsys.readouterr().err
