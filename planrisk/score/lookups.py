"""Score stage: per-plan lookups — each type's risk entry, guard hits and shared reasons, once.

Input: the `ScoreInputs` of a plan. Output: `TypeRisks` (risk entries by type and by Kubernetes
manifest kind) and `Lookups` (guard hits by the raw bytes of the members the guards read, and
the reasons changes share: a large plan holds few distinct ones), plus the text helpers of the
reasons they build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import UNSET

from planrisk.model import (
    BlastRadius,
    Reason,
    ResourceChange,
)
from planrisk.score.inputs import ScoreInputs
from planrisk.score.points import (
    BASE_POINTS,
    DATA,
    FOUNDATIONAL,
    base_key,
    blast_points,
    env_factor,
    verb,
)
from planrisk.score.type_risks import TypeRisks
from planrisk.values import MemberReader, decode

if TYPE_CHECKING:
    from msgspec import Raw, UnsetType

    from planrisk.score.protections import GuardHit
    from planrisk.score.risk_model_parse import TypeRisk


class Lookups(TypeRisks):
    """Per-plan caches: risk entries and guard attribute names by type, the shared reasons."""

    def __init__(self, inputs: ScoreInputs) -> None:
        super().__init__(inputs.risk_model)
        self.inputs = inputs
        self.factor = env_factor(inputs.environment)
        self.environment_reason = Reason(
            text=inputs.environment.label, points=self.factor, kind="multiply", tag="environment"
        )
        self._guard_names: dict[str, tuple[set[str], bool]] = {}
        self._reasons: dict[tuple[str, float, str], Reason] = {}
        self._guard_hits: dict[tuple[object, ...], tuple[GuardHit, ...]] = {}
        self._readers: dict[str, MemberReader] = {}
        self._destroy_bases: dict[tuple[object, ...], Reason] = {}
        self._blast_reasons: dict[tuple[object, ...], Reason] = {}

    def guard_names(self, type_: str, risk: TypeRisk) -> tuple[set[str], bool]:
        """The top-level attributes the type's guards read, and whether a mask of an object
        can be decoded at those members only (every resource-scope path starts with a name)."""
        found = self._guard_names.get(type_)
        if found is None:
            from planrisk.score.protections import guard_attribute_names

            paths = [
                cond.path
                for guard in risk.guards
                for cond in (guard.condition, *guard.also)
                if cond.scope == "resource"
            ]
            by_name = all(not path or isinstance(path[0], str) for path in paths)
            found = self._guard_names[type_] = (set(guard_attribute_names(risk)), by_name)
        return found

    def guard_hits(
        self, change: ResourceChange, risk: TypeRisk, provider_config: Any
    ) -> tuple[GuardHit, ...]:
        """`evaluate_guards` on the change's `before` and mask, decoded at the guards' members.

        Its result depends only on the type, the raw bytes of those members and the provider
        block, so objects alike (most of a large plan) are evaluated once.
        """
        from planrisk.score.protections import evaluate_guards

        names, by_name = self.guard_names(change.type, risk)
        reader = self._readers.get(change.type)
        if reader is None:
            reader = self._readers[change.type] = MemberReader(names)
        before = reader.values(change.before) if names else ()
        mask_raw = change.before_sensitive
        mask = (
            reader.values(mask_raw)
            if by_name and mask_raw and bytes(memoryview(mask_raw)[:1]) == b"{"
            else None
        )
        key = (
            change.type,
            id(provider_config),
            member_key(before),
            member_key(mask) if mask is not None else bytes(memoryview(mask_raw)),
        )
        found = self._guard_hits.get(key)
        if found is None:
            members = reader.names
            decoded_before = (
                {n: decode(r) for n, r in zip(members, before, strict=True) if r is not UNSET}
                if before
                else None  # (no object: `evaluate_guards` credits no default)
            )
            decoded_mask = (
                {n: decode(r) for n, r in zip(members, mask, strict=True) if r is not UNSET}
                if mask is not None
                else decode(mask_raw)
            )
            found = evaluate_guards(
                risk, decoded_before, decoded_mask, provider_config=provider_config
            )
            self._guard_hits[key] = found
        return found

    def blast_reason(self, blast: BlastRadius) -> Reason:
        """The `blast_radius` reason of a blast radius (one per distinct text and points)."""
        by_class = blast.by_class
        key = (blast.count, blast.weighted, by_class.get(FOUNDATIONAL), by_class.get(DATA))
        found = self._blast_reasons.get(key)
        if found is None:
            found = self._blast_reasons[key] = Reason(
                text=blast_text(blast), points=blast_points(blast.weighted), tag="blast_radius"
            )
        return found

    def destroy_base(self, risk_class: str, change: ResourceChange) -> Reason:
        """The `base` reason of a destroy (one per class, action and replace order)."""
        key = (risk_class, change.action, change.replace_order)
        found = self._destroy_bases.get(key)
        if found is None:
            points = BASE_POINTS[risk_class][base_key(change)]
            found = self._destroy_bases[key] = self.reason(
                f"{risk_class} {verb(change)}", points, "base"
            )
        return found

    def reason(self, text: str, points: float, tag: str) -> Reason:
        """An `add` reason, shared between the changes that have the same one."""
        key = (text, points, tag)
        found = self._reasons.get(key)
        if found is None:
            found = self._reasons[key] = Reason(text=text, points=points, tag=tag)
        return found


def member_key(
    members: tuple[Raw | UnsetType, ...] | None,
) -> tuple[bytes | None, ...] | None:
    """`MemberReader.values` as a hashable key (None for an absent member)."""
    if members is None:
        return None
    return tuple(None if raw is UNSET else bytes(raw) for raw in members)


def blast_text(blast: BlastRadius) -> str:
    parts = [
        f"{blast.by_class[cls]} {short_class(cls)}"
        for cls in (FOUNDATIONAL, DATA)
        if blast.by_class.get(cls)
    ]
    noun = "dependent" if blast.count == 1 else "dependents"
    detail = f" ({', '.join(parts)})" if parts else ""
    return f"{blast.count} {noun}{detail}, weight {blast.weighted:g}"


_SHORT_CLASSES: dict[str, str] = {DATA: "data", FOUNDATIONAL: "foundational"}


def short_class(cls: str) -> str:
    """`data` for data-bearing (as a blast radius reason names its dependents)."""
    return _SHORT_CLASSES.get(cls, cls)
