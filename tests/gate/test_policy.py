"""Gate policy: built-in rules, config overrides, strict validation, `planrisk policy show`.

Input: hand-built assessments and `[policy]` tables. Output: assertions on the rules that fire,
what they require, and the key path named by every validation error.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from planrisk.errors import ConfigError
from planrisk.gate.policy import default_policy, evaluate_policy, load_policy
from planrisk.gate.rules import DEFAULT_RULES
from planrisk.model import (
    Action,
    ActorKind,
    ActorResult,
    Assessment,
    ChangeScore,
    Environment,
    EnvironmentResult,
    PlanRisk,
    RiskClass,
    RiskLevel,
)
from tests.support import builders
from tests.support.builders import make_plan
from tests.support.cli import clean_env, run_program


def scored(
    action: Action, cls: str, score: int, *, irreversible: bool = False, weakening: bool = False
) -> ChangeScore:
    return ChangeScore(
        change=builders.change(f"x.{cls}-{score}", "t", action, name="n"),
        risk_class=RiskClass(cls),
        score=score,
        level=RiskLevel.for_score(score),
        irreversible_data_loss=irreversible,
        guard_weakening=weakening,
    )


def assessment(*changes: ChangeScore, env: str = "prod", ratio: float = 0.0) -> Assessment:
    plan = make_plan()
    worst = max((c.score for c in changes), default=0)
    treated = "prod" if env == "unknown" else env
    return Assessment(
        plan=plan,
        environment=EnvironmentResult(name=Environment(env), treated_as=Environment(treated)),
        risk=PlanRisk(score=worst, level=RiskLevel.for_score(worst), destroyed_ratio=ratio),
        changes=changes,
    )


def actor(kind: str) -> ActorResult:
    return ActorResult(
        kind=ActorKind(kind), treated_as=ActorKind.AGENT if kind == "unknown" else ActorKind(kind)
    )


CASES: list[tuple[str, str, list[ChangeScore], float, set[str], bool, bool, int]] = [
    # actor, env, changes, ratio, rules fired, deny, attestation, approvals
    ("agent", "prod", [scored(Action.UPDATE, "data-bearing", 8)], 0.0,
     {"agent_prod_sandbox_first"}, False, True, 0),
    ("unknown", "unknown", [scored(Action.UPDATE, "standard", 4)], 0.0,
     {"agent_prod_sandbox_first"}, False, True, 0),
    ("agent", "prod", [scored(Action.DELETE, "foundational", 40)], 0.1,
     {"agent_prod_sandbox_first", "agent_prod_dual_approval"}, False, True, 2),
    ("agent", "prod", [scored(Action.UPDATE, "standard", 60)], 0.0,
     {"agent_prod_sandbox_first", "agent_prod_dual_approval"}, False, True, 2),
    ("agent", "prod", [scored(Action.DELETE, "data-bearing", 85, irreversible=True)], 0.1,
     {"agent_prod_sandbox_first", "agent_prod_dual_approval",
      "agent_prod_irreversible_data_loss"}, True, True, 2),
    ("agent", "prod", [scored(Action.UPDATE, "data-bearing", 38, weakening=True)], 0.0,
     {"agent_prod_sandbox_first", "agent_prod_guard_weakening"}, True, True, 0),
    ("agent", "prod", [scored(Action.DELETE, "standard", 35)], 0.5,
     {"agent_prod_sandbox_first", "agent_prod_mass_destruction"}, True, True, 0),
    ("agent", "prod", [scored(Action.READ, "standard", 0)][:0], 0.0, set(), False, False, 0),
    ("human", "prod", [scored(Action.DELETE, "standard", 60)], 0.1,
     {"human_prod_high"}, False, False, 1),
    ("human", "prod", [scored(Action.DELETE, "data-bearing", 85, irreversible=True)], 0.1,
     {"human_prod_high", "human_prod_critical"}, False, False, 2),
    ("human", "prod", [scored(Action.DELETE, "data-bearing", 45)], 0.1, set(), False, False, 0),
    ("bot", "prod", [scored(Action.DELETE, "standard", 35)], 0.1,
     {"bot_prod_destroy"}, False, False, 1),
    ("bot", "prod", [scored(Action.UPDATE, "standard", 35)], 0.0, set(), False, False, 0),
    ("bot", "prod", [scored(Action.DELETE, "data-bearing", 85)], 0.1,
     {"bot_prod_destroy", "bot_prod_critical"}, True, False, 1),
    ("agent", "staging", [scored(Action.DELETE, "data-bearing", 61, irreversible=True)], 0.1,
     {"agent_staging_high"}, False, False, 1),
    ("agent", "staging", [scored(Action.DELETE, "data-bearing", 49)], 0.1, set(), False, False, 0),
    ("human", "staging", [scored(Action.DELETE, "data-bearing", 85)], 0.1, set(), False, False, 0),
    ("agent", "dev", [scored(Action.DELETE, "data-bearing", 85, irreversible=True)], 0.9,
     set(), False, False, 0),
    ("agent", "sandbox", [scored(Action.DELETE, "data-bearing", 85)], 0.9, set(), False, False, 0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "env", "changes", "ratio", "fired", "deny", "attest", "approvals"), CASES
)
def test_default_rules(
    who: str,
    env: str,
    changes: list[ChangeScore],
    ratio: float,
    fired: set[str],
    deny: bool,
    attest: bool,
    approvals: int,
) -> None:
    outcome = evaluate_policy(
        default_policy(), assessment(*changes, env=env, ratio=ratio), actor(who)
    )
    assert {r.name for r in outcome.fired} == fired
    assert (outcome.deny, outcome.needs_attestation, outcome.approvals_needed) == (
        deny,
        attest,
        approvals,
    )
    assert all(r.reason for r in outcome.fired)


def test_kept_in_cloud_is_not_a_destroy_for_the_policy() -> None:
    forgotten = ChangeScore(
        change=builders.change("b", "t", Action.DELETE),
        risk_class=RiskClass.DATA_BEARING,
        score=0,
        level=RiskLevel.NONE,
        kept_in_cloud=True,
    )
    outcome = evaluate_policy(default_policy(), assessment(forgotten), actor("bot"))
    assert outcome.fired == ()


def test_overrides_change_and_add_rules() -> None:
    policy = load_policy(
        {
            "attestation_max_age": "2d",
            "rules": {
                "human_prod_high": {"approvals": 2},
                "agent_prod_mass_destruction": {"enabled": False},
                "staging_freeze": {
                    "actors": ["human", "bot"],
                    "environments": ["staging"],
                    "effect": "deny",
                    "min_plan_level": "medium",
                },
            },
        },
        "cfg.toml",
    )
    assert policy.attestation_max_age.days == 2
    names = [r.name for r in policy.rules]
    assert names[: len(DEFAULT_RULES)] == [r.name for r in DEFAULT_RULES]
    assert names[-1] == "staging_freeze"
    human = evaluate_policy(
        policy, assessment(scored(Action.DELETE, "standard", 60)), actor("human")
    )
    assert human.approvals_needed == 2
    agent = evaluate_policy(
        policy, assessment(scored(Action.DELETE, "standard", 35), ratio=1.0), actor("agent")
    )
    assert not agent.deny
    frozen = evaluate_policy(
        policy,
        assessment(scored(Action.UPDATE, "standard", 30), env="staging"),
        actor("human"),
    )
    assert frozen.deny and [r.name for r in frozen.fired] == ["staging_freeze"]


def test_match_all_needs_every_condition() -> None:
    policy = load_policy(
        {
            "rules": {
                "both": {
                    "actors": ["human"],
                    "environments": ["prod"],
                    "effect": "deny",
                    "match": "all",
                    "min_plan_level": "high",
                    "destroy_classes": ["data-bearing"],
                }
            }
        },
        "cfg.toml",
    )
    only_level = assessment(scored(Action.DELETE, "standard", 60))
    both = assessment(scored(Action.DELETE, "data-bearing", 60))
    assert not evaluate_policy(policy, only_level, actor("human")).deny
    assert evaluate_policy(policy, both, actor("human")).deny


def high(body: Any) -> dict[str, Any]:
    """A `[policy]` table overriding `human_prod_high` with `body`."""
    return {"rules": {"human_prod_high": body}}


@pytest.mark.parametrize(
    ("table", "path"),
    [
        ({"rulez": {}}, "policy.rulez"),
        ({"attestation_max_age": 7}, "policy.attestation_max_age"),
        ({"attestation_max_age": "soon"}, "policy.attestation_max_age"),
        ({"rules": []}, "policy.rules"),
        (high(3), "policy.rules.human_prod_high"),
        (high({"aprovals": 1}), "policy.rules.human_prod_high.aprovals"),
        (high({"approvals": -1}), "policy.rules.human_prod_high.approvals"),
        (high({"approvals": True}), "policy.rules.human_prod_high.approvals"),
        (high({"actors": ["robot"]}), "policy.rules.human_prod_high.actors"),
        (high({"actors": "human"}), "policy.rules.human_prod_high.actors"),
        (high({"environments": ["qa"]}),
         "policy.rules.human_prod_high.environments"),
        (high({"min_plan_level": "severe"}),
         "policy.rules.human_prod_high.min_plan_level"),
        (high({"effect": "warn"}), "policy.rules.human_prod_high.effect"),
        (high({"match": "some"}), "policy.rules.human_prod_high.match"),
        (high({"min_destroyed_ratio": 1.5}),
         "policy.rules.human_prod_high.min_destroyed_ratio"),
        (high({"enabled": "no"}), "policy.rules.human_prod_high.enabled"),
        (high({"destroy_classes": ["precious"]}),
         "policy.rules.human_prod_high.destroy_classes"),
        ({"rules": {"new_rule": {"actors": ["human"], "environments": ["prod"]}}},
         "policy.rules.new_rule.effect"),
        (high({"approvals": 0}), "policy.rules.human_prod_high"),
    ],
)  # fmt: skip
def test_strict_validation_names_the_key_path(table: dict[str, Any], path: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_policy(table, "team.toml")
    assert info.value.message.startswith(f"{path}: ")
    assert info.value.source == "team.toml"
    assert "planrisk policy show" in (info.value.hint or "")


def _policy_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_program("policy", "show", *args, cwd=tmp_path, env=clean_env(tmp_path), timeout=60)


def test_policy_show_defaults_and_overrides(tmp_path: Path) -> None:
    proc = _policy_cli(tmp_path, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["source"] == "built-in defaults" and doc["attestation_max_age"] == "7d"
    assert sorted(doc["rules"]) == sorted(r.name for r in DEFAULT_RULES)
    dual = doc["rules"]["agent_prod_dual_approval"]
    assert dual["approvals"] == 2 and dual["min_plan_level"] == "high"
    (tmp_path / ".planrisk.toml").write_text(
        '[policy]\nattestation_max_age = "1d"\n[policy.rules.human_prod_high]\napprovals = 2\n',
        encoding="utf-8",
    )
    doc = json.loads(_policy_cli(tmp_path, "--format", "json").stdout)
    assert doc["attestation_max_age"] == "1d"
    assert doc["rules"]["human_prod_high"]["approvals"] == 2
    assert doc["source"].endswith(".planrisk.toml")


def test_policy_show_rejects_a_bad_policy_with_exit_3(tmp_path: Path) -> None:
    (tmp_path / ".planrisk.toml").write_text(
        "[policy.rules.human_prod_high]\napprovals = -2\n", encoding="utf-8"
    )
    proc = _policy_cli(tmp_path)
    assert proc.returncode == 3
    assert "policy.rules.human_prod_high.approvals" in proc.stderr
    assert "Traceback" not in proc.stderr
