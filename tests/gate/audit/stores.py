"""Helpers of the store tests: a PostgreSQL schema per test, and one face for both engines.

`Engine` hands a test the store's URL (for --store / PLANRISK_STORE), its `StoreSpec`, and
`tamper`: raw SQL run after dropping the append-only triggers, as an attacker with the
database's keys would.
"""

from __future__ import annotations

import sqlite3
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from planrisk.gate.audit.locations import StoreSpec, parse_store, postgres_label
from tests.support.cli import run_program
from tests.support.paths import REPO

DEFAULT_TEST_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def tamper(path: Path, *statements: str) -> None:
    """Run SQL on a SQLite log after dropping its append-only triggers (what an attacker would
    do)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TRIGGER records_no_update")
        conn.execute("DROP TRIGGER records_no_delete")
        for statement in statements:
            conn.execute(statement)
    conn.close()


_answered: list[str] = []


def require_server() -> str:
    """The test server's URL once it answered; else skip (or fail under
    PLANRISK_REQUIRE_POSTGRES=1) with the reason."""
    import os

    import pytest

    if not _answered:
        url = os.environ.get("PLANRISK_TEST_POSTGRES", "").strip() or DEFAULT_TEST_POSTGRES
        problem = server_problem(url)
        if problem is not None:
            if os.environ.get("PLANRISK_REQUIRE_POSTGRES") == "1":
                pytest.fail(f"{problem} (PLANRISK_REQUIRE_POSTGRES=1)")
            pytest.skip(f"{problem}; set PLANRISK_TEST_POSTGRES to run the PostgreSQL tests")
        _answered.append(url)
    return _answered[0]


def server_problem(url: str) -> str | None:
    """Why the server at `url` cannot be used for the tests, or None."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())[:160]
        return f"PostgreSQL at {postgres_label(url)} is unreachable ({reason})"
    return None


def with_search_path(url: str, schema: str) -> str:
    """`url` with the libpq `options` that put `schema` first on the search_path."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


@dataclass
class PostgresSchema:
    """A schema of its own on the test server; roles made through it are dropped with it."""

    server: str
    name: str
    roles: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, server: str) -> PostgresSchema:
        schema = cls(server, f"planrisk_test_{uuid.uuid4().hex[:12]}")
        schema.admin(f'CREATE SCHEMA "{schema.name}"')
        return schema

    @property
    def url(self) -> str:
        """The store URL of this schema (as the server's superuser)."""
        return with_search_path(self.server, self.name)

    def url_as(self, role: str) -> str:
        """The store URL of this schema as another role (trust authentication)."""
        after_scheme = self.server.partition("://")[2]
        rest = after_scheme.partition("@")[2] if "@" in after_scheme else after_scheme
        return with_search_path(f"postgresql://{role}@{rest}", self.name)

    def admin(self, *statements: str, role: str | None = None) -> list[tuple[object, ...]]:
        """Run statements in this schema as the server's superuser (or as `role`); the last
        one's rows."""
        import psycopg

        rows: list[tuple[object, ...]] = []
        url = self.server if role is None else self.url_as(role)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path = "{self.name}"')
            for statement in statements:
                cursor = conn.execute(statement)
                rows = list(cursor.fetchall()) if cursor.description else []
        return rows

    def role(self, prefix: str) -> str:
        """A new login role, dropped with the schema."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.admin(f"CREATE ROLE {name} LOGIN")
        self.roles.append(name)
        return name

    def drop(self) -> None:
        statements = [f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE']
        for role in self.roles:
            statements += [f"DROP OWNED BY {role} CASCADE", f"DROP ROLE IF EXISTS {role}"]
        self.admin(*statements)


@dataclass
class Engine:
    """One store under test, on either engine."""

    kind: str
    url: str
    """What --store / PLANRISK_STORE take."""
    table: str
    """The records table, for raw SQL."""
    schema: PostgresSchema | None = None

    @classmethod
    def sqlite(cls, path: Path) -> Engine:
        return cls("sqlite", str(path), "records")

    @classmethod
    def on_postgres(cls, schema: PostgresSchema) -> Engine:
        return cls("postgresql", schema.url, "planrisk_records", schema)

    def spec(self, stream: str = "default") -> StoreSpec:
        return parse_store(self.url, stream, Path.cwd(), "test")

    def tamper(self, *statements: str) -> None:
        """Drop the append-only triggers, then run `statements`."""
        if self.schema is not None:
            self.schema.admin(
                "DROP TRIGGER planrisk_records_append_only ON planrisk_records",
                "DROP TRIGGER planrisk_records_no_truncate ON planrisk_records",
                *statements,
            )
            return
        tamper(Path(self.url), *statements)

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment for the real CLI with PLANRISK_STORE set to this store."""
        import os

        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
        return {**keep, "PYTHONPATH": str(REPO), "PLANRISK_STORE": self.url, **extra}


def planrisk(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI (`python -m planrisk ARGS`) in a fresh process."""
    return run_program(*args, cwd=cwd, env=env, timeout=timeout)
