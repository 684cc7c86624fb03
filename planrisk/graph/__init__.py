"""Graph stage: Plan (+ optional .tf sources) → DependencyGraph.

Input: a normalized `Plan`. Output: a `DependencyGraph` (adjacency dicts, edge dependent →
dependency; a networkx DiGraph over them on request). See `build` for the edge kinds; its
JSON/DOT/Mermaid forms are rendered by `planrisk.report.graph_formats`.
"""

from __future__ import annotations

from planrisk.graph.build import build_graph
from planrisk.graph.dependency_graph import DependencyGraph

__all__ = ["DependencyGraph", "build_graph"]
