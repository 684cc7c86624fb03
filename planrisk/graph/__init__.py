"""Graph stage: Plan (+ optional .tf sources) → DependencyGraph, and its JSON/DOT/Mermaid forms.

Input: a normalized `Plan`. Output: a `DependencyGraph` (adjacency dicts, edge dependent →
dependency; a networkx DiGraph over them on request) and `render_graph` text (`iter_graph`:
the same text in pieces). See `build` for the edge kinds.
"""

from __future__ import annotations

from planrisk.graph.build import build_graph
from planrisk.graph.dependency_graph import DependencyGraph
from planrisk.graph.render import iter_graph, render_graph

__all__ = ["DependencyGraph", "build_graph", "iter_graph", "render_graph"]
