"""`planrisk github …`: the GitHub Action's plumbing, so the action's bash stays short.

`planrisk github outputs --dir D --exit-code N`: a gate run written with `--output-dir D`
(json and markdown) → step outputs in $GITHUB_OUTPUT (outcome, score, level, report-json,
markdown, exit-code), the markdown appended to $GITHUB_STEP_SUMMARY, and the `--log-format`
report on stdout. `planrisk github comment --body-file F`: the markdown → the pull request's
sticky comment (one per plan path and environment, by the hidden marker the body starts with).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from planrisk.cli.app import app
from planrisk.github.comments import CommentBehavior
from planrisk.report.formats import FILE_NAMES, Format

github_app = typer.Typer(
    help="GitHub Actions plumbing: step outputs, job summary, sticky PR comment.",
    no_args_is_help=True,
)
app.add_typer(github_app, name="github")


@github_app.command("outputs")
def outputs_command(
    directory: Annotated[
        Path, typer.Option("--dir", help="The --output-dir of the `planrisk gate` run.")
    ],
    exit_code: Annotated[int, typer.Option("--exit-code", help="The gate's exit code.")],
    log_format: Annotated[
        Format | None, typer.Option("--log-format", help="Report to print to the job log.")
    ] = None,
) -> None:
    """Write the step outputs and the job summary of a gate run; print its log report."""
    from planrisk.errors import InputError

    report = directory / FILE_NAMES[Format.JSON]
    markdown = directory / FILE_NAMES[Format.MARKDOWN]
    values = {"outcome": "error", "score": "", "level": "", "report-json": "", "markdown": ""}
    if report.is_file():
        values["outcome"], values["score"], values["level"] = _verdict(report)
        values["report-json"] = str(report.resolve())
    elif exit_code in (0, 1):
        raise InputError(
            f"no {FILE_NAMES[Format.JSON]} in the gate's output directory",
            source=str(directory),
            hint="run `planrisk gate PLAN --output-dir DIR --format json --format markdown`",
        )
    if markdown.is_file():
        values["markdown"] = str(markdown.resolve())
    values["exit-code"] = str(exit_code)
    if log_format is not None and (directory / FILE_NAMES[log_format]).is_file():
        sys.stdout.write((directory / FILE_NAMES[log_format]).read_text(encoding="utf-8"))
    _append(os.environ.get("GITHUB_OUTPUT"), "".join(_output_line(k, v) for k, v in values.items()))
    summary = (
        markdown.read_text(encoding="utf-8")
        if markdown.is_file()
        else f"## planrisk failed (exit {exit_code})\n\nSee the job log for the error.\n"
    )
    _append(os.environ.get("GITHUB_STEP_SUMMARY"), summary.rstrip("\n") + "\n")


@github_app.command("comment")
def comment_command(
    body_file: Annotated[Path, typer.Option("--body-file", help="Markdown of the comment.")],
    marker: Annotated[
        str | None,
        typer.Option("--marker", help="Hidden marker (default: the one the body starts with)."),
    ] = None,
    behavior: Annotated[
        CommentBehavior,
        typer.Option("--behavior", help="update the plan's comment, or always add a new one."),
    ] = CommentBehavior.UPDATE,
    github_token: Annotated[
        str | None,
        typer.Option(
            "--github-token",
            help="Token (default $GITHUB_TOKEN; prefer the variable).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create or update the pull request's planrisk comment for this plan."""
    from planrisk.errors import InputError
    from planrisk.github.comments import marker_of, upsert_comment
    from planrisk.github.context import read_github_context

    try:
        body = body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the comment body ({exc})",
            source=str(body_file),
            hint="pass the planrisk.md written by `planrisk gate --output-dir DIR`",
        ) from None
    context = read_github_context(os.environ, github_token)
    if context.pull_number is None:
        typer.echo("planrisk: this run belongs to no pull request; no comment written")
        return
    result = upsert_comment(
        context.client(),
        context.repository,
        context.pull_number,
        body,
        marker=marker or marker_of(body),
        behavior=behavior,
    )
    typer.echo(f"planrisk: {result.action} comment {result.url or result.comment_id}")


def _verdict(path: Path) -> tuple[str, str, str]:
    """Outcome, score and level of a gate JSON report."""
    import msgspec

    from planrisk.errors import InputError

    try:
        document: Any = msgspec.json.decode(path.read_bytes())
        decision, risk = document["decision"], document["risk"]
        return str(decision["outcome"]), str(risk["score"]), str(risk["level"])
    except (OSError, msgspec.DecodeError, KeyError, TypeError):
        raise InputError(
            "not a `planrisk gate` JSON report",
            source=str(path),
            hint="run `planrisk gate PLAN --output-dir DIR --format json --format markdown`",
        ) from None


def _output_line(name: str, value: str) -> str:
    """One $GITHUB_OUTPUT entry; multi-line values use a random heredoc delimiter."""
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    import secrets

    delimiter = f"planrisk_{secrets.token_hex(8)}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def _append(path: str | None, text: str) -> None:
    """Append to a runner file, or do nothing outside Actions."""
    if not path:
        return
    from planrisk.errors import InputError

    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(
            f"cannot append to the runner file ({exc.strerror})",
            source=path,
            hint="GITHUB_OUTPUT and GITHUB_STEP_SUMMARY must name writable files",
        ) from None
