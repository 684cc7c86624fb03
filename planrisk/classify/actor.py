"""Actor classification (gate stage): environment, CI context and commits → `ActorResult`.

Input: the process environment, the GitHub event payload, the commits being applied (`git log`),
the `--actor` / `--initiator` options and the actor lists (planrisk/classify/actors.toml extended by
`[actors]` in .planrisk.toml). Output: `model.ActorResult` with kind human | agent | bot |
unknown, the initiator's identity, and one short evidence sentence per signal.

Rules:
- Agent evidence anywhere wins (an agent marker in the environment, an agent login as actor,
  PR author or commenter, an agent commit author or trailer, an agent branch prefix): a human
  who launched an agent still made an agent-initiated change.
- Otherwise the strictest login seen decides: unknown (a login outside a non-empty `humans`
  list) over bot over human.
- In CI with no identity at all the kind is unknown; outside CI with no evidence it is human.
- Unknown is treated as agent.
- `--actor` can make the result stricter (human < bot < unknown < agent), never looser; a
  looser request is reported and ignored.
- `--initiator NAME` names the initiator when the environment cannot; the name is classified
  like any login.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from planrisk.classify.ci import CiContext, Login, read_ci_context
from planrisk.classify.commits import read_commits, trailers_of
from planrisk.classify.tokens import any_glob
from planrisk.config import ActorLists, PlanriskConfig, parse_actor_lists
from planrisk.config.ci import is_set
from planrisk.errors import PlanriskError
from planrisk.model import ActorKind, ActorResult

ACTOR_CHOICES: tuple[str, ...] = ("auto", "human", "bot", "agent")
"""Values accepted by `--actor`."""

_STRICTNESS = {"human": 0, "bot": 1, "unknown": 2, "agent": 3}
_PHRASE = {
    "agent": "is an AI agent",
    "bot": "is a bot",
    "human": "is a human",
    "unknown": "is not in the [actors] humans list",
}
_MAX_VALUE = 60


@lru_cache(maxsize=1)
def builtin_actor_lists() -> ActorLists:
    """The lists shipped in planrisk/classify/actors.toml (read as a file next to this module;
    through `importlib.resources`, imported only then, when the package is in an archive)."""
    shipped = Path(__file__).resolve().parent / "actors.toml"
    if shipped.is_file():
        text = shipped.read_text(encoding="utf-8")
    else:
        from importlib import resources

        text = (
            resources.files("planrisk.classify").joinpath("actors.toml").read_text(encoding="utf-8")
        )
    return parse_actor_lists(tomllib.loads(text), "planrisk/classify/actors.toml", "")


def actor_lists(config: PlanriskConfig | None) -> ActorLists:
    """The built-in lists extended by the configuration's `[actors]` section."""
    builtin = builtin_actor_lists()
    return builtin if config is None else builtin.extended(config.actors)


def classify_login(login: str, account_type: str | None, lists: ActorLists) -> str:
    """agent, bot, human or unknown for one login (GitHub account type `Bot` makes a bot)."""
    if any_glob(lists.agent_logins, login):
        return "agent"
    if any_glob(lists.bot_logins, login) or login.lower().endswith("[bot]"):
        return "bot"
    if account_type is not None and account_type.lower() == "bot":
        return "bot"
    if lists.humans and not any_glob(lists.humans, login):
        return "unknown"
    return "human"


def is_agent_identity(person: str, lists: ActorLists) -> bool:
    """Whether `name <email>` (or a bare name) is an agent by `agent_trailers` / `agent_logins`."""
    name, _, rest = person.partition("<")
    name, email = name.strip(), rest.rstrip(">").strip()
    candidates = [c for c in (person.strip(), name, email) if c]
    if any(any_glob(lists.agent_trailers, c) for c in candidates):
        return True
    return bool(name) and any_glob(lists.agent_logins, name) is not None


def classify_actor(
    *,
    requested: str = "auto",
    initiator: str | None = None,
    environ: Mapping[str, str] | None = None,
    config: PlanriskConfig | None = None,
    repo_dir: Path | None = None,
) -> ActorResult:
    """Classify who initiated the plan (see the module docstring for the rules)."""
    if requested not in ACTOR_CHOICES:
        raise PlanriskError(
            f"unknown --actor value {requested!r}", hint=f"use one of {', '.join(ACTOR_CHOICES)}"
        )
    env = os.environ if environ is None else environ
    lists = actor_lists(config)
    ci = read_ci_context(env)
    signals: list[tuple[str, str]] = []
    signals.extend(_env_markers(env, lists))
    signals.extend(_ci_signals(ci, lists))
    directory = repo_dir if repo_dir is not None else Path.cwd()
    for commit in read_commits(directory, ci.commit_range):
        if is_agent_identity(commit.author, lists):
            signals.append(("agent", f"commit {commit.sha} author {commit.author} is an AI agent"))
        for key, value in commit.trailers:
            if is_agent_identity(value, lists):
                signals.append(("agent", f"commit {commit.sha} trailer {key}: {value}"))
    identity = ci.identity
    notes = list(ci.notes)
    if initiator:
        if identity is None:
            identity = initiator
            kind = classify_login(initiator, None, lists)
            signals.append((kind, f"--initiator {initiator} {_PHRASE[kind]}"))
        else:
            notes.append(f"--initiator {initiator} ignored: {ci.system} names {identity}")
    kind, conclusion = _decide(signals, ci)
    if identity is None and ci.system is None:
        identity = env.get("USER") or env.get("LOGNAME") or None
    evidence = _unique([text for _, text in signals] + notes + conclusion)
    if requested != "auto":
        kind, line = _apply_request(kind, requested)
        evidence.append(line)
    return ActorResult(
        kind=ActorKind(kind),
        treated_as=ActorKind.AGENT if kind == ActorKind.UNKNOWN else ActorKind(kind),
        identity=identity,
        evidence=tuple(evidence),
    )


def _env_markers(env: Mapping[str, str], lists: ActorLists) -> list[tuple[str, str]]:
    found = []
    for marker in lists.agent_env_markers:
        name, has_pattern, pattern = marker.partition("=")
        if name not in env:
            continue
        value = env[name]
        matched = any_glob((pattern,), value) is not None if has_pattern else is_set(env, name)
        if matched:
            found.append(("agent", f"env {name}={_short(value)}"))
    return found


def _ci_signals(ci: CiContext, lists: ActorLists) -> list[tuple[str, str]]:
    found = [_login_signal(login, lists) for login in ci.logins]
    for where, person in ci.authors:
        if is_agent_identity(person, lists):
            found.append(("agent", f"{where} {person} is an AI agent"))
    for sha, message in ci.messages:
        for key, value in trailers_of(message):
            if is_agent_identity(value, lists):
                found.append(("agent", f"commit {sha} trailer {key}: {value}"))
    for branch in ci.branches:
        prefix = next((p for p in lists.agent_branch_prefixes if branch.startswith(p)), None)
        if prefix is not None:
            found.append(("agent", f"branch {branch}"))
    return found


def _login_signal(login: Login, lists: ActorLists) -> tuple[str, str]:
    kind = classify_login(login.login, login.account_type, lists)
    kind_note = f" ({login.account_type})" if login.account_type else ""
    return kind, f"{login.role} {login.login}{kind_note} {_PHRASE[kind]}"


def _decide(signals: list[tuple[str, str]], ci: CiContext) -> tuple[str, list[str]]:
    kinds = {kind for kind, _ in signals}
    for kind in ("agent", "unknown", "bot", "human"):
        if kind in kinds:
            return kind, []
    if ci.system is not None:
        return "unknown", [f"{ci.system} run names no initiator (pass --initiator)"]
    return "human", ["not in CI and no agent evidence"]


def _apply_request(kind: str, requested: str) -> tuple[str, str]:
    if _STRICTNESS[requested] > _STRICTNESS[kind]:
        return requested, f"--actor {requested} requested"
    if _STRICTNESS[requested] < _STRICTNESS[kind]:
        return kind, f"--actor {requested} requested but {kind} evidence wins"
    return kind, f"--actor {requested} requested, as detected"


def _short(value: str) -> str:
    return value if len(value) <= _MAX_VALUE else value[: _MAX_VALUE - 1] + "…"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
