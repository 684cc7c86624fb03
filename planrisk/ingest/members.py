"""Top-level members of a large JSON object, one member at a time (ingest stage).

Input: a prepared buffer (usually a memory-mapped plan file) and a `release` callback.
Output: the object's members as `msgspec.Raw` slices of the buffer, exactly what
`msgspec.json.decode(text, type=dict[str, Raw])` returns, found by letting msgspec skip one
member value at a time (its "trailing characters" error gives where the value ends) and
releasing the mapped pages after each. So the whole file is never resident at once: only the
largest member is. Anything but a single well-formed JSON object followed by whitespace returns
None, and the caller decodes the whole buffer as before (with its exact error messages).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import msgspec
from msgspec import Raw

from planrisk.ingest.reader import Buffer, first_document_end

_BLANKS = re.compile(rb"[ \t\n\r]*")
"""JSON insignificant whitespace."""
_LINE_BREAKS_AND_TABS = (b"\n", b"\r", b"\t")


class Members(NamedTuple):
    """The top-level members of an object, and whether their values contain no whitespace but
    spaces (no line break or tab: `terraform show -json` output)."""

    head: dict[str, Raw]
    spaces_only: bool


def split_members(text: Buffer, release: Callable[[], None]) -> Members | None:
    """Members of the JSON object `text`, or None when `text` is not exactly one valid object.

    Each member value is searched for line breaks and tabs while its pages are resident.
    """
    view = memoryview(text)
    find = getattr(text, "find", None)
    spaces_only = find is not None
    size = len(view)
    try:
        pos = _skip_blanks(text, 0)
        if _byte(view, pos) != ord("{"):
            return None
        pos = _skip_blanks(text, pos + 1)
        members: dict[str, Raw] = {}
        while pos < size:
            key_end = _value_end(view, pos)
            if key_end is None or _byte(view, pos) != ord('"'):
                return None
            key = msgspec.json.decode(view[pos:key_end], type=str)
            pos = _skip_blanks(text, key_end)
            if _byte(view, pos) != ord(":"):
                return None
            pos = _skip_blanks(text, pos + 1)
            end = _value_end(view, pos)
            if end is None:
                return None
            members[key] = Raw(view[pos:end])
            if spaces_only and find is not None:
                spaces_only = all(find(byte, pos, end) == -1 for byte in _LINE_BREAKS_AND_TABS)
            release()
            pos = _skip_blanks(text, end)
            separator = _byte(view, pos)
            pos = _skip_blanks(text, pos + 1)
            if separator == ord("}"):
                return Members(members, spaces_only) if pos == size else None
            if separator != ord(","):
                return None
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    return None


def _byte(view: memoryview, pos: int) -> int:
    """The byte at `pos`, or -1 past the end."""
    return view[pos] if pos < len(view) else -1


def _skip_blanks(text: Buffer, pos: int) -> int:
    """The offset of the first non-whitespace byte at or after `pos`."""
    match = _BLANKS.match(text, pos)
    return match.end() if match is not None else pos


def _value_end(view: memoryview, pos: int) -> int | None:
    """End offset (exclusive, blanks excluded) of the JSON value at `pos` that more text
    follows; None when the value is invalid or nothing follows it."""
    try:
        msgspec.json.decode(view[pos:], type=Raw)
    except msgspec.DecodeError as exc:
        length = first_document_end(exc)
        if length is None:
            return None
        end = pos + length
        while end > pos and view[end - 1] in b" \t\n\r":
            end -= 1
        return end
    return None
