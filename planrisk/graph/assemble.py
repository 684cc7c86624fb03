"""Filling the graph's adjacency (graph stage: node attributes + collected edges → Adjacency).

Input: the `Node` of each address in node order, and the edges as an `EdgeSet` (dependent →
dependency → kinds). Output: an `Adjacency` whose edge dicts are laid out exactly as networkx's
DiGraph keeps its own (`_succ`, `_pred`), so `as_networkx` wraps them in an `nx.DiGraph` equal
to the one `add_nodes_from` and `add_edges_from` would build, with the same node and adjacency
order (its node attribute dicts, `resource`/`change`/`placeholder`, are made from the `Node`s).

networkx's `add_edges_from` creates and fills one attribute dict per edge; on a large plan
that is a large share of the graph's memory and build time, for a handful of distinct
values. So the dicts are filled directly and every edge with the same kinds shares one
read-only attribute dict `{"kinds": frozenset}`; networkx itself is imported only when a caller
asks for the DiGraph. The graph is not modified after the build (nothing in planrisk does; a
caller that wants to must `copy()` the DiGraph).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from planrisk.model import PLACEHOLDER_NODE, Node

if TYPE_CHECKING:
    import networkx as nx

EdgeData = dict[str, frozenset[str]]
"""An edge's attributes: `{"kinds": frozenset of kinds}`, shared by edges with equal kinds."""


class Adjacency(NamedTuple):
    """The graph's dicts: nodes, out-edges and in-edges (the latter two as networkx's DiGraph
    stores them)."""

    nodes: dict[str, Node]
    succ: dict[str, dict[str, EdgeData]]
    """Dependent → {dependency: edge data} (networkx's `_succ`, also `_adj`)."""
    pred: dict[str, dict[str, EdgeData]]
    """Dependency → {dependent: the same edge data} (networkx's `_pred`)."""


class EdgeSet:
    """Edges dependent → dependency → shared `EdgeData`, gathered before the graph is filled."""

    def __init__(self) -> None:
        self.succ: dict[str, dict[str, EdgeData]] = {}
        self._by_kinds: dict[frozenset[str], EdgeData] = {}
        self._steps: dict[str, tuple[EdgeData, dict[int, EdgeData]]] = {}
        """kind → (its own edge data, id(edge data) → that data with `kind` added). Every
        edge data lives in `_by_kinds` for the set's lifetime, so its id stays its own."""

    def add(self, dependent: str, dependencies: Iterable[str], kind: str) -> None:
        """Edges from `dependent` to each of `dependencies` (a self-edge is skipped) of `kind`."""
        step = self._steps.get(kind)
        if step is None:
            alone = frozenset((kind,))
            step = self._steps[kind] = (self._by_kinds.setdefault(alone, {"kinds": alone}), {})
        single, added = step
        out = self.succ.get(dependent)
        if out is None:  # the first edges of `dependent`: filled in one call
            out = dict.fromkeys(dependencies, single)
            out.pop(dependent, None)
            if out:
                self.succ[dependent] = out
            return
        for dependency in dependencies:
            data = out.get(dependency)
            if data is None:
                if dependency != dependent:
                    out[dependency] = single
            elif data is not single:
                merged = added.get(id(data))
                if merged is None:
                    merged = added[id(data)] = self._with(data["kinds"], kind)
                out[dependency] = merged

    def _with(self, kinds: frozenset[str], kind: str) -> EdgeData:
        """The shared edge data of `kinds` plus `kind` (the same data when it has it)."""
        merged = kinds | {kind}
        return self._by_kinds.setdefault(merged, {"kinds": merged})


def node_adjacency(nodes: Iterable[tuple[str, Node]]) -> Adjacency:
    """The adjacency of `nodes` (address, node), in that order, without edges."""
    node_of: dict[str, Node] = {}
    succ: dict[str, dict[str, EdgeData]] = {}
    pred: dict[str, dict[str, EdgeData]] = {}
    for address, data in nodes:
        if address not in node_of:
            succ[address] = {}
            pred[address] = {}
        node_of[address] = data
    return Adjacency(node_of, succ, pred)


def add_edges(adjacency: Adjacency, edges: EdgeSet) -> None:
    """Add `edges` to an edgeless adjacency from `node_adjacency` (its out-dicts are kept).

    Addresses only an edge names become placeholder nodes, in order of first appearance.
    """
    node_of, succ, pred = adjacency
    known = node_of.keys()
    for dependent, out in edges.succ.items():
        if dependent not in node_of or not out.keys() <= known:
            for address in (dependent, *out):
                if address not in node_of:
                    node_of[address] = PLACEHOLDER_NODE
                    succ[address] = {}
                    pred[address] = {}
        succ[dependent] = out
        for dependency, data in out.items():
            pred[dependency][dependent] = data


def as_networkx(adjacency: Adjacency) -> nx.DiGraph[str]:
    """An `nx.DiGraph` whose edge dicts are `adjacency`'s (shared, not copied); each node's
    attribute dict (`resource`, `change`, `placeholder`) is made from its `Node`.

    networkx 3.x keeps a DiGraph in `_node`, `_adj` (the same dict as `_succ`) and `_pred`;
    assigning them resets its cached views. Both names are assigned, for versions where `_succ`
    is a plain attribute.
    """
    import networkx as nx

    graph: nx.DiGraph[str] = nx.DiGraph()
    raw: Any = graph
    raw._node = {address: node_attributes(node) for address, node in adjacency.nodes.items()}
    raw._adj = adjacency.succ
    raw._succ = adjacency.succ
    raw._pred = adjacency.pred
    return graph


def node_attributes(node: Node) -> dict[str, Any]:
    """A node as networkx attributes: `resource`, `change`, `placeholder`."""
    return {"resource": node.resource, "change": node.change, "placeholder": node.placeholder}


def node_from_attributes(attributes: dict[str, Any]) -> Node:
    """The `Node` of networkx attributes (missing keys: no resource, no change, not a
    placeholder); the inverse of `node_attributes`."""
    placeholder = bool(attributes.get("placeholder", False))
    resource, change = attributes.get("resource"), attributes.get("change")
    if placeholder and resource is None and change is None:
        return PLACEHOLDER_NODE
    return Node(resource=resource, change=change, placeholder=placeholder)
