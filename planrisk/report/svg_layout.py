"""Report stage: a layered layout of the dependency graph for the HTML report's inline SVG.

Input: a `DependencyGraph` and the address to focus on (the riskiest change). Output: a
`GraphLayout` — boxes and edges with coordinates — of the whole graph when it is small, else of
the neighbourhood of the focus (the focus, its dependents, then its dependencies, up to `cap`
nodes). Layers are longest-path layers (networkx topological generations of the condensation,
so cycles never break it): dependencies on the left, dependents to their right. Deterministic:
nodes in a layer are sorted by address.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import networkx as nx

from planrisk.graph.dependency_graph import DependencyGraph
from planrisk.model import Action
from planrisk.report.graph_formats import ACTION_COLOURS

NODE_WIDTH = 280
NODE_HEIGHT = 28
COLUMN_GAP = 60
ROW_GAP = 10
MARGIN = 10
LABEL_CHARS = 40
DEFAULT_CAP = 300


@dataclass(frozen=True)
class Box:
    """One node drawn as a box."""

    address: str
    label: str
    x: int
    y: int
    fill: str
    role: str
    """focus, blast (a dependent of the focus), placeholder or plain."""


@dataclass(frozen=True)
class Edge:
    """One dependency drawn as a line from the dependent's left edge to the dependency's right."""

    x1: int
    y1: int
    x2: int
    y2: int
    in_blast: bool


@dataclass(frozen=True)
class GraphLayout:
    """Everything the SVG template draws."""

    width: int
    height: int
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]
    total_nodes: int
    shown_nodes: int
    focus: str | None


def select_nodes(graph: DependencyGraph, focus: str | None, cap: int) -> list[str]:
    """All nodes when they fit; else the focus, its dependents, then its dependencies."""
    nodes = sorted(graph.nodes)
    if len(nodes) <= cap:
        return nodes
    if focus is None or not graph.has(focus):
        return nodes[:cap]
    chosen = [focus]
    seen = {focus}
    for neighbours in (graph.predecessors, graph.successors):
        queue: deque[str] = deque([focus])
        while queue and len(chosen) < cap:
            for nxt in sorted(neighbours(queue.popleft())):
                if nxt not in seen and len(chosen) < cap:
                    seen.add(nxt)
                    chosen.append(nxt)
                    queue.append(nxt)
    return sorted(chosen)


def layers(sub: nx.DiGraph[str]) -> dict[str, int]:
    """Longest-path layer of every node: 0 for nodes that depend on nothing shown."""
    condensed = nx.condensation(sub)
    members: dict[int, list[str]] = {
        c: list(condensed.nodes[c]["members"]) for c in condensed.nodes
    }
    depth: dict[int, int] = {}
    for component in reversed(list(nx.topological_sort(condensed))):
        successors = list(condensed.successors(component))
        depth[component] = 1 + max((depth[s] for s in successors), default=-1)
    return {node: depth[c] for c, nodes in members.items() for node in nodes}


def layout_graph(graph: DependencyGraph, focus: str | None, cap: int = DEFAULT_CAP) -> GraphLayout:
    """The layered layout of (part of) the graph around `focus`."""
    nodes = select_nodes(graph, focus, cap)
    sub = graph.graph.subgraph(nodes)
    layer_of = layers(sub) if nodes else {}
    blast = graph.dependents(focus) if focus is not None else set()
    columns: dict[int, list[str]] = {}
    for node in nodes:
        columns.setdefault(layer_of[node], []).append(node)
    positions: dict[str, tuple[int, int]] = {}
    boxes: list[Box] = []
    for layer in sorted(columns):
        for row, address in enumerate(sorted(columns[layer])):
            x = MARGIN + layer * (NODE_WIDTH + COLUMN_GAP)
            y = MARGIN + row * (NODE_HEIGHT + ROW_GAP)
            positions[address] = (x, y)
            boxes.append(_box(graph, address, x, y, focus, blast))
    edges = tuple(
        Edge(
            x1=positions[u][0],
            y1=positions[u][1] + NODE_HEIGHT // 2,
            x2=positions[v][0] + NODE_WIDTH,
            y2=positions[v][1] + NODE_HEIGHT // 2,
            in_blast=(u in blast or u == focus) and (v in blast or v == focus),
        )
        for u, v in sorted(sub.edges)
    )
    width = MARGIN * 2 + max(len(columns), 1) * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP
    tallest = max((len(c) for c in columns.values()), default=1)
    height = MARGIN * 2 + tallest * (NODE_HEIGHT + ROW_GAP) - ROW_GAP
    return GraphLayout(
        width=width,
        height=height,
        boxes=tuple(boxes),
        edges=edges,
        total_nodes=len(graph.nodes),
        shown_nodes=len(nodes),
        focus=focus,
    )


def _box(
    graph: DependencyGraph, address: str, x: int, y: int, focus: str | None, blast: set[str]
) -> Box:
    node = graph.node_data(address)
    change = node.change
    action = change.action.value if change is not None else Action.NOOP.value
    if address == focus:
        role = "focus"
    elif address in blast:
        role = "blast"
    elif node.placeholder:
        role = "placeholder"
    else:
        role = "plain"
    label = address if len(address) <= LABEL_CHARS else "…" + address[-(LABEL_CHARS - 1) :]
    return Box(
        address=address,
        label=label,
        x=x,
        y=y,
        fill=ACTION_COLOURS.get(action, "#ffffff"),
        role=role,
    )
