"""Graph stage: the directly filled networkx graph equals the one networkx's own API builds.

Input: fixture plans (Terraform with modules and state depends_on; Pulumi with parents and
placeholders) and small generated benchmark plans (module instances, count/for_each keys,
several kinds per edge) → `build_graph`. Checked: node and adjacency order, the pred/succ
mirror, shared read-only edge attributes, and the BFS `dependents`/`dependencies` and
`dependency_path` against networkx.
"""

from __future__ import annotations

import networkx as nx
import pytest

from benchmarks.generate import generate
from planrisk.graph import DependencyGraph, build_graph
from planrisk.graph.assemble import EdgeSet, add_edges, as_networkx, node_adjacency
from planrisk.ingest import load_plan
from planrisk.model import Node, Tool
from tests.support.paths import FIXTURES

PLANS = [
    "terraform/vpc-replace-cascade/plan.json",
    "terraform/nested-modules/plan.json",
    "terraform/hostile-names/plan.json",
    "pulumi/protect-removed/preview.json",
    "pulumi/retain-on-delete/preview.json",
    "pulumi/secrets/events.ndjson",
    "generated:terraform:teardown",
    "generated:terraform:routine",
    "generated:pulumi:vpc-cascade",
]
GENERATED_SIZE = 300


def rebuilt(graph: nx.DiGraph[str]) -> nx.DiGraph[str]:
    """The same graph built through networkx's public API, in the same order."""
    other: nx.DiGraph[str] = nx.DiGraph()
    other.add_nodes_from(graph.nodes(data=True))
    other.add_edges_from(graph.edges(data=True))
    return other


@pytest.fixture(scope="module", params=PLANS)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> DependencyGraph:
    name: str = request.param
    if name.startswith("generated:"):
        _, tool, mix = name.split(":")
        path = generate(tool, GENERATED_SIZE, mix, tmp_path_factory.mktemp("plans") / "plan.json")
    else:
        path = FIXTURES / name
    return build_graph(load_plan(path))


def test_equals_the_networkx_built_graph(built: DependencyGraph) -> None:
    graph, other = built.graph, rebuilt(built.graph)
    assert graph.number_of_edges() > 0
    assert nx.utils.graphs_equal(graph, other)
    assert list(graph.nodes) == list(other.nodes)
    for node in graph:
        assert list(graph.succ[node]) == list(other.succ[node])
        assert list(graph.pred[node]) == list(other.pred[node])
    assert sorted(graph.edges) == sorted((u, v) for v in graph for u in graph.pred[v])


def test_pred_and_succ_hold_the_same_edge_data(built: DependencyGraph) -> None:
    graph = built.graph
    for u, v in graph.edges:
        assert graph.succ[u][v] is graph.pred[v][u]


def test_edges_with_equal_kinds_share_one_frozen_attribute_dict(built: DependencyGraph) -> None:
    datas = [data for _, _, data in built.graph.edges(data=True)]
    assert all(isinstance(d["kinds"], frozenset) and d["kinds"] for d in datas)
    assert all(list(d) == ["kinds"] for d in datas)
    distinct_kinds = {d["kinds"] for d in datas}
    assert len({id(d) for d in datas}) == len(distinct_kinds)


def test_node_attribute_dicts_are_per_node(built: DependencyGraph) -> None:
    datas = [data for _, data in built.graph.nodes(data=True)]
    assert len({id(d) for d in datas}) == len(datas)
    assert all(list(d) == ["resource", "change", "placeholder"] for d in datas)


def test_dependents_and_dependencies_match_networkx(built: DependencyGraph) -> None:
    graph = built.graph
    for node in graph:
        assert built.dependents(node) == nx.ancestors(graph, node)
        assert built.dependencies(node) == nx.descendants(graph, node)
    assert built.dependents("not-a-node") == set()
    assert built.dependencies("not-a-node") == set()


def test_a_copy_can_be_modified_without_touching_the_graph(built: DependencyGraph) -> None:
    u, v = next(iter(built.graph.edges))
    before = built.graph.edges[u, v]["kinds"]
    copy = built.graph.copy()
    copy.edges[u, v]["kinds"] = frozenset({"changed"})
    copy.add_edge(v, "new-node", kinds=frozenset({"reference"}))
    assert built.graph.edges[u, v]["kinds"] == before
    assert "new-node" not in built.graph


def test_edge_set_merges_kinds_and_skips_self_edges() -> None:
    edges = EdgeSet()
    edges.add("a", ["b", "c", "a"], "reference")
    edges.add("a", ["b"], "depends_on")
    edges.add("d", ["b"], "depends_on")
    edges.add("d", ["b"], "reference")
    edges.add("e", ["e"], "reference")
    assert list(edges.succ) == ["a", "d"]
    assert list(edges.succ["a"]) == ["b", "c"]
    assert edges.succ["a"]["b"]["kinds"] == {"reference", "depends_on"}
    assert edges.succ["a"]["c"]["kinds"] == {"reference"}
    assert edges.succ["a"]["b"] is edges.succ["d"]["b"]


def test_add_edges_creates_placeholders_in_order_of_appearance() -> None:
    adjacency = node_adjacency([("b", Node())])
    edges = EdgeSet()
    edges.add("z", ["b", "y"], "parent")
    edges.add("b", ["x"], "parent")
    add_edges(adjacency, edges)
    graph = as_networkx(adjacency)
    assert list(graph.nodes) == ["b", "z", "y", "x"]
    assert [graph.nodes[n]["placeholder"] for n in graph] == [False, True, True, True]
    assert sorted(graph.edges) == [("b", "x"), ("z", "b"), ("z", "y")]
    assert nx.utils.graphs_equal(graph, rebuilt(graph))


def test_dependents_through_a_cycle_exclude_the_start() -> None:
    graph: nx.DiGraph[str] = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")])
    dg = DependencyGraph(graph=graph, tool=Tool.TERRAFORM)
    assert dg.dependents("a") == {"b", "c", "d"} == nx.ancestors(graph, "a")
    assert dg.dependencies("a") == {"b", "c"} == nx.descendants(graph, "a")
    assert dg.dependencies("d") == {"a", "b", "c"}


def test_dependency_path_matches_networkx(built: DependencyGraph) -> None:
    graph = built.graph
    nodes = sorted(graph)
    checked = 0
    for index, dependent in enumerate(nodes):
        reachable = sorted(built.dependencies(dependent))
        others = nodes[index : index + 5]
        for dependency in reachable[:15] + others:
            try:
                expected = nx.shortest_path(graph, dependent, dependency)
            except nx.NetworkXNoPath:
                expected = []
            assert built.dependency_path(dependent, dependency) == expected
            checked += bool(expected)
    assert checked > len(nodes)
    assert built.dependency_path("not-a-node", nodes[0]) == []
    assert built.dependency_path(nodes[0], "not-a-node") == []


def test_dependency_path_picks_networkx_path_among_equal_ones() -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from(
        [("s", "b"), ("s", "a"), ("a", "m"), ("b", "m"), ("m", "x"), ("m", "y"), ("x", "t")]
    )
    graph.add_edges_from([("y", "t"), ("c", "t"), ("s", "c2"), ("c2", "c"), ("q", "s")])
    dg = DependencyGraph(graph=graph, tool=Tool.TERRAFORM)
    for u in graph:
        for v in graph:
            try:
                expected = nx.shortest_path(graph, u, v)
            except nx.NetworkXNoPath:
                expected = []
            assert dg.dependency_path(u, v) == expected, (u, v)
