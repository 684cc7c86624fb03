"""Gate stage: the policy — named, configurable rules — and how it turns findings into a verdict.

Input: the `[policy]` table of the configuration (merged over the built-in defaults), a scored
`Assessment`, an `ActorResult` and the gate inputs the change under review modifies. Output:
the rules that fire and what they require (`PolicyOutcome`), each deny with its way forward;
`planrisk.gate.decide` then counts the evidence and decides allow/pending/deny.

A rule matches when the actor (as treated) and the environment (as treated) are in its lists
and its conditions hold (`match = "any"` of them by default, or `"all"`). Its effect is
`deny`, or `require` with `sandbox_attestation = true` and/or `approvals = N`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from planrisk.errors import ConfigError
from planrisk.model import (
    ActorResult,
    Assessment,
    ChangeScore,
    RiskClass,
    RiskLevel,
    RuleEffect,
    RuleResult,
)

if TYPE_CHECKING:
    from planrisk.config import GateInputChange
    from planrisk.score.risk_model import RiskModel

from planrisk.gate.rules import (
    ACTORS,
    CONDITIONS,
    DEFAULT_RULES,
    EFFECTS,
    ENVIRONMENTS,
    LEVELS,
    POLICY_KEYS,
    RULE_KEYS,
    Rule,
)


class Policy(msgspec.Struct, frozen=True):
    """The effective policy."""

    rules: tuple[Rule, ...]
    attestation_max_age: timedelta = timedelta(days=7)
    source: str = "built-in defaults"


class PolicyOutcome(msgspec.Struct, frozen=True):
    """What the policy says before evidence is counted."""

    fired: tuple[RuleResult, ...] = ()
    deny: bool = False
    needs_attestation: bool = False
    approvals_needed: int = 0
    approval_rules: tuple[str, ...] = ()


def default_policy() -> Policy:
    """The built-in policy."""
    return Policy(rules=DEFAULT_RULES)


def load_policy(table: Mapping[str, Any], source: str) -> Policy:
    """Merge a `[policy]` table over the defaults; strict: unknown keys fail with their path."""
    from planrisk.gate.evidence.durations import parse_duration

    unknown = sorted(set(table) - POLICY_KEYS)
    if unknown:
        raise _error(
            source, f"policy.{unknown[0]}", f"unknown key (expected one of {_list(POLICY_KEYS)})"
        )
    max_age = timedelta(days=7)
    if "attestation_max_age" in table:
        raw = table["attestation_max_age"]
        if not isinstance(raw, str):
            raise _error(source, "policy.attestation_max_age", 'must be a duration like "7d"')
        try:
            max_age = parse_duration(raw)
        except ValueError as exc:
            raise _error(source, "policy.attestation_max_age", str(exc)) from None
    rules = {rule.name: rule for rule in DEFAULT_RULES}
    overrides = table.get("rules", {})
    if not isinstance(overrides, Mapping):
        raise _error(source, "policy.rules", "must be a table of rules")
    for name, body in overrides.items():
        if not isinstance(body, Mapping):
            raise _error(source, f"policy.rules.{name}", "must be a table")
        rules[name] = _merge_rule(rules.get(name), name, body, source)
    ordered = tuple(rules[name] for name in rules)
    return Policy(rules=ordered, attestation_max_age=max_age, source=source)


def _merge_rule(base: Rule | None, name: str, body: Mapping[str, Any], source: str) -> Rule:
    path = f"policy.rules.{name}"
    unknown = sorted(set(body) - RULE_KEYS)
    if unknown:
        raise _error(
            source, f"{path}.{unknown[0]}", f"unknown key (expected one of {_list(RULE_KEYS)})"
        )
    if base is None:
        for required in ("actors", "environments", "effect"):
            if required not in body:
                raise _error(source, f"{path}.{required}", "required for a new rule")
        base = Rule(
            name=name, description="", actors=(), environments=(), effect=RuleEffect.REQUIRE
        )
    values: dict[str, Any] = {}
    for key, value in body.items():
        values[key] = _check_value(key, value, f"{path}.{key}", source)
    rule = msgspec.structs.replace(base, **values)
    if rule.effect == "require" and not rule.sandbox_attestation and rule.approvals <= 0:
        raise _error(
            source, path, "a require rule needs sandbox_attestation = true or approvals >= 1"
        )
    return rule


def _check_value(key: str, value: Any, path: str, source: str) -> Any:
    if key in ("actors", "environments", "destroy_classes"):
        allowed = {"actors": ACTORS, "environments": ENVIRONMENTS}.get(key, tuple(RiskClass))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _error(source, path, "must be a list of strings")
        for item in value:
            if item not in allowed:
                raise _error(
                    source, path, f"unknown value {item!r} (expected one of {_list(allowed)})"
                )
        return tuple(value)
    if key in ("min_plan_level", "min_destroy_level"):
        if value not in LEVELS:
            raise _error(source, path, f"unknown level {value!r} (expected one of {_list(LEVELS)})")
        return value
    if key == "effect":
        if value not in EFFECTS:
            raise _error(source, path, f"unknown effect {value!r} (expected deny or require)")
        return RuleEffect(value)
    if key == "match":
        if value not in ("any", "all"):
            raise _error(source, path, 'must be "any" or "all"')
        return value
    if key == "approvals":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _error(source, path, "must be a whole number >= 0")
        return value
    if key == "min_destroyed_ratio":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise _error(source, path, "must be a number between 0 and 1")
        return float(value)
    if key in ("description", "way_forward"):
        if not isinstance(value, str):
            raise _error(source, path, "must be a string")
        return value
    if not isinstance(value, bool):
        raise _error(source, path, "must be true or false")
    return value


def _error(source: str, path: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {message}", source=source, hint="see `planrisk policy show`")


def _list(values: Any) -> str:
    return ", ".join(sorted(values))


# ---------------------------------------------------------------------------------------------
# Evaluation


def evaluate_policy(
    policy: Policy,
    assessment: Assessment,
    actor: ActorResult,
    *,
    gate_changes: tuple[GateInputChange, ...] = (),
    risk_model: RiskModel | None = None,
) -> PolicyOutcome:
    """The rules that fire for this actor, environment, assessment and change to the gate."""
    from planrisk.gate.way_forward import way_forward

    environment = assessment.environment.treated_as
    fired: list[RuleResult] = []
    deny = False
    needs_attestation = False
    approvals = 0
    approval_rules: list[str] = []
    for rule in policy.rules:
        if not rule.enabled or actor.treated_as not in rule.actors:
            continue
        if (
            environment not in rule.environments
            and assessment.environment.name not in rule.environments
        ):
            continue
        matched = _conditions(rule, assessment, gate_changes)
        if matched is None:
            continue
        why, hits = matched
        who = (
            f"{actor.kind} actor"
            if actor.kind == actor.treated_as
            else (f"{actor.kind} actor (treated as {actor.treated_as})")
        )
        reason = f"{who} in {assessment.environment.label}: {why}"
        if rule.effect == "deny":
            deny = True
            forward = way_forward(
                rule,
                hits,
                actor_kind=actor.treated_as,
                gate_changes=gate_changes,
                risk_model=risk_model,
            )
            fired.append(
                RuleResult(
                    name=rule.name, effect=RuleEffect.DENY, reason=reason, way_forward=forward
                )
            )
            continue
        needs = []
        if rule.sandbox_attestation:
            needs_attestation = True
            needs.append("a sandbox attestation")
        if rule.approvals:
            approvals = max(approvals, rule.approvals)
            approval_rules.append(rule.name)
            needs.append(f"{rule.approvals} approval{'s' if rule.approvals > 1 else ''}")
        fired.append(
            RuleResult(
                name=rule.name,
                effect=RuleEffect.REQUIRE,
                reason=f"{reason}; needs {' and '.join(needs)}",
            )
        )
    return PolicyOutcome(
        fired=tuple(fired),
        deny=deny,
        needs_attestation=needs_attestation,
        approvals_needed=approvals,
        approval_rules=tuple(approval_rules),
    )


def _conditions(
    rule: Rule, assessment: Assessment, gate_changes: tuple[GateInputChange, ...]
) -> tuple[str, list[ChangeScore]] | None:
    """(the sentence of the conditions that hold, the changes that made them hold), or None
    when the rule does not match."""
    checks: list[str | None] = []
    hits_of: list[ChangeScore] = []
    changes = assessment.changes
    if rule.any_change:
        checks.append(f"{len(changes)} change(s) beyond no-op/read" if changes else None)
    if rule.min_plan_level is not None:
        level = assessment.risk.level
        ok = level.rank >= RiskLevel(rule.min_plan_level).rank
        checks.append(f"plan level {level.value} >= {rule.min_plan_level}" if ok else None)
    if rule.destroy_classes:
        hits = [c for c in changes if _destroys(c) and c.risk_class in rule.destroy_classes]
        checks.append(_first("destroys", hits) if hits else None)
        hits_of.extend(hits)
    if rule.min_destroy_level is not None:
        floor = RiskLevel(rule.min_destroy_level).rank
        hits = [c for c in changes if _destroys(c) and c.level.rank >= floor]
        checks.append(_first(f"destroy at >= {rule.min_destroy_level}", hits) if hits else None)
        hits_of.extend(hits)
    if rule.irreversible_data_loss:
        hits = [c for c in changes if c.irreversible_data_loss]
        checks.append(_first("irreversible data loss", hits) if hits else None)
        hits_of.extend(hits)
    if rule.guard_weakening:
        hits = [c for c in changes if c.guard_weakening]
        checks.append(_first("guard weakening", hits) if hits else None)
        hits_of.extend(hits)
    if rule.min_destroyed_ratio is not None:
        ratio = assessment.risk.destroyed_ratio
        ok = ratio >= rule.min_destroyed_ratio
        checks.append(f"{ratio:.0%} of managed resources destroyed or replaced" if ok else None)
    if rule.gate_config_changed:
        checks.append(gate_change_sentence(gate_changes) if gate_changes else None)
    if not checks:
        return None
    held = [c for c in checks if c is not None]
    if rule.match == "all" and len(held) != len(checks):
        return None
    if not held:
        return None
    return "; ".join(held), hits_of


def gate_change_sentence(changes: tuple[GateInputChange, ...]) -> str:
    """`the change modifies the gate that judges it: .planrisk.toml modified (…), …`."""
    parts = []
    for change in changes[:5]:
        detail = f" ({change.detail})" if change.detail else ""
        parts.append(f"{change.what} {change.path} {change.change}{detail}")
    more = f" and {len(changes) - 5} more file(s)" if len(changes) > 5 else ""
    return "the change modifies the gate that judges it: " + ", ".join(parts) + more


def _destroys(scored: ChangeScore) -> bool:
    return scored.change.is_destructive and not scored.kept_in_cloud


def _first(what: str, hits: list[ChangeScore]) -> str:
    first = hits[0]
    more = f" and {len(hits) - 1} more" if len(hits) > 1 else ""
    return f"{what}: {first.change.address} ({first.risk_class}, {first.score}){more}"


def policy_document(policy: Policy) -> dict[str, Any]:
    """The effective policy as plain data (for `planrisk policy show`)."""
    from planrisk.gate.evidence.durations import format_duration

    rules: dict[str, Any] = {}
    for rule in policy.rules:
        body: dict[str, Any] = {
            "description": rule.description,
            "enabled": rule.enabled,
            "actors": list(rule.actors),
            "environments": list(rule.environments),
            "effect": rule.effect,
            "match": rule.match,
        }
        if rule.sandbox_attestation:
            body["sandbox_attestation"] = True
        if rule.approvals:
            body["approvals"] = rule.approvals
        if rule.way_forward:
            body["way_forward"] = rule.way_forward
        for key in CONDITIONS:
            value = getattr(rule, key)
            if value not in (False, None, ()):
                body[key] = list(value) if isinstance(value, tuple) else value
        rules[rule.name] = body
    return {
        "source": policy.source,
        "attestation_max_age": format_duration(policy.attestation_max_age),
        "rules": rules,
    }
