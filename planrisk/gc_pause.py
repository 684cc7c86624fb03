"""Garbage-collector pause for bulk stages (ingest, graph, score, gate, report).

Input: a block that allocates hundreds of thousands of long-lived objects (a 100k-resource
plan, its graph and its scores). Output: the same block without cyclic-GC passes, which
otherwise rescan every live object again and again and make large plans superlinear. The
collector's previous state is restored when the block ends; reference counting still frees
everything that is not in a cycle.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block, then restore its state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
