"""The store options every store-using command shares (CLI): `--store URL`, `--stream NAME`.

Input: the options' values and the environment. Output: the resolved `StoreSpec`
(`planrisk.gate.audit.locations` holds the precedence). Only typer is imported at module level:
command modules import this one when the CLI starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from planrisk.gate.audit.locations import StoreSpec
    from planrisk.gate.evidence.attestation import FingerprintEntry

RecordOption = Annotated[
    bool,
    typer.Option(
        "--store",
        help="Also keep it in the store ($PLANRISK_STORE, else the SQLite log), where "
        "`planrisk gate` finds it without --evidence.",
    ),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="URL",
        help=(
            "postgresql://USER@HOST:PORT/DB or a SQLite path (default: $PLANRISK_STORE, else "
            "the SQLite log). Prefer the variable: a command line is visible to other processes."
        ),
        show_default=False,
    ),
]
StreamOption = Annotated[
    str | None,
    typer.Option(
        "--stream",
        help="Stream of this run's records (default: $PLANRISK_STREAM, the CI's repository, "
        "else default).",
        show_default=False,
    ),
]
StreamsOption = Annotated[
    list[str] | None,
    typer.Option("--stream", help="Only this stream (repeatable; default: every stream)."),
]


def record_in_store(
    envelope: bytes,
    *,
    kind: str,
    plan_digest: str,
    changes: Sequence[FingerprintEntry] | None = None,
) -> None:
    """Keep a signed envelope in the command's store; say where on stderr."""
    from planrisk.gate.audit.evidence_store import record_envelope, store_name

    spec = cli_store(None)
    row, new = record_envelope(spec, envelope, kind=kind, plan_digest=plan_digest, changes=changes)
    state = "kept" if new else "already kept"
    typer.echo(f"{state} in {spec.label} as {store_name(row)}", err=True)


def cli_store(
    store: str | None, audit_db: Path | None = None, stream: str | None = None
) -> StoreSpec:
    """The store and stream a command's options and the environment name."""
    import os

    from planrisk.gate.audit.locations import resolve_store

    return resolve_store(
        store=store, audit_db=audit_db, stream=stream, environ=os.environ, cwd=Path.cwd()
    )
