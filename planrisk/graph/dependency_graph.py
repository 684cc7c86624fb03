"""The dependency graph every later stage queries (graph stage output type).

Input: a networkx DiGraph built by `planrisk.graph.build`. Output: answers to "what depends on
this resource (transitively)?", "what does it depend on?" and "through which chain?".
Nodes are Terraform instance addresses or Pulumi URNs; an edge points from the dependent to
its dependency and carries `kinds`, the set of reasons for it. The graph is read-only once
built (edges with equal kinds share one attribute dict, see `planrisk.graph.assemble`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from planrisk.graph.references import config_address
from planrisk.model import Tool
from planrisk.sources import SourceBlock


@dataclass
class DependencyGraph:
    """Resource instances and their dependencies for one plan."""

    graph: nx.DiGraph[str]
    """Node = address; attrs `resource`, `change`, `placeholder`; edge dependent → dependency
    with attr `kinds: frozenset[str]`. Read-only: `copy()` it to modify."""
    tool: Tool
    """The plan's producer (rendered in the JSON form)."""
    sources: dict[str, SourceBlock] = field(default_factory=dict)
    """Config address → declaration in the .tf sources (empty without --source-dir)."""
    unresolved_locals: tuple[str, ...] = ()
    """`local.*` references that could not be followed (`module.a.local.x`), sorted."""

    def dependents(self, address: str) -> set[str]:
        """Everything that depends on `address`, directly or not."""
        raw: Any = self.graph
        return _reachable(raw._pred, address)

    def dependencies(self, address: str) -> set[str]:
        """Everything `address` depends on, directly or not."""
        raw: Any = self.graph
        return _reachable(raw._succ, address)

    def dependency_path(self, dependent: str, dependency: str) -> list[str]:
        """Shortest chain dependent → … → dependency; [] when there is none."""
        raw: Any = self.graph
        return _shortest_path(raw._succ, raw._pred, dependent, dependency)

    def config_address(self, address: str) -> str:
        """Instance address → config address (keys dropped); URNs are returned unchanged."""
        return config_address(address)


def _reachable(adjacency: Mapping[str, Mapping[str, object]], start: str) -> set[str]:
    """Every node reached from `start` through `adjacency` (networkx's own dicts), without it."""
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
    """`nx.shortest_path(G, source, target)` on networkx's own dicts ([] when there is none).

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
