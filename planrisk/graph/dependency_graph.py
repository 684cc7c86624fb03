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
        if dependent not in self.graph or dependency not in self.graph:
            return []
        try:
            path: list[str] = nx.shortest_path(self.graph, dependent, dependency)
        except nx.NetworkXNoPath:
            return []
        return path

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
