"""Replace and delete causes (score stage helper): why one change destroys its object.

Input: one `ResourceChange` (Terraform `action_reason`, `replace_paths`, `deposed`; Pulumi
`replaceReasons`, which ingest stores in `replace_paths`) and the tool that wrote the plan.
Output: short hint lines. They name addresses and attribute names only: a path step that a
sensitivity mask covers ends the rendered path, so no key of a sensitive map is ever shown.
"""

from __future__ import annotations

import shlex
from typing import Any

from planrisk.ingest.addresses import format_key
from planrisk.model import ResourceChange, Tool
from planrisk.score.hints.hcl import render_path
from planrisk.values import decode, mask_covers

_FIXED_REASONS: dict[str, str] = {
    "replace_by_triggers": "replace_triggered_by: a referenced resource changed",
    "delete_because_no_resource_config": "removed from configuration",
    "delete_because_no_module": "its module call was removed",
    "delete_because_wrong_repetition": (
        "count/for_each was added, removed or swapped, so this instance key no longer exists"
    ),
    "delete_because_no_move_target": (
        "a moved block moved it to an address that is not in the configuration"
    ),
    "delete_because_enabled_false": "lifecycle { enabled = false } in configuration",
    "forgot_because_lifecycle_destroy_in_state": (
        "forgotten, not destroyed: lifecycle { destroy = false } recorded in state"
    ),
    "forgot_because_lifecycle_destroy_in_config": (
        "forgotten, not destroyed: lifecycle { destroy = false } in configuration"
    ),
}
"""action_reason values whose hint does not depend on the change."""


def cli_name(tool: Tool) -> str:
    """The command a user runs for this plan's tool."""
    return "tofu" if tool is Tool.OPENTOFU else "terraform"


def visible_path(
    path: tuple[str | int, ...], before_mask: Any, after_mask: Any
) -> tuple[str | int, ...]:
    """`path` cut after its first step that either sensitivity mask covers."""
    for end in range(1, len(path) + 1):
        prefix = path[:end]
        if mask_covers(before_mask, prefix) or mask_covers(after_mask, prefix):
            return prefix
    return path


def forced_by(change: ResourceChange) -> str | None:
    """`forced by cidr_block, availability_zone` from replace_paths, or None without paths."""
    if not change.replace_paths:
        return None
    before_mask = decode(change.before_sensitive)
    after_mask = decode(change.after_sensitive)
    rendered: list[str] = []
    for path in change.replace_paths:
        if not path:
            continue
        text = render_path(visible_path(path, before_mask, after_mask))
        if text not in rendered:
            rendered.append(text)
    if not rendered:
        return None
    return "forced by " + ", ".join(rendered)


def cause_hints(change: ResourceChange, tool: Tool) -> list[str]:
    """Hint lines explaining why `change` replaces, deletes or forgets its object."""
    hints: list[str] = []
    if change.deposed is not None:
        hints.append(
            f"deposed object {change.deposed}: left behind by a create_before_destroy replace "
            "that did not finish; this plan destroys it"
        )
    forced = forced_by(change)
    if forced is not None:
        hints.append(forced)
    reason = change.action_reason
    if reason is None:
        return hints
    cli = cli_name(tool)
    if reason == "replace_because_cannot_update" and forced is None:
        hints.append("the provider cannot update it in place")
    elif reason == "replace_because_tainted":
        target = shlex.quote(change.address)
        hints.append(
            f"tainted: the object was marked tainted (a failed create or `{cli} taint`); "
            f"`{cli} untaint {target}` if it is healthy"
        )
    elif reason == "replace_by_request":
        hints.append(f"replaced by request (-replace={change.address})")
    elif reason == "delete_because_count_index":
        hints.append(f"count no longer includes index {format_key(change.index)}")
    elif reason == "delete_because_each_key":
        hints.append(f"for_each no longer includes key {format_key(change.index)}")
    elif reason in _FIXED_REASONS:
        hints.append(_FIXED_REASONS[reason])
    return hints
