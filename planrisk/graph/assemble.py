"""Filling the networkx DiGraph (graph stage: node attributes + collected edges → nx.DiGraph).

Input: node attribute dicts in node order, and the edges as an `EdgeSet` (dependent →
dependency → kinds). Output: an `nx.DiGraph` equal to the one `add_nodes_from` and
`add_edges_from` would build, with the same node order and adjacency order.

networkx's `add_edges_from` creates and fills one attribute dict per edge; at 100k resources
(~380k edges) that is half the graph's memory and a third of its build time, for a handful of
distinct values. So the graph is filled directly through the adjacency dicts networkx documents
for subclasses (`_node`, `_succ`, `_pred`; `_adj` is `_succ` for a DiGraph), and every edge with
the same kinds shares one read-only attribute dict `{"kinds": frozenset}`. The graph is not
modified after the build (nothing in planrisk does; a caller that wants to must `copy()` it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

EdgeData = dict[str, frozenset[str]]
"""An edge's attributes: `{"kinds": frozenset of kinds}`, shared by edges with equal kinds."""


class EdgeSet:
    """Edges dependent → dependency → shared `EdgeData`, gathered before the graph is filled."""

    def __init__(self) -> None:
        self.succ: dict[str, dict[str, EdgeData]] = {}
        self._single: dict[str, EdgeData] = {}
        self._union: dict[tuple[frozenset[str], str], EdgeData] = {}
        self._by_kinds: dict[frozenset[str], EdgeData] = {}

    def add(self, dependent: str, dependencies: Iterable[str], kind: str) -> None:
        """Edges from `dependent` to each of `dependencies` (a self-edge is skipped) of `kind`."""
        single = self._single.get(kind)
        if single is None:
            alone = frozenset((kind,))
            single = self._single[kind] = self._by_kinds.setdefault(alone, {"kinds": alone})
        out = self.succ.get(dependent)
        if out is None:
            out = self.succ[dependent] = {}
        for dependency in dependencies:
            data = out.get(dependency)
            if data is None:
                if dependency != dependent:
                    out[dependency] = single
            elif kind not in data["kinds"]:
                out[dependency] = self._with(data["kinds"], kind)
        if not out:
            del self.succ[dependent]

    def _with(self, kinds: frozenset[str], kind: str) -> EdgeData:
        found = self._union.get((kinds, kind))
        if found is None:
            merged = kinds | {kind}
            found = self._by_kinds.setdefault(merged, {"kinds": merged})
            self._union[(kinds, kind)] = found
        return found


def node_graph(nodes: Iterable[tuple[str, dict[str, Any]]]) -> nx.DiGraph[str]:
    """A DiGraph of `nodes` (address, own attribute dict), in that order, without edges."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    raw: Any = graph
    node_of, succ, pred = raw._node, raw._succ, raw._pred
    for address, data in nodes:
        if address not in node_of:
            succ[address] = {}
            pred[address] = {}
        node_of[address] = data
    return graph


def add_edges(graph: nx.DiGraph[str], edges: EdgeSet) -> None:
    """Add `edges` to an edgeless graph from `node_graph` (its out-dicts become the adjacency).

    Addresses only an edge names become placeholder nodes, in order of first appearance.
    """
    raw: Any = graph
    node_of, succ, pred = raw._node, raw._succ, raw._pred
    for dependent, out in edges.succ.items():
        for address in (dependent, *out):
            if address not in node_of:
                node_of[address] = {"resource": None, "change": None, "placeholder": True}
                succ[address] = {}
                pred[address] = {}
        succ[dependent] = out
        for dependency, data in out.items():
            pred[dependency][dependent] = data
