"""Score stage: one change's score — its reasons, then the environment factor and the clamp.

Input: a `ResourceChange` and the plan's `Lookups`. Output: a `Draft` (every reason but the
blast radius, which may still be computing) and then the `ChangeScore`:

    change score = clamp(round((base + guard + blast radius + credential rotation) × env), 0, 100)

Guard precedence on a destroy is kept-in-cloud > blocking > destructive > recovery: an explicit
destructive flag defeats a recovery path (a purge-on-destroy skips soft delete). A guard-class
resource adds the weakening term only when it is deleted (a replace recreates the protection).
A Pulumi component (or the stack) holds no cloud object: its own change scores 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from planrisk.model import (
    Action,
    BlastRadius,
    ChangeScore,
    Mode,
    Reason,
    ResourceChange,
    RiskClass,
    RiskLevel,
)
from planrisk.score.blast_radius import NO_DEPENDENTS
from planrisk.score.credentials import credential_rotation
from planrisk.score.hints import hint_key
from planrisk.score.lookups import Lookups
from planrisk.score.points import (
    BASE_POINTS,
    BLOCKING_POINTS,
    DATA,
    DESTRUCTIVE_POINTS,
    GUARD,
    RECOVERY_POINTS,
    WEAKENING_POINTS,
    scale,
)
from planrisk.score.type_risks import MANIFEST_TYPE, object_values
from planrisk.values import decode, decode_members

if TYPE_CHECKING:
    from planrisk.score.protections import GuardHit
    from planrisk.score.risk_model_parse import TypeRisk


class Draft(NamedTuple):
    """A change's score before its blast radius is known."""

    change: ResourceChange
    risk_class: RiskClass
    reasons: list[Reason]
    blast_slot: int
    """Where the blast radius reason goes in `reasons`; -1 when the change has none."""
    irreversible: bool
    weakening: bool
    fails: bool
    kept: bool


def draft_change(change: ResourceChange, lookups: Lookups) -> Draft:
    inputs = lookups.inputs
    risk = (
        lookups.manifest_risk(object_values(change))
        if change.type == MANIFEST_TYPE
        else lookups.risk(change.type)
    )
    risk_class = risk.risk_class
    reasons: list[Reason] = []
    irreversible = weakening = fails = is_kept = False
    blast_slot = -1
    destructive = change.is_destructive

    provider_config = inputs.provider_configs.get(change.provider)
    hits = _destroy_hits(change, risk, provider_config, lookups) if destructive else ()
    kept = _kept_in_cloud(change, destructive, hits)
    if change.mode is Mode.COMPONENT:
        reasons.append(
            lookups.reason(f"component {change.action.value} (no cloud object)", 0, "base")
        )
    elif kept is not None:
        is_kept = True
        reasons.append(lookups.reason(f"kept in cloud: {kept}", 0, "kept_in_cloud"))
    elif destructive:
        reasons.append(lookups.destroy_base(risk_class, change))
        if risk_class == GUARD and change.action is Action.DELETE:
            weakening = True
            reasons.append(
                Reason(
                    text=f"guard removed: {change.type} deleted (protection lost)",
                    points=WEAKENING_POINTS,
                    tag="guard_weakening",
                )
            )
        guard_reason, irreversible, fails = _destroy_guards(hits, risk_class, lookups)
        if guard_reason is not None:
            reasons.append(guard_reason)
        blast_slot = len(reasons)
        rotation = credential_rotation(change, inputs)
        if rotation is not None:
            reasons.append(rotation)
    elif change.action is Action.UPDATE:
        reasons.append(
            lookups.reason(f"{risk_class} update", BASE_POINTS[risk_class]["update"], "base")
        )
        for hit in _weakenings(change, risk, provider_config):
            weakening = True
            reasons.append(
                Reason(
                    text=f"guard removed: {hit.text} (next apply can delete)",
                    points=WEAKENING_POINTS,
                    tag="guard_weakening",
                )
            )
    else:
        reasons.append(lookups.reason(f"{risk_class} {change.action.value}", 0, "base"))

    if (
        inputs.prevent_destroy_removed
        and not is_kept
        and inputs.graph.config_address(change.address) in inputs.prevent_destroy_removed
    ):
        weakening = True
        reasons.append(
            Reason(
                text="guard removed: lifecycle.prevent_destroy deleted from the .tf source",
                points=WEAKENING_POINTS,
                tag="guard_weakening",
            )
        )

    return Draft(change, risk_class, reasons, blast_slot, irreversible, weakening, fails, is_kept)


def score_change(draft: Draft, lookups: Lookups, radii: Mapping[str, BlastRadius]) -> ChangeScore:
    """The draft with its blast radius reason, scaled and clamped (the draft is unchanged)."""
    change, risk_class, drafted, blast_slot, irreversible, weakening, fails, kept = draft
    reasons = list(drafted)
    blast = NO_DEPENDENTS
    if blast_slot >= 0:
        blast = radii.get(change.address, NO_DEPENDENTS)
        if blast.count:
            reasons.insert(blast_slot, lookups.blast_reason(blast))
    score = _finish(reasons, lookups)
    hints = lookups.inputs.hints
    return ChangeScore(
        change=change,
        risk_class=risk_class,
        score=score,
        level=_LEVELS[score],
        reasons=tuple(reasons),
        blast_radius=blast,
        hints=hints.get(hint_key(change), ()) if hints else (),
        irreversible_data_loss=irreversible,
        guard_weakening=weakening,
        apply_will_fail=fails,
        kept_in_cloud=kept,
    )


_LEVELS = tuple(RiskLevel.for_score(score) for score in range(101))
"""The band of each change score 0–100."""


def _finish(reasons: list[Reason], lookups: Lookups) -> int:
    """Apply the environment factor and the 0–100 clamp, adding their reasons."""
    total = sum([r.points for r in reasons if r.kind == "add"])
    reasons.append(lookups.environment_reason)
    scaled = scale(total, lookups.factor)
    clamped = max(0, min(100, scaled))
    if clamped != scaled:
        bound = 100 if scaled > 100 else 0
        reasons.append(Reason(text=f"clamped to {bound}", points=clamped - scaled, tag="clamp"))
    return clamped


def _kept_in_cloud(
    change: ResourceChange, destructive: bool, hits: tuple[GuardHit, ...]
) -> str | None:
    """Why a delete only forgets the object, or None when it really destroys it.

    `destructive` and `hits` are the change's `is_destructive` and `_destroy_hits` (computed
    once per change by the caller).
    """
    if change.action is Action.FORGET:
        return "forget (removed from state only)"
    if change.action is Action.REPLACE and change.forgets_old:
        return "old object forgotten, not destroyed"
    if not destructive:
        return None
    for hit in hits:
        if hit.kind == "kept":
            return hit.text
    return None


def _destroy_hits(
    change: ResourceChange, risk: TypeRisk, provider_config: Any, lookups: Lookups
) -> tuple[GuardHit, ...]:
    if change.pulumi is None:
        return lookups.guard_hits(change, risk, provider_config) if risk.guards else ()
    from planrisk.score.protections import pulumi_guards

    hits = list(pulumi_guards(change.pulumi))
    if risk.guards:
        hits.extend(lookups.guard_hits(change, risk, provider_config))
    return tuple(hits)


def _destroy_guards(
    hits: tuple[GuardHit, ...], risk_class: str, lookups: Lookups
) -> tuple[Reason | None, bool, bool]:
    """The one guard term of a destroy (precedence blocking > destructive > recovery).

    Returns the reason (shared between the changes with the same one), whether the destroy is
    irreversible data loss, and whether the apply will fail.
    """
    is_data = risk_class == DATA
    if not hits:
        return None, is_data, False
    by_kind: dict[str, GuardHit] = {}
    for hit in hits:
        by_kind.setdefault(hit.kind, hit)
    if "blocking" in by_kind:
        hit = by_kind["blocking"]
        reason = lookups.reason(
            f"blocked by {hit.text}: apply will fail", BLOCKING_POINTS, "guard_blocking"
        )
        return reason, False, True
    if "destructive" in by_kind:
        hit = by_kind["destructive"]
        reason = lookups.reason(f"no recovery: {hit.text}", DESTRUCTIVE_POINTS, "guard_destructive")
        return reason, is_data, False
    if "recovery" in by_kind:
        hit = by_kind["recovery"]
        reason = lookups.reason(f"recoverable: {hit.text}", RECOVERY_POINTS, "guard_recovery")
        return reason, False, False
    return None, is_data, False


def _weakenings(
    change: ResourceChange, risk: TypeRisk, provider_config: Any
) -> tuple[GuardHit, ...]:
    from planrisk.score.protections import (
        guard_attribute_names,
        guard_weakening,
        pulumi_guard_weakening,
    )

    hits: list[GuardHit] = []
    if change.pulumi is not None:
        hits.extend(pulumi_guard_weakening(change.pulumi))
    if risk.guards:
        names = set(guard_attribute_names(risk))
        hits.extend(
            guard_weakening(
                risk,
                decode_members(change.before, names),
                decode_members(change.after, names),
                decode(change.after_unknown),
                before_sensitive=decode(change.before_sensitive),
                after_sensitive=decode(change.after_sensitive),
                provider_config=provider_config,
            )
        )
    return tuple(hits)
