"""Object sharing (ingest stage): repeated strings, string tuples and tiny raw values → one object.

Input: strings, string lists and `msgspec.Raw` values decoded from one plan, where a 100k-resource
plan repeats the same type, provider, module, actions list and depends_on list thousands of times
(and a change and its resource repeat the same address and name). Output: the first equal object
seen, so each distinct value is stored once. Only object identity changes, never content.
"""

from __future__ import annotations

from collections.abc import Sequence

from msgspec import Raw

_SMALL_RAW = 5
"""Raw values up to this many bytes (`null`, `{}`, `[]`, `true`, `false`) are shared."""
_SMALL_MASK = 512
"""Sensitivity and unknown masks up to this many bytes are shared: a plan has a few dozen
distinct ones (one shape per resource type), repeated on every instance."""


class Sharer:
    """Per-plan tables of the values seen so far."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._tuples: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._raws: dict[bytes, Raw] = {}

    def text(self, value: str) -> str:
        """The first string equal to `value`."""
        return self._texts.setdefault(value, value)

    def texts(self, values: Sequence[str]) -> tuple[str, ...]:
        """The first tuple equal to `values`, its strings shared too."""
        if not values:
            return ()
        key = tuple(values)
        shared = self._tuples.get(key)
        if shared is None:
            shared = self._tuples[key] = tuple(map(self.text, key))
        return shared

    def raw(self, value: Raw) -> Raw:
        """The first raw value with the same bytes, for tiny values; `value` otherwise."""
        if len(value) > _SMALL_RAW:
            return value
        return self._raws.setdefault(bytes(value), value)

    def mask(self, value: Raw) -> Raw:
        """The first raw value with the same bytes, for masks up to `_SMALL_MASK` bytes."""
        if len(value) > _SMALL_MASK:
            return value
        return self._raws.setdefault(bytes(value), value)
