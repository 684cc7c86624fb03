"""Score stage: the blast radius of every destroy and replace, in one pass over the graph.

Input: the `DependencyGraph`, the addresses of the changes that destroy an object, and the
weight of every node (its risk class and class weight; 0 for what is not taken down).
Output: address → `BlastRadius` (count, weighted sum, dependents per class, the heaviest ten).

A blast radius is the set of transitive dependents, except through a `parent` edge into a
Pulumi component or the stack. One walk per destroy is quadratic on long chains, so this runs
once: a breadth-first pass collects what the destroys reach (dependents direction), Kahn's
algorithm orders it (dependency graphs are almost always acyclic), and a walk of that order
backwards makes each node's reach set the union of its dependents'. Only when Kahn's leaves
nodes (a cycle) does Tarjan's algorithm yield the strongly connected components children
first, each component's reach set being the union of its children's. A reach set is a
frozenset of ranks while small and an int bitset once large; ranks order the weighted nodes by
(−weight, address), so the lowest ranks of a set are its heaviest dependents. A set is dropped
as soon as every node reading it is done. Class weights are multiples of 1/4, so a weighted
sum is exact whatever the order of its terms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any, cast

from planrisk.model import BlastRadius, Mode, Node

if TYPE_CHECKING:
    from planrisk.graph import DependencyGraph

TOP_DEPENDENTS = 10
"""How many of the heaviest dependents a blast radius names."""

NO_DEPENDENTS = BlastRadius()
"""The blast radius of a change nothing depends on (one instance shared by every such change)."""

_PARENT_ONLY = frozenset({"parent"})
_EMPTY: frozenset[int] = frozenset()

ReachSet = frozenset[int] | int
"""Ranks of the weighted nodes reached: a frozenset while small, else an int bitset."""


def blast_radii(
    graph: DependencyGraph,
    sources: Iterable[str],
    weight_of: Callable[[str], tuple[str, float]],
) -> dict[str, BlastRadius]:
    """The blast radius of each source address that is a node of the graph."""
    nodes = graph.nodes
    walk = _Reach(graph.pred, nodes, [s for s in dict.fromkeys(sources) if s in nodes])
    return walk.radii(weight_of)


def is_grouping(node: Node) -> bool:
    """A Pulumi component or stack node (no cloud object of its own)."""
    known = node.resource or node.change
    return known is not None and known.mode is Mode.COMPONENT


class _Reach:
    """The sub-graph the sources reach, numbered in discovery order."""

    def __init__(
        self,
        pred: Mapping[str, Mapping[str, Mapping[str, Any]]],
        nodes: Mapping[str, Node],
        sources: list[str],
    ) -> None:
        ids: dict[str, int] = {address: i for i, address in enumerate(sources)}
        find = ids.get
        addresses = list(sources)
        kids: list[list[int]] = []
        position = 0
        while position < len(addresses):
            address = addresses[position]
            dependents = pred[address]
            if dependents and is_grouping(nodes[address]):
                dependents = {
                    dependent: edge
                    for dependent, edge in dependents.items()
                    if not (edge.get("kinds") and _PARENT_ONLY.issuperset(edge["kinds"]))
                }
            mine = list(map(find, dependents))
            if None in mine:  # first sight of some dependents: number them in edge order
                mine = []
                for dependent in dependents:
                    known = find(dependent)
                    if known is None:
                        known = ids[dependent] = len(addresses)
                        addresses.append(dependent)
                    mine.append(known)
            kids.append(cast("list[int]", mine))  # (no None left: checked above)
            position += 1
        in_degree = Counter(chain.from_iterable(kids))
        self.addresses = addresses
        self.kids = kids
        self.parents = [in_degree.get(i, 0) for i in range(len(addresses))]
        self.source_count = len(sources)

    def radii(self, weight_of: Callable[[str], tuple[str, float]]) -> dict[str, BlastRadius]:
        weights = list(map(weight_of, self.addresses))
        # (−weight, address) order: addresses are distinct, so two stable sorts give it
        # without building a key tuple per node.
        weighted = [i for i, (_, weight) in enumerate(weights) if weight > 0]
        weighted.sort(key=self.addresses.__getitem__)
        weighted.sort(key=[-weight for _, weight in weights].__getitem__)
        rank = [-1] * len(self.addresses)
        for position, node in enumerate(weighted):
            rank[node] = position
        ranks = _Ranks(
            addresses=[self.addresses[i] for i in weighted],
            classes=[weights[i][0] for i in weighted],
            weights=[weights[i][1] for i in weighted],
        )
        order = self._topological_order()
        if order is not None:
            return self._acyclic_radii(order, rank, ranks)
        result: dict[str, BlastRadius] = {}
        sources = self.source_count
        addresses = self.addresses
        for component, reach in self._components(rank, ranks.small_limit):
            for node in component:
                if node < sources:
                    own = rank[node] if len(component) > 1 else -1
                    result[addresses[node]] = ranks.radius(reach, own) if reach else NO_DEPENDENTS
        return result

    def _topological_order(self) -> list[int] | None:
        """Every node, each before its dependents (Kahn's algorithm); None on a cycle.

        Dependency graphs are almost always acyclic, and this pass is cheaper than Tarjan's.
        """
        kids = self.kids
        waiting = list(self.parents)
        order = [node for node, count in enumerate(waiting) if not count]
        for node in order:  # grows while it is read
            for kid in kids[node]:
                waiting[kid] -= 1
                if not waiting[kid]:
                    order.append(kid)
        return order if len(order) == len(kids) else None

    def _acyclic_radii(
        self, order: list[int], rank: list[int], ranks: _Ranks
    ) -> dict[str, BlastRadius]:
        """The blast radius of each source of an acyclic sub-graph: every component is one
        node, and walking `order` backwards visits each node after all its dependents."""
        kids = self.kids
        pending_reads = self.parents
        sources = self.source_count
        addresses = self.addresses
        small_limit = ranks.small_limit
        radius = ranks.radius
        result: dict[str, BlastRadius] = {}
        reach_of: dict[int, ReachSet] = {}
        find = reach_of.get
        for node in reversed(order):
            parts: list[ReachSet] = []
            for kid in kids[node]:
                part = find(kid)
                if part is None:
                    continue  # nothing weighted reached through it
                reads = pending_reads[kid] - 1
                if reads:
                    pending_reads[kid] = reads
                else:
                    del reach_of[kid]
                parts.append(part)
            dependents = (
                (parts[0] if len(parts) == 1 else _union(parts, small_limit)) if parts else _EMPTY
            )
            if node < sources:
                result[addresses[node]] = radius(dependents, -1) if dependents else NO_DEPENDENTS
            if pending_reads[node]:
                mine = rank[node]
                reach = _with(dependents, mine, small_limit) if mine >= 0 else dependents
                if reach:
                    reach_of[node] = reach
        return result

    def _components(
        self, rank: list[int], small_limit: int
    ) -> Iterable[tuple[list[int], ReachSet]]:
        """(component, the reach set of its dependents) for each component, children first.

        For a component of several nodes the reach set holds its own weighted nodes (each
        member's blast radius is that set without itself); for a single node it does not.
        A node without dependents (about half of a plan) is its own component at once.
        """
        kids = self.kids
        pending_reads = self.parents
        count = len(self.addresses)
        order = [-1] * count  # DFS preorder number (Tarjan's index); -1 while unvisited
        low = [0] * count
        visits = 0
        on_stack = [False] * count
        component_of = [-1] * count
        reach_of: dict[int, ReachSet] = {}
        stack: list[int] = []
        for root in range(self.source_count):
            if order[root] >= 0:
                continue
            if not kids[root]:
                order[root] = visits
                visits += 1
                component_of[root] = root
                yield [root], _EMPTY
                if pending_reads[root] and rank[root] >= 0:
                    reach_of[root] = frozenset((rank[root],))
                continue
            order[root] = low[root] = visits
            visits += 1
            on_stack[root] = True
            stack.append(root)
            work = [(root, iter(kids[root]))]
            while work:
                node, remaining = work[-1]
                descended = False
                for kid in remaining:
                    if order[kid] < 0 and not kids[kid]:
                        order[kid] = visits
                        visits += 1
                        component_of[kid] = kid
                        yield [kid], _EMPTY
                        if rank[kid] >= 0:
                            reach_of[kid] = frozenset((rank[kid],))
                        continue
                    if order[kid] < 0:
                        order[kid] = low[kid] = visits
                        visits += 1
                        on_stack[kid] = True
                        stack.append(kid)
                        work.append((kid, iter(kids[kid])))
                        descended = True
                        break
                    if on_stack[kid] and order[kid] < low[node]:
                        low[node] = order[kid]
                if descended:
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                if low[node] != order[node]:
                    continue
                component = [stack.pop()]
                while component[-1] != node:
                    component.append(stack.pop())
                label = node
                parts: list[ReachSet] = []
                internal = 0
                for member in component:
                    on_stack[member] = False
                    component_of[member] = label
                for member in component:
                    for kid in kids[member]:
                        kid_label = component_of[kid]
                        if kid_label == label:
                            internal += 1
                            continue
                        part = reach_of.get(kid_label)
                        if part is None:
                            continue  # nothing weighted reached through it
                        pending_reads[kid_label] -= 1
                        if pending_reads[kid_label] == 0:
                            del reach_of[kid_label]
                        parts.append(part)
                if len(component) > 1:
                    own = frozenset(rank[m] for m in component if rank[m] >= 0)
                    if own:
                        parts.append(own)
                dependents = _union(parts, small_limit)
                yield component, dependents
                # No reader of this component has run yet (they come later), so the counts
                # of its members are still the full in-degrees.
                readers = sum(pending_reads[m] for m in component) - internal
                mine = rank[node] if len(component) == 1 else -1
                reach = _with(dependents, mine, small_limit) if mine >= 0 else dependents
                if readers and reach:
                    reach_of[label] = reach
                    pending_reads[label] = readers


class _Ranks:
    """The weighted nodes of the reached sub-graph in (−weight, address) order."""

    def __init__(self, addresses: list[str], classes: list[str], weights: list[float]) -> None:
        self.addresses = addresses
        self.classes = classes
        self.small_limit = max(64, len(addresses) // 512)
        self.class_weight = dict(zip(classes, weights, strict=True))
        self._class_masks: list[tuple[str, int]] | None = None

    @property
    def class_masks(self) -> list[tuple[str, int]]:
        """(class, bitset of its ranks) for each class, by name: made when a large reach set
        first needs it (most plans have none)."""
        if self._class_masks is None:
            by_class: dict[str, list[int]] = {}
            for position, name in enumerate(self.classes):
                by_class.setdefault(name, []).append(position)
            self._class_masks = [(name, _bits(by_class[name])) for name in sorted(by_class)]
        return self._class_masks

    def radius(self, reach: ReachSet, own: int) -> BlastRadius:
        """The blast radius of a node whose dependents are `reach` (minus rank `own`)."""
        if not reach:
            return NO_DEPENDENTS
        by_class: dict[str, int]
        if isinstance(reach, int):
            bits = reach & ~(1 << own) if own >= 0 else reach
            count = bits.bit_count()
            by_class = {}
            for name, mask in self.class_masks:
                found = (bits & mask).bit_count()
                if found:
                    by_class[name] = found
            top: list[int] = []
            while bits and len(top) < TOP_DEPENDENTS:
                lowest = bits & -bits
                top.append(lowest.bit_length() - 1)
                bits ^= lowest
        else:
            members = reach - {own} if own >= 0 else reach
            count = len(members)
            if count == 1:  # (about a third of all radii)
                (only,) = members
                name = self.classes[only]
                return BlastRadius(
                    count=1,
                    weighted=round(self.class_weight[name], 2),
                    by_class={name: 1},
                    top=(self.addresses[only],),
                )
            by_class = {}
            classes = self.classes
            for member in members:  # a loop: cheaper than a Counter on these small sets
                name = classes[member]
                by_class[name] = by_class.get(name, 0) + 1
            top = sorted(members)[:TOP_DEPENDENTS]
        weighted = 0.0
        class_weight = self.class_weight
        for name, found in by_class.items():
            weighted += found * class_weight[name]
        return BlastRadius(
            count=count,
            weighted=round(weighted, 2),
            by_class=by_class if len(by_class) == 1 else dict(sorted(by_class.items())),
            top=tuple(map(self.addresses.__getitem__, top)),
        )


def _union(parts: list[ReachSet], small_limit: int) -> ReachSet:
    """The union of reach sets (a frozenset while it stays small)."""
    if not parts:
        return _EMPTY
    if len(parts) == 1:
        return parts[0]
    try:
        merged = _EMPTY.union(*cast("list[frozenset[int]]", parts))  # (nearly always)
    except TypeError:  # an int bitset among them
        bits = _bits(_EMPTY.union(*[p for p in parts if not isinstance(p, int)]))
        for part in parts:
            if isinstance(part, int):
                bits |= part
        return bits
    return merged if len(merged) <= small_limit else _bits(merged)


def _with(reach: ReachSet, member: int, small_limit: int) -> ReachSet:
    """`reach` plus one rank."""
    if isinstance(reach, int):
        return reach | (1 << member)
    if len(reach) < small_limit:
        return reach | {member}
    return _bits(reach) | (1 << member)


def _bits(members: Iterable[int]) -> int:
    """An int bitset of ranks, built in one buffer (no big-int shifts per member)."""
    listed = list(members)
    if not listed:
        return 0
    buffer = bytearray((max(listed) >> 3) + 1)
    for member in listed:
        buffer[member >> 3] |= 1 << (member & 7)
    return int.from_bytes(buffer, "little")
