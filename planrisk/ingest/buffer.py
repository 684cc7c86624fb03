"""A plan's input while it is read (ingest stage): the bytes and what the readers do with them.

Input: the plan as read (`reader.read_file`: bytes, or a read-only mapping of a large file) and
the name of its source. Output: one `PlanBuffer` the readers take instead of loose callables
and flags: the prepared text (encoding noise and wrapper lines skipped) and how many bytes were
skipped, `release()` to drop the mapped file's pages from the process after a pass over a large
section (they stay in the page cache and fault back in when a value is read again), the
top-level members split one at a time for a mapped file (so a 500 MB plan is never decoded
whole), whether its member values hold no line break or tab (then the digest reformats only the
values that may hold insignificant spaces), and the `Sharer` that stores repeated strings,
tuples and masks once.
"""

from __future__ import annotations

import mmap

from msgspec import Raw

from planrisk.ingest.digest import canonical_raw, canonical_spaced
from planrisk.ingest.members import Members, split_members
from planrisk.ingest.reader import Buffer, prepare_with_offset, release_pages
from planrisk.ingest.sharing import Sharer


class PlanBuffer:
    """The input of one plan and the memory machinery its readers use (see the docstring)."""

    __slots__ = ("data", "offset", "share", "source", "spaces_only", "text")

    def __init__(self, data: Buffer, source: str) -> None:
        self.data = data
        self.source = source
        """How messages name the input (its path)."""
        self.text, self.offset = prepare_with_offset(data, source)
        self.spaces_only = False
        """No member value holds a line break or a tab (known once `split` has run)."""
        self.share = Sharer()

    @property
    def mapped(self) -> bool:
        """Whether the input is a mapping of a file (its pages can be dropped)."""
        return isinstance(self.data, mmap.mmap)

    def release(self) -> None:
        """Drop the mapped file's pages from the process (nothing for bytes)."""
        release_pages(self.data)

    def split(self) -> Members | None:
        """The top-level members of a mapped single-object document, split one at a time with
        the pages released after each; None when the input is not mapped or not one object."""
        if not self.mapped:
            return None
        members = split_members(self.text, self.release)
        if members is not None:
            self.spaces_only = members.spaces_only
        return members

    def canonical(self, raw: Raw) -> bytes | Raw:
        """A value's canonical form for the digest (`digest.canonical_raw`)."""
        return canonical_spaced(raw) if self.spaces_only else canonical_raw(raw)
