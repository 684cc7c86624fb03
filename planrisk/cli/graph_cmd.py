"""`planrisk graph PLAN`: the resource dependency graph as JSON, DOT or Mermaid.

Input: a plan file (and optionally the .tf sources). Output: the rendered graph.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.app import app


class GraphFormat(StrEnum):
    """Output formats of `planrisk graph`."""

    JSON = "json"
    DOT = "dot"
    MERMAID = "mermaid"


@app.command("graph")
def graph_command(
    plan: Annotated[Path, typer.Argument(help="Plan JSON or Pulumi preview/events.")],
    source_dir: Annotated[
        Path | None,
        typer.Option("--source-dir", help="Directory of the .tf sources (resolves local.*)."),
    ] = None,
    fmt: Annotated[GraphFormat, typer.Option("--format", help="Output format.")] = GraphFormat.JSON,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE.")] = None,
) -> None:
    """Print the dependency graph: every resource instance and what it depends on."""
    from planrisk.graph import build_graph
    from planrisk.ingest import load_plan
    from planrisk.report.graph_formats import iter_graph
    from planrisk.report.output import write_output

    loaded = load_plan(plan)
    graph = build_graph(loaded, source_dir=source_dir)
    write_output(iter_graph(graph, fmt.value), output)
