"""What would let a denied change through (gate stage): a deny rule and its hits → one sentence.

Input: a deny rule that fired, the changes that made it fire, the actor and the risk model.
Output: the concrete way forward the decision prints for that rule — the change to the plan
that would stop the rule from matching (a recovery path for data, a protection kept, a smaller
teardown, the gate change made separately) or who else may initiate it. No approval or
attestation lifts a deny, so the sentence never asks for one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from planrisk.model import ChangeScore

if TYPE_CHECKING:
    from planrisk.config import GateInputChange
    from planrisk.gate.rules import Rule
    from planrisk.score.risk_model import RiskModel
    from planrisk.score.risk_model_parse import Condition

HUMAN_INSTEAD = "or let a human initiate this change"
"""The alternative every deny rule that covers agents offers."""


def way_forward(
    rule: Rule,
    hits: Sequence[ChangeScore],
    *,
    actor_kind: str,
    gate_changes: Sequence[GateInputChange] = (),
    risk_model: RiskModel | None = None,
) -> str:
    """The way forward for one fired deny rule (its configured `way_forward` when it has one)."""
    if rule.way_forward:
        return rule.way_forward
    human = "" if actor_kind == "human" else f"; {HUMAN_INSTEAD}"
    if rule.gate_config_changed:
        files = ", ".join(f"`{c.path}`" for c in gate_changes[:3]) or "the gate's files"
        return (
            f"this change modifies the gate that judges it ({files}): a human must make it — "
            "move those edits into a change of their own that a human opens, then re-plan"
        )
    if rule.irreversible_data_loss and hits:
        return _recovery_path(hits[0], risk_model) + _more(hits) + human
    if rule.guard_weakening and hits:
        first = hits[0]
        removed = next(
            (
                r.text.removeprefix("guard removed: ")
                for r in first.reasons
                if r.tag == "guard_weakening"
            ),
            "a protection",
        )
        return (
            f"{first.change.address}: {removed} — keep the protection (revert that change of "
            f"the plan){_more(hits)}{human}"
        )
    if rule.min_destroyed_ratio is not None:
        return (
            f"split the teardown into plans that each destroy or replace less than "
            f"{rule.min_destroyed_ratio:.0%} of the managed resources{human}"
        )
    if rule.min_plan_level is not None or rule.min_destroy_level is not None:
        return f"lower the plan's risk: split it into smaller plans{human}"
    return (
        f"change the plan so that rule {rule.name} no longer matches{human}, or ask the platform "
        "team about the rule"
    )


def _recovery_path(scored: ChangeScore, risk_model: RiskModel | None) -> str:
    change = scored.change
    steps: list[str] = []
    if risk_model is not None:
        pulumi = change.pulumi is not None  # Pulumi inputs are camelCased
        for guard in risk_model.lookup(change.type).guards:
            if guard.kind != "recovery":
                continue
            phrases = [_phrase(c, pulumi) for c in (guard.condition, *guard.also)]
            steps.append(" and ".join(phrases))
    if steps:
        return (
            f"{change.address}: take a recovery path first — set {'; or set '.join(steps)}, "
            "apply that, then re-plan"
        )
    return (
        f"{change.address} ({change.type}) has no recovery path planrisk knows: back its data "
        "up first, and make the deletion a change of its own"
    )


def _phrase(condition: Condition, pulumi: bool) -> str:
    """`name = value` as the fix to write, in backticks (a code span in markdown)."""
    name = _camel(condition.attribute) if pulumi else condition.attribute
    value = {"true": " = true", "false": " = false"}.get(condition.when)
    if value is None and condition.when in _OPERATORS:
        value = f" {_OPERATORS[condition.when]} {condition.value!r}"
    return f"`{name}{value or ''}`"


_OPERATORS = {"equals": "=", "at_least": ">=", "at_most": "<=", "not_equals": "!="}


def _camel(attribute: str) -> str:
    head, *rest = attribute.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _more(hits: Sequence[ChangeScore]) -> str:
    return f" (and the same for {len(hits) - 1} more)" if len(hits) > 1 else ""
