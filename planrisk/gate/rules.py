"""Gate stage: the policy's rules — what a rule can say, and the built-in ones.

Input: nothing (definitions). Output: the `Rule` struct (who, where, which conditions, what
effect), the vocabularies a `[policy.rules.<name>]` table is checked against, and
`DEFAULT_RULES`. `planrisk.gate.policy` merges the configuration over them and evaluates them.
"""

from __future__ import annotations

import msgspec

from planrisk.model import RiskLevel, RuleEffect

ACTORS = ("human", "agent", "bot", "unknown")
ENVIRONMENTS = ("prod", "staging", "dev", "sandbox", "unknown")
LEVELS = tuple(level.value for level in RiskLevel)
EFFECTS = ("deny", "require")
CONDITIONS = (
    "any_change",
    "min_plan_level",
    "destroy_classes",
    "min_destroy_level",
    "irreversible_data_loss",
    "guard_weakening",
    "min_destroyed_ratio",
    "gate_config_changed",
)
RULE_KEYS = frozenset(
    {
        "description",
        "way_forward",
        "enabled",
        "actors",
        "environments",
        "match",
        "effect",
        "sandbox_attestation",
        "approvals",
        *CONDITIONS,
    }
)
POLICY_KEYS = frozenset({"attestation_max_age", "rules"})


class Rule(msgspec.Struct, frozen=True):
    """One named policy rule."""

    name: str
    description: str
    actors: tuple[str, ...]
    environments: tuple[str, ...]
    effect: RuleEffect
    sandbox_attestation: bool = False
    approvals: int = 0
    match: str = "any"
    any_change: bool = False
    min_plan_level: str | None = None
    destroy_classes: tuple[str, ...] = ()
    min_destroy_level: str | None = None
    irreversible_data_loss: bool = False
    guard_weakening: bool = False
    min_destroyed_ratio: float | None = None
    gate_config_changed: bool = False
    """Matches when the change under review modifies the gate's own inputs."""
    enabled: bool = True
    way_forward: str = ""
    """For a deny rule: what would let the change through (default: derived per rule)."""


_AGENTS = ("agent", "unknown")
_PROD = ("prod", "unknown")
_EVERYWHERE = ENVIRONMENTS

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        name="agent_prod_sandbox_first",
        description="An agent's change to prod must first be applied in a sandbox.",
        actors=_AGENTS,
        environments=_PROD,
        effect=RuleEffect.REQUIRE,
        sandbox_attestation=True,
        any_change=True,
    ),
    Rule(
        name="agent_prod_dual_approval",
        description=(
            "An agent's destroy of data-bearing or foundational resources, or a high-risk "
            "plan, needs two human approvals."
        ),
        actors=_AGENTS,
        environments=_PROD,
        effect=RuleEffect.REQUIRE,
        approvals=2,
        destroy_classes=("data-bearing", "foundational"),
        min_plan_level="high",
    ),
    Rule(
        name="agent_prod_irreversible_data_loss",
        description="An agent may not destroy data that cannot be recovered.",
        actors=_AGENTS,
        environments=_PROD,
        effect=RuleEffect.DENY,
        irreversible_data_loss=True,
    ),
    Rule(
        name="agent_prod_guard_weakening",
        description="An agent may not remove a protection from a prod resource.",
        actors=_AGENTS,
        environments=_PROD,
        effect=RuleEffect.DENY,
        guard_weakening=True,
    ),
    Rule(
        name="agent_prod_mass_destruction",
        description="An agent may not destroy or replace half of the managed resources.",
        actors=_AGENTS,
        environments=_PROD,
        effect=RuleEffect.DENY,
        min_destroyed_ratio=0.5,
    ),
    Rule(
        name="human_prod_high",
        description="A high-risk prod plan from a human needs one other person's approval.",
        actors=("human",),
        environments=_PROD,
        effect=RuleEffect.REQUIRE,
        approvals=1,
        min_plan_level="high",
    ),
    Rule(
        name="human_prod_critical",
        description="A critical prod plan from a human needs two other people's approval.",
        actors=("human",),
        environments=_PROD,
        effect=RuleEffect.REQUIRE,
        approvals=2,
        min_plan_level="critical",
    ),
    Rule(
        name="bot_prod_destroy",
        description="A bot's destroy or replace at medium risk or above needs one approval.",
        actors=("bot",),
        environments=_PROD,
        effect=RuleEffect.REQUIRE,
        approvals=1,
        min_destroy_level="medium",
    ),
    Rule(
        name="bot_prod_critical",
        description="A bot may not apply a critical prod plan.",
        actors=("bot",),
        environments=_PROD,
        effect=RuleEffect.DENY,
        min_plan_level="critical",
    ),
    Rule(
        name="gate_config_changed",
        description=(
            "A change to the gate that judges it (its configuration, risk models, keys, the "
            "workflows or shims that run it) must be made by a human."
        ),
        actors=_AGENTS,
        environments=_EVERYWHERE,
        effect=RuleEffect.DENY,
        gate_config_changed=True,
    ),
    Rule(
        name="gate_config_changed_review",
        description="A human's or bot's change to the gate needs one other person's approval.",
        actors=("human", "bot"),
        environments=_EVERYWHERE,
        effect=RuleEffect.REQUIRE,
        approvals=1,
        gate_config_changed=True,
    ),
    Rule(
        name="agent_staging_high",
        description="A high-risk staging plan from an agent needs one approval.",
        actors=_AGENTS,
        environments=("staging",),
        effect=RuleEffect.REQUIRE,
        approvals=1,
        min_plan_level="high",
    ),
)
"""The built-in policy (dev and sandbox: allow, findings reported)."""
