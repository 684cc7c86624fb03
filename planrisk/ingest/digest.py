"""Plan digest (ingest stage): sha256 over a canonical form of the planned changes.

Input: the parts of each planned change that define it (address, actions, values) as raw JSON.
Output: `sha256:<64 hex>`. Canonical means insignificant JSON whitespace is removed, so the
same plan rendered twice (pretty or compact, with or without a wrapper prefix) hashes the same,
while any planned value change changes the digest. Parts are length-prefixed so that no two
different sequences of parts can collide by concatenation. The first part names the digest's
version (`DIGEST_VERSION`) and the plan's kind: when what a digest binds changes, the version
goes up, so a digest of the old kind never equals one of the new.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import msgspec

from planrisk.model import Plan
from planrisk.values import canonical_value

_LENGTH = struct.Struct(">Q").pack
"""A part's length prefix: 8 bytes, big-endian."""
_SPACE_BY_SYMBOL = re.compile(rb" (?:(?<=[\[\]{},:] )|[\[\]{},:])")
"""A space just after or before one of `[]{},:` (inside a string, or insignificant)."""


def canonical_raw(raw: bytes | msgspec.Raw) -> bytes:
    """Raw JSON with insignificant whitespace removed (key order as written)."""
    if not raw:
        return b"null"
    return _compact(bytes(raw) if isinstance(raw, memoryview) else raw)


def _compact(raw: bytes | msgspec.Raw) -> bytes:
    """`msgspec.json.format(raw, indent=-1)`; a value it refuses (msgspec rejects a lone
    surrogate escape such as `\\ud800`, which JSON allows) is hashed as written."""
    try:
        return msgspec.json.format(raw, indent=-1)
    except msgspec.DecodeError:
        return bytes(raw)


def canonical_spaced(raw: msgspec.Raw) -> bytes | msgspec.Raw:
    """`canonical_raw` of a value known to contain no line break or tab, without reformatting
    the value when that cannot change it.

    Insignificant whitespace lies between two tokens, and of two adjacent tokens at least one
    is `[`, `]`, `{`, `}`, `,` or `:`; a Raw value starts and ends with a token. So a value
    whose only whitespace is spaces, none of them next to one of those characters, is already
    compact and is returned as it is (`msgspec.json.format` copies tokens verbatim).
    """
    if not raw:
        return b"null"
    if _SPACE_BY_SYMBOL.search(raw) is None:
        return raw
    return _compact(raw)


DIGEST_VERSION = 2
"""What a digest binds: 1 (planrisk <= 0.x) bound addresses, actions and values only; 2 binds
everything the decision reads (type, provider, Pulumi options, links, masks, environment
variables and configuration)."""


class PendingDigest(NamedTuple):
    """A plan's digest still to compute: the work, and how its result becomes the digest.

    `compute` needs only what ingest read, so the pipeline runs it beside the stages that
    follow (`planrisk._runtime.forked.SideJob`; `worth_a_process` says whether the plan is
    large enough to fork for); `finish` turns its bytes into `Plan.digest`, or raises the
    input error the work found.
    """

    compute: Callable[[], bytes]
    finish: Callable[[bytes | memoryview], str]
    worth_a_process: bool


class PlanReading(NamedTuple):
    """A plan being read: the digest still to compute (None when the reader computed it), and
    `finish()`, which reads the rest and returns the Plan. The pending digest needs only what
    was read so far, so the caller starts it before `finish()` (`planrisk.ingest.read_plan`)."""

    pending: PendingDigest | None
    finish: Callable[[], Plan]


class PlanDigest:
    """Incremental digest: feed the parts of every change in plan order, then `result`."""

    def __init__(self, kind: str) -> None:
        self._hash = hashlib.sha256()
        self.add(f"planrisk-digest-v{DIGEST_VERSION}:{kind}")

    def add(self, part: bytes | str) -> None:
        """Add one length-prefixed part."""
        data = part.encode() if isinstance(part, str) else part
        self._hash.update(len(data).to_bytes(8, "big"))
        self._hash.update(data)

    def add_parts(self, parts: Iterable[bytes | str | msgspec.Raw]) -> None:
        """Add several length-prefixed parts in one hash update: the stream `add` makes."""
        datas = [part.encode() if isinstance(part, str) else part for part in parts]
        chunks = [b""] * (2 * len(datas))
        chunks[0::2] = [_LENGTH(len(data)) for data in datas]
        chunks[1::2] = datas
        self._hash.update(b"".join(chunks))

    def add_raw(self, raw: bytes | msgspec.Raw) -> None:
        """Add a raw JSON value in canonical form."""
        self.add(canonical_raw(raw))

    def add_value(self, value: Any) -> None:
        """Add a decoded value in canonical (sorted-key) form."""
        self.add(canonical_value(value))

    def result(self) -> str:
        """`sha256:<hex>`."""
        return "sha256:" + self._hash.hexdigest()
