"""Configuration loader (used by every stage): `.planrisk.toml` → `PlanriskConfig`.

Input: an explicit config path, or `.planrisk.toml` in the working directory, or nothing.
Output: a validated, frozen `PlanriskConfig` with paths resolved against the config file's
directory and a `digest` for the audit log. Strict: an unknown key, a wrong type or a bad
value raises `ConfigError` naming the file and the key path (`environments.prod.acounts`).

Sections:
    [environments.<prod|staging|dev|sandbox>]  lists of globs: workspaces, stacks, paths,
                                               aws_accounts, gcp_projects, azure_subscriptions,
                                               kube_contexts
    [actors]                                   lists extending planrisk/data/actors.toml
    risk_models = ["path", …]                  extra risk model files
    [[trusted_keys]]                           name, purpose (attestation|approval), public_key
    [policy], [evidence]                       tables, validated by the gate and evidence stages
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from planrisk.errors import ConfigError
from planrisk.ingest.digest import canonical_value
from planrisk.model import TrustedKeyEntry
from planrisk.tokens import ENVIRONMENTS

CONFIG_FILENAME = ".planrisk.toml"
"""The file looked up in the working directory when no path is given."""

TRUSTED_KEY_PURPOSES = ("attestation", "approval")
"""Allowed `purpose` values of a `[[trusted_keys]]` entry."""


class EnvironmentMapping(msgspec.Struct, frozen=True, kw_only=True):
    """One `[environments.<name>]` table: globs that put a plan in that environment."""

    workspaces: tuple[str, ...] = ()
    """Terraform workspace names (TF_WORKSPACE, TFC_WORKSPACE_NAME, Atlantis WORKSPACE)."""
    stacks: tuple[str, ...] = ()
    """Pulumi stack names (from URNs)."""
    paths: tuple[str, ...] = ()
    """Directory globs matched against the plan file's directory and the working directory."""
    aws_accounts: tuple[str, ...] = ()
    """AWS account ids (provider assume_role / allowed_account_ids, ARNs in values)."""
    gcp_projects: tuple[str, ...] = ()
    """Google project ids (provider `project`, resource `project`)."""
    azure_subscriptions: tuple[str, ...] = ()
    """Azure subscription ids (provider `subscription_id`, resource ids)."""
    kube_contexts: tuple[str, ...] = ()
    """Kubernetes contexts (provider `config_context`)."""


MAPPING_KEYS: tuple[str, ...] = tuple(EnvironmentMapping.__struct_fields__)
"""Keys allowed inside `[environments.<name>]`."""


class ActorLists(msgspec.Struct, frozen=True, kw_only=True):
    """The actor vocabulary: built in (planrisk/data/actors.toml) plus `[actors]` additions."""

    agent_env_markers: tuple[str, ...] = ()
    """`NAME` (set to a true-ish value) or `NAME=glob` on the value: an AI agent runs."""
    agent_logins: tuple[str, ...] = ()
    """Login globs of AI coding agents (`copilot-swe-agent[bot]`)."""
    bot_logins: tuple[str, ...] = ()
    """Login globs of non-AI automation (`dependabot[bot]`); any `*[bot]` login is a bot too."""
    agent_trailers: tuple[str, ...] = ()
    """Identity globs matched against commit authors and Co-authored-by / Assisted-by /
    Generated-by trailers: a name, an email, or `name <email>`."""
    agent_branch_prefixes: tuple[str, ...] = ()
    """Branch name prefixes agents create (`claude/`)."""
    humans: tuple[str, ...] = ()
    """When non-empty, only these login globs count as human; other unknown logins → unknown."""

    def extended(self, extra: ActorLists) -> ActorLists:
        """These lists followed by the entries of `extra` not already present."""
        merged: dict[str, tuple[str, ...]] = {}
        for key in ACTOR_KEYS:
            mine: tuple[str, ...] = getattr(self, key)
            theirs: tuple[str, ...] = getattr(extra, key)
            merged[key] = mine + tuple(x for x in theirs if x not in mine)
        return ActorLists(**merged)


ACTOR_KEYS: tuple[str, ...] = tuple(ActorLists.__struct_fields__)
"""Keys allowed inside `[actors]`."""


class PlanriskConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The validated configuration (built-in defaults when no file was found)."""

    path: str | None = None
    """The config file read, or None for the built-in defaults."""
    digest: str = ""
    """`sha256:<hex>` of the file bytes, or of the defaults' canonical form."""
    environments: dict[str, EnvironmentMapping] = {}
    """Environment name → mapping globs."""
    actors: ActorLists = ActorLists()
    """User additions to the built-in actor lists (merged by `planrisk.actor`)."""
    risk_models: tuple[str, ...] = ()
    """Extra risk model files, resolved against the config file's directory."""
    trusted_keys: tuple[TrustedKeyEntry, ...] = ()
    """Trusted public keys, paths resolved against the config file's directory."""
    policy: dict[str, Any] = {}
    """The `[policy]` table as written (validated by the gate stage)."""
    evidence: dict[str, Any] = {}
    """The `[evidence]` table as written (validated by the evidence stage)."""


_TOP_LEVEL = ("environments", "actors", "risk_models", "trusted_keys", "policy", "evidence")
_TRUSTED_KEY_KEYS = ("name", "purpose", "public_key")
_HINT = "see the README section on .planrisk.toml"


def default_config() -> PlanriskConfig:
    """The built-in defaults (no file), with the digest of their canonical form."""
    return _with_digest(PlanriskConfig(), None)


def load_config(path: Path | None = None, cwd: Path | None = None) -> PlanriskConfig:
    """Load `path`, else `.planrisk.toml` in `cwd` (default: the process's cwd), else defaults."""
    if path is None:
        candidate = (cwd if cwd is not None else Path.cwd()) / CONFIG_FILENAME
        if not candidate.is_file():
            return default_config()
        path = candidate
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the configuration file ({exc.strerror})",
            source=str(path),
            hint="pass an existing file with --config, or remove the option",
        ) from None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"not valid TOML ({exc})", source=str(path), hint="fix the syntax; " + _HINT
        ) from None
    config = _parse(document, path)
    return _with_digest(config, data)


def parse_actor_lists(document: dict[str, Any], source: str, prefix: str) -> ActorLists:
    """Validate a table of actor lists (the `[actors]` section or the built-in data file)."""
    _check_keys(document, ACTOR_KEYS, source, prefix)
    lists = {key: _globs(document[key], source, _join(prefix, key)) for key in document}
    return ActorLists(**lists)


def _with_digest(config: PlanriskConfig, data: bytes | None) -> PlanriskConfig:
    if data is None:
        data = canonical_value(msgspec.to_builtins(config))
    return msgspec.structs.replace(config, digest="sha256:" + hashlib.sha256(data).hexdigest())


def _parse(document: dict[str, Any], path: Path) -> PlanriskConfig:
    source = str(path)
    base = path.resolve().parent
    _check_keys(document, _TOP_LEVEL, source, "")
    return PlanriskConfig(
        path=source,
        environments=_environments(document.get("environments", {}), source),
        actors=parse_actor_lists(_table(document, "actors", source), source, "actors"),
        risk_models=tuple(
            str(base / p) for p in _strings(document.get("risk_models", []), source, "risk_models")
        ),
        trusted_keys=_trusted_keys(document.get("trusted_keys", []), source, base),
        policy=_table(document, "policy", source),
        evidence=_table(document, "evidence", source),
    )


def _environments(value: Any, source: str) -> dict[str, EnvironmentMapping]:
    if not isinstance(value, dict):
        raise _error(source, "environments", "must be a table of [environments.<name>] tables")
    _check_keys(value, ENVIRONMENTS, source, "environments")
    result: dict[str, EnvironmentMapping] = {}
    for name in ENVIRONMENTS:
        if name not in value:
            continue
        table = value[name]
        key = f"environments.{name}"
        if not isinstance(table, dict):
            raise _error(source, key, "must be a table")
        _check_keys(table, MAPPING_KEYS, source, key)
        result[name] = EnvironmentMapping(
            **{k: _globs(v, source, f"{key}.{k}") for k, v in table.items()}
        )
    return result


def _trusted_keys(value: Any, source: str, base: Path) -> tuple[TrustedKeyEntry, ...]:
    if not isinstance(value, list):
        raise _error(source, "trusted_keys", "must be an array of tables ([[trusted_keys]])")
    entries = []
    for i, item in enumerate(value):
        key = f"trusted_keys[{i}]"
        if not isinstance(item, dict):
            raise _error(source, key, "must be a table")
        _check_keys(item, _TRUSTED_KEY_KEYS, source, key)
        for field in _TRUSTED_KEY_KEYS:
            if not isinstance(item.get(field), str) or not item[field].strip():
                raise _error(source, f"{key}.{field}", "is required and must be a non-empty string")
        if item["purpose"] not in TRUSTED_KEY_PURPOSES:
            raise _error(
                source, f"{key}.purpose", f"must be one of {', '.join(TRUSTED_KEY_PURPOSES)}"
            )
        entries.append(
            TrustedKeyEntry(
                name=item["name"],
                purpose=item["purpose"],
                public_key_path=str(base / item["public_key"]),
            )
        )
    return tuple(entries)


def _table(document: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, dict):
        raise _error(source, key, "must be a table")
    return value


def _strings(value: Any, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _error(source, key, "must be a list of strings")
    return tuple(value)


def _globs(value: Any, source: str, key: str) -> tuple[str, ...]:
    result = _strings(value, source, key)
    for i, item in enumerate(result):
        if not item.strip():
            raise _error(source, f"{key}[{i}]", "must not be empty")
    return result


def _check_keys(table: dict[str, Any], allowed: tuple[str, ...], source: str, prefix: str) -> None:
    for key in sorted(table):
        if key not in allowed:
            raise ConfigError(
                f"unknown key `{_join(prefix, key)}`",
                source=source,
                hint=f"allowed keys{' in ' + prefix if prefix else ''}: {', '.join(allowed)}",
            )


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _error(source: str, key: str, what: str) -> ConfigError:
    return ConfigError(f"`{key}` {what}", source=source, hint=_HINT)
