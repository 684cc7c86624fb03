"""Naming a place in a plan in an error message (ingest stage): a URN or address → safe text.

Input: an identifier taken from the plan (a Pulumi URN, a Terraform address), which the plan's
author chose. Output: the same text with every character that is not printable escaped and the
middle cut out when it is long, so that one line on stderr names the place without letting the
plan write terminal escapes, line breaks or a screenful of text into it. Error messages name
where a problem is, never the offending value itself (which may be sensitive).
"""

from __future__ import annotations

MAX_LOCATION = 120
"""Characters kept of a long identifier (its start and its end)."""


def quote_location(text: str) -> str:
    """`text` with non-printable characters escaped (`\\x1b`, `\\u2028`) and, beyond
    `MAX_LOCATION` characters, its middle replaced by `…`."""
    if text.isprintable() and len(text) <= MAX_LOCATION:
        return text
    escaped = "".join(ch if ch.isprintable() else _escape(ch) for ch in text)
    if len(escaped) <= MAX_LOCATION:
        return escaped
    half = (MAX_LOCATION - 1) // 2
    return f"{escaped[:half]}…{escaped[-half:]}"


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
