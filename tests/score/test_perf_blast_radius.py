"""Blast radius in one pass (score stage): equal to one walk per destroy, and never quadratic.

The one-pass computation (`planrisk.score.blast_radius`) is compared with a naive reference — a
breadth-first walk per source, as the scorer once did — on random graphs with cycles,
self-loops, weightless nodes and Pulumi component `parent` edges; long chains and wide fan-outs
of 20,000 nodes must complete and give the counts a chain and a star have.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

import networkx as nx
import pytest

from planrisk.graph import DependencyGraph
from planrisk.model import Action, BlastRadius, Mode, Resource, Tool
from planrisk.score.blast_radius import TOP_DEPENDENTS, blast_radii
from planrisk.score.risk_model_parse import CLASS_WEIGHTS
from tests.support.builders import change, resource
from tests.support.scoring import assess

CLASSES = ("data-bearing", "foundational", "standard", "guard", "cheap", "none")


def weights_for(classes: dict[str, str]) -> Any:
    def weight_of(address: str) -> tuple[str, float]:
        cls = classes[address]
        return (cls, CLASS_WEIGHTS.get(cls, 0.0))

    return weight_of


def naive(graph: DependencyGraph, source: str, weight_of: Any) -> BlastRadius:
    """One breadth-first walk from `source` (the scorer's former algorithm)."""
    g = graph.graph
    seen: set[str] = set()
    queue = deque([source])
    while queue:
        current = queue.popleft()
        node = g.nodes[current].get("resource")
        grouping = node is not None and node.mode is Mode.COMPONENT
        for dependent, edge in g.pred[current].items():
            if dependent in seen or dependent == source:
                continue
            kinds = edge.get("kinds", set())
            if grouping and kinds and set(kinds) <= {"parent"}:
                continue
            seen.add(dependent)
            queue.append(dependent)
    by_class: dict[str, int] = {}
    weighted = 0.0
    ranked = []
    for dependent in seen:
        cls, weight = weight_of(dependent)
        if weight <= 0:
            continue
        by_class[cls] = by_class.get(cls, 0) + 1
        weighted += weight
        ranked.append((-weight, dependent))
    ranked.sort()
    return BlastRadius(
        count=len(ranked),
        weighted=round(weighted, 2),
        by_class=dict(sorted(by_class.items())),
        top=tuple(a for _, a in ranked[:TOP_DEPENDENTS]),
    )


def random_graph(seed: int, size: int, edges: int) -> tuple[DependencyGraph, dict[str, str]]:
    rng = random.Random(seed)
    g: nx.DiGraph[str] = nx.DiGraph()
    classes: dict[str, str] = {}
    names = [f"r{rng.randrange(10**6):06d}_{i}" for i in range(size)]
    for name in names:
        mode = Mode.COMPONENT if rng.random() < 0.1 else Mode.MANAGED
        g.add_node(name, resource=Resource(address=name, type="t", name=name, mode=mode))
        classes[name] = rng.choice(CLASSES)
    for _ in range(edges):
        a, b = rng.choice(names), rng.choice(names)
        kinds = rng.choice(({"parent"}, {"depends_on"}, {"parent", "property"}, set()))
        g.add_edge(a, b, kinds=kinds)
    return DependencyGraph(graph=g, tool=Tool.PULUMI), classes


@pytest.mark.parametrize(
    ("seed", "size", "edges"),
    [(1, 40, 30), (2, 40, 80), (3, 120, 200), (4, 300, 900), (5, 300, 400), (6, 500, 1500)],
)
def test_one_pass_equals_one_walk_per_source(seed: int, size: int, edges: int) -> None:
    graph, classes = random_graph(seed, size, edges)
    weight_of = weights_for(classes)
    rng = random.Random(seed)
    sources = [n for n in graph.graph if rng.random() < 0.6]
    found = blast_radii(graph, [*sources, "not-in-graph"], weight_of)
    assert set(found) == set(sources)
    for source in sources:
        assert found[source] == naive(graph, source, weight_of), source


def test_some_random_graph_has_a_large_reach_and_a_cycle() -> None:
    """The comparison above exercises the bitset form and strongly connected components."""
    graph, classes = random_graph(6, 500, 1500)
    found = blast_radii(graph, list(graph.graph), weights_for(classes))
    assert max(r.count for r in found.values()) > 64
    assert any(len(c) > 1 for c in nx.strongly_connected_components(graph.graph))


def chain(size: int) -> DependencyGraph:
    g: nx.DiGraph[str] = nx.DiGraph()
    for i in range(size):
        g.add_node(f"n{i:05d}")
    for i in range(1, size):
        g.add_edge(f"n{i:05d}", f"n{i - 1:05d}", kinds={"depends_on"})
    return DependencyGraph(graph=g, tool=Tool.TERRAFORM)


def test_long_chain_of_destroys_completes_with_exact_counts() -> None:
    size = 20_000
    graph = chain(size)
    classes = {n: ("data-bearing" if int(n[1:]) % 7 == 0 else "cheap") for n in graph.graph}
    found = blast_radii(graph, list(graph.graph), weights_for(classes))
    assert len(found) == size
    head = found["n00000"]
    data = sum(1 for i in range(1, size) if i % 7 == 0)
    assert head.count == size - 1
    assert head.by_class == {"cheap": size - 1 - data, "data-bearing": data}
    assert head.weighted == round(data * 3.0 + (size - 1 - data) * 0.25, 2)
    assert head.top == tuple(f"n{i:05d}" for i in range(7, 7 * (TOP_DEPENDENTS + 1), 7))
    for i in (1, 5000, size - 2):
        assert found[f"n{i:05d}"].count == size - 1 - i
    assert found[f"n{size - 1:05d}"] == BlastRadius()


def test_wide_fan_out_completes_with_exact_counts() -> None:
    size = 20_000
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_node("hub")
    for i in range(size):
        g.add_edge(f"leaf{i:05d}", "hub", kinds={"depends_on"})
        g.add_edge(f"leaf{i:05d}", f"base{i % 3}", kinds={"depends_on"})
    graph = DependencyGraph(graph=g, tool=Tool.TERRAFORM)
    classes = dict.fromkeys(g, "standard")
    found = blast_radii(graph, list(g), weights_for(classes))
    assert found["hub"].count == size
    assert found["hub"].top == tuple(f"leaf{i:05d}" for i in range(TOP_DEPENDENTS))
    assert found["base1"].count == len(range(1, size, 3))
    assert found["leaf00000"] == BlastRadius()


def test_scored_teardown_of_a_chain_uses_the_same_radius() -> None:
    """The scorer reports the one-pass radius of each destroy."""
    from planrisk.score.risk_model import load_risk_model

    size = 300
    resources = tuple(
        resource(f"aws_vpc.n{i:03d}", "aws_vpc", *((f"aws_vpc.n{i - 1:03d}",) if i else ()))
        for i in range(size)
    )
    changes = tuple(change(r.address, r.type, Action.DELETE) for r in resources)
    assessment = assess(*changes, resources=resources, model=load_risk_model(()))
    counts = {s.change.address: s.blast_radius.count for s in assessment.changes}
    assert counts["aws_vpc.n000"] == size - 1
    assert counts[f"aws_vpc.n{size - 1:03d}"] == 0
