"""Report stage: JSON rendering (deterministic, sorted keys, 2-space indent).

Input: a document from `analysis_data` (or the gate's extension of it). Output: JSON text that
is byte-identical for the same plan and configuration: the text of
`msgspec.json.format(msgspec.json.encode(document, order="sorted"), indent=2)` and a newline.
A large top-level `changes` sequence is rendered a batch of entries at a time (`iter_json`), so
the whole compact document, its indented copy and its decoded text never exist side by side.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

CHANGES_BATCH = 2048
"""Entries of `changes` encoded and indented per piece."""
_CHANGES_KEY = "changes"
_EMPTY_CHANGES = b'\n  "changes": []'
"""How an empty top-level `changes` list is indented: the place the entries go."""
_NESTED_OPEN = len(b"[\n  [")
_NESTED_CLOSE = len(b"\n  ]\n]")
"""What surrounds a batch's entries when the batch is indented nested in a list."""


def render_json(document: dict[str, Any]) -> str:
    """Sorted-key, indented JSON with a trailing newline (the pieces of `iter_json`, joined)."""
    return "".join(iter_json(document))


def iter_json(document: dict[str, Any]) -> Iterator[str]:
    """`render_json`'s text in pieces: the document around `changes`, then each batch of entries.

    `changes` is a list, or a sequence that builds each entry when read (`ChangeEntries`):
    only one batch of entries is then held at a time.

    A batch is indented nested in a list, which puts its entries at the depth they have in the
    document (`changes` is a member of the top-level object); what lies between the outer
    brackets and the inner ones is cut off, and batches are joined by a comma.
    """
    changes = document.get(_CHANGES_KEY)
    built = isinstance(changes, Sequence) and not isinstance(changes, str | bytes | list | tuple)
    if not (isinstance(changes, list) or built) or not changes:
        # An empty sequence that builds its entries is written as the empty list it is.
        yield _indented(_without(document) if built else document).decode() + "\n"
        return
    head = _indented(_without(document))
    at = head.find(_EMPTY_CHANGES)
    opening = at + len(_EMPTY_CHANGES) - 1
    yield head[:opening].decode()
    separator = ""
    for start in range(0, len(changes), CHANGES_BATCH):
        yield separator + str(_batch(changes, start), "utf-8")
        separator = ","
    yield "\n  " + head[opening:].decode() + "\n"


def _without(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with an empty `changes` list (the head the entries are put into)."""
    return {**document, _CHANGES_KEY: []}


def _batch(changes: Sequence[Any], start: int) -> memoryview:
    """The entries of one batch, indented at their depth in the document, without brackets."""
    nested = _indented((changes[start : start + CHANGES_BATCH],))
    return memoryview(nested)[_NESTED_OPEN:-_NESTED_CLOSE]


def _indented(value: Any) -> bytes:
    """`value` encoded with sorted keys and indented by two spaces."""
    return msgspec.json.format(msgspec.json.encode(value, order="sorted"), indent=2)
