"""`planrisk audit log|verify`: read and verify the hash-chained audit log of gate decisions.

Input: the audit database (`--audit-db`, else PLANRISK_AUDIT_DB, else .planrisk/audit.db).
Output: the decisions (text or JSON), or the verification result: exit 0 intact, 1 broken
(naming the first broken record), 3 when the database is missing or not an audit log.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.app import app

audit_app = typer.Typer(
    name="audit",
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Read and verify the audit log of gate decisions.",
)
app.add_typer(audit_app, name="audit")

AuditDbOption = Annotated[
    Path | None,
    typer.Option(
        "--audit-db",
        help="Audit database (default: $PLANRISK_AUDIT_DB or .planrisk/audit.db).",
    ),
]


class LogFormat(StrEnum):
    """Output formats of `planrisk audit log`."""

    TEXT = "text"
    JSON = "json"


def _db_path(audit_db: Path | None) -> Path:
    """The explicit path, or the default one."""
    import os

    from planrisk.gate.audit import default_audit_path

    return audit_db if audit_db is not None else default_audit_path(os.environ, Path.cwd())


@audit_app.command("log")
def audit_log_command(
    audit_db: AuditDbOption = None,
    fmt: Annotated[LogFormat, typer.Option("--format", help="Output format.")] = LogFormat.TEXT,
) -> None:
    """Print every recorded gate decision, oldest first."""
    from planrisk.gate.audit import read_log
    from planrisk.gate.audit.render import render_json, render_text
    from planrisk.report.output import write_output

    records = read_log(_db_path(audit_db))
    text = render_json(records) if fmt is LogFormat.JSON else render_text(records)
    write_output(text, None)


@audit_app.command("verify")
def audit_verify_command(audit_db: AuditDbOption = None) -> None:
    """Check the hash chain: exit 1 naming the first changed, removed or reordered record."""
    from planrisk.gate.audit import verify_log

    path = _db_path(audit_db)
    result = verify_log(path)
    if not result.ok:
        typer.echo(f"{path}: audit log broken at record {result.first_broken_seq}: {result.reason}")
        raise typer.Exit(1)
    typer.echo(f"{path}: audit log intact: {result.count} record(s), head {result.head_hash}")
