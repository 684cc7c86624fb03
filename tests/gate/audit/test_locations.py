"""Where the store is: precedence of options and variables, streams, and labels without secrets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from planrisk.errors import InputError
from planrisk.gate.audit.locations import (
    POSTGRESQL,
    SQLITE,
    StoreSpec,
    postgres_label,
    resolve_store,
    resolve_stream,
    scrub,
)

CWD = Path("/work/repo")
PG = "postgresql://gate:pw@db.example:6432/audit"


def resolve(
    *,
    store: str | None = None,
    audit_db: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> StoreSpec:
    return resolve_store(store=store, audit_db=audit_db, environ=environ or {}, cwd=CWD)


def test_the_explicit_beats_the_ambient() -> None:
    both = {"PLANRISK_STORE": PG, "PLANRISK_AUDIT_DB": "env.db"}
    assert resolve().location == str(CWD / ".planrisk" / "audit.db")
    assert resolve(environ={"PLANRISK_AUDIT_DB": "env.db"}).location == str(CWD / "env.db")
    assert resolve(environ=both).engine == POSTGRESQL
    assert resolve(environ=both, audit_db=Path("flag.db")).location == str(CWD / "flag.db")
    flagged = resolve(environ=both, store="sqlite:////tmp/flag.db")
    assert (flagged.engine, flagged.location) == (SQLITE, "/tmp/flag.db")
    with pytest.raises(InputError, match="both --store and --audit-db"):
        resolve(store=PG, audit_db=Path("a.db"))


@pytest.mark.parametrize(
    ("text", "engine", "location"),
    [
        ("sqlite:///logs/a.db", SQLITE, str(CWD / "logs" / "a.db")),
        ("sqlite:////var/lib/a.db", SQLITE, "/var/lib/a.db"),
        ("/var/lib/a.db", SQLITE, "/var/lib/a.db"),
        ("postgres://u@h/d", POSTGRESQL, "postgresql://u@h/d"),
        ("postgresql+psycopg://u@h/d", POSTGRESQL, "postgresql://u@h/d"),
    ],
)
def test_urls_and_paths(text: str, engine: str, location: str) -> None:
    spec = resolve(store=text)
    assert (spec.engine, spec.location) == (engine, location)


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(InputError, match="PLANRISK_STORE names a mysql:// store"):
        resolve(environ={"PLANRISK_STORE": "mysql://u@h/d"})


def test_the_stream_follows_the_ci() -> None:
    assert resolve_stream(None, {}) == "default"
    assert resolve_stream(None, {"CI_PROJECT_PATH": "group/sub/proj"}) == "group/sub/proj"
    assert resolve_stream(None, {"BASE_REPO_OWNER": "acme", "BASE_REPO_NAME": "infra"}) == (
        "acme/infra"
    )
    github = {"GITHUB_REPOSITORY": "acme/infra", "CI_PROJECT_PATH": "x/y"}
    assert resolve_stream(None, github) == "acme/infra"
    assert resolve_stream(None, github | {"PLANRISK_STREAM": "shared"}) == "shared"
    assert resolve_stream("mine", github | {"PLANRISK_STREAM": "shared"}) == "mine"
    for bad in ("", "has space", "a+b", "-leading", "x" * 201):
        with pytest.raises(InputError, match="not a valid stream name"):
            resolve_stream(bad, {})


@pytest.mark.parametrize(
    ("url", "label"),
    [
        (PG, "postgresql://gate@db.example:6432/audit"),
        ("postgresql://gate@db.example/audit?sslmode=require", "postgresql://gate@db.example:5432/audit"),
        ("postgresql://db.example/audit?user=gate&password=pw", "postgresql://gate@db.example:5432/audit"),
        ("postgresql://gate:pw@h1:5432,h2:5433/audit", "postgresql://gate@h1:5432,h2:5433/audit"),
        ("postgresql:///audit?host=/run/postgresql", "postgresql:///run/postgresql/audit"),
    ],
)  # fmt: skip
def test_labels_name_user_host_port_and_database_only(url: str, label: str) -> None:
    assert postgres_label(url) == label


def test_the_password_is_in_no_repr_and_is_scrubbed_from_messages() -> None:
    for url in (
        "postgresql://gate:s3cr%40t@db/audit",
        "postgresql://gate@db/audit?password=s3cr%40t",
    ):
        spec = resolve(store=url)
        assert "s3cr" not in repr(spec) and "s3cr" not in spec.label
        message = f"failed for {url} (password s3cr@t, raw s3cr%40t)"
        assert "s3cr" not in scrub(message, spec)
        assert spec.label in scrub(message, spec)
