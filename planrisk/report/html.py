"""Report stage: one self-contained HTML file (no external asset, no network).

Input: an `Analysis` or a `GateResult` (`planrisk.report.subject`). Output: HTML with the
summary (verdict, environment, score, counts), a sortable table of the changes (a few lines of
inline JS), and the dependency graph as inline SVG laid out by `svg_layout` with the riskiest
change's blast radius highlighted. The template is autoescaped: every plan string is escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planrisk.report.subject import unpack
from planrisk.report.svg_layout import NODE_HEIGHT, NODE_WIDTH, layout_graph
from planrisk.report.templating import render_template
from planrisk.report.view import build_view

if TYPE_CHECKING:
    from planrisk.report.subject import Reported


def render_html(subject: Reported) -> str:
    """The whole report as one HTML document."""
    analysis, _ = unpack(subject)
    view = build_view(subject)
    riskiest = view.riskiest
    layout = layout_graph(analysis.graph, riskiest.address if riskiest else None)
    return render_template(
        "report.html.j2",
        view=view,
        layout=layout,
        riskiest=riskiest,
        node_width=NODE_WIDTH,
        node_height=NODE_HEIGHT,
    )
