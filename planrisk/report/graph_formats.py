"""Rendering the dependency graph (graph stage output: DependencyGraph → JSON, DOT or Mermaid).

Input: a `DependencyGraph`. Output: deterministic text (sorted nodes and edges, byte-identical
across runs). JSON contract (schema_version 1):
`{"schema_version": 1, "tool", "nodes": [{"address", "type", "action", "module"}],
"edges": [{"dependent", "dependency", "kind"}]}`, one edge entry per (dependent, dependency, kind).
DOT and Mermaid use generated node ids and put the address in an escaped label, since addresses
contain quotes, brackets, dots, backslashes and `::`. `iter_graph` yields the same text in
pieces (a row or a line each) for writing a large graph out without holding it whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from planrisk.graph.dependency_graph import DependencyGraph
from planrisk.model import Action
from planrisk.report.hygiene import clean_controls

SCHEMA_VERSION = 1

ACTION_COLOURS: dict[str, str] = {
    Action.CREATE.value: "#c8e6c9",
    Action.UPDATE.value: "#fff59d",
    Action.DELETE.value: "#ef9a9a",
    Action.REPLACE.value: "#ffcc80",
    Action.FORGET.value: "#cfd8dc",
    Action.READ.value: "#bbdefb",
    Action.IMPORT.value: "#e1bee7",
    Action.NOOP.value: "#ffffff",
}
"""Fill colour per node action (placeholders are drawn dashed)."""


def render_graph(graph: DependencyGraph, fmt: str) -> str:
    """The graph as `json`, `dot` or `mermaid` text; ValueError for another format."""
    return "".join(iter_graph(graph, fmt))


def iter_graph(graph: DependencyGraph, fmt: str) -> Iterator[str]:
    """`render_graph`'s text in pieces, to write a large graph out without holding it whole
    (at 100k resources the JSON text is ~130 MB); ValueError for an unknown format."""
    if fmt == "json":
        return _json_pieces(graph)
    if fmt == "dot":
        return (line + "\n" for line in _dot_lines(graph))
    if fmt == "mermaid":
        return (line + "\n" for line in _mermaid_lines(graph))
    raise ValueError(f"unknown graph format {fmt!r}")


def node_rows(graph: DependencyGraph) -> list[dict[str, Any]]:
    """One row per node (address, type, action, module), sorted by address."""
    return [
        {"address": address, "type": type_, "action": action, "module": module}
        for address, type_, action, module in _node_fields(graph)
    ]


def _node_fields(graph: DependencyGraph) -> Iterator[tuple[str, str, str, str]]:
    """(address, type, action, module) per node, sorted by address."""
    nodes = graph.nodes
    noop = Action.NOOP.value
    for address in sorted(nodes):
        node = nodes[address]
        change, source = node.change, node.source
        yield (
            address,
            source.type if source is not None else _urn_type(address),
            change.action.value if change is not None else noop,
            source.module if source is not None else "",
        )


def edge_rows(graph: DependencyGraph) -> list[tuple[str, str, str]]:
    """(dependent, dependency, kind) triples, sorted."""
    return list(_edge_triples(graph))


def _edge_triples(graph: DependencyGraph) -> Iterator[tuple[str, str, str]]:
    """(dependent, dependency, kind) in sorted order, sorting per node rather than all edges."""
    for dependent, out in sorted(graph.succ.items(), key=itemgetter(0)):
        for dependency in sorted(out):
            for kind in sorted(out[dependency]["kinds"]):
                yield dependent, dependency, kind


_NODE_JSON = (
    '    {\n      "address": %s,\n      "type": %s,\n      "action": %s,\n      "module": %s\n    }'
)
_EDGE_JSON = '    {\n      "dependent": %s,\n      "dependency": %s,\n      "kind": %s\n    }'


def _json_pieces(graph: DependencyGraph) -> Iterator[str]:
    """The JSON document, written row by row in exactly `json.dumps(indent=2,
    ensure_ascii=False)`'s layout (its pure-Python indenting encoder is 10× slower at 100k)."""
    yield "{\n"
    yield f'  "schema_version": {SCHEMA_VERSION},\n'
    yield f'  "tool": {_json_scalar(graph.tool.value)},\n'
    yield '  "nodes": '
    yield from _json_list(_NODE_JSON % tuple(map(_json_scalar, r)) for r in _node_fields(graph))
    yield ',\n  "edges": '
    quote = lru_cache(maxsize=None)(encode_basestring)  # an address is in many edges
    yield from _json_list(
        _EDGE_JSON % (quote(u), quote(v), quote(k)) for u, v, k in _edge_triples(graph)
    )
    yield "\n}\n"


def _json_list(items: Iterator[str]) -> Iterator[str]:
    """Rendered items as an indented JSON list at depth 1 (`[]` when empty)."""
    separator = "[\n"
    for item in items:
        yield separator
        yield item
        separator = ",\n"
    yield "[]" if separator == "[\n" else "\n  ]"


def _json_scalar(value: object) -> str:
    """A scalar as `json.dumps(..., ensure_ascii=False)` writes it."""
    if type(value) is str:
        return encode_basestring(value)
    return json.dumps(value, ensure_ascii=False)


def _dot_lines(graph: DependencyGraph) -> Iterator[str]:
    rows = node_rows(graph)
    ids = {row["address"]: f"n{i}" for i, row in enumerate(rows)}
    yield "digraph planrisk {"
    yield "  rankdir=LR;"
    yield '  node [shape=box, style=filled, fontname="Helvetica"];'
    for row in rows:
        placeholder = graph.nodes[row["address"]].placeholder
        style = ', style="filled,dashed"' if placeholder else ""
        colour = ACTION_COLOURS.get(row["action"], "#ffffff")
        yield (
            f'  {ids[row["address"]]} [label="{_dot_escape(row["address"])}", '
            f'fillcolor="{colour}"{style}];'
        )
    for u, v, kind in _edge_triples(graph):
        yield f'  {ids[u]} -> {ids[v]} [label="{_dot_escape(kind)}"];'
    yield "}"


def _mermaid_lines(graph: DependencyGraph) -> Iterator[str]:
    rows = node_rows(graph)
    ids = {row["address"]: f"n{i}" for i, row in enumerate(rows)}
    yield "flowchart LR"
    for action, colour in ACTION_COLOURS.items():
        yield f"  classDef {_mermaid_class(action)} fill:{colour},stroke:#333"
    yield "  classDef placeholder fill:#ffffff,stroke:#999,stroke-dasharray:4 3"
    for row in rows:
        yield f'  {ids[row["address"]]}["{mermaid_escape(row["address"])}"]'
    for u, v, kind in _edge_triples(graph):
        yield f"  {ids[u]} -->|{kind}| {ids[v]}"
    for row in rows:
        placeholder = graph.nodes[row["address"]].placeholder
        css = "placeholder" if placeholder else _mermaid_class(row["action"])
        yield f"  class {ids[row['address']]} {css}"


def _dot_escape(text: str) -> str:
    """Text safe inside a DOT double-quoted string (no escString sequences survive)."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return clean_controls(out.replace("\n", "\\n").replace("\r", "\\r"))


def mermaid_escape(text: str) -> str:
    """Text safe inside a Mermaid quoted label (entity codes for the special characters)."""
    special = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "`": "#96;", "\n": " "}
    return clean_controls("".join(special.get(c, c) for c in text))


def _mermaid_class(action: str) -> str:
    """Class name for an action (`no-op` → `noop`)."""
    return "action_" + action.replace("-", "")


def _urn_type(address: str) -> str:
    """Resource type of a Pulumi URN (last `$` segment of its qualified type); else empty."""
    if not address.startswith("urn:pulumi:"):
        return ""
    parts = address[len("urn:pulumi:") :].split("::", 3)
    if len(parts) < 4:
        return ""
    return parts[2].rsplit("$", 1)[-1]
