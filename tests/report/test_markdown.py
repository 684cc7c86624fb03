"""Markdown renderer: marker, verdict banner, approval reply, escaping, mermaid, size limit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planrisk.report.markdown import (
    MARKDOWN_LIMIT,
    MERMAID_NODES,
    MarkdownOptions,
    comment_marker,
    fenced,
    md_escape,
    render_markdown,
)
from tests.report.big_plan import write_big_plan
from tests.report.helpers import HOSTILE
from tests.support.pipeline import analyze_and_gate


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_comment_marker_is_first_line_and_stays_one_comment() -> None:
    assert comment_marker("infra/plan.json", "prod") == "<!-- planrisk:infra/plan.json:prod -->"
    hostile = comment_marker("a-->b.json", "prod")
    assert hostile.count("-->") == 1 and hostile.endswith("-->")


def test_gate_comment_banner_needs_and_approval_reply(tmp_path: Path) -> None:
    analysis, gate = analyze_and_gate(HOSTILE, tmp_path, env="prod")
    text = render_markdown(gate, MarkdownOptions(plan_path="plans/hostile.json"))
    lines = text.splitlines()
    assert lines[0] == "<!-- planrisk:plans/hostile.json:prod -->"
    assert gate.decision.outcome in ("pending", "deny")
    icon = {"pending": "⏳", "deny": "⛔"}[gate.decision.outcome]
    assert lines[1].startswith(f"## {icon} planrisk: {gate.decision.outcome}")
    assert f"🔴 {analysis.assessment.risk.score}/100 critical" in text
    assert analysis.plan.digest in text
    reply = "/planrisk approve " + analysis.plan.digest.removeprefix("sha256:")[:12]
    assert reply in text
    assert "### What is needed to proceed" in text
    for requirement in gate.decision.requirements:
        assert f"**{requirement.kind}** {requirement.have}/{requirement.needed}" in text
    command = f"planrisk approve --digest {analysis.plan.digest} --approver NAME --key KEY -o FILE"
    assert f"`{command}`" in text


def test_plan_strings_are_escaped(tmp_path: Path) -> None:
    _analysis, gate = analyze_and_gate(HOSTILE, tmp_path)
    text = render_markdown(gate)
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "\\*bold\\* \\_it\\_ \\[link\\](x) \\# \\$x\\$" in text
    expected = None
    for line in text.splitlines():
        if not line.startswith("|"):
            expected = None
            continue
        expected = expected or _unescaped_pipes(line)
        assert _unescaped_pipes(line) == expected, line


def test_riskiest_blast_radius_is_a_mermaid_graph_with_escaped_labels(tmp_path: Path) -> None:
    _analysis, gate = analyze_and_gate(HOSTILE, tmp_path)
    text = render_markdown(gate)
    block = text.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    assert block.startswith("flowchart")
    assert "aws_s3_bucket.site[#quot;#lt;script#gt;alert(1)#lt;/script#gt;#quot;]" in block
    assert "#96;" in block  # the backtick of the dependent's key
    assert "<" not in block


def test_ten_thousand_changes_stay_under_the_limit(tmp_path: Path) -> None:
    plan = write_big_plan(tmp_path / "big.json", 10_000)
    _analysis, gate = analyze_and_gate(plan, tmp_path)
    text = render_markdown(
        gate, MarkdownOptions(plan_path="big.json", full_report="planrisk.html in out")
    )
    assert len(text) <= MARKDOWN_LIMIT
    match = re.search(r"_(\d+) lower-risk changes were left out", text)
    assert match, "the comment must say how many rows were left out"
    left_out = int(match.group(1))
    shown = re.search(r"All changes \((\d+) of (\d+)\)", text)
    assert shown and int(shown.group(2)) == 10_000
    assert int(shown.group(1)) + left_out == 10_000
    assert "planrisk.html in out" in text
    block = text.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    nodes = [line for line in block.splitlines() if re.match(r"  n\d+\[", line)]
    assert len(nodes) == MERMAID_NODES
    assert f"and {10_000 - MERMAID_NODES} more dependents not shown" in block


def test_analysis_without_gate_has_no_verdict(tmp_path: Path) -> None:
    analysis, _ = analyze_and_gate(HOSTILE, tmp_path, env="prod")
    text = render_markdown(analysis)
    assert "What is needed" not in text
    assert "/planrisk approve" in text
    assert text.splitlines()[1].startswith("## 🔴 planrisk:")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("<x>&", "&lt;x&gt;&amp;"),
        ("`t`", "\\`t\\`"),
        ("-x", "\\-x"),
        ("line\nbreak", "line break"),
    ],
)
def test_md_escape(raw: str, escaped: str) -> None:
    assert md_escape(raw) == escaped


def test_fence_is_longer_than_any_backtick_run() -> None:
    block = fenced("a ```` b")
    assert block.startswith("`````\n") and block.endswith("\n`````")
