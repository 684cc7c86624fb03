"""Pair deleted resources with created ones (score stage helper): renames and key changes.

Input: the deletes and creates of one plan, each with its comparable inputs
(`planrisk.score.hints.inputs`), and a grouping function (same type, same Pulumi stack…).
Output: `Pairing`: confident (delete, create) pairs, plus deletes whose inputs are identical
to several creates (ambiguous: no single fix can be proposed).

Work stays linear in the number of changes: exact matches are found by hashing each create's
inputs once per group and looking each delete up under at most `MAX_KEYSETS` attribute sets;
the pairwise near-identical comparison only runs on groups with at most `PAIR_BUDGET` pairs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable

import msgspec

from planrisk.model import ResourceChange
from planrisk.score.hints.inputs import EMPTY, Inputs, is_informative, similarity

MAX_KEYSETS = 8
"""Distinct attribute sets of creates tried per group for exact matches."""
PAIR_BUDGET = 2500
"""Largest deletes × creates product compared pairwise within one group."""
NEAR_IDENTICAL = 0.9
"""Share of equal attributes that makes a pair near-identical."""
MIN_NEAR_ATTRIBUTES = 3
"""Fewer attributes than this: only an exact match counts."""


class Side(msgspec.Struct, frozen=True):
    """One delete or create with its comparable inputs."""

    change: ResourceChange
    inputs: Inputs


class Pairing(msgspec.Struct):
    """Result of `pair_changes`."""

    pairs: list[tuple[ResourceChange, ResourceChange]] = msgspec.field(default_factory=list)
    """(delete, create) pairs, in delete address order."""
    ambiguous: list[tuple[ResourceChange, list[ResourceChange]]] = msgspec.field(
        default_factory=list
    )
    """Deletes whose inputs match several creates exactly (or one create matched by several
    deletes), with those creates in address order."""


Bucket = tuple[tuple[str, ...], tuple[bytes, ...]]


def _exact(
    deletes: list[Side], creates: list[Side], result: Pairing
) -> tuple[list[Side], list[Side]]:
    """Exact-fingerprint pairs; returns the deletes and creates no exact match touched."""
    index: dict[Bucket, list[Side]] = defaultdict(list)
    keyset_counts: Counter[tuple[str, ...]] = Counter()
    for create in creates:
        if not is_informative(create.inputs):
            continue
        keys = tuple(sorted(create.inputs))
        keyset_counts[keys] += 1
        index[(keys, tuple(create.inputs[k] for k in keys))].append(create)
    keysets = [keys for keys, _ in sorted(keyset_counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    keysets = keysets[:MAX_KEYSETS]

    hits: dict[int, list[Bucket]] = {}
    deletes_in: dict[Bucket, int] = Counter()
    for position, delete in enumerate(deletes):
        found: list[Bucket] = []
        for keys in keysets:
            bucket = (keys, tuple(delete.inputs.get(k, EMPTY) for k in keys))
            if bucket in index:
                found.append(bucket)
                deletes_in[bucket] += 1
        if found:
            hits[position] = found

    touched: set[int] = set()
    for position, delete in enumerate(deletes):
        found = hits.get(position, [])
        if not found:
            continue
        candidates = [c for bucket in found for c in index[bucket]]
        for candidate in candidates:
            touched.add(id(candidate))
        if len(candidates) == 1 and deletes_in[found[0]] == 1:
            result.pairs.append((delete.change, candidates[0].change))
        else:
            ordered = sorted((c.change for c in candidates), key=lambda c: c.address)
            result.ambiguous.append((delete.change, ordered))
    rest_deletes = [d for position, d in enumerate(deletes) if position not in hits]
    rest_creates = [c for c in creates if id(c) not in touched]
    return rest_deletes, rest_creates


def _near(deletes: list[Side], creates: list[Side], result: Pairing) -> None:
    """Mutually-best near-identical pairs among a small group."""
    best_for_delete: dict[int, tuple[float, list[int]]] = {}
    best_for_create: dict[int, tuple[float, list[int]]] = {}
    for d, delete in enumerate(deletes):
        for c, create in enumerate(creates):
            if len(create.inputs) < MIN_NEAR_ATTRIBUTES or not is_informative(create.inputs):
                continue
            score = similarity(delete.inputs, create.inputs)
            if score < NEAR_IDENTICAL:
                continue
            for table, own, other in ((best_for_delete, d, c), (best_for_create, c, d)):
                current = table.get(own)
                if current is None or score > current[0]:
                    table[own] = (score, [other])
                elif score == current[0]:
                    current[1].append(other)
    for d, (_, cs) in sorted(best_for_delete.items()):
        if len(cs) != 1:
            continue
        back = best_for_create.get(cs[0])
        if back is not None and back[1] == [d]:
            result.pairs.append((deletes[d].change, creates[cs[0]].change))


def _near_in(
    deletes: list[Side],
    creates: list[Side],
    result: Pairing,
    subgroup: Callable[[ResourceChange], Hashable],
) -> None:
    """Near-identical pairs in the group, or in its subgroups when the group is too large."""
    if not deletes or not creates:
        return
    if len(deletes) * len(creates) <= PAIR_BUDGET:
        _near(deletes, creates, result)
        return
    sub_deletes: dict[Hashable, list[Side]] = defaultdict(list)
    sub_creates: dict[Hashable, list[Side]] = defaultdict(list)
    for d in deletes:
        sub_deletes[subgroup(d.change)].append(d)
    for c in creates:
        sub_creates[subgroup(c.change)].append(c)
    for key, group in sub_deletes.items():
        partners = sub_creates.get(key, [])
        if partners and len(group) * len(partners) <= PAIR_BUDGET:
            _near(group, partners, result)


def pair_changes(
    deletes: Iterable[Side],
    creates: Iterable[Side],
    group: Callable[[ResourceChange], Hashable],
    subgroup: Callable[[ResourceChange], Hashable],
) -> Pairing:
    """Pair deletes with creates of the same `group` whose inputs match.

    `subgroup` refines `group` (e.g. the module) for the near-identical pass of groups too
    large to compare pairwise.
    """
    by_group_deletes: dict[Hashable, list[Side]] = defaultdict(list)
    by_group_creates: dict[Hashable, list[Side]] = defaultdict(list)
    for d in deletes:
        by_group_deletes[group(d.change)].append(d)
    for c in creates:
        by_group_creates[group(c.change)].append(c)
    result = Pairing()
    for key, group_deletes in by_group_deletes.items():
        group_creates = by_group_creates.get(key)
        if not group_creates:
            continue
        rest_deletes, rest_creates = _exact(group_deletes, group_creates, result)
        _near_in(rest_deletes, rest_creates, result, subgroup)
    result.pairs.sort(key=lambda pair: (pair[0].address, pair[0].deposed or ""))
    result.ambiguous.sort(key=lambda entry: entry[0].address)
    return result
