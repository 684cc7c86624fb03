"""`planrisk store migrate|copy|status`: the store that keeps audit records and evidence.

Input: the store (`--store URL`, else PLANRISK_STORE, else `--audit-db` / PLANRISK_AUDIT_DB /
.planrisk/audit.db) and, for `copy`, a source and a destination. Output: `migrate` creates or
upgrades the tables (run it as the role that owns them); `copy` moves a SQLite log into
PostgreSQL with its chains intact (exit 1 when a source chain is broken); `status` prints each
stream's size and head hash without verifying (`planrisk audit verify` verifies).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.app import app
from planrisk.cli.audit_cmd import AuditDbOption
from planrisk.cli.store_options import StoreOption, StreamsOption, cli_store

store_app = typer.Typer(
    name="store",
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The store of audit records and evidence: PostgreSQL, or a SQLite file.",
)
app.add_typer(store_app, name="store")


class StatusFormat(StrEnum):
    """Output formats of `planrisk store status`."""

    TEXT = "text"
    JSON = "json"


@store_app.command("migrate")
def store_migrate_command(store: StoreOption = None, audit_db: AuditDbOption = None) -> None:
    """Create the store's tables, or upgrade them to this planrisk's schema (as their owner)."""
    from planrisk.gate.audit.engines import open_store

    spec = cli_store(store, audit_db)
    with open_store(spec) as opened:
        result = opened.migrate()
    if result.created:
        typer.echo(f"{spec.label}: created the planrisk tables (schema version {result.after})")
    elif result.before == result.after:
        typer.echo(f"{spec.label}: schema version {result.after} is current")
    else:
        typer.echo(f"{spec.label}: upgraded from schema version {result.before} to {result.after}")


@store_app.command("copy")
def store_copy_command(
    source: Annotated[
        str, typer.Argument(help="The store to copy from (e.g. .planrisk/audit.db).")
    ],
    destination: Annotated[
        str | None,
        typer.Argument(help="The store to copy into (default: $PLANRISK_STORE)."),
    ] = None,
    stream: StreamsOption = None,
    rename: Annotated[
        str | None,
        typer.Option(
            "--as", help="Name of the one --stream in the destination.", show_default=False
        ),
    ] = None,
) -> None:
    """Copy SRC's streams and evidence into DST, chains intact (a SQLite log into PostgreSQL)."""
    import os

    from planrisk.gate.audit.chain import DEFAULT_STREAM
    from planrisk.gate.audit.copy import copy_store
    from planrisk.gate.audit.locations import STORE_ENV, parse_store

    target = destination or os.environ.get(STORE_ENV, "").strip()
    if not target:
        raise typer.BadParameter(f"name the destination, or set {STORE_ENV}", param_hint="DST")
    src = parse_store(source, DEFAULT_STREAM, Path.cwd(), "SRC")
    dst = parse_store(target, DEFAULT_STREAM, Path.cwd(), "DST")
    result = copy_store(src, dst, tuple(stream or ()), rename)
    for copied in result.streams:
        typer.echo(
            f"{src.label} [{copied.source}] → {dst.label} [{copied.stream}]: "
            f"{copied.copied} record(s) copied, {copied.size} in all, head {copied.head_hash}"
        )
    typer.echo(f"{dst.label}: {result.evidence} evidence envelope(s) copied")


@store_app.command("status")
def store_status_command(
    store: StoreOption = None,
    audit_db: AuditDbOption = None,
    stream: StreamsOption = None,
    fmt: Annotated[
        StatusFormat, typer.Option("--format", help="Output format.")
    ] = StatusFormat.TEXT,
) -> None:
    """Print each stream's size and head hash (no verification: see `planrisk audit verify`)."""
    import msgspec

    from planrisk.gate.audit.engines import open_store
    from planrisk.report.output import write_output

    spec = cli_store(store, audit_db)
    with open_store(spec) as opened:
        heads = [opened.head(name) for name in (stream or opened.streams())]
    if fmt is StatusFormat.JSON:
        document = {
            "store": spec.label,
            "engine": spec.engine,
            "streams": [msgspec.to_builtins(head) for head in heads],
        }
        write_output(msgspec.json.encode(document, order="sorted").decode(), None)
        return
    lines = [f"{spec.label} [{h.stream}]: {h.size} record(s), head {h.head_hash}" for h in heads]
    write_output("\n".join(lines) or f"{spec.label}: no records yet", None)
