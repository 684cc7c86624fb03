"""Where the store is (audit stage): `--store`, `--audit-db`, the environment → a `StoreSpec`.

Input: the command's `--store URL` / `--audit-db PATH` / `--stream NAME`, the process
environment and the working directory. Output: a `StoreSpec` naming the engine (SQLite or
PostgreSQL), where it is, the stream its records go to and a label safe to print. No I/O.

Precedence, the explicit over the ambient: `--store`, `--audit-db`, PLANRISK_STORE,
PLANRISK_AUDIT_DB, then `.planrisk/audit.db` under the working directory. The stream:
`--stream`, PLANRISK_STREAM, the CI's repository (GITHUB_REPOSITORY, CI_PROJECT_PATH, Atlantis'
BASE_REPO_OWNER/BASE_REPO_NAME), else `default`.

A PostgreSQL URL may hold a password. It lives only in `StoreSpec.location` (left out of the
repr); every message names the store by `label` (`postgresql://user@host:port/db`) and runs
text that may quote the URL through `scrub`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from planrisk.errors import InputError
from planrisk.gate.audit.chain import DEFAULT_STREAM

STORE_ENV = "PLANRISK_STORE"
"""Environment variable naming the store (a PostgreSQL URL or a SQLite path)."""
AUDIT_DB_ENV = "PLANRISK_AUDIT_DB"
"""Environment variable naming the SQLite log (kept from before the store)."""
STREAM_ENV = "PLANRISK_STREAM"
"""Environment variable naming the stream."""
DEFAULT_RELATIVE_PATH = Path(".planrisk") / "audit.db"
"""Where the SQLite log lives when nothing says otherwise."""

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

_POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
_SQLITE_PREFIX = "sqlite:///"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# A stream is part of a checkpoint's origin line and key name: no spaces, no `+`.
_STREAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/@:-]{0,199}$")
_STREAM_SOURCES = ("GITHUB_REPOSITORY", "CI_PROJECT_PATH")


@dataclass(frozen=True)
class StoreSpec:
    """A resolved store: engine, location, stream, and a label that is safe to print."""

    engine: str
    """`sqlite` or `postgresql`."""
    location: str = field(repr=False)
    """The SQLite file's path, or the PostgreSQL URL (which may hold a password: never print)."""
    stream: str
    """The stream this run's records go to."""
    label: str
    """How messages name the store: the path, or `postgresql://user@host:port/db`."""

    @property
    def path(self) -> Path:
        """The SQLite file (only for the SQLite engine)."""
        return Path(self.location)

    def with_stream(self, stream: str) -> StoreSpec:
        """The same store, another stream (validated)."""
        return StoreSpec(self.engine, self.location, check_stream(stream, "--stream"), self.label)


def resolve_store(
    *,
    store: str | None = None,
    audit_db: Path | None = None,
    stream: str | None = None,
    environ: Mapping[str, str],
    cwd: Path,
) -> StoreSpec:
    """The store and stream a command uses (see the module docstring for the precedence)."""
    if store and audit_db is not None:
        raise InputError(
            "both --store and --audit-db are given",
            hint="pass one of them (--store takes a PostgreSQL URL or a SQLite path)",
        )
    chosen_stream = resolve_stream(stream, environ)
    if store:
        return parse_store(store, chosen_stream, cwd, "--store")
    if audit_db is not None:
        return _sqlite(audit_db, chosen_stream, cwd)
    for name in (STORE_ENV, AUDIT_DB_ENV):
        value = environ.get(name, "").strip()
        if value:
            return parse_store(value, chosen_stream, cwd, name)
    return _sqlite(DEFAULT_RELATIVE_PATH, chosen_stream, cwd)


def sqlite_spec(path: Path, stream: str = DEFAULT_STREAM) -> StoreSpec:
    """The spec of a SQLite log at `path` (the library's `append_decision(path, …)`)."""
    return _sqlite(path, check_stream(stream, "stream"), Path.cwd())


def parse_store(text: str, stream: str, cwd: Path, given_as: str) -> StoreSpec:
    """A store URL or path → spec; an unknown scheme is an InputError naming `given_as`."""
    value = text.strip()
    lowered = value.lower()
    if lowered.startswith(_POSTGRES_SCHEMES):
        url = "postgresql://" + value.split("://", 1)[1]
        return StoreSpec(POSTGRESQL, url, stream, postgres_label(url))
    if lowered.startswith(_SQLITE_PREFIX):
        # SQLAlchemy's form: sqlite:///relative/path, sqlite:////absolute/path.
        return _sqlite(Path(unquote(value[len(_SQLITE_PREFIX) :])), stream, cwd)
    if _SCHEME.match(value):
        scheme = value.split("://", 1)[0]
        raise InputError(
            f"{given_as} names a {scheme}:// store, which planrisk does not support",
            hint="use postgresql://USER@HOST:PORT/DB, sqlite:///PATH or a file path",
        )
    return _sqlite(Path(value), stream, cwd)


def resolve_stream(stream: str | None, environ: Mapping[str, str]) -> str:
    """`--stream`, PLANRISK_STREAM, the CI's repository, else `default` (validated)."""
    if stream is not None:
        return check_stream(stream, "--stream")
    configured = environ.get(STREAM_ENV, "").strip()
    if configured:
        return check_stream(configured, STREAM_ENV)
    for name in _STREAM_SOURCES:
        value = environ.get(name, "").strip()
        if value:
            return check_stream(value, name)
    owner = environ.get("BASE_REPO_OWNER", "").strip()
    repo = environ.get("BASE_REPO_NAME", "").strip()
    if owner and repo:
        return check_stream(f"{owner}/{repo}", "BASE_REPO_OWNER/BASE_REPO_NAME")
    return DEFAULT_STREAM


def check_stream(name: str, given_as: str) -> str:
    """`name` when it is a valid stream name; else an InputError naming where it came from."""
    if _STREAM.match(name):
        return name
    raise InputError(
        f"{given_as} is not a valid stream name ({len(name)} characters)",
        hint="a stream is 1-200 letters, digits and . _ / @ : - (no spaces), "
        "starting with a letter or digit, e.g. acme/infra",
    )


def postgres_has_password(url: str) -> bool:
    """Whether a PostgreSQL URL carries a password (`user:pw@` or `?password=`); an unreadable
    URL counts as one (never written where others read it)."""
    try:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
    except ValueError:
        return True
    userinfo, at, _ = parts.netloc.rpartition("@")
    return bool(at and ":" in userinfo) or "password" in query


def postgres_label(url: str) -> str:
    """`postgresql://user@host:port/db`: the URL without its password and query."""
    try:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        userinfo, _, netloc = parts.netloc.rpartition("@")
        user = unquote(userinfo.split(":", 1)[0])
    except ValueError:
        return "postgresql://?"
    user = user or query.get("user", "")
    hosts = netloc or query.get("host", "localhost")
    if "," not in hosts and not hosts.startswith("/") and not re.search(r":\d+$", hosts):
        hosts = f"{hosts}:{query.get('port', '5432')}"
    database = unquote(parts.path.lstrip("/")) or query.get("dbname", "") or user
    return f"postgresql://{user + '@' if user else ''}{hosts}/{database}"


def scrub(text: str, spec: StoreSpec) -> str:
    """`text` with the URL's password (in the user part or a `password=` parameter) masked."""
    if spec.engine != POSTGRESQL:
        return text
    text = text.replace(spec.location, spec.label)
    for secret in _passwords(spec.location):
        text = text.replace(secret, "***")
    return text


def _passwords(url: str) -> list[str]:
    """The password of `url` as written and decoded (longest first), when it has one."""
    found: list[str] = []
    try:
        parts = urlsplit(url)
        userinfo = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
        for piece in parts.query.split("&"):
            key, _, value = piece.partition("=")
            if unquote(key) == "password":
                found.append(value)
    except ValueError:
        pass
    secrets = {s for item in found for s in (item, unquote(item)) if s}
    return sorted(secrets, key=len, reverse=True)


def _sqlite(path: Path, stream: str, cwd: Path) -> StoreSpec:
    """The SQLite spec of `path`, relative to `cwd` unless absolute."""
    full = path if path.is_absolute() else cwd / path
    return StoreSpec(SQLITE, str(full), stream, str(full))
