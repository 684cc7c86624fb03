"""The GC policy, in one place: the CLI's run and the library's pipeline.

The CLI runs once and exits without freeing (`run_without_cyclic_gc`, at its entry); a library
caller of `planrisk.pipeline.analyze` gets `paused_gc` around the analysis. No stage sets a
policy of its own.

`paused_gc`: a block that allocates hundreds of thousands of long-lived objects (a 100k-resource
plan, its graph and its scores). Output: the same block without cyclic-GC passes, which
otherwise rescan every live object again and again and make large plans superlinear. When the
block ends the collector's previous state is restored, the objects still alive are moved to
the oldest generation at once (`gc.freeze` + `gc.unfreeze`: the young-generation collections
that follow, between stages, no longer traverse the million objects the paused block left in
the youngest generation; full collections still see them, so garbage cycles are still freed in a
long-running process) and the pages of mapped plan files are dropped from the process
(`track_mapping`; they fault back in from the page cache when a value is read again). Reference
counting frees everything not in a cycle.
"""

from __future__ import annotations

import gc
import mmap
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

_mappings: weakref.WeakSet[mmap.mmap] = weakref.WeakSet()
_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)
"""None where the platform has no madvise (Windows)."""


def can_drop_pages() -> bool:
    """Whether mapped pages can be dropped here; without it (Windows) plan files are read, not
    mapped: a mapping would bring no saving and would keep the file from being deleted."""
    return _DONTNEED is not None


def track_mapping(mapping: mmap.mmap) -> None:
    """Drop `mapping`'s resident pages whenever a paused block ends (while it is alive)."""
    _mappings.add(mapping)


def drop_pages(mapping: mmap.mmap) -> None:
    """Drop the resident pages of one read-only file mapping (its content is unchanged)."""
    if _DONTNEED is not None and not mapping.closed:
        mapping.madvise(_DONTNEED)


def release_mapped_pages() -> None:
    """Drop the resident pages of every tracked file mapping."""
    for mapping in list(_mappings):
        drop_pages(mapping)


def run_without_cyclic_gc() -> None:
    """The CLI's policy for its one short run: no cyclic collection at all. What the stages
    build lives until the process ends (`planrisk.cli.fast_exit`); reference counting frees the
    rest, and a collection pass over a large plan's objects would only rescan them."""
    gc.disable()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block, then restore its state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        release_mapped_pages()
        if was_enabled:
            gc.enable()
