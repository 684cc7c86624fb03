"""Report stage: markdown for the pull-request comment and the job summary.

Input: an `Analysis`, an optional `GateResult`, the plan path and where the full report is.
Output: GitHub-flavoured markdown: a hidden upsert marker, the verdict banner (outcome, actor,
environment, score), what is needed to proceed with the exact commands and the approval reply,
the top changes with icons, scores and reasons, the blast radius of the riskiest change as a
mermaid graph, and the rest in collapsible sections. Never longer than MARKDOWN_LIMIT: the least
risky rows are left out first and the comment says how many and where the full report is.
Every plan string is escaped (markdown punctuation, HTML, mermaid label entities).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planrisk.report.graph_formats import mermaid_escape
from planrisk.report.subject import unpack
from planrisk.report.templating import render_template
from planrisk.report.view import ChangeRow, ReportView, build_view

if TYPE_CHECKING:
    from planrisk.graph import DependencyGraph
    from planrisk.report.subject import Reported

MARKDOWN_LIMIT = 65_536
"""GitHub's limit on a comment body and a job summary, in characters."""
TOP_CHANGES = 10
"""Changes shown in the main table."""
MERMAID_NODES = 30
"""Nodes drawn in the blast-radius graph."""

_MD_SPECIAL = set("\\`*_{}[]#!|~$:@")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md_escape(text: str) -> str:
    """Plan text safe in markdown inline context and table cells (no markup, no HTML)."""
    out = ["\\"] if text[:1] in ("-", "+", "=") else []
    for char in text:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _MD_SPECIAL:
            out.append("\\" + char)
        elif char in "\r\n\t":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def md_with_code(text: str) -> str:
    """planrisk's own sentences: `backticked` commands become code spans, the rest is escaped."""
    parts = text.split("`")
    if len(parts) % 2 == 0:
        return md_escape(text)
    return "".join(
        md_escape(part) if i % 2 == 0 else f"`{part.replace(chr(10), ' ')}`"
        for i, part in enumerate(parts)
    )


def fenced(text: str, info: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside `text`."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def comment_marker(plan_path: str, environment: str) -> str:
    """The hidden marker the Action upserts its sticky comment by."""
    safe = f"{plan_path}:{environment}".replace("--", "-\u2010").replace(">", "&gt;")
    return f"<!-- planrisk:{safe} -->"


@dataclass(frozen=True)
class MarkdownOptions:
    """Where the plan came from and where the full report is."""

    plan_path: str = ""
    full_report: str | None = None
    limit: int = MARKDOWN_LIMIT


def render_markdown(subject: Reported, options: MarkdownOptions | None = None) -> str:
    """The PR comment / job summary, trimmed to the limit."""
    opts = options or MarkdownOptions()
    analysis, _ = unpack(subject)
    view = build_view(subject)
    fixed = _fixed_data(view, analysis.graph, opts)
    rows = [_row(r) for r in view.changes]
    hints = [_hint(r) for r in view.changes if r.hints]

    def attempt(kept: int) -> str:
        kept_rows = rows[:kept]
        kept_addresses = {r["raw"] for r in kept_rows}
        return render_template(
            "markdown.md.j2",
            **fixed,
            rows=kept_rows,
            hints=[h for h in hints if h["raw"] in kept_addresses],
            left_out=len(rows) - kept,
        )

    text = attempt(len(rows))
    if len(text) <= opts.limit:
        return text
    low, high = 0, len(rows) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if len(attempt(middle)) <= opts.limit:
            low = middle
        else:
            high = middle - 1
    text = attempt(low)
    if len(text) > opts.limit:
        note = "\n\n_Report cut at the comment size limit._\n"
        text = text[: opts.limit - len(note)] + note
    return text


def _fixed_data(view: ReportView, graph: DependencyGraph, opts: MarkdownOptions) -> dict[str, Any]:
    verdict = view.verdict
    riskiest = view.riskiest
    full = opts.full_report
    return {
        "marker": comment_marker(opts.plan_path or view.digest, view.environment_name),
        "view": view,
        "environment": md_escape(view.environment),
        "environment_evidence": [md_escape(e) for e in view.environment_evidence],
        "plan_reasons": [md_escape(r) for r in view.plan_reasons],
        "counts": " · ".join(f"{n} {a}" for a, n in view.counts) or "no changes",
        "actor": md_escape(verdict.actor) if verdict else "",
        "actor_evidence": [md_escape(e) for e in verdict.actor_evidence] if verdict else [],
        "rules": [(md_escape(r.label), md_with_code(r.text)) for r in verdict.rules]
        if verdict
        else [],
        "denies": [
            (md_escape(d.rule), md_with_code(d.reason), md_with_code(d.way_forward))
            for d in verdict.denies
        ]
        if verdict
        else [],
        "summary": md_with_code(verdict.summary) if verdict else "",
        "needs": [
            {
                "icon": "✅" if n.satisfied else "❌",
                "kind": md_escape(n.kind),
                "have": n.have,
                "needed": n.needed,
                "detail": md_with_code(n.detail),
            }
            for n in verdict.needs
        ]
        if verdict
        else [],
        "needs_approvals": bool(verdict and verdict.asks_for_approvals),
        "evidence": [(md_escape(e.label), md_escape(e.text)) for e in verdict.evidence]
        if verdict
        else [],
        "top": [_row(r) for r in view.changes[:TOP_CHANGES]],
        "riskiest": _row(riskiest) if riskiest else None,
        "mermaid": _blast_mermaid(graph, riskiest) if riskiest and riskiest.blast_count else None,
        "full_report": md_with_code(full)
        if full
        else ("run `planrisk analyze PLAN --format html -o planrisk.html` for the full report"),
    }


def _row(row: ChangeRow) -> dict[str, Any]:
    return {
        "raw": row.address,
        "icon": row.icon,
        "score": row.score,
        "level": row.level,
        "address": md_escape(row.address),
        "type": md_escape(row.type),
        "action": md_escape(row.action),
        "risk_class": md_escape(row.risk_class),
        "reasons": md_escape(" · ".join(row.reasons)),
        "blast": row.blast_count,
    }


def _hint(row: ChangeRow) -> dict[str, Any]:
    return {
        "raw": row.address,
        "address": md_escape(row.address),
        "blocks": [fenced(h) for h in row.hints],
    }


def _blast_mermaid(graph: DependencyGraph, row: ChangeRow) -> str:
    """The riskiest change and its nearest dependents (capped), as a mermaid flowchart."""
    nodes = _nearest_dependents(graph, row.address, MERMAID_NODES)
    ids = {address: f"n{i}" for i, address in enumerate(nodes)}
    lines = ["flowchart RL"]
    for address in nodes:
        lines.append(f'  {ids[address]}["{mermaid_escape(address)}"]')
    edges = sorted((a, b) for a in nodes if graph.has(a) for b in graph.successors(a))
    for u, v in edges:
        if u in ids and v in ids:
            lines.append(f"  {ids[u]} --> {ids[v]}")
    lines.append("  classDef focus fill:#ef9a9a,stroke:#b71c1c,stroke-width:2px")
    lines.append(f"  class {ids[row.address]} focus")
    more = row.blast_count - (len(nodes) - 1)
    if more > 0:
        lines.append(f'  more["… and {more} more dependents not shown"]')
    return fenced("\n".join(lines), "mermaid")


def _nearest_dependents(graph: DependencyGraph, address: str, cap: int) -> list[str]:
    """`address` first, then its dependents breadth-first (sorted per level), up to `cap`."""
    if not graph.has(address):
        return [address]
    seen = {address}
    order = [address]
    queue: deque[str] = deque([address])
    while queue and len(order) < cap:
        current = queue.popleft()
        for dependent in sorted(graph.predecessors(current)):
            if dependent not in seen and len(order) < cap:
                seen.add(dependent)
                order.append(dependent)
                queue.append(dependent)
    return order
