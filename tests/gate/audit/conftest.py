"""Fixtures of the store tests: a real PostgreSQL schema per test, and both engines.

PLANRISK_TEST_POSTGRES names the server (default postgresql://postgres@127.0.0.1:5432/test).
Each test that uses it gets a schema of its own, named in the store URL's search_path and
dropped afterwards. An unreachable server skips those tests with the reason (a contributor's
laptop) unless PLANRISK_REQUIRE_POSTGRES=1 (`.ci/run` sets it), which fails them instead.
`engine` runs a test on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .stores import Engine, PostgresSchema, require_server


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The test server's URL (skips, or fails under PLANRISK_REQUIRE_POSTGRES, without one)."""
    return require_server()


@pytest.fixture
def postgres(postgres_server: str) -> Iterator[PostgresSchema]:
    """A fresh schema on the test server, dropped (with every role it made) afterwards."""
    schema = PostgresSchema.create(postgres_server)
    try:
        yield schema
    finally:
        schema.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """An empty store on each engine."""
    if request.param == "sqlite":
        return Engine.sqlite(tmp_path / "store" / "audit.db")
    return Engine.on_postgres(request.getfixturevalue("postgres"))
