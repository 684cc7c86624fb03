"""Configuration references → relative resource targets (graph stage, plan-formats §1.7).

Input: the plan's `Configuration` (and, with `--source-dir`, the `local` values' references).
Output: for every config resource `(module path, resource key)`, the set of `Target`s it
depends on. A target is *relative to the dependent's module instance*: go up `up` module
levels, then descend through `down` module calls (every instance of each call, or one literal
key), and take every instance of `resource` there. This keeps references per module instance:
`aws_subnet.y` inside `module.a["x"]` means the subnets of `module.a["x"]` only, and a value
passed through `var.*` or a module output follows the instance path it came from.

Resolution is memoised per (module path, variable/output/local) and guarded against cycles, so
the work is linear in the size of the configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from planrisk.graph.references import is_traversal_prefix, module_path, parse_reference
from planrisk.ingest.addresses import Key, parse_address
from planrisk.model import ConfigModule, Configuration, Expression

ModulePath = tuple[str, ...]
Down = tuple[tuple[str, Key], ...]

KIND_RANK = {"depends_on": 4, "local": 3, "provider": 2, "module_io": 1, "reference": 0}
"""When one edge is reached several ways through a chain, the chain's kind is its highest step."""


class Target(NamedTuple):
    """A dependency relative to the dependent's module instance."""

    up: int
    """Module levels to go up first."""
    down: Down
    """Then module calls to descend: (call name, literal key or None for every instance)."""
    resource: str
    """Module-relative resource key (`aws_x.y`, `data.aws_x.y`)."""
    kind: str
    """Edge kind: reference, module_io, local, provider or depends_on."""


def compose(up: int, down: Down, target: Target, kind: str) -> Target:
    """`target` seen from a module reached by (up, down), with the chain's kind."""
    if target.up <= len(down):
        new = Target(up, down[: len(down) - target.up] + target.down, target.resource, "")
    else:
        new = Target(up + target.up - len(down), target.down, target.resource, "")
    strongest = kind if KIND_RANK[kind] >= KIND_RANK[target.kind] else target.kind
    return new._replace(kind=strongest)


def references_of(expression: Any) -> Iterator[tuple[str, ...]]:
    """Every `references` list reached by recursing an expression (all nested block shapes)."""
    if isinstance(expression, Expression):
        yield expression.references
    elif isinstance(expression, dict):
        refs = expression.get("references")
        if isinstance(refs, list) and all(isinstance(r, str) for r in refs):
            yield tuple(refs)
            return
        for value in expression.values():
            yield from references_of(value)
    elif isinstance(expression, list | tuple):
        for value in expression:
            yield from references_of(value)


def maximal(references: Iterable[str]) -> list[str]:
    """Drop references that are traversal prefixes of another (TF >= 1.0.1 lists every prefix)."""
    unique = sorted(set(references), key=len, reverse=True)
    kept: list[str] = []
    for ref in unique:
        if not any(is_traversal_prefix(ref, longer) for longer in kept):
            kept.append(ref)
    return kept


class ConfigResolver:
    """Resolves references in the configuration tree into relative `Target`s."""

    def __init__(
        self,
        configuration: Configuration,
        local_refs: dict[ModulePath, dict[str, list[str]]] | None = None,
    ) -> None:
        self.modules: dict[ModulePath, ConfigModule] = {}
        self._index(configuration.root_module, ())
        self.provider_config = configuration.provider_config
        self.local_refs = local_refs or {}
        self._memo: dict[tuple[ModulePath, str, str, Key, str | None], frozenset[Target]] = {}
        self._active: set[tuple[ModulePath, str, str, Key, str | None]] = set()
        self.unresolved_locals: set[tuple[ModulePath, str]] = set()
        """Locals referenced but not resolvable (no --source-dir, or not found there)."""

    def _index(self, module: ConfigModule, path: ModulePath) -> None:
        self.modules[path] = module
        for name, call in module.module_calls.items():
            if call.module is not None:
                self._index(call.module, (*path, name))

    def resource_targets(self) -> dict[tuple[ModulePath, str], set[Target]]:
        """(module path, resource key) → the targets of that config resource (§1.7 step 3)."""
        result: dict[tuple[ModulePath, str], set[Target]] = {}
        for path, module in self.modules.items():
            inherited = self._ancestor_targets(path)
            for resource in module.resources:
                targets = set(inherited)
                expressions: list[Any] = [resource.expressions]
                expressions += list(resource.provisioners)
                expressions += [resource.count_expression, resource.for_each_expression]
                targets |= self.resolve_expressions(path, expressions, "reference")
                targets |= self.resolve_depends_on(path, resource.depends_on)
                targets |= self._provider_targets(path, resource.provider_config_key)
                key = resource.address or _resource_key(resource.mode, resource.type, resource.name)
                result[(path, key)] = {t for t in targets if t[:3] != (0, (), key)}
        return result

    def resolve_expressions(self, path: ModulePath, expressions: Any, kind: str) -> set[Target]:
        """Targets of every reference list reached in `expressions`, resolved in `path`."""
        targets: set[Target] = set()
        for refs in references_of(expressions):
            for ref in maximal(refs):
                targets |= self.resolve_reference(path, ref, kind)
        return targets

    def resolve_reference(self, path: ModulePath, reference: str, kind: str) -> set[Target]:
        """Targets of one reference seen in module `path` (§1.7 step 2)."""
        try:
            parsed = parse_reference(reference)
        except ValueError:
            return set()
        if parsed.kind == "resource":
            return {Target(0, (), parsed.name, kind)}
        if parsed.kind == "var":
            found = self._memoised(path, "var", parsed.name, None, None)
        elif parsed.kind == "local":
            found = self._memoised(path, "local", parsed.name, None, None)
        elif parsed.kind == "module":
            found = self._memoised(path, "module", parsed.name, parsed.key, parsed.output)
        else:
            return set()
        return {compose(0, (), t, kind) for t in found}

    def resolve_depends_on(self, path: ModulePath, depends_on: Iterable[str]) -> set[Target]:
        """`depends_on` entries: a resource, or `module.C` = every resource under it."""
        targets: set[Target] = set()
        for entry in depends_on:
            try:
                parsed = parse_reference(entry)
            except ValueError:
                continue
            if parsed.kind == "resource":
                targets.add(Target(0, (), parsed.name, "depends_on"))
            elif parsed.kind == "module":
                targets |= self._all_resources(path, parsed.name, parsed.key)
        return targets

    def _all_resources(self, path: ModulePath, call: str, key: Key) -> set[Target]:
        """Every resource under the module call `call` of `path`, recursively."""
        base = (*path, call)
        targets: set[Target] = set()
        for sub, module in self.modules.items():
            if sub[: len(base)] != base:
                continue
            down: Down = ((call, key), *((name, None) for name in sub[len(base) :]))
            for resource in module.resources:
                rkey = resource.address or _resource_key(
                    resource.mode, resource.type, resource.name
                )
                targets.add(Target(0, down, rkey, "depends_on"))
        return targets

    def _ancestor_targets(self, path: ModulePath) -> set[Target]:
        """depends_on and count/for_each of every ancestor module call (§1.7 step 3d)."""
        targets: set[Target] = set()
        for depth in range(len(path)):
            caller, call_name = path[:depth], path[depth]
            call = self.modules[caller].module_calls.get(call_name)
            if call is None:
                continue
            up = len(path) - depth
            found = self.resolve_expressions(
                caller, [call.count_expression, call.for_each_expression], "module_io"
            )
            found |= self.resolve_depends_on(caller, call.depends_on)
            for target in found:
                targets.add(compose(up, (), target, target.kind))
        return targets

    def _provider_targets(self, path: ModulePath, key: str) -> set[Target]:
        """References in the resource's provider block (a cluster endpoint, a role…)."""
        provider = self.provider_config.get(key)
        if provider is None or not provider.expressions:
            return set()
        where = _module_path(provider.module_address)
        if where is None or path[: len(where)] != where:
            return set()
        found = self.resolve_expressions(where, provider.expressions, "provider")
        return {compose(len(path) - len(where), (), t, "provider") for t in found}

    def _memoised(
        self, path: ModulePath, what: str, name: str, key: Key, output: str | None
    ) -> frozenset[Target]:
        memo_key = (path, what, name, key, output)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached
        if memo_key in self._active:  # a cycle: Terraform rejects it; contribute nothing
            return frozenset()
        self._active.add(memo_key)
        try:
            result = frozenset(self._resolve_named(path, what, name, key, output))
        finally:
            self._active.discard(memo_key)
        self._memo[memo_key] = result
        return result

    def _resolve_named(
        self, path: ModulePath, what: str, name: str, key: Key, output: str | None
    ) -> set[Target]:
        if what == "var":
            if not path:
                return set()
            call = self.modules[path[:-1]].module_calls.get(path[-1])
            if call is None or name not in call.expressions:
                return set()
            found = self.resolve_expressions(path[:-1], call.expressions[name], "module_io")
            return {compose(1, (), t, "module_io") for t in found}
        if what == "local":
            refs = self.local_refs.get(path, {}).get(name)
            if refs is None:
                self.unresolved_locals.add((path, name))
                return set()
            targets: set[Target] = set()
            for ref in maximal(refs):
                targets |= self.resolve_reference(path, ref, "local")
            return targets
        child = (*path, name)
        module = self.modules.get(child)
        if module is None:
            return set()
        names = [output] if output is not None else sorted(module.outputs)
        targets = set()
        for out_name in names:
            out = module.outputs.get(out_name or "")
            if out is None:
                continue
            found = self.resolve_expressions(child, out.expression, "module_io")
            found |= self.resolve_depends_on(child, out.depends_on)
            targets |= {compose(0, ((name, key),), t, "module_io") for t in found}
        return targets


def _resource_key(mode: str, type_: str, name: str) -> str:
    prefix = "" if mode in ("managed", "") else mode + "."
    return f"{prefix}{type_}.{name}"


def _module_path(module_address: str) -> ModulePath | None:
    """Call names of a config module address (`module.a.module.b`); None when malformed."""
    if not module_address:
        return ()
    try:
        parsed = parse_address(module_address + ".t.n")
    except ValueError:
        return None
    return module_path(parsed)
