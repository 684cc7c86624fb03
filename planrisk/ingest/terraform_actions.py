"""Terraform/OpenTofu `actions` lists → planrisk's normalized Action (ingest stage).

Input: a `change.actions` list as the plan wrote it, and whether the object is also imported.
Output: the Action, the replace order (replaces only) and whether a replace forgets the old
object instead of destroying it. Unknown combinations return None: the caller rejects the plan
rather than guess (the gate fails closed).
"""

from __future__ import annotations

from typing import NamedTuple

from planrisk.model import Action, ReplaceOrder


class Normalized(NamedTuple):
    """The normalized form of one actions list."""

    action: Action
    replace_order: ReplaceOrder | None = None
    forgets_old: bool = False


_SINGLE = {
    "no-op": Action.NOOP,
    "create": Action.CREATE,
    "update": Action.UPDATE,
    "delete": Action.DELETE,
    "read": Action.READ,
    "open": Action.READ,  # OpenTofu 1.11 ephemeral resources
    "forget": Action.FORGET,
}

_PAIRS = {
    ("delete", "create"): Normalized(Action.REPLACE, ReplaceOrder.DELETE_BEFORE_CREATE),
    ("create", "delete"): Normalized(Action.REPLACE, ReplaceOrder.CREATE_BEFORE_DELETE),
    # Terraform >= 1.7: replace whose old object is forgotten; OpenTofu >= 1.12 spells it the
    # other way round.
    ("create", "forget"): Normalized(Action.REPLACE, ReplaceOrder.CREATE_BEFORE_DELETE, True),
    ("forget", "create"): Normalized(Action.REPLACE, ReplaceOrder.DELETE_BEFORE_CREATE, True),
}


_SINGLE_NORMALIZED = {word: Normalized(action) for word, action in _SINGLE.items()}
"""The Normalized of each single action, built once (one per change otherwise)."""
_IMPORT = Normalized(Action.IMPORT)


def normalize_actions(actions: list[str] | tuple[str, ...], importing: bool) -> Normalized | None:
    """Normalize `actions`; an import that only updates or changes nothing becomes IMPORT."""
    if len(actions) == 1:
        normalized = _SINGLE_NORMALIZED.get(actions[0])
        if normalized is None:
            return None
        if importing and normalized.action in (Action.NOOP, Action.UPDATE):
            return _IMPORT
        return normalized
    if len(actions) == 2:
        return _PAIRS.get((actions[0], actions[1]))
    return None
