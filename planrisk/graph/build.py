"""Building the dependency graph (graph stage: Plan (+ .tf sources) → DependencyGraph).

Input: a normalized `Plan` and, optionally, the directory of its `.tf` sources.
Output: a `DependencyGraph` with one node per resource instance the plan knows (changed or not,
data sources included, orphans and deposed objects from the changes, placeholder nodes for
dangling Pulumi targets) and edges dependent → dependency of these kinds:

- reference / module_io / local / provider / depends_on: the configuration (plan-formats §1.7),
  resolved per module instance by `config_refs`;
- state_depends_on: prior_state `depends_on` (transitive config addresses);
- Pulumi: depends_on, property, parent, provider (from `Resource.links`), deleted_with.

Instances are indexed once by (module instance, resource key); each (module instance, config
resource) group expands its targets once, so the work stays linear in the edges produced.
Edges are collected in an `EdgeSet` (plain nested dicts, one shared attribute dict per distinct
set of kinds) that `assemble` turns into the graph's adjacency.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from planrisk.graph.assemble import EdgeSet, add_edges, node_adjacency
from planrisk.graph.config_refs import ConfigResolver, Down, ModulePath, Target
from planrisk.graph.dependency_graph import DependencyGraph
from planrisk.graph.references import (
    ModuleInstance,
    module_instance,
    module_path,
    resource_key,
)
from planrisk.graph.sources import SourceIndex, parse_sources
from planrisk.ingest.addresses import Key, build_address, parse_address
from planrisk.model import Node, Plan, Resource, ResourceChange, Tool


def build_graph(plan: Plan, source_dir: Path | None = None) -> DependencyGraph:
    """The dependency graph of `plan`; `source_dir` adds `local.*` edges and declarations.

    Raises InputError when `source_dir` is given but unreadable.
    """
    return _build(plan, source_dir)


def _build(plan: Plan, source_dir: Path | None) -> DependencyGraph:
    index = parse_sources(source_dir) if source_dir is not None else SourceIndex()
    adjacency = node_adjacency(_nodes(plan))
    edges = EdgeSet()
    unresolved: tuple[str, ...] = ()
    if plan.tool is Tool.PULUMI:
        _add_pulumi_edges(plan, edges)
    else:
        unresolved = _add_terraform_edges(plan, adjacency.nodes, index, edges)
    add_edges(adjacency, edges)
    return DependencyGraph(
        tool=plan.tool,
        adjacency=adjacency,
        sources=dict(index.blocks),
        unresolved_locals=unresolved,
    )


def _add_terraform_edges(
    plan: Plan, nodes: Mapping[str, Node], index: SourceIndex, edges: EdgeSet
) -> tuple[str, ...]:
    """Configuration and state edges; returns the unresolved `local.*` references, sorted."""
    instances = _InstanceIndex(nodes)
    unresolved: tuple[str, ...] = ()
    if plan.configuration is not None:
        resolver = ConfigResolver(plan.configuration, index.locals)
        _add_config_edges(resolver, instances, edges)
        unresolved = tuple(
            sorted(
                "".join(f"module.{m}." for m in p) + f"local.{n}"
                for p, n in resolver.unresolved_locals
            )
        )
    _add_state_edges(plan.resources, instances, edges)
    return unresolved


def _nodes(plan: Plan) -> Iterator[tuple[str, Node]]:
    """One (address, node) per known instance (resources and change-only addresses such
    as orphans and deposed objects), sorted by address."""
    best: dict[str, ResourceChange] = {}
    for change in plan.changes:
        current = best.get(change.address)
        if current is None or _change_rank(change) < _change_rank(current):
            best[change.address] = change
    resources: dict[str, Resource] = {r.address: r for r in plan.resources}
    for address in sorted(resources.keys() | best.keys()):
        yield address, Node(resource=resources.get(address), change=best.get(address))


def _change_rank(change: ResourceChange) -> tuple[bool, bool]:
    """Which change describes a node: the current object's, not drift's or a deposed one's."""
    return (change.drift, change.deposed is not None)


class _Place(NamedTuple):
    """Where one Terraform instance lives."""

    module: ModuleInstance
    path: ModulePath
    resource: str


def _parsed_place(address: str) -> _Place | None:
    """Where an instance lives, by tokenizing its address (None when it is not one)."""
    try:
        parsed = parse_address(address)
    except ValueError:
        return None
    if parsed.rest:
        return None
    return _Place(module_instance(parsed), module_path(parsed), resource_key(parsed))


_RECORDED = (Resource, ResourceChange)

_Module = tuple[ModuleInstance, ModulePath]
"""A module instance and its module path (call names)."""


def _fast_place(address: str, node: Node, modules: dict[str, _Module | None]) -> _Place | None:
    """Where an instance lives, from the fields ingest recorded, when they spell `address`.

    Tokenizing 100k addresses dominates build time; the module part repeats, so it is parsed
    once per module instance (`modules`, filled by `_InstanceIndex`), and the result is checked
    against the address text.
    """
    source = node.source
    if not isinstance(source, _RECORDED) or not source.type or not source.name:
        return None
    mode = source.mode.value
    if address != build_address(source.module, mode, source.type, source.name, source.index):
        return None
    module = modules.get(source.module) if source.module else _ROOT
    if module is None:
        return None
    key = source.type + "." + source.name
    return _Place(module[0], module[1], key if mode == "managed" else f"{mode}.{key}")


_ROOT: _Module = ((), ())


_MODULE_STEP = re.compile(r'module\.([A-Za-z0-9_-]+)(?:\[([0-9]+)\]|\["([^"\\$%]*)"\])?')
"""One `module.name[key]` step whose key needs no unescaping (an int, or a string without
quote, backslash, `$` or `%`)."""


def _module_instance(module: str) -> ModuleInstance | None:
    """`module.a["x"]` → (("a", "x"),); None when malformed.

    Module instance strings made only of plain steps (ASCII names, keys without escapes:
    nearly all) are read by `_MODULE_STEP`, which gives what the tokenizer gives for them; the
    others are tokenized.
    """
    steps: list[tuple[str, Key]] = []
    position = 0
    while True:
        found = _MODULE_STEP.match(module, position)
        if found is None:
            break
        name, number, text = found.groups()
        steps.append((name, int(number) if number is not None else text))
        position = found.end()
        if position == len(module):
            return tuple(steps)
        if module[position] != ".":
            break
        position += 1
    try:
        return module_instance(parse_address(module + ".t.n"))
    except ValueError:
        return None


class _InstanceIndex:
    """Terraform instances by (module instance, resource key), and module instances by call."""

    def __init__(self, nodes: Mapping[str, Node]) -> None:
        self.parsed: dict[str, _Place] = {}
        self.by_place: dict[tuple[ModuleInstance, str], list[str]] = defaultdict(list)
        self.children: dict[tuple[ModuleInstance, str], set[ModuleInstance]] = defaultdict(set)
        modules: dict[str, _Module | None] = {}
        for address, node in nodes.items():
            if address.startswith("urn:"):
                continue
            place = _fast_place(address, node, modules)
            if place is None:
                source = node.source
                if isinstance(source, _RECORDED) and source.module not in modules:
                    # First sight of this module instance: parse it, then try again.
                    modules[source.module] = self._module(source.module)
                    place = _fast_place(address, node, modules)
            if place is None:
                place = _parsed_place(address)
                if place is None:
                    continue
                self._add_module(place.module)
            self.parsed[address] = place
            self.by_place[(place.module, place.resource)].append(address)
        self._memo: dict[tuple[ModuleInstance, Down, str], tuple[str, ...]] = {}

    def _module(self, module: str) -> _Module | None:
        """A module instance string parsed once (its calls registered as children)."""
        instance = _module_instance(module) if module else ()
        if instance is None:
            return None
        self._add_module(instance)
        return instance, tuple(call for call, _ in instance)

    def _add_module(self, module: ModuleInstance) -> None:
        for depth in range(len(module)):
            self.children[(module[:depth], module[depth][0])].add(module[: depth + 1])

    def groups(self) -> dict[tuple[ModuleInstance, ModulePath, str], list[str]]:
        """Instances grouped by (module instance, module path, resource key)."""
        groups: dict[tuple[ModuleInstance, ModulePath, str], list[str]] = defaultdict(list)
        for address, parsed in self.parsed.items():
            groups[parsed].append(address)
        return groups

    def expand(self, module: ModuleInstance, target: Target) -> Sequence[str]:
        """The instances `target` names, seen from module instance `module` (do not modify)."""
        if not target.up and not target.down:  # the same module instance: most targets
            return self.by_place.get((module, target.resource), ())
        if target.up > len(module):
            return ()
        base = module[: len(module) - target.up]
        memo_key = (base, target.down, target.resource)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached
        bases = [base]
        for call, key in target.down:
            bases = [
                child
                for b in bases
                for child in sorted(self.children.get((b, call), ()), key=repr)
                if key is None or child[-1][1] == key
            ]
        found = tuple(a for b in bases for a in self.by_place.get((b, target.resource), ()))
        self._memo[memo_key] = found
        return found


def _add_config_edges(resolver: ConfigResolver, instances: _InstanceIndex, edges: EdgeSet) -> None:
    """Configuration-derived edges, per module instance."""
    targets_of = resolver.resource_targets()
    for (module, path, key), members in instances.groups().items():
        for target in targets_of.get((path, key), ()):
            dependencies = instances.expand(module, target)
            if dependencies:
                for dependent in members:
                    edges.add(dependent, dependencies, target.kind)


def _add_state_edges(
    resources: tuple[Resource, ...], instances: _InstanceIndex, edges: EdgeSet
) -> None:
    """prior_state `depends_on`: config addresses narrowed to the shared module instances.

    Instances of one config resource in one module instance usually record the same list, so
    its expansion is computed once per (module instance, module path, list).
    """
    targets: dict[tuple[ModulePath, str], Target | None] = {}
    expanded: dict[tuple[ModuleInstance, ModulePath, tuple[str, ...]], tuple[str, ...]] = {}
    for resource in resources:
        if not resource.depends_on:
            continue
        parsed = instances.parsed.get(resource.address)
        if parsed is None:
            continue
        memo_key = (parsed.module, parsed.path, resource.depends_on)
        dependencies = expanded.get(memo_key)
        if dependencies is None:
            found: dict[str, None] = {}
            for entry in resource.depends_on:
                target_key = (parsed.path, entry)
                if target_key not in targets:
                    targets[target_key] = state_target(parsed, entry)
                target = targets[target_key]
                if target is not None:
                    found.update(dict.fromkeys(instances.expand(parsed.module, target)))
            dependencies = expanded[memo_key] = tuple(found)
        if dependencies:
            edges.add(resource.address, dependencies, "state_depends_on")


def state_target(dependent: _Place, config_address: str) -> Target | None:
    """A state `depends_on` entry relative to `dependent`'s module instance.

    The module path both share is the same module instance (a module instance cannot reach a
    sibling instance of its own call without a cycle), the rest is every instance.
    """
    try:
        parsed = parse_address(config_address)
    except ValueError:
        return None
    own, other = dependent.path, module_path(parsed)
    shared = 0
    while shared < min(len(own), len(other)) and own[shared] == other[shared]:
        shared += 1
    down = tuple((name, None) for name in other[shared:])
    return Target(len(own) - shared, down, resource_key(parsed), "state_depends_on")


def _add_pulumi_edges(plan: Plan, edges: EdgeSet) -> None:
    """Links recorded on Pulumi resources, and `deletedWith` of their steps."""
    for resource in plan.resources:
        for link in resource.links:
            if link.target:
                edges.add(resource.address, (link.target,), link.kind)
    for change in plan.changes:
        if change.pulumi is not None and change.pulumi.deleted_with:
            edges.add(change.address, (change.pulumi.deleted_with,), "deleted_with")
