"""Ingest stage, property-based: mutated plans give a Plan or a PlanriskError, nothing else."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planrisk.errors import PlanriskError
from planrisk.ingest import parse_plan
from tests.support.paths import FIXTURES, SHARED

CORPUS = SHARED / "corpus" / "terraform"
SEEDS = sorted((FIXTURES / "terraform").glob("*/plan.json"))
if CORPUS.is_dir():
    SEEDS += sorted(
        p for p in CORPUS.rglob("*.json") if p.stat().st_size < 60_000 and "plan" in p.name
    )[:20]
SEED_BYTES = {p.relative_to(p.parents[2]).as_posix(): p.read_bytes() for p in SEEDS}
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(data: bytes) -> None:
    with contextlib.suppress(PlanriskError):
        parse_plan(data, "fuzz.json")


@FUZZ
@given(name=st.sampled_from(sorted(SEED_BYTES)), data=st.data())
def test_truncate_and_junk_bytes(name: str, data: st.DataObject) -> None:
    seed = SEED_BYTES[name]
    cut = data.draw(st.integers(0, len(seed)))
    junk = data.draw(st.binary(max_size=16))
    at = data.draw(st.integers(0, cut))
    mutated = seed[:at] + junk + seed[at:cut]
    outcome(mutated)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every container member path in a decoded JSON document."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.append((*prefix, i))
            found += paths(value, (*prefix, i))
    return found


@FUZZ
@given(name=st.sampled_from(sorted(SEED_BYTES)), data=st.data())
def test_delete_keys_and_change_types(name: str, data: st.DataObject) -> None:
    doc = json.loads(SEED_BYTES[name])
    candidates = paths(doc)
    for _ in range(data.draw(st.integers(1, 4))):
        if not candidates:
            break
        path = data.draw(st.sampled_from(candidates))
        parent = doc
        for step in path[:-1]:
            parent = parent[step] if isinstance(parent, (dict, list)) else None
            if parent is None:
                break
        if not isinstance(parent, (dict, list)):
            continue
        last = path[-1]
        try:
            if data.draw(st.booleans()):
                del parent[last]
            else:
                parent[last] = data.draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue
        candidates = paths(doc)
    outcome(json.dumps(doc).encode())


def test_seeds_present() -> None:
    if len(SEED_BYTES) < 5:
        pytest.fail("fixtures/terraform should provide fuzz seeds")
    for seed in SEED_BYTES.values():
        parse_plan(seed, "seed.json")
