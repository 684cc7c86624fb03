"""Environment classification (gate stage): plan + runner + config → `EnvironmentResult`.

Input: a `Plan`, `--env`, the `[environments.*]` config mappings, the process environment,
the plan path and the working directory. Output: `model.EnvironmentResult` with prod |
staging | dev | sandbox | unknown, the environment used for scoring, and the evidence.

Signals, each read as a whole value (`planrisk.classify.environment_signals` says where they
come from):
  config mapping of a workspace, stack, path, AWS account, GCP project, Azure subscription or
  kube context (globs); TF_WORKSPACE / TFC_WORKSPACE_NAME / Atlantis WORKSPACE; Pulumi stacks
  of the URNs; root variables and Pulumi config named environment / env / stage; provider
  configuration (assume_role account, allowed_account_ids, project, subscription_id,
  config_context, default_tags, default_labels); Environment / env / stage tags and labels on
  resources; the plan's directory and the working directory (below the repository root).

"Enough evidence": a value is evidence when a config glob maps it (checked first, most severe
environment first), or else when its whole tokens name an environment
(`planrisk.classify.tokens`). One such signal is enough; planrisk reads no guess-prone signal
(resource names, regions, namespaces). Account ids, projects and subscriptions count only
through the config mapping.

Resolution: one environment named → that one. Several (a `dev` workspace with a prod account,
or resources tagged prod and staging) → conflict → prod, and the evidence says so. None →
unknown, treated as prod. `--env` names the environment when nothing else does and can make the
result stricter, never looser: `--env sandbox` on a plan whose signals say prod stays prod.
Once prod is certain, the per-resource scan stops: large plans stay fast.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

from planrisk.classify.environment_signals import (
    Observation,
    path_observations,
    plan_observations,
    runner_observations,
    value_observations,
)
from planrisk.classify.tokens import ENVIRONMENTS, UNKNOWN, any_glob, environment_of, severity
from planrisk.config import EnvironmentMapping, PlanriskConfig
from planrisk.errors import PlanriskError
from planrisk.model import Environment, EnvironmentResult, Plan

ENV_CHOICES: tuple[str, ...] = ("auto", *ENVIRONMENTS)
"""Values accepted by `--env`."""


def classify_environment(
    plan: Plan,
    *,
    requested: str = "auto",
    config: PlanriskConfig | None = None,
    environ: Mapping[str, str] | None = None,
    plan_path: Path | None = None,
    cwd: Path | None = None,
    paths_raise_only: bool = False,
) -> EnvironmentResult:
    """Classify the environment the plan touches (see the module docstring for the rules).

    `cwd` is the run's working directory (default: the process's). With `paths_raise_only`
    (agent and unknown initiators, who choose where a plan file is written and where the tool
    runs) a path signal counts only when it makes the environment stricter.
    """
    if requested not in ENV_CHOICES:
        raise PlanriskError(
            f"unknown --env value {requested!r}", hint=f"use one of {', '.join(ENV_CHOICES)}"
        )
    mappings = config.environments if config is not None else {}
    env = os.environ if environ is None else environ

    def judged(observations: list[Observation]) -> list[tuple[str, str]]:
        return [s for s in (judge(o, mappings) for o in observations) if s is not None]

    from_paths = judged(path_observations(plan_path, cwd if cwd is not None else Path.cwd()))
    signals = [
        *judged(runner_observations(env)),
        *([] if paths_raise_only else from_paths),
        *judged(plan_observations(plan)),
    ]
    if not any(name == "prod" for name, _ in signals):
        mapped = {
            key
            for mapping in mappings.values()
            for key in ("aws_accounts", "gcp_projects", "azure_subscriptions")
            if getattr(mapping, key)
        }
        scanned, stopped = value_observations(
            plan,
            aws_accounts="aws_accounts" in mapped,
            gcp_projects="gcp_projects" in mapped,
            azure_subscriptions="azure_subscriptions" in mapped,
            stop=lambda o: (judge(o, mappings) or ("", ""))[0] == "prod",
        )
        signals.extend(judged(scanned))
        if stopped:
            signals.append(("prod", "resource scan stopped early: prod is certain"))
    if not paths_raise_only:
        result = _resolve(signals, requested)
        if from_paths:
            rest = [s for s in signals if s not in from_paths]
            strict = _resolve(rest + _raising(from_paths, rest)[0], requested)
            if severity(strict.treated_as) > severity(result.treated_as):
                result = msgspec.structs.replace(result, path_lowered=True)
        return result
    kept, ignored = _raising(from_paths, signals)
    result = _resolve(signals + kept, requested)
    if ignored:
        result = msgspec.structs.replace(result, evidence=(*result.evidence, *ignored))
    return result


def _raising(
    from_paths: list[tuple[str, str]], signals: list[tuple[str, str]]
) -> tuple[list[tuple[str, str]], list[str]]:
    """The path signals that do not lower what `signals` say, and notes on those that would."""
    current = _resolve(signals, "auto").treated_as
    kept, ignored = [], []
    for name, text in from_paths:
        if severity(name) >= severity(current):
            kept.append((name, text))
        else:
            ignored.append(
                f"{text} ignored: for an agent or unknown initiator a path can only make the "
                "environment stricter"
            )
    return kept, ignored


def judge(
    observation: Observation, mappings: Mapping[str, EnvironmentMapping]
) -> tuple[str, str] | None:
    """(environment, evidence) for one observation: config globs first, then its tokens."""
    key = observation.mapping_key
    if key is not None:
        for name in ENVIRONMENTS:
            mapping = mappings.get(name)
            if mapping is None:
                continue
            pattern = _mapped(getattr(mapping, key), observation)
            if pattern is not None:
                text = f"{observation.label} → {name} by [environments.{name}] {key} {pattern!r}"
                return name, text
    if observation.tokens is not None:
        found = environment_of(observation.value, path=observation.tokens == "path")
        if found is not None:
            return found, f"{observation.label} → {found}"
    return None


def _mapped(patterns: tuple[str, ...], observation: Observation) -> str | None:
    if observation.tokens != "path":
        return any_glob(patterns, observation.value)
    parts = observation.value.split("/")
    suffixes = ["/".join(parts[i:]) for i in range(len(parts))]
    for pattern in patterns:
        clean = pattern.removeprefix("./").rstrip("/")
        if any(any_glob((clean,), s) for s in suffixes):
            return pattern
    return None


def _resolve(signals: list[tuple[str, str]], requested: str) -> EnvironmentResult:
    evidence = list(dict.fromkeys(text for _, text in signals))
    named = [e for e in ENVIRONMENTS if any(name == e for name, _ in signals)]
    name: Environment
    if not named:
        name = UNKNOWN
    elif len(named) == 1:
        name = named[0]
    else:
        name = Environment.PROD
        evidence.append(f"conflict: {' vs '.join(named)} → prod")
    if requested != "auto":
        if name == UNKNOWN or severity(requested) > severity(name):
            name = Environment(requested)
            evidence.append(f"--env {requested} requested")
        elif severity(requested) < severity(name):
            evidence.append(f"--env {requested} requested but {name} evidence wins")
        else:
            evidence.append(f"--env {requested} requested, as detected")
    if name == UNKNOWN:
        evidence.append("no environment evidence: unknown, treated as prod")
    return EnvironmentResult(
        name=name,
        treated_as=Environment.PROD if name == UNKNOWN else name,
        evidence=tuple(evidence),
    )
