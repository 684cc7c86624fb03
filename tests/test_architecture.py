"""The package reads as the pipeline: imports point down it, and no module imports itself back.

Every `import` in `planrisk/` — at the top of a module or inside a function, since a lazy import
is still a dependency — is read with `ast`. Each module belongs to a layer:

    shared (model, values, errors, config, _runtime) < ingest < graph < classify < score
    < pipeline < gate < report < github, guard, serve < cli

A module may import its own layer or an earlier one, never a later one; and the graph of
module imports has no cycle (a cycle through a lazy import is still one).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import REPO

PACKAGE = REPO / "planrisk"

LAYERS: dict[str, int] = {
    "model": 0,
    "values": 0,
    "errors": 0,
    "config": 0,
    "_runtime": 0,
    "ingest": 1,
    "graph": 2,
    "classify": 3,
    "score": 4,
    "pipeline": 5,
    "gate": 6,
    "report": 7,
    "github": 8,
    "guard": 8,
    "serve": 8,
    "cli": 9,
    "__main__": 9,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The planrisk modules `path` imports (a `from X import name` of a submodule counts it)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("planrisk"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if not target.startswith("planrisk"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {m for m in found if m in known and m != name}


def layer(name: str) -> int | None:
    parts = name.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_every_top_level_name_has_a_layer() -> None:
    tops = {name.split(".")[1] for name in modules() if "." in name}
    assert tops <= set(LAYERS), f"give these a layer: {sorted(tops - set(LAYERS))}"


def test_imports_point_down_the_pipeline() -> None:
    known = modules()
    backwards = []
    for name, path in known.items():
        mine = layer(name)
        if mine is None:
            continue  # the package's __init__: its public API is imported lazily, by name
        for target in sorted(imports_of(name, path, set(known))):
            theirs = layer(target)
            if theirs is not None and theirs > mine:
                backwards.append(f"{name} → {target}")
    assert backwards == []


def test_no_module_imports_itself_back() -> None:
    known = modules()
    graph = {name: imports_of(name, path, set(known)) for name, path in known.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    # A package's __init__ that re-exports its modules is not a cycle of logic.
    real = [c for c in cycles if not any(known[m].name == "__init__.py" for m in c[:-1])]
    assert real == []
