"""Report stage: JSON rendering (deterministic, sorted keys, 2-space indent).

Input: a document from `analysis_data` (or the gate's extension of it). Output: JSON text that
is byte-identical for the same plan and configuration.
"""

from __future__ import annotations

from typing import Any

import msgspec


def render_json(document: dict[str, Any]) -> str:
    """Sorted-key, indented JSON with a trailing newline.

    Each intermediate form (compact bytes, indented bytes) is released as soon as the next one
    exists, so a large report holds at most two copies of itself at a time.
    """
    encoded = msgspec.json.encode(document, order="sorted")
    formatted = msgspec.json.format(encoded, indent=2)
    del encoded
    text = formatted.decode()
    del formatted
    return text + "\n"
