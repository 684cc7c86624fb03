"""The dependency graph every later stage queries (graph stage output type).

Input: the adjacency dicts built by `planrisk.graph.build` (`planrisk.graph.assemble`).
Output: answers to "what depends on this resource (transitively)?", "what does it depend on?"
and "through which chain?", plus each address's `Node`. Nodes are Terraform instance addresses or
Pulumi URNs; an edge points from the dependent to its dependency and carries `kinds`, the set
of reasons for it. The graph is read-only once built (edges with equal kinds share one
attribute dict). The networkx form (`.graph`) wraps the same dicts and is made only when a
caller asks for it (the HTML layout): importing networkx costs more than building a 10k graph.
"""

from __future__ import annotations

from collections.abc import KeysView, Mapping
from typing import TYPE_CHECKING, Any

from planrisk.graph.assemble import Adjacency, EdgeData, as_networkx, node_from_attributes
from planrisk.graph.references import config_address
from planrisk.graph.sources import SourceBlock
from planrisk.model import Node, Tool

if TYPE_CHECKING:
    import networkx as nx


class DependencyGraph:
    """Resource instances and their dependencies for one plan.

    Built from `adjacency` (what `build_graph` does) or, for callers holding one, from a
    networkx DiGraph `graph` (its edge dicts are shared, not copied; its node attributes
    become `Node`s).
    """

    def __init__(
        self,
        *,
        tool: Tool,
        adjacency: Adjacency | None = None,
        graph: nx.DiGraph[str] | None = None,
        sources: dict[str, SourceBlock] | None = None,
        unresolved_locals: tuple[str, ...] = (),
    ) -> None:
        if adjacency is None:
            raw: Any = graph
            adjacency = (
                Adjacency({}, {}, {})
                if graph is None
                else Adjacency(
                    {a: node_from_attributes(d) for a, d in raw._node.items()},
                    raw._succ,
                    raw._pred,
                )
            )
        self.nodes: dict[str, Node] = adjacency.nodes
        """Address → its `Node` (in node order)."""
        self.succ: dict[str, dict[str, EdgeData]] = adjacency.succ
        """Dependent → {dependency: `{"kinds": frozenset}`} (read-only)."""
        self.pred: dict[str, dict[str, EdgeData]] = adjacency.pred
        """Dependency → {dependent: the same edge data} (read-only)."""
        self.tool = tool
        """The plan's producer (rendered in the JSON form)."""
        self.sources: dict[str, SourceBlock] = sources if sources is not None else {}
        """Config address → declaration in the .tf sources (empty without --source-dir)."""
        self.unresolved_locals = unresolved_locals
        """`local.*` references that could not be followed (`module.a.local.x`), sorted."""
        self._graph = graph

    @property
    def graph(self) -> nx.DiGraph[str]:
        """The networkx DiGraph over the same dicts (made on first use). Read-only: `copy()`
        it to modify."""
        if self._graph is None:
            self._graph = as_networkx(Adjacency(self.nodes, self.succ, self.pred))
        return self._graph

    def has(self, address: str) -> bool:
        """Whether `address` is a node."""
        return address in self.nodes

    def node_data(self, address: str) -> Node:
        """The `Node` at `address` (KeyError when it is not one)."""
        return self.nodes[address]

    def predecessors(self, address: str) -> KeysView[str]:
        """What depends on `address` directly (KeyError when it is not a node)."""
        return self.pred[address].keys()

    def successors(self, address: str) -> KeysView[str]:
        """What `address` depends on directly (KeyError when it is not a node)."""
        return self.succ[address].keys()

    def dependents(self, address: str) -> set[str]:
        """Everything that depends on `address`, directly or not."""
        return _reachable(self.pred, address)

    def dependencies(self, address: str) -> set[str]:
        """Everything `address` depends on, directly or not."""
        return _reachable(self.succ, address)

    def dependency_path(self, dependent: str, dependency: str) -> list[str]:
        """Shortest chain dependent → … → dependency; [] when there is none."""
        return _shortest_path(self.succ, self.pred, dependent, dependency)

    def config_address(self, address: str) -> str:
        """Instance address → config address (keys dropped); URNs are returned unchanged."""
        return config_address(address)


def _reachable(adjacency: Mapping[str, Mapping[str, object]], start: str) -> set[str]:
    """Every node reached from `start` through `adjacency` (the graph's own dicts), without it."""
    if start not in adjacency:
        return set()
    seen = {start}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for neighbour in adjacency[node]:
                if neighbour not in seen:
                    seen.add(neighbour)
                    following.append(neighbour)
        frontier = following
    seen.discard(start)
    return seen


def _shortest_path(
    succ: Mapping[str, Mapping[str, object]],
    pred: Mapping[str, Mapping[str, object]],
    source: str,
    target: str,
) -> list[str]:
    """`nx.shortest_path(G, source, target)` on the adjacency dicts ([] when there is none).

    The same bidirectional breadth-first search as networkx's `bidirectional_shortest_path`,
    step for step (so the same path among equally short ones), without its per-call dispatch
    and view overhead: `--paths` asks for up to ten paths per destroyed resource.
    """
    if source not in succ or target not in succ:
        return []
    if source == target:
        return [source]
    before: dict[str, str | None] = {source: None}
    after: dict[str, str | None] = {target: None}
    forward, reverse = [source], [target]
    meet: str | None = None
    while forward and reverse and meet is None:
        if len(forward) <= len(reverse):
            level, forward = forward, []
            meet = _step(level, succ, before, after, forward)
        else:
            level, reverse = reverse, []
            meet = _step(level, pred, after, before, reverse)
    if meet is None:
        return []
    path: list[str] = []
    node: str | None = meet
    while node is not None:
        path.append(node)
        node = before[node]
    path.reverse()
    node = after[path[-1]]
    while node is not None:
        path.append(node)
        node = after[node]
    return path


def _step(
    level: list[str],
    adjacency: Mapping[str, Mapping[str, object]],
    mine: dict[str, str | None],
    theirs: dict[str, str | None],
    fringe: list[str],
) -> str | None:
    """Expand one BFS level of one side; the node where both searches meet, if reached."""
    for node in level:
        for neighbour in adjacency[node]:
            if neighbour not in mine:
                fringe.append(neighbour)
                mine[neighbour] = node
            if neighbour in theirs:
                return neighbour
    return None
