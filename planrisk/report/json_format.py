"""Report stage: JSON rendering (deterministic, sorted keys, 2-space indent).

Input: a document from `analysis_data` (or the gate's extension of it). Output: JSON text that
is byte-identical for the same plan and configuration.
"""

from __future__ import annotations

from typing import Any

import msgspec


def render_json(document: dict[str, Any]) -> str:
    """Sorted-key, indented JSON with a trailing newline."""
    encoded = msgspec.json.encode(document, order="sorted")
    return msgspec.json.format(encoded, indent=2).decode() + "\n"
