"""Mutations of real plans for the fail-closed fuzzing (a test helper and the fuzz command).

Input: a plan's bytes (Terraform plan JSON, Pulumi preview digest, Pulumi event log) and a
`random.Random`. Output: the bytes of one damaged or hostile variant: a key dropped, renamed
or retyped, an unknown op or actions list, a truncation, invalid UTF-8, a number out of range,
deep nesting, a guard (protect, retainOnDelete, deletion_protection…) flipped or removed, a
step removed. Deterministic for a given seed.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Callable
from typing import Any

GUARD_KEYS = (
    "protect", "retainOnDelete", "deletion_protection", "deletionProtection",
    "skip_final_snapshot", "skipFinalSnapshot", "prevent_destroy", "force_destroy",
    "deleteBeforeReplace",
)  # fmt: skip
ODD_OPS: tuple[Any, ...] = ("delete-forced", "DELETE", None, ["delete"], {"op": "delete"}, "", 3)
ODD_ACTIONS: tuple[Any, ...] = (
    ["destroy"], ["delete", "delete"], ["create", "delete", "create"], "delete", [None], [],
    ["Delete"], ["forget", "delete"],
)  # fmt: skip
ODD_VALUES: tuple[Any, ...] = (None, True, 0, -1, "", "x", [], {}, [[]], {"a": None}, 1.5)


def _containers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every dict and list in a decoded document."""
    found = [path] if isinstance(node, dict | list) else []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        found += _containers(value, (*path, key))
    return found


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def _keyed(doc: Any, keys: tuple[str, ...]) -> list[tuple[dict[str, Any], str]]:
    """(object, key) for every member named one of `keys`."""
    found = []
    for path in _containers(doc):
        node = _at(doc, path)
        if isinstance(node, dict):
            found += [(node, key) for key in node if key in keys]
    return found


def _pick_member(doc: Any, rng: random.Random) -> tuple[Any, Any] | None:
    choices = [p for p in _containers(doc) if _at(doc, p)]
    if not choices:
        return None
    node = _at(doc, rng.choice(choices))
    key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
    return node, key


def drop_key(doc: Any, rng: random.Random) -> bool:
    picked = _pick_member(doc, rng)
    if picked is None or not isinstance(picked[0], dict):
        return False
    del picked[0][picked[1]]
    return True


def rename_key(doc: Any, rng: random.Random) -> bool:
    picked = _pick_member(doc, rng)
    if picked is None or not isinstance(picked[0], dict):
        return False
    node, key = picked
    node[rng.choice([key.upper(), key + "_", key.replace("_", ""), "x" + key])] = node.pop(key)
    return True


def retype_value(doc: Any, rng: random.Random) -> bool:
    picked = _pick_member(doc, rng)
    if picked is None:
        return False
    node, key = picked
    value = node[key]
    node[key] = rng.choice([json.dumps(value)[:40], [value], {"value": value}, *ODD_VALUES])
    return True


def odd_op(doc: Any, rng: random.Random) -> bool:
    ops = _keyed(doc, ("op",))
    actions = _keyed(doc, ("actions",))
    if not ops and not actions:
        return False
    node, key = rng.choice(ops + actions)
    node[key] = rng.choice(ODD_OPS if key == "op" else ODD_ACTIONS)
    return True


def flip_guard(doc: Any, rng: random.Random) -> bool:
    found = _keyed(doc, GUARD_KEYS)
    if not found:
        return False
    node, key = rng.choice(found)
    if rng.random() < 0.3:
        del node[key]
    else:
        node[key] = rng.choice([not node[key] if isinstance(node[key], bool) else True, "true", 1])
    return True


def add_guard(doc: Any, rng: random.Random) -> bool:
    states = _keyed(doc, ("oldState", "old", "before", "inputs"))
    if not states:
        return False
    node, key = rng.choice(states)
    if not isinstance(node[key], dict):
        return False
    node[key][rng.choice(GUARD_KEYS)] = rng.choice([True, False, "yes"])
    return True


def drop_step(doc: Any, rng: random.Random) -> bool:
    for key in ("steps", "resource_changes", "events"):
        if isinstance(doc, dict) and isinstance(doc.get(key), list) and doc[key]:
            del doc[key][rng.randrange(len(doc[key]))]
            return True
    return False


def huge_number(doc: Any, rng: random.Random) -> bool:
    picked = _pick_member(doc, rng)
    if picked is None:
        return False
    picked[0][picked[1]] = float("inf")  # written as 1e400 by `encode`
    return True


def deep_nesting(doc: Any, rng: random.Random) -> bool:
    picked = _pick_member(doc, rng)
    if picked is None:
        return False
    picked[0][picked[1]] = "__DEEP__"
    return True


TREE_MUTATIONS: dict[str, Callable[[Any, random.Random], bool]] = {
    "drop-key": drop_key,
    "rename-key": rename_key,
    "retype": retype_value,
    "odd-op": odd_op,
    "flip-guard": flip_guard,
    "add-guard": add_guard,
    "drop-step": drop_step,
    "huge-number": huge_number,
    "deep-nesting": deep_nesting,
}


def encode(doc: Any, rng: random.Random) -> bytes:
    text = json.dumps(doc, indent=rng.choice([None, 2]), allow_nan=True)
    text = text.replace("Infinity", rng.choice(["1e400", "-1e999", "1E+309"]))
    return text.replace('"__DEEP__"', "[" * 50_000 + "]" * 50_000).encode()


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def bad_utf8(data: bytes, rng: random.Random) -> bytes:
    quotes = [i for i in range(len(data)) if data[i] == 0x22][:20_000]
    at = rng.choice(quotes) + 1 if quotes else rng.randrange(len(data))
    return data[:at] + rng.choice([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80"]) + data[at:]


BYTE_MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": truncate,
    "bad-utf8": bad_utf8,
}


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One mutation of `data`: (its name, the mutated bytes)."""
    names = [*TREE_MUTATIONS, *BYTE_MUTATIONS]
    name = rng.choice(names)
    if name in BYTE_MUTATIONS:
        return name, BYTE_MUTATIONS[name](data, rng)
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    try:
        documents = [json.loads(text)]
        lines = False
    except ValueError:
        documents = []
        for line in text.splitlines():
            with contextlib.suppress(ValueError):
                documents.append(json.loads(line))
        lines = True
    if not documents:  # (pretty-printed documents back to back, say)
        return "bad-utf8", bad_utf8(data, rng)
    target = rng.randrange(len(documents))
    for _ in range(5):
        if TREE_MUTATIONS[name](documents[target], rng):
            break
    if lines:
        return name, b"\n".join(
            encode(d, random.Random(rng.random())).replace(b"\n", b"") for d in documents
        ) + b"\n"
    return name, encode(documents[0], rng)
