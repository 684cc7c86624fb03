"""UTF-8 check of plan input (ingest stage): raw JSON text → where it stops being UTF-8.

Input: the prepared plan bytes (or one top-level member of them). Output: the offset of the
first byte that is not part of valid UTF-8, or None. The decoders check the strings they
decode, but values are kept undecoded (`msgspec.Raw`) and a later stage that decoded one
would meet the bad byte far from the file: so the whole input is checked once, here.

Plans are mostly ASCII (Terraform and Pulumi write non-ASCII text only in names, tags and
descriptions): the text is taken in chunks, and only a chunk holding a non-ASCII byte is
decoded (incrementally, so a character cut by a chunk boundary is still read whole).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from planrisk.ingest.reader import Buffer

_CHUNK = 1 << 22
"""Bytes examined at a time (a copy of this many at most is alive)."""
_CHUNKS_PER_RELEASE = 16
"""Chunks read between two calls of `release` (the mapped pages read are dropped)."""


def _nothing() -> None:
    """The default `release`: nothing is mapped."""


def invalid_utf8_at(text: Buffer, release: Callable[[], None] = _nothing) -> int | None:
    """The offset of the first byte of `text` that is not valid UTF-8, or None; `release`
    is called every few chunks (it drops a mapped file's pages, as the readers do)."""
    view = memoryview(text)
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = 0  # bytes of a character cut by the end of the previous chunk
    for number, start in enumerate(range(0, len(view), _CHUNK), 1):
        if number % _CHUNKS_PER_RELEASE == 0:
            release()
        chunk = bytes(view[start : start + _CHUNK])
        if not pending and chunk.isascii():
            continue
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            return start - pending + exc.start
        pending = len(decoder.getstate()[0])
    return len(view) - pending if pending else None
