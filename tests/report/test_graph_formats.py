"""Graph rendering: the JSON contract, and DOT/Mermaid escaping of awkward addresses."""

from __future__ import annotations

import json

import pytest

from planrisk.graph import build_graph
from planrisk.model import Action, Link, Plan, Resource, Tool
from planrisk.report.graph_formats import render_graph
from tests.support.builders import change, make_plan, resource

ODD = 'module.m["a.b\\"c]"].aws_x.y["#<q>`"]'
URN = "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::a::b"


def plan() -> Plan:
    resources = (
        Resource(address=ODD, type="aws_x", name="y", module='module.m["a.b\\"c]"]'),
        resource("aws_z.w", "aws_z", "module.m.aws_x.y"),
    )
    return make_plan(
        change("aws_z.w", "aws_z", Action.REPLACE), tool=Tool.OPENTOFU, resources=resources
    )


def test_json_contract() -> None:
    document = json.loads(render_graph(build_graph(plan()), "json"))
    assert document == {
        "schema_version": 1,
        "tool": "opentofu",
        "nodes": [
            {"address": "aws_z.w", "type": "aws_z", "action": "replace", "module": ""},
            {"address": ODD, "type": "aws_x", "action": "no-op", "module": 'module.m["a.b\\"c]"]'},
        ],
        "edges": [{"dependent": "aws_z.w", "dependency": ODD, "kind": "state_depends_on"}],
    }


def test_dot_escapes_labels_and_colours_actions() -> None:
    text = render_graph(build_graph(plan()), "dot")
    assert 'n1 [label="module.m[\\"a.b\\\\\\"c]\\"].aws_x.y[\\"#<q>`\\"]"' in text
    assert 'n0 [label="aws_z.w", fillcolor="#ffcc80"];' in text
    assert 'n0 -> n1 [label="state_depends_on"];' in text
    assert text.startswith("digraph planrisk {") and text.rstrip().endswith("}")


def test_mermaid_uses_entity_codes() -> None:
    text = render_graph(build_graph(plan()), "mermaid")
    assert (
        'n1["module.m[#quot;a.b\\#quot;c]#quot;].aws_x.y[#quot;#35;#lt;q#gt;#96;#quot;]"]' in text
    )
    assert "n0 -->|state_depends_on| n1" in text
    assert "class n0 action_replace" in text


def test_placeholder_type_comes_from_the_urn() -> None:
    provider = "urn:pulumi:dev::proj::pulumi:providers:aws::default_6_0_0"
    pulumi = make_plan(
        tool=Tool.PULUMI,
        resources=(
            Resource(
                address=URN,
                type="aws:s3/bucket:Bucket",
                name="a::b",
                links=(Link(provider, "provider"),),
            ),
        ),
    )
    graph = build_graph(pulumi)
    nodes = {n["address"]: n for n in json.loads(render_graph(graph, "json"))["nodes"]}
    assert nodes[provider]["type"] == "pulumi:providers:aws"
    assert "stroke-dasharray" in render_graph(graph, "mermaid")
    assert 'style="filled,dashed"' in render_graph(graph, "dot")


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown graph format"):
        render_graph(build_graph(plan()), "svg")
