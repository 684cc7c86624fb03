"""Replace causes and fix hints (score stage helper): `Plan` → hint lines per change.

Input: a whole `Plan` (pairing deletes with creates needs every change at once).
Output: `change_hints(plan)`: `{hint key: (hint, …)}` where the key is the change's address,
or `"<address> (deposed <key>)"` for a deposed object (see `hint_key`). Only changes with at
least one hint are present; keys are sorted. Per change, causes come first (`forced by
cidr_block`, `tainted: …`, `removed from configuration`…), then fixes (`moved {}` blocks,
Pulumi aliases). Hints hold addresses and attribute names, never attribute values.
"""

from __future__ import annotations

from planrisk.model import Plan
from planrisk.score.hints.moves import hint_key, move_hints
from planrisk.score.hints.reasons import cause_hints

__all__ = ["change_hints", "hint_key"]


def change_hints(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Hint lines for every change of `plan` that has any, keyed by `hint_key`."""
    lines: dict[str, list[str]] = {}
    for change in plan.changes:
        if change.drift or not change.action.is_change:
            continue
        causes = cause_hints(change, plan.tool)
        if causes:
            lines.setdefault(hint_key(change), []).extend(causes)
    for key, hint in move_hints(plan):
        bucket = lines.setdefault(key, [])
        if hint not in bucket:
            bucket.append(hint)
    return {key: tuple(lines[key]) for key in sorted(lines)}
