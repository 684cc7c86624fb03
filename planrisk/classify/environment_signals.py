"""Environment observations (gate stage): plan, runner environment and paths → named values.

Input: a `Plan`, the process environment, the plan path and the working directory.
Output: `Observation`s (a label, a value, which `[environments.*]` key can map it, and how its
tokens are read); `planrisk.classify.environment` turns them into evidence. Nothing here decides.

Cheap on large plans: resource values are decoded only for the few members read (`tags`,
`tags_all`, `labels`, `effective_labels`, and `arn` / `project` / `id` when the configuration
maps accounts, projects or subscriptions), values are aggregated per distinct (key, value),
and the caller may stop the scan early. Members a sensitivity mask covers are never read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from planrisk import values
from planrisk.model import ENVIRONMENT_VARIABLES, Plan, ProviderConfig, Resource

TAG_KEYS = frozenset({"environment", "env", "stage"})
"""Tag and label keys (compared case-insensitively) whose value names the environment."""

_TAG_MEMBERS = ("tags", "tags_all", "labels", "effective_labels")
_ARN_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:[^:]*:[^:]*:(\d{12}):")
_AZURE_SUBSCRIPTION = re.compile(r"^/subscriptions/([0-9a-fA-F-]{36})(?:/|$)", re.IGNORECASE)
_PULUMI_URN = re.compile(r"^urn:pulumi:([^:]+)::")


class Observation(msgspec.Struct, frozen=True):
    """One named value that may point at an environment."""

    label: str
    """How the evidence names it, e.g. `TF_WORKSPACE=prod-eu` or `tag env=prod on 3 resources`."""
    value: str
    """The value matched against config globs and tokens."""
    mapping_key: str | None
    """The `[environments.*]` key whose globs apply (`workspaces`, `aws_accounts`…), if any."""
    tokens: str | None
    """`value` or `path` to read the value's tokens (`planrisk.classify.tokens`); None: mapping
    only."""


class _Probe(msgspec.Struct):
    """The only members of a resource's values that are decoded."""

    tags: Any = None
    tags_all: Any = None
    labels: Any = None
    effective_labels: Any = None
    arn: Any = None
    project: Any = None
    id: Any = None


_PROBE_DECODER = msgspec.json.Decoder(_Probe | None)


def runner_observations(environ: Mapping[str, str]) -> list[Observation]:
    """Workspace names from the runner: TF_WORKSPACE, TFC_WORKSPACE_NAME, Atlantis WORKSPACE."""
    names = ["TF_WORKSPACE", "TFC_WORKSPACE_NAME"]
    if any(k.startswith("ATLANTIS_") for k in environ):
        names.append("WORKSPACE")
    found = []
    for name in names:
        value = environ.get(name, "").strip()
        if value and value != "default":
            found.append(Observation(f"{name}={value}", value, "workspaces", "value"))
    return found


def path_observations(plan_path: Path | None, cwd: Path | None) -> list[Observation]:
    """The plan file's directory and the working directory, relative to their repository."""
    found = []
    for label, path in (("plan path", plan_path), ("working directory", cwd)):
        if path is None:
            continue
        relative = _relative_path(path.parent if label == "plan path" else path)
        if relative:
            found.append(Observation(f"{label} {relative}", relative, "paths", "path"))
    return found


def _relative_path(path: Path) -> str:
    """`path` below the enclosing git repository's root; empty outside a repository.

    Outside a repository there is no root to anchor a path to, and directory names such as
    a temporary `test_x` or a home `dev` would silently lower the environment: no signal.
    """
    resolved = path.resolve()
    for parent in (resolved, *resolved.parents):
        if (parent / ".git").exists():
            relative = resolved.relative_to(parent).as_posix()
            return "" if relative == "." else relative
    return ""


def plan_observations(plan: Plan) -> list[Observation]:
    """Pulumi stacks, root variables, Pulumi config and Terraform provider configuration."""
    found: list[Observation] = []
    stacks: dict[str, None] = {}
    for change in plan.changes:
        stack = change.pulumi.stack if change.pulumi is not None else ""
        match = _PULUMI_URN.match(change.address)
        stack = stack or (match.group(1) if match else "")
        if stack:
            stacks[stack] = None
    found.extend(Observation(f"Pulumi stack {s}", s, "stacks", "value") for s in stacks)
    for name, variable in sorted(plan.variables.items()):
        if variable.sensitive or name.lower() not in ENVIRONMENT_VARIABLES:
            continue
        value = values.decode(variable.value)
        if isinstance(value, str) and value:
            found.append(Observation(f"variable {name}={value}", value, None, "value"))
    for key, text in sorted(plan.pulumi_config.items()):
        if key.rpartition(":")[2].lower() in ENVIRONMENT_VARIABLES and text and text != "[secret]":
            found.append(Observation(f"Pulumi config {key}={text}", text, None, "value"))
    if plan.configuration is not None:
        for key, provider in sorted(plan.configuration.provider_config.items()):
            found.extend(_provider_observations(key, provider))
    for resource in plan.resources:
        if resource.type.startswith("pulumi:providers:"):
            found.extend(_pulumi_provider_observations(resource))
    return found


def _constant(expression: Any) -> Any:
    return expression.get("constant_value") if isinstance(expression, dict) else None


def _blocks(expression: Any) -> list[dict[str, Any]]:
    if isinstance(expression, dict):
        return [expression]
    if isinstance(expression, list):
        return [b for b in expression if isinstance(b, dict)]
    return []


def _provider_observations(key: str, provider: ProviderConfig) -> Iterator[Observation]:
    where = f"provider {key}"
    exprs = provider.expressions
    for block in _blocks(exprs.get("assume_role")):
        arn = _constant(block.get("role_arn"))
        match = _ARN_ACCOUNT.match(arn) if isinstance(arn, str) else None
        if match:
            account = match.group(1)
            label = f"{where} assume_role account {account}"
            yield Observation(label, account, "aws_accounts", None)
    allowed = _constant(exprs.get("allowed_account_ids"))
    for account in allowed if isinstance(allowed, list) else ():
        if isinstance(account, str):
            yield Observation(
                f"{where} allowed_account_ids {account}", account, "aws_accounts", None
            )
    for member, mapping_key in (
        ("project", "gcp_projects"),
        ("subscription_id", "azure_subscriptions"),
        ("config_context", "kube_contexts"),
    ):
        value = _constant(exprs.get(member))
        if isinstance(value, str) and value:
            yield Observation(f"{where} {member} {value}", value, mapping_key, "value")
    tag_maps = [_constant(b.get("tags")) for b in _blocks(exprs.get("default_tags"))]
    tag_maps.append(_constant(exprs.get("default_labels")))
    for tags in tag_maps:
        for tag, value in sorted(tags.items()) if isinstance(tags, dict) else ():
            if tag.lower() in TAG_KEYS and isinstance(value, str) and value:
                yield Observation(f"{where} default tag {tag}={value}", value, None, "value")


_PULUMI_PROVIDER_MEMBERS = (
    ("project", "gcp_projects"),
    ("subscriptionId", "azure_subscriptions"),
    ("context", "kube_contexts"),
)


def _pulumi_provider_observations(resource: Resource) -> Iterator[Observation]:
    """Pulumi provider inputs: the same settings as Terraform provider blocks, camelCased."""
    inputs = values.decode(resource.values)
    if not isinstance(inputs, dict):
        return
    mask = values.decode(resource.sensitive_values)
    name = resource.address.rpartition("::")[2] or resource.address
    where = f"provider {resource.type.removeprefix('pulumi:providers:')} {name}"

    def member(key: str) -> Any:
        if key not in inputs or values.mask_covers(mask, (key,)):
            return None
        value = inputs[key]
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                return msgspec.json.decode(value)
            except msgspec.DecodeError:
                return value
        return value

    roles = member("assumeRoles") or member("assumeRole")
    for block in _blocks(roles):
        arn = block.get("roleArn")
        match = _ARN_ACCOUNT.match(arn) if isinstance(arn, str) else None
        if match:
            account = match.group(1)
            label = f"{where} assumeRole account {account}"
            yield Observation(label, account, "aws_accounts", None)
    allowed = member("allowedAccountIds")
    for account in allowed if isinstance(allowed, list) else ():
        if isinstance(account, str):
            label = f"{where} allowedAccountIds {account}"
            yield Observation(label, account, "aws_accounts", None)
    for key, mapping_key in _PULUMI_PROVIDER_MEMBERS:
        value = member(key)
        if isinstance(value, str) and value:
            yield Observation(f"{where} {key} {value}", value, mapping_key, "value")
    tags = member("defaultTags")
    for tag_map in (tags.get("tags") if isinstance(tags, dict) else None, member("defaultLabels")):
        for tag, value in sorted(tag_map.items()) if isinstance(tag_map, dict) else ():
            if tag.lower() in TAG_KEYS and isinstance(value, str) and value:
                yield Observation(f"{where} default tag {tag}={value}", value, None, "value")


class _Seen(msgspec.Struct):
    addresses: set[str]
    example: str

    @property
    def count(self) -> int:
        return len(self.addresses)


def value_observations(
    plan: Plan,
    *,
    aws_accounts: bool,
    gcp_projects: bool,
    azure_subscriptions: bool,
    stop: Callable[[Observation], bool],
) -> tuple[list[Observation], bool]:
    """Tags/labels (and mapped ids) of every change and resource, aggregated per distinct value.

    `stop(observation)` is asked for each new distinct value; True ends the scan (the outcome
    is decided). Returns what was seen, and whether the scan stopped before the end (then the
    resource counts are lower bounds).
    """
    seen: dict[tuple[str, str, str], _Seen] = {}

    def add(kind: str, member: str, value: str, address: str) -> bool:
        entry = seen.get((kind, member, value))
        if entry is not None:
            entry.addresses.add(address)
            return False
        seen[(kind, member, value)] = _Seen({address}, address)
        return stop(_observation(kind, member, value, seen[(kind, member, value)]))

    ids = aws_accounts or gcp_projects or azure_subscriptions
    for address, raw, mask in _value_sources(plan):
        try:
            probe = _PROBE_DECODER.decode(raw) if raw else None
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue
        if probe is None:
            continue
        probe_mask = _mask(mask)
        items: set[tuple[str, str, str]] = set()
        for member in _TAG_MEMBERS:
            tags = getattr(probe, member)
            if not isinstance(tags, dict):
                continue
            for tag, value in tags.items():
                if (
                    isinstance(value, str)
                    and value
                    and tag.lower() in TAG_KEYS
                    and not values.mask_covers(probe_mask, (member, tag))
                ):
                    items.add(("tag" if member.startswith("tags") else "label", tag, value))
        if ids:
            items.update(_ids(probe, probe_mask, aws_accounts, gcp_projects, azure_subscriptions))
        for kind, member, value in sorted(items):
            if add(kind, member, value, address):
                return _observations(seen), True
    return _observations(seen), False


def _ids(
    probe: _Probe, mask: Any, aws: bool, gcp: bool, azure: bool
) -> Iterator[tuple[str, str, str]]:
    def text(member: str) -> str | None:
        value = getattr(probe, member)
        if isinstance(value, str) and not values.mask_covers(mask, (member,)):
            return value
        return None

    arn, project, ident = text("arn"), text("project"), text("id")
    if aws and arn and (match := _ARN_ACCOUNT.match(arn)):
        yield ("aws_accounts", "arn", match.group(1))
    if gcp and project:
        yield ("gcp_projects", "project", project)
    if azure and ident and (match := _AZURE_SUBSCRIPTION.match(ident)):
        yield ("azure_subscriptions", "id", match.group(1).lower())


def _value_sources(plan: Plan) -> Iterator[tuple[str, msgspec.Raw, msgspec.Raw]]:
    for change in plan.changes:
        yield change.address, change.after, change.after_sensitive
        yield change.address, change.before, change.before_sensitive
    for resource in plan.resources:
        yield resource.address, resource.values, resource.sensitive_values


def _mask(mask: msgspec.Raw) -> Any:
    if not mask:
        return None
    try:
        decoded = _PROBE_DECODER.decode(mask)
    except (msgspec.DecodeError, msgspec.ValidationError):
        # A mask we cannot read covers everything: never risk showing a sensitive value.
        return True
    if decoded is None:
        return None
    return {k: getattr(decoded, k) for k in _Probe.__struct_fields__ if getattr(decoded, k)}


def _observation(kind: str, member: str, value: str, seen: _Seen) -> Observation:
    where = f"on {seen.count} resource{'s' if seen.count != 1 else ''}, e.g. {seen.example}"
    if kind in ("tag", "label"):
        return Observation(f"{kind} {member}={value} {where}", value, None, "value")
    label = f"{kind[:-1].replace('_', ' ')} {value} ({member} {where})"
    return Observation(label, value, kind, None)


def _observations(seen: dict[tuple[str, str, str], _Seen]) -> list[Observation]:
    return [_observation(k, m, v, s) for (k, m, v), s in seen.items()]
