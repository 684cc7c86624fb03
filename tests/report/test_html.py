"""HTML renderer: self-contained, escaped, graph as inline SVG with the blast radius highlighted."""

from __future__ import annotations

import re
from pathlib import Path

from planrisk.report.html import render_html
from planrisk.report.svg_layout import layout_graph
from tests.report.big_plan import write_big_plan
from tests.report.helpers import HOSTILE
from tests.support.pipeline import analyze_and_gate


def test_html_is_self_contained(tmp_path: Path) -> None:
    _analysis, gate = analyze_and_gate(HOSTILE, tmp_path)
    text = render_html(gate)
    urls = re.findall(r"https?://[^\s\"'<>]*", text)
    assert urls == ["http://www.w3.org/2000/svg"]
    assert 'xmlns="http://www.w3.org/2000/svg"' in text
    assert "<link" not in text and " src=" not in text.replace("src=x", "")
    assert text.count("<script>") == 1  # the sort script, nothing from the plan


def test_every_plan_string_is_escaped(tmp_path: Path) -> None:
    _analysis, gate = analyze_and_gate(HOSTILE, tmp_path)
    text = render_html(gate)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img" not in text
    assert "onerror=alert(2)&gt;" in text


def test_graph_is_inline_svg_with_the_blast_radius_highlighted(tmp_path: Path) -> None:
    analysis, gate = analyze_and_gate(HOSTILE, tmp_path)
    text = render_html(gate)
    svg = text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count('<g class="node') == analysis.graph.graph.number_of_nodes()
    focus = re.search(r'<g class="node focus"><title>([^<]*)</title>', svg)
    escaped = "aws_s3_bucket.site[&#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;]"
    assert focus and focus.group(1) == escaped
    assert '<g class="node blast"><title>aws_s3_bucket_policy.p' in svg
    assert 'class="edge blast"' in svg
    assert '<table id="changes">' in text and "addEventListener" in text


def test_layout_layers_dependencies_left_of_dependents(tmp_path: Path) -> None:
    analysis, _ = analyze_and_gate(HOSTILE, tmp_path)
    layout = layout_graph(analysis.graph, None)
    x = {box.address: box.x for box in layout.boxes}
    policy = next(a for a in x if a.startswith("aws_s3_bucket_policy"))
    bucket = next(a for a in x if a.startswith("aws_s3_bucket.site"))
    assert x[bucket] < x[policy]


def test_large_graph_is_capped_around_the_riskiest_change(tmp_path: Path) -> None:
    plan = write_big_plan(tmp_path / "big.json", 1_000)
    analysis, _ = analyze_and_gate(plan, tmp_path)
    layout = layout_graph(analysis.graph, "aws_vpc.main", cap=100)
    assert layout.shown_nodes == 100 and layout.total_nodes == 1_000
    assert any(b.role == "focus" and b.address == "aws_vpc.main" for b in layout.boxes)
    text = render_html(analysis)
    assert "Showing 300 of 1000 resources, around the riskiest change." in text
