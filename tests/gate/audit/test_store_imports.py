"""What the store costs commands that do not use PostgreSQL: nothing is imported for it.

In a fresh interpreter: `planrisk --help` imports neither psycopg nor the store; a gate on the
SQLite log does not import psycopg; a gate on a PostgreSQL store does (so the check can fail).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.imports import imported_by
from tests.support.paths import REPO

from .stores import Engine

WATCHED = ("psycopg", "planrisk.gate.audit", "planrisk.gate.audit.postgres_engine")
PLAN = str(REPO / "fixtures" / "terraform" / "dev-tag-update" / "plan.json")


def test_help_and_a_sqlite_gate_import_no_postgresql(tmp_path: Path) -> None:
    local = Engine.sqlite(tmp_path / "audit.db")
    assert imported_by(["--help"], WATCHED, tmp_path, local.env()) == set()
    gate = ["gate", PLAN, "--format", "json", "-o", str(tmp_path / "out.json")]
    assert imported_by(gate, WATCHED, tmp_path, local.env()) == {"planrisk.gate.audit"}


def test_a_postgresql_gate_imports_psycopg(engine: Engine, tmp_path: Path) -> None:
    gate = ["gate", PLAN, "--format", "json", "-o", str(tmp_path / "out.json")]
    expected = set(WATCHED) if engine.kind == "postgresql" else {"planrisk.gate.audit"}
    assert imported_by(gate, WATCHED, tmp_path, engine.env()) == expected


def test_without_psycopg_a_postgresql_store_names_the_extra(tmp_path: Path) -> None:
    env = Engine("postgresql", "postgresql://gate:pw@db.example/audit", "").env()
    probe = "import sys; sys.modules['psycopg'] = None\nfrom planrisk.cli import main\nmain()"
    done = subprocess.run(
        [sys.executable, "-c", probe, "gate", PLAN, "-o", str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr == (
        "planrisk: error: postgresql://gate@db.example:5432/audit: a PostgreSQL store needs "
        "psycopg, which is not installed; install the extra: pip install 'planrisk[postgres]'\n"
    )
