"""Graph stage: DependencyGraph's own adjacency and the networkx DiGraph made from it on demand.

Input: a fixture plan → `build_graph`, and a DiGraph handed to `DependencyGraph(graph=...)`.
Checked: `has`/`node_data`/`predecessors`/`successors` agree with networkx's answers, the
DiGraph is made once, over the same dicts, and wrapping an existing DiGraph shares its dicts.
"""

from __future__ import annotations

import networkx as nx

from planrisk.graph import DependencyGraph, build_graph
from planrisk.graph.assemble import node_attributes
from planrisk.ingest import load_plan
from planrisk.model import Node, Tool
from tests.support.paths import REPO

PLAN = REPO / "fixtures/terraform/vpc-replace-cascade/plan.json"


def test_queries_agree_with_the_networkx_graph() -> None:
    built = build_graph(load_plan(PLAN))
    graph = built.graph
    assert graph is built.graph
    assert list(built.nodes) == list(graph.nodes)
    assert graph.number_of_edges() > 0
    for address in graph:
        assert built.has(address)
        assert node_attributes(built.node_data(address)) == graph.nodes[address]
        assert list(built.predecessors(address)) == list(graph.predecessors(address))
        assert list(built.successors(address)) == list(graph.successors(address))
    assert not built.has("aws_nothing.here")


def test_wrapping_a_digraph_shares_its_edge_dicts() -> None:
    digraph: nx.DiGraph[str] = nx.DiGraph()
    digraph.add_node("a", resource=None, change=None, placeholder=False)
    digraph.add_edge("b", "a", kinds=frozenset({"reference"}))
    wrapped = DependencyGraph(graph=digraph, tool=Tool.TERRAFORM)
    assert wrapped.graph is digraph
    assert list(wrapped.predecessors("a")) == ["b"]
    assert wrapped.succ["b"]["a"] is digraph.edges["b", "a"]
    assert wrapped.node_data("a") == Node()
    assert wrapped.node_data("b") == Node()
    empty = DependencyGraph(tool=Tool.PULUMI)
    assert empty.graph.number_of_nodes() == 0
    assert empty.dependents("a") == set()
