"""Report stage: the output formats of `analyze` and `gate` and the one dispatcher over them.

Input: a `Format`, an `Analysis` or a `GateResult` (`planrisk.report.subject`) and
`RenderOptions`. Output: the
rendered text. Adding a format is one enum member, one file name and one `case`; the `match`
ends in `assert_never`, so mypy and the exhaustive test catch a member left unwired.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, assert_never

import msgspec

from planrisk.report.subject import unpack

if TYPE_CHECKING:
    from collections.abc import Iterator

    from planrisk.report.subject import Reported


class Format(StrEnum):
    """Output formats of `planrisk analyze` and `planrisk gate`."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"
    SARIF = "sarif"
    GITHUB = "github"


FILE_NAMES: dict[Format, str] = {
    Format.TEXT: "planrisk.txt",
    Format.JSON: "planrisk.json",
    Format.MARKDOWN: "planrisk.md",
    Format.HTML: "planrisk.html",
    Format.SARIF: "planrisk.sarif",
    Format.GITHUB: "planrisk.github.txt",
}
"""File written for each format by `--output-dir`."""


class RenderOptions(msgspec.Struct, frozen=True):
    """What renderers need beyond the analysis."""

    plan_path: str = ""
    """The plan path as given (comment marker, SARIF plan-level locations)."""
    source_prefix: str | None = None
    """The `--source-dir` as given: prefix of `.tf` paths in SARIF and annotations."""
    colour: bool = False
    """ANSI colour in the text format."""
    with_paths: bool = False
    """JSON: the dependency path to each top dependent (`analyze --paths`)."""
    full_report: str | None = None
    """Where the full report is, named when markdown leaves rows out."""


def render(fmt: Format, subject: Reported, options: RenderOptions | None = None) -> str:
    """Render an analysis, or a gate result with its analysis, in one format."""
    opts = options or RenderOptions()
    match fmt:
        case Format.TEXT:
            from planrisk.report.text import render_text

            return render_text(subject, colour=opts.colour)
        case Format.JSON:
            from planrisk.report.json_format import render_json

            return render_json(_json_document(subject, opts))
        case Format.MARKDOWN:
            from planrisk.report.markdown import MarkdownOptions, render_markdown

            return render_markdown(
                subject, MarkdownOptions(plan_path=opts.plan_path, full_report=opts.full_report)
            )
        case Format.HTML:
            from planrisk.report.html import render_html

            return render_html(subject)
        case Format.SARIF:
            from planrisk.report.sarif import render_sarif

            return render_sarif(subject, plan_path=opts.plan_path, source_prefix=opts.source_prefix)
        case Format.GITHUB:
            from planrisk.report.github import render_github

            return render_github(subject, source_prefix=opts.source_prefix)
        case _:
            assert_never(fmt)


def render_pieces(
    fmt: Format, subject: Reported, options: RenderOptions | None = None
) -> Iterator[str]:
    """`render`'s text in pieces, for writing as they come: a large JSON report (tens of MB for
    a 100k-resource teardown) is never held whole. Other formats are one piece."""
    opts = options or RenderOptions()
    if fmt is not Format.JSON:
        yield render(fmt, subject, opts)
        return
    from planrisk.report.json_format import iter_json

    yield from iter_json(_json_document(subject, opts))


def _json_document(subject: Reported, opts: RenderOptions) -> dict[str, Any]:
    """The JSON format's document: the gate's for a gate result, else the analysis'."""
    analysis, gate = unpack(subject)
    if gate is not None:
        from planrisk.report.analysis_data import gate_document

        return gate_document(gate, with_paths=opts.with_paths)
    from planrisk.report.analysis_data import analysis_document

    return analysis_document(analysis.assessment, analysis.graph, with_paths=opts.with_paths)
