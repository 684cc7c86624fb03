"""Graph stage output: the row-by-row JSON writer equals `json.dumps(indent=2)` of the document.

Input: fixture plans, a generated plan, and hand-built graphs with hostile strings (quotes,
backslashes, control characters, non-ASCII, `%`) and no nodes or edges. Output compared: the
`render_graph(..., "json")` text against the document `node_rows`/`edge_rows` describe, dumped
by the standard library.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from benchmarks.generate import generate
from planrisk.graph import DependencyGraph, build_graph
from planrisk.ingest import load_plan
from planrisk.model import Action, Resource, Tool
from planrisk.report.graph_formats import (
    SCHEMA_VERSION,
    edge_rows,
    iter_graph,
    node_rows,
    render_graph,
)
from tests.support import builders
from tests.support.paths import FIXTURES


def reference_json(graph: DependencyGraph) -> str:
    """The contract's document, written by json.dumps."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": graph.tool.value,
        "nodes": node_rows(graph),
        "edges": [{"dependent": u, "dependency": v, "kind": k} for u, v, k in edge_rows(graph)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    "name",
    [
        "terraform/vpc-replace-cascade/plan.json",
        "terraform/hostile-names/plan.json",
        "terraform/special-keys/plan.json",
        "terraform/deposed-object/plan.json",
        "pulumi/protect-removed/preview.json",
        "pulumi/secrets/events.ndjson",
    ],
)
def test_fixture_graph_json_matches_json_dumps(name: str) -> None:
    graph = build_graph(load_plan(FIXTURES / name))
    assert render_graph(graph, "json") == reference_json(graph)


def test_generated_plan_json_matches_json_dumps(tmp_path: Path) -> None:
    plan = load_plan(generate("terraform", 200, "vpc-cascade", tmp_path / "plan.json"))
    graph = build_graph(plan)
    assert graph.graph.number_of_edges() > 100
    text = render_graph(graph, "json")
    assert text == reference_json(graph)
    assert len(json.loads(text)["edges"]) == sum(
        len(d["kinds"]) for _, _, d in graph.graph.edges(data=True)
    )


def test_hostile_strings_and_several_kinds_match_json_dumps() -> None:
    names = [
        'a["q\\"uote"]',
        'b["é\\u00e9 ☃"]',
        'c["tab\t%s%%"]',
        "d\x01",
        "urn:pulumi:s::p::x$y::n",
    ]
    graph: nx.DiGraph[str] = nx.DiGraph()
    for i, name in enumerate(names[:-1]):
        change = builders.change(
            name, f't"{i}\\', Action.DELETE, name="n", module='module.m["\\\\"]'
        )
        graph.add_node(name, resource=None, change=change, placeholder=False)
    graph.add_node(names[1], resource=Resource(address=names[1], type="r", name="n"), change=None)
    graph.add_node(names[-1], resource=None, change=None, placeholder=True)
    graph.add_edge(names[0], names[1], kinds=frozenset({"reference", "depends_on"}))
    graph.add_edge(names[2], names[-1], kinds=frozenset({"parent"}))
    dg = DependencyGraph(graph=graph, tool=Tool.TERRAFORM)
    assert render_graph(dg, "json") == reference_json(dg)


def test_empty_graph_matches_json_dumps() -> None:
    dg = DependencyGraph(graph=nx.DiGraph(), tool=Tool.PULUMI)
    assert render_graph(dg, "json") == reference_json(dg)
    lone: nx.DiGraph[str] = nx.DiGraph()
    lone.add_node("urn:pulumi:s::p::pulumi:pulumi:Stack::s", resource=None, change=None)
    dg = DependencyGraph(graph=lone, tool=Tool.PULUMI)
    assert render_graph(dg, "json") == reference_json(dg)


@pytest.mark.parametrize("fmt", ["json", "dot", "mermaid"])
def test_iter_graph_pieces_join_to_the_rendered_text(fmt: str, tmp_path: Path) -> None:
    plan = load_plan(generate("terraform", 60, "teardown", tmp_path / "plan.json"))
    graph = build_graph(plan)
    pieces = list(iter_graph(graph, fmt))
    assert len(pieces) > graph.graph.number_of_nodes()
    assert "".join(pieces) == render_graph(graph, fmt)


def test_unknown_format_is_refused_before_any_piece() -> None:
    dg = DependencyGraph(graph=nx.DiGraph(), tool=Tool.TERRAFORM)
    with pytest.raises(ValueError, match="unknown graph format"):
        iter_graph(dg, "svg")
    with pytest.raises(ValueError, match="unknown graph format"):
        render_graph(dg, "svg")
