"""Fixes for deletes that are really moves (score stage helper): `moved` blocks and aliases.

Input: a `Plan` (every delete and create of it).
Output: `(hint key, hint text)` pairs. For Terraform and OpenTofu: a `moved {}` block, labelled
`count → for_each`, `for_each → count` or `looks like a rename`. For Pulumi: the `aliases`
resource option in TypeScript and Python form. Each hint is attached to both the delete and
the create it pairs. Deletes whose inputs match several creates get a hint naming them instead.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterator

from planrisk.ingest.pulumi_values import parse_urn
from planrisk.model import Action, Mode, Plan, ResourceChange, Tool
from planrisk.score.hints.hcl import instance_address, moved_block
from planrisk.score.hints.inputs import side_inputs
from planrisk.score.hints.pairing import Side, pair_changes

AMBIGUOUS_LIMIT = 3
"""How many candidate creates an ambiguous hint names."""


def hint_key(change: ResourceChange) -> str:
    """Key of a change in `change_hints`: its address, plus ` (deposed KEY)` if deposed."""
    if change.deposed is not None:
        return f"{change.address} (deposed {change.deposed})"
    return change.address


def _is_pairable_delete(change: ResourceChange) -> bool:
    return (
        change.action is Action.DELETE
        and change.mode is Mode.MANAGED
        and change.deposed is None
        and not change.drift
    )


def _is_pairable_create(change: ResourceChange) -> bool:
    return (
        change.action is Action.CREATE
        and change.mode is Mode.MANAGED
        and not change.importing
        and not change.drift
    )


def _pulumi_scope(change: ResourceChange) -> tuple[str, str]:
    step = change.pulumi
    return (step.stack, step.project) if step is not None else ("", "")


def qualified_type(urn: str) -> str:
    """The `$`-joined ancestor and own types of a Pulumi URN (empty if it is not a URN)."""
    parts = parse_urn(urn)
    return parts.qualified_type if parts is not None else ""


def terraform_label(old: ResourceChange, new: ResourceChange) -> str:
    """What kind of move a Terraform delete/create pair is."""
    same_block = (old.module, old.type, old.name) == (new.module, new.type, new.name)
    if same_block and isinstance(old.index, int) and isinstance(new.index, str):
        return "count → for_each: add"
    if same_block and isinstance(old.index, str) and isinstance(new.index, int):
        return "for_each → count: add"
    return "looks like a rename: add"


def terraform_move(old: ResourceChange, new: ResourceChange) -> str:
    """The hint for one Terraform pair: a label line and the `moved` block."""
    block = moved_block(instance_address(old), instance_address(new))
    return f"{terraform_label(old, new)}\n{block}"


def pulumi_alias(old: ResourceChange, new: ResourceChange) -> str:
    """The hint for one Pulumi pair: the `aliases` option to add to the new resource."""
    if qualified_type(old.address) == qualified_type(new.address):
        head = f"looks like a rename: add an alias to the new resource {json.dumps(new.name)}"
        name = json.dumps(old.name, ensure_ascii=False)
        typescript = f"aliases: [{{ name: {name} }}]"
        python = f"opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name={name})])"
    else:
        head = (
            "looks like a move to another parent: add the old URN as an alias to the new "
            f"resource {json.dumps(new.name)}"
        )
        urn = json.dumps(old.address, ensure_ascii=False)
        typescript = f"aliases: [{urn}]"
        python = f"opts=pulumi.ResourceOptions(aliases=[{urn}])"
    return f"{head}\nTypeScript: {typescript}\nPython: {python}"


def _ambiguous(candidates: list[ResourceChange], tool: Tool) -> str:
    fix = "an alias" if tool is Tool.PULUMI else "a moved block"
    if len(candidates) == 1:
        return (
            f"may be a rename to {candidates[0].address}, but other deleted resources have the "
            f"same inputs; add {fix} only for the one it replaces"
        )
    shown = ", ".join(c.address for c in candidates[:AMBIGUOUS_LIMIT])
    more = "…" if len(candidates) > AMBIGUOUS_LIMIT else ""
    return (
        f"may be a rename: its inputs match {len(candidates)} new resources ({shown}{more}); "
        f"add {fix} for the one that replaces it"
    )


def _terraform_group(change: ResourceChange) -> Hashable:
    return change.type


def _terraform_subgroup(change: ResourceChange) -> Hashable:
    return (change.module, change.type)


def _pulumi_group(change: ResourceChange) -> Hashable:
    return (*_pulumi_scope(change), change.type)


def _pulumi_subgroup(change: ResourceChange) -> Hashable:
    return (*_pulumi_scope(change), qualified_type(change.address))


def move_hints(plan: Plan) -> Iterator[tuple[str, str]]:
    """`(hint key, hint)` for every delete/create pair and every ambiguous delete of `plan`."""
    pulumi = plan.tool is Tool.PULUMI
    group, subgroup = (
        (_pulumi_group, _pulumi_subgroup) if pulumi else (_terraform_group, _terraform_subgroup)
    )
    delete_changes = [c for c in plan.changes if _is_pairable_delete(c)]
    if not delete_changes:
        return
    create_changes = [c for c in plan.changes if _is_pairable_create(c)]
    # Only a group with both a delete and a create can pair: decode inputs for those alone
    # (a teardown deletes everything and creates nothing, so it decodes nothing).
    shared = {group(c) for c in delete_changes} & {group(c) for c in create_changes}
    if not shared:
        return
    deletes = [
        Side(c, side_inputs(c, plan.tool, after=False))
        for c in delete_changes
        if group(c) in shared
    ]
    creates = [
        Side(c, side_inputs(c, plan.tool, after=True)) for c in create_changes if group(c) in shared
    ]
    pairing = pair_changes(deletes, creates, group=group, subgroup=subgroup)
    for old, new in pairing.pairs:
        hint = pulumi_alias(old, new) if pulumi else terraform_move(old, new)
        yield hint_key(old), hint
        yield hint_key(new), hint
    for old, candidates in pairing.ambiguous:
        yield hint_key(old), _ambiguous(candidates, plan.tool)
