"""Score stage: explainable 0–100 risk per change and per plan.

Input: a `Plan`, its `DependencyGraph`, the `RiskModel`, the `EnvironmentResult`, and the
replace hints. Output: an `Assessment` whose every score is the sum of its reasons:

    change score = clamp(round((base + guard + blast radius + credential rotation) × env), 0, 100)
    plan score   = min(100, worst change + round(breadth × env) + round(mass destruction × env))

Each term is a `Reason` carrying its points, so a reviewer can recompute any score: the `add`
reasons before the environment's `multiply` reason are summed, multiplied by its factor and
rounded half up (decimal arithmetic: 10.5 → 11); a `clamp` reason after it brings the result
back into 0–100. Decisions worth knowing:

- guard precedence on a destroy is kept-in-cloud > blocking > destructive > recovery: an
  explicit destructive flag defeats a recovery path (a purge-on-destroy skips soft delete);
- a guard-class resource adds the weakening term only when it is deleted (a replace recreates
  the protection);
- a Pulumi component (or the stack) holds no cloud object: its own change scores 0, and its
  children are not in the blast radius of its `parent` edge (children of a deleted custom
  resource are: Pulumi deletes them with it);
- the mass-destruction share counts objects (deposed objects included) destroyed, over the
  managed objects that exist before the apply.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import msgspec
from msgspec import UNSET

from planrisk.blast_radius import NO_DEPENDENTS, blast_radii
from planrisk.forked import SideJob
from planrisk.hints import hint_key
from planrisk.model import (
    EMPTY_RAW,
    Action,
    Assessment,
    BlastRadius,
    ChangeScore,
    EnvironmentResult,
    Mode,
    Plan,
    PlanRisk,
    Reason,
    ReplaceOrder,
    ResourceChange,
    RiskLevel,
)
from planrisk.values import MemberReader, decode, decode_members

if TYPE_CHECKING:
    from msgspec import Raw, UnsetType

    from planrisk.graph import DependencyGraph
    from planrisk.guards import GuardHit
    from planrisk.risk_model import RiskModel, TypeRisk

DATA = "data-bearing"
FOUNDATIONAL = "foundational"
STANDARD = "standard"
CHEAP = "cheap"
GUARD = "guard"

BASE_POINTS: Mapping[str, Mapping[str, int]] = {
    # class: {delete, replace delete→create, replace create→delete, update}
    DATA: {"delete": 70, "replace_dbc": 70, "replace_cbd": 65, "update": 8},
    FOUNDATIONAL: {"delete": 60, "replace_dbc": 60, "replace_cbd": 45, "update": 8},
    STANDARD: {"delete": 35, "replace_dbc": 30, "replace_cbd": 15, "update": 4},
    CHEAP: {"delete": 5, "replace_dbc": 4, "replace_cbd": 2, "update": 1},
    GUARD: {"delete": 8, "replace_dbc": 8, "replace_cbd": 8, "update": 4},
}
"""Base impact by risk class and action (risk-knowledge §4.1)."""

CLASS_WEIGHTS: Mapping[str, float] = {
    DATA: 3.0,
    FOUNDATIONAL: 2.0,
    STANDARD: 1.0,
    GUARD: 1.0,
    CHEAP: 0.25,
}
"""How much one dependent of each class weighs in the blast radius."""

ENV_FACTORS: Mapping[str, float] = {
    "prod": 1.0,
    "unknown": 1.0,
    "staging": 0.7,
    "dev": 0.5,
    "sandbox": 0.3,
}
"""Environment multiplier (unknown is scored as prod)."""

BLOCKING_POINTS = -30
RECOVERY_POINTS = -15
DESTRUCTIVE_POINTS = 15
WEAKENING_POINTS = 30
CREDENTIAL_POINTS = 30
BLAST_CAP = 25
TOP_DEPENDENTS = 10
HIGH_SCORE = 50

CREDENTIAL_TYPES = frozenset(
    {
        "random_password",
        "random_string",
        "random_id",
        "random_bytes",
        "tls_private_key",
        "random:index/randomPassword:RandomPassword",
        "random:index/randomString:RandomString",
        "random:index/randomId:RandomId",
        "tls:index/privateKey:PrivateKey",
    }
)
"""Cheap generators whose replacement rotates a credential wherever it is used."""


class ScoreInputs(msgspec.Struct, frozen=True):
    """What scoring needs beyond the plan: graph, risk model, environment, hints."""

    graph: DependencyGraph
    risk_model: RiskModel
    environment: EnvironmentResult
    hints: Mapping[str, tuple[str, ...]]
    prevent_destroy_removed: frozenset[str] = frozenset()
    """Config addresses whose `lifecycle.prevent_destroy` the source change removed."""
    provider_configs: Mapping[str, Any] = msgspec.field(default_factory=dict)
    """Provider source address → the default provider block's expressions (azurerm features)."""
    radii: BlastRadiiJob | None = None
    """The blast radii of this plan and graph, when they were started before scoring."""


def provider_expressions(plan: Plan) -> dict[str, Any]:
    """Provider source address → expressions of its root, un-aliased configuration block."""
    found: dict[str, Any] = {}
    if plan.configuration is None:
        return found
    for block in plan.configuration.provider_config.values():
        if block.alias or block.module_address:
            continue
        for name in {block.full_name, block.name} - {""}:
            found.setdefault(name, block.expressions)
    for change in plan.changes:
        provider = change.provider
        if provider and provider not in found:
            local = provider.rsplit("/", 1)[-1]
            if local in found:
                found[provider] = found[local]
    return found


def env_factor(environment: EnvironmentResult) -> float:
    """The multiplier of the environment the plan is treated as."""
    return ENV_FACTORS.get(environment.treated_as, 1.0)


class _TypeRisks:
    """Risk model entries by type and by manifest kind, each looked up once."""

    def __init__(self, risk_model: RiskModel) -> None:
        self.risk_model = risk_model
        self._risks: dict[str, TypeRisk] = {}
        self._manifests: dict[tuple[str, str] | None, TypeRisk] = {}

    def risk(self, type_: str) -> TypeRisk:
        """The risk model entry of a type (looked up once per type)."""
        found = self._risks.get(type_)
        if found is None:
            found = self._risks[type_] = self.risk_model.lookup(type_)
        return found

    def manifest_risk(self, values: Raw) -> TypeRisk:
        """The entry of one `kubernetes_manifest` object, by its manifest's apiVersion and
        kind (`RiskModel.lookup_manifest`; the generic entry when unreadable).

        Such an object keeps the `kubernetes_manifest` entry's guards and credential paths
        (written for the manifest's attributes, not for the typed resource's).
        """
        key = manifest_kind(values)
        found = self._manifests.get(key)
        if found is None:
            generic = self.risk(MANIFEST_TYPE)
            found = generic
            if key is not None:
                entry = self.risk_model.lookup_manifest(*key)
                if entry is not generic:
                    found = msgspec.structs.replace(
                        entry, guards=generic.guards, credentials=generic.credentials
                    )
            self._manifests[key] = found
        return found


class _Lookups(_TypeRisks):
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
            from planrisk.guards import guard_attribute_names

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
        from planrisk.guards import evaluate_guards

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
            _member_key(before),
            _member_key(mask) if mask is not None else bytes(memoryview(mask_raw)),
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
                text=_blast_text(blast), points=blast_points(blast.weighted), tag="blast_radius"
            )
        return found

    def destroy_base(self, risk_class: str, change: ResourceChange) -> Reason:
        """The `base` reason of a destroy (one per class, action and replace order)."""
        key = (risk_class, change.action, change.replace_order)
        found = self._destroy_bases.get(key)
        if found is None:
            points = BASE_POINTS[risk_class][_base_key(change)]
            found = self._destroy_bases[key] = self.reason(
                f"{risk_class} {_verb(change)}", points, "base"
            )
        return found

    def reason(self, text: str, points: float, tag: str) -> Reason:
        """An `add` reason, shared between the changes that have the same one."""
        key = (text, points, tag)
        found = self._reasons.get(key)
        if found is None:
            found = self._reasons[key] = Reason(text=text, points=points, tag=tag)
        return found


class BlastRadiiJob:
    """The blast radii of a plan's destroys (`blast_radius.blast_radii`), computed on the other
    core when there is one to spare and the plan has enough destroys (`planrisk.forked`).

    They depend only on the graph and the risk model, so the pipeline starts them as soon as
    the graph is built: environment, hints and every change's other reasons are worked out
    here meanwhile. `score_plan` starts its own when given none.
    """

    def __init__(self, plan: Plan, graph: DependencyGraph, risk_model: RiskModel) -> None:
        self.plan = plan
        self.graph = graph
        self.listed = _listed(plan)
        """The changes that are scored (`score_plan` reads them from here, not again)."""
        sources = [
            change.address
            for change in self.listed
            if change.is_destructive and change.mode is not Mode.COMPONENT
        ]
        weight_of = _weight_function(graph, _TypeRisks(risk_model))
        self._job = SideJob(
            lambda: _RADII_ENCODER.encode(_with_dependents(blast_radii(graph, sources, weight_of))),
            worth_a_process=len(sources) >= FORK_MIN_DESTROYS,
        )

    def result(self) -> dict[str, BlastRadius]:
        """Address → blast radius of the destroys that have dependents."""
        return _RADII_DECODER.decode(self._job.result())

    def cancel(self) -> None:
        """Stop computing them (the run failed before scoring)."""
        self._job.cancel()


def score_plan(plan: Plan, inputs: ScoreInputs) -> Assessment:
    """Score every change beyond no-op/read, then the plan."""
    lookups = _Lookups(inputs)
    factor = lookups.factor
    job = inputs.radii
    if job is None or job.plan is not plan or job.graph is not inputs.graph:
        if job is not None:  # started for another plan or graph: stopped, not left running
            job.cancel()
        job = BlastRadiiJob(plan, inputs.graph, inputs.risk_model)
    listed = job.listed
    try:
        drafts = [_draft_change(change, lookups) for change in listed]
        # While the radii are computed, what does not need them: the plan's destruction
        # ratio, and the final score of every change that cannot have a blast radius (no
        # destroy, or nothing depends on it: about half of a teardown).
        destruction = _destruction(plan, drafts)
        dependents = inputs.graph.pred
        scored: list[ChangeScore | None] = []
        waiting: list[int] = []
        for draft in drafts:
            if draft.blast_slot >= 0 and dependents.get(draft.change.address):
                waiting.append(len(scored))
                scored.append(None)
            else:
                scored.append(_score_change(draft, lookups, _NO_RADII))
    except BaseException:
        job.cancel()
        raise
    radii = job.result()
    for i in waiting:
        scored[i] = _score_change(drafts[i], lookups, radii)
    ranked = cast("list[ChangeScore]", scored)  # (every change is scored now)
    # By score, highest first, then address and deposed key: the plan lists its changes in
    # that order already (`Plan.changes`), and a stable sort keeps it among equal scores
    # (a tenth of the time of a sort on (−score, address, deposed) tuples at 100k changes).
    ranked.sort(key=_SCORE, reverse=True)
    risk = _plan_risk(ranked, inputs.environment, factor, destruction)
    return Assessment(plan=plan, environment=inputs.environment, risk=risk, changes=tuple(ranked))


_SCORE = operator.attrgetter("score")
_NO_RADII: dict[str, BlastRadius] = {}


# ---------------------------------------------------------------------------------------------
# One change


class _Draft(NamedTuple):
    """A change's score before its blast radius is known."""

    change: ResourceChange
    risk_class: str
    reasons: list[Reason]
    blast_slot: int
    """Where the blast radius reason goes in `reasons`; -1 when the change has none."""
    irreversible: bool
    weakening: bool
    fails: bool
    kept: bool


def _draft_change(change: ResourceChange, lookups: _Lookups) -> _Draft:
    inputs = lookups.inputs
    risk = (
        lookups.manifest_risk(_object_values(change))
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
        rotation = _credential_rotation(change, inputs)
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

    return _Draft(change, risk_class, reasons, blast_slot, irreversible, weakening, fails, is_kept)


def _score_change(
    draft: _Draft, lookups: _Lookups, radii: Mapping[str, BlastRadius]
) -> ChangeScore:
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


def _finish(reasons: list[Reason], lookups: _Lookups) -> int:
    """Apply the environment factor and the 0–100 clamp, adding their reasons."""
    total = sum([r.points for r in reasons if r.kind == "add"])
    reasons.append(lookups.environment_reason)
    scaled = scale(total, lookups.factor)
    clamped = max(0, min(100, scaled))
    if clamped != scaled:
        bound = 100 if scaled > 100 else 0
        reasons.append(Reason(text=f"clamped to {bound}", points=clamped - scaled, tag="clamp"))
    return clamped


def round_half_up(value: float) -> int:
    """Round to the nearest integer, halves away from zero (as a reviewer rounds by hand)."""
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@functools.lru_cache(maxsize=4096)
def scale(total: float, factor: float) -> int:
    """`round(total × factor)` in decimal arithmetic (0.7 × 15 = 10.5 → 11, not 10)."""
    product = Decimal(repr(total)) * Decimal(repr(factor))
    return int(product.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@functools.lru_cache(maxsize=4096)
def blast_points(weighted: float) -> int:
    """R = min(25, round(5 × log2(1 + weighted)))."""
    if weighted <= 0:
        return 0
    return min(BLAST_CAP, round_half_up(5 * math.log2(1 + weighted)))


def _verb(change: ResourceChange) -> str:
    if change.action is Action.REPLACE:
        if change.replace_order is ReplaceOrder.CREATE_BEFORE_DELETE:
            return "replace (create→delete)"
        return "replace (delete→create)"
    return "delete"


def _base_key(change: ResourceChange) -> str:
    if change.action is Action.REPLACE:
        if change.replace_order is ReplaceOrder.CREATE_BEFORE_DELETE:
            return "replace_cbd"
        return "replace_dbc"
    return "delete"


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
    change: ResourceChange, risk: TypeRisk, provider_config: Any, lookups: _Lookups
) -> tuple[GuardHit, ...]:
    if change.pulumi is None:
        return lookups.guard_hits(change, risk, provider_config) if risk.guards else ()
    from planrisk.guards import pulumi_guards

    hits = list(pulumi_guards(change.pulumi))
    if risk.guards:
        hits.extend(lookups.guard_hits(change, risk, provider_config))
    return tuple(hits)


def _member_key(
    members: tuple[Raw | UnsetType, ...] | None,
) -> tuple[bytes | None, ...] | None:
    """`MemberReader.values` as a hashable key (None for an absent member)."""
    if members is None:
        return None
    return tuple(None if raw is UNSET else bytes(raw) for raw in members)


def _destroy_guards(
    hits: tuple[GuardHit, ...], risk_class: str, lookups: _Lookups
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
    from planrisk.guards import guard_attribute_names, guard_weakening, pulumi_guard_weakening

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


# ---------------------------------------------------------------------------------------------
# Blast radius and credential rotation


FORK_MIN_DESTROYS = 2048
"""From this many destroys the blast radii are worth a forked process (`planrisk.forked`)."""
_RADII_ENCODER = msgspec.msgpack.Encoder()
_RADII_DECODER = msgspec.msgpack.Decoder(dict[str, BlastRadius])


def _with_dependents(radii: dict[str, BlastRadius]) -> dict[str, BlastRadius]:
    """The radii that name dependents (the others are `NO_DEPENDENTS` when looked up)."""
    return {address: radius for address, radius in radii.items() if radius.count}


MANIFEST_TYPE = "kubernetes_manifest"
"""The Terraform type whose objects are classified by their manifest's apiVersion and kind."""
_MANIFEST = {"manifest"}


def manifest_kind(values: Raw) -> tuple[str, str] | None:
    """(apiVersion, kind) of a `kubernetes_manifest` object's values; None when unreadable."""
    manifest = decode_members(values, _MANIFEST).get("manifest")
    if not isinstance(manifest, dict):
        return None
    api_version, kind = manifest.get("apiVersion"), manifest.get("kind")
    if isinstance(api_version, str) and isinstance(kind, str) and api_version and kind:
        return api_version, kind
    return None


def _object_values(change: ResourceChange | None) -> Raw:
    """The values that describe a change's object: after the change, else before (a delete)."""
    if change is None:
        return EMPTY_RAW
    after = change.after
    return change.before if not after or after == EMPTY_RAW else after


_NO_WEIGHT = ("none", 0.0)
"""The weight of a node a destroy does not take down."""


def _listed(plan: Plan) -> list[ResourceChange]:
    """The changes that are scored: every real change beyond no-op and read, drift aside."""
    return [c for c in plan.changes if not c.drift and c.action.is_change]


def _weight_function(
    graph: DependencyGraph, risks: _TypeRisks
) -> Callable[[str], tuple[str, float]]:
    """address → (risk class, weight) of a dependent; data sources and placeholders weigh 0."""
    nodes = graph.nodes
    by_type: dict[str, tuple[str, float]] = {}

    def weight_of(address: str) -> tuple[str, float]:
        data = nodes.get(address)
        if data is None:
            return _NO_WEIGHT
        resource = data.get("resource")
        change = data.get("change")
        if resource is not None:
            node_type, mode = resource.type, resource.mode
        elif change is not None:
            node_type, mode = change.type, change.mode
        else:
            return _NO_WEIGHT
        if (
            mode is Mode.DATA
            or mode is Mode.COMPONENT
            or not node_type
            or (change is not None and change.action is Action.CREATE)
        ):
            # Data sources, components and objects the plan only creates are not taken down.
            return _NO_WEIGHT
        if node_type == MANIFEST_TYPE:
            values = resource.values if resource is not None else _object_values(change)
            cls = risks.manifest_risk(values).risk_class
            return cls, CLASS_WEIGHTS[cls]
        found = by_type.get(node_type)
        if found is None:
            cls = risks.risk(node_type).risk_class
            found = by_type[node_type] = (cls, CLASS_WEIGHTS[cls])
        return found

    return weight_of


def _blast_text(blast: BlastRadius) -> str:
    parts = [
        f"{blast.by_class[cls]} {_short_class(cls)}"
        for cls in (FOUNDATIONAL, DATA)
        if blast.by_class.get(cls)
    ]
    noun = "dependent" if blast.count == 1 else "dependents"
    detail = f" ({', '.join(parts)})" if parts else ""
    return f"{blast.count} {noun}{detail}, weight {blast.weighted:g}"


def _short_class(cls: str) -> str:
    return {DATA: "data", FOUNDATIONAL: "foundational"}.get(cls, cls)


def _credential_rotation(change: ResourceChange, inputs: ScoreInputs) -> Reason | None:
    """A cheap generator replaced under a data-bearing resource's credential."""
    if change.type not in CREDENTIAL_TYPES:
        return None
    graph = inputs.graph
    if not graph.has(change.address):
        return None
    rotated: list[str] = []
    for dependent in sorted(graph.predecessors(change.address)):
        node = graph.node_data(dependent)
        resource = node.get("resource")
        dep_change = node.get("change")
        dep_type = resource.type if resource is not None else dep_change.type if dep_change else ""
        if not dep_type:
            continue
        dep_risk = inputs.risk_model.lookup(dep_type)
        if dep_risk.risk_class != DATA or not dep_risk.credentials:
            continue
        attrs = _credential_attributes_touched(dep_change, dep_risk.credentials)
        for attr in attrs:
            rotated.append(f"{dependent}.{attr}")
    if not rotated:
        return None
    shown = ", ".join(rotated[:3]) + (f" and {len(rotated) - 3} more" if len(rotated) > 3 else "")
    return Reason(
        text=f"rotates credential of data-bearing {shown}",
        points=CREDENTIAL_POINTS,
        tag="credential_rotation",
    )


def _credential_attributes_touched(
    change: ResourceChange | None, credentials: Iterable[str]
) -> list[str]:
    """Credential attributes of a dependent that the plan changes or leaves unknown."""
    names = set(credentials)
    if change is None or change.action is not Action.UPDATE:
        # Not updated in place: a replace/delete of the dependent is scored on its own.
        return []
    unknown = decode(change.after_unknown)
    before = decode_members(change.before, names)
    after = decode_members(change.after, names)
    touched = []
    for name in sorted(names):
        now_unknown = isinstance(unknown, dict) and unknown.get(name) is True
        if now_unknown or (name in before and before.get(name) != after.get(name)):
            touched.append(name)
    return touched


# ---------------------------------------------------------------------------------------------
# The plan


class _Destruction(NamedTuple):
    """How much of what exists before the apply the plan destroys (managed objects)."""

    destroyed: int
    existing: int


def _destruction(plan: Plan, drafts: list[_Draft]) -> _Destruction:
    """Destroyed and existing managed objects (what a blast radius cannot change)."""
    destroyed = _Objects()
    for draft in drafts:
        change = draft.change
        if not draft.kept and change.mode is Mode.MANAGED and change.is_destructive:
            destroyed.add(change)
    # Every destroyed object is among the existing ones: a scored destroy is a managed
    # delete or replace outside drift, which `_existing_managed` counts.
    return _Destruction(destroyed.count(), _existing_managed(plan).count())


def _plan_risk(
    scored: list[ChangeScore],
    environment: EnvironmentResult,
    factor: float,
    destruction: _Destruction,
) -> PlanRisk:
    reasons: list[Reason] = []
    worst = scored[0] if scored else None
    score = 0
    if worst is not None:
        score = worst.score
        reasons.append(
            Reason(text=f"worst change {worst.change.address}", points=worst.score, tag="worst")
        )
    high = sum(1 for s in scored if s.score >= HIGH_SCORE)
    breadth = min(15, 3 * (high - 1)) if high >= 2 else 0
    if breadth:
        points = scale(breadth, factor)
        score += points
        reasons.append(
            Reason(
                text=f"breadth: {high} changes scored >= {HIGH_SCORE} ({breadth} × {factor:g})",
                points=points,
                tag="breadth",
            )
        )
    destroyed, existing = destruction
    ratio = destroyed / existing if existing else 0.0
    mass = 0 if destroyed < 5 or ratio < 0.20 else 10 if ratio < 0.50 else 20
    if mass:
        points = scale(mass, factor)
        score += points
        reasons.append(
            Reason(
                text=(
                    f"mass destruction: {destroyed}/{existing} managed resources destroyed or "
                    f"replaced ({ratio:.0%}; {mass} × {factor:g})"
                ),
                points=points,
                tag="mass_destruction",
            )
        )
    if score > 100:
        reasons.append(Reason(text="clamped to 100", points=100 - score, tag="clamp"))
        score = 100
    teardown = existing > 0 and ratio >= 0.90
    return PlanRisk(
        score=score,
        level=RiskLevel.for_score(score),
        teardown=teardown,
        destroyed_ratio=round(ratio, 4),
        reasons=tuple(reasons),
    )


class _Objects:
    """A set of cloud objects: a current object by its address, a deposed one by its address
    and deposed key. Nearly every object is current, so a set of strings holds them (whose
    hashes are cached) instead of an (address, key) tuple made and hashed per object."""

    def __init__(self, current: set[str] | None = None) -> None:
        self.current: set[str] = set() if current is None else current
        self.deposed: set[tuple[str, str]] = set()

    def add(self, change: ResourceChange) -> None:
        if change.deposed:
            self.deposed.add((change.address, change.deposed))
        else:
            self.current.add(change.address)

    def count(self) -> int:
        return len(self.current) + len(self.deposed)


_NOT_EXISTING = frozenset({Action.CREATE, Action.IMPORT})
"""Changes whose object does not exist before the apply."""
_NOT_EXISTING_OR_READ = _NOT_EXISTING | {Action.READ}


def _existing_managed(plan: Plan) -> _Objects:
    """Managed objects that exist before the apply (planned creates excluded)."""
    created = {c.address for c in plan.changes if c.action in _NOT_EXISTING and not c.drift}
    existing = _Objects({r.address for r in plan.resources if r.mode is Mode.MANAGED})
    existing.current.difference_update(created)
    for change in plan.changes:
        if (
            not change.drift
            and change.mode is Mode.MANAGED
            and change.action not in _NOT_EXISTING_OR_READ
        ):
            existing.add(change)
    return existing
