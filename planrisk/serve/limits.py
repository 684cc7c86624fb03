"""Request limits (serve layer): raw JSON bytes → a decoded object, or a 4xx reason.

Input: a request body already read under the size cap, and the depth cap. Output: the decoded
JSON object, or `BadRequest` (400) naming what is wrong in one line. Depth is measured on the
bytes before decoding (brackets outside strings), so a deeply nested body costs one scan and
never a deep recursion.
"""

from __future__ import annotations

from typing import Any

import msgspec


class BadRequest(Exception):
    """The request is refused with `status` and a one-line reason (never a traceback)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in `data` (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def decode_object(data: bytes, max_depth: int) -> dict[str, Any]:
    """`data` as a JSON object within `max_depth`, else BadRequest(400)."""
    if json_depth(data) > max_depth:
        raise BadRequest(400, f"JSON nested deeper than {max_depth} levels")
    try:
        decoded = msgspec.json.decode(data)
    except msgspec.DecodeError:
        raise BadRequest(400, "body is not JSON") from None
    if not isinstance(decoded, dict):
        raise BadRequest(400, "body is not a JSON object")
    return decoded
