"""Configuration schema (used by every stage): one layer's TOML document → `PlanriskConfig`.

Input: a decoded TOML document, the file it came from and a resolver for the files it names.
Output: the validated, frozen structures of the configuration (`PlanriskConfig` and its parts,
the provenance `planrisk.config` attaches) — strict: an unknown key, a wrong type or a bad value
raises `ConfigError` naming the file and the key path (`environments.prod.acounts`).

Sections:
    [environments.<prod|staging|dev|sandbox>]  lists of globs: workspaces, stacks, paths,
                                               aws_accounts, gcp_projects, azure_subscriptions,
                                               kube_contexts
    [actors]                                   lists extending planrisk/classify/actors.toml
    risk_models = ["path", …]                  extra risk model files or directories
    [[trusted_keys]]                           name, purpose (attestation|approval), public_key
    [policy], [evidence]                       tables, validated by the gate stage
    allowed_overrides = ["key.path", …]        system file only
    [serve]                                    system file only (`planrisk.config.serve_schema`)
"""

from __future__ import annotations

import hashlib
import posixpath
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from planrisk.config.review_base import ReviewBase
from planrisk.errors import ConfigError
from planrisk.model import NAMED_ENVIRONMENTS as ENVIRONMENTS
from planrisk.model import TrustedKeyEntry
from planrisk.values import canonical_value

CONFIG_FILENAME = ".planrisk.toml"
"""The file looked up in the working directory when no path is given."""

SYSTEM_CONFIG_PATH = Path("/etc/planrisk/planrisk.toml")
"""The system configuration; when it exists, PLANRISK_SYSTEM_CONFIG is not read."""
SYSTEM_CONFIG_ENV = "PLANRISK_SYSTEM_CONFIG"
"""Names the system configuration where /etc/planrisk/planrisk.toml does not exist."""

TRUSTED_KEY_PURPOSES = ("attestation", "approval")
"""Allowed `purpose` values of a `[[trusted_keys]]` entry."""

SYSTEM = "system"
REPOSITORY = "repository"
BUILT_IN = "built-in"


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
    """The actor vocabulary: built in (planrisk/classify/actors.toml) plus `[actors]` additions."""

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


class ConfigFile(msgspec.Struct, frozen=True, kw_only=True):
    """A file the configuration names (a risk model): on disk, or its bytes at a revision."""

    label: str
    """How messages name it: a path, or `REF:path` for a file read from a revision."""
    path: str | None = None
    """The file or directory on disk (read when used), or None when `data` holds it."""
    data: bytes | None = None
    """The file's bytes, read from the base revision."""
    layer: str = REPOSITORY
    """The layer that named it (or `command line`)."""


class ConfigLayer(msgspec.Struct, frozen=True):
    """One configuration file that was read."""

    name: str
    """system or repository."""
    label: str
    """Where it came from: a path, or `.planrisk.toml at origin/main (1a2b3c4)`."""
    digest: str
    """`sha256:<hex>` of its bytes."""


class GateInputChange(msgspec.Struct, frozen=True):
    """A file the gate reads (or that runs it) which the change under review modifies."""

    path: str
    """Path from the repository root."""
    what: str
    """gate configuration, risk model, trusted key, workflow, action, shim or code owners."""
    change: str
    """added, modified or deleted."""
    detail: str = ""
    """For the configuration: the key paths that differ."""


class ConfigProvenance(msgspec.Struct, frozen=True, kw_only=True):
    """Where the effective configuration came from."""

    layers: tuple[ConfigLayer, ...] = ()
    """The files read, highest authority first."""
    origins: dict[str, str] = {}
    """Key path (`policy.rules.x.enabled`, `environments.prod.workspaces`) → the layer it came
    from (keys no file sets are built in)."""
    ignored: tuple[str, ...] = ()
    """Repository key paths that `allowed_overrides` does not allow, and so were not used."""
    notes: tuple[str, ...] = ()
    """Facts worth showing (the working-tree file that was not read, and why)."""
    base: ReviewBase | None = None
    """The base of the change under review, when the run reviews one."""
    base_commit: str | None = None
    """The commit `base` resolved to."""
    gate_changes: tuple[GateInputChange, ...] = ()
    """The gate's own inputs that the change under review modifies."""
    policy_tables: tuple[tuple[str, dict[str, Any]], ...] = ()
    """(source, `[policy]` table as written) per layer, for error messages that name the file."""


class PlanriskConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The validated configuration (built-in defaults when no file was found)."""

    path: str | None = None
    """The repository (else system) configuration read, or None for the built-in defaults."""
    digest: str = ""
    """`sha256:<hex>` of the file bytes (of the layers' digests when there are several), or
    of the defaults' canonical form."""
    environments: dict[str, EnvironmentMapping] = {}
    """Environment name → mapping globs."""
    actors: ActorLists = ActorLists()
    """User additions to the built-in actor lists (merged by `planrisk.classify.actor`)."""
    risk_models: tuple[ConfigFile, ...] = ()
    """Extra risk model files, in the order they apply (later wins per type)."""
    trusted_keys: tuple[TrustedKeyEntry, ...] = ()
    """Trusted public keys, paths resolved against their configuration file's directory."""
    policy: dict[str, Any] = {}
    """The `[policy]` table as merged (validated by the gate stage)."""
    evidence: dict[str, Any] = {}
    """The `[evidence]` table as merged (validated by the evidence stage)."""
    allowed_overrides: tuple[str, ...] | None = None
    """What the system file lets a repository set (None: everything)."""
    provenance: ConfigProvenance = ConfigProvenance()
    """Layers, origins, the base under review and the gate inputs it changes."""

    def risk_model_sources(self) -> list[Path | tuple[str, bytes]]:
        """The risk model files as `load_risk_model` takes them: paths, or (label, bytes)."""
        return [
            (f.label, f.data) if f.data is not None else Path(f.path or f.label)
            for f in self.risk_models
        ]


_TOP_LEVEL = ("environments", "actors", "risk_models", "trusted_keys", "policy", "evidence")
_SYSTEM_ONLY = ("allowed_overrides", "serve")
_ADDITIVE = ("risk_models", "trusted_keys")
_TRUSTED_KEY_KEYS = ("name", "purpose", "public_key")
_HINT = "see the README section on .planrisk.toml"


def default_config() -> PlanriskConfig:
    """The built-in defaults (no file), with the digest of their canonical form."""
    defaults = PlanriskConfig()
    data = canonical_value(msgspec.to_builtins(defaults))
    return msgspec.structs.replace(defaults, digest=_sha256(data))


def parse_layer(
    document: dict[str, Any], source: str, resolver: Any, *, system: bool
) -> PlanriskConfig:
    """Validate one layer's document; `resolver` turns the file names it holds into
    `ConfigFile`s and public-key entries (see `planrisk.config.layers`)."""
    allowed = _TOP_LEVEL + (_SYSTEM_ONLY if system else ())
    if not system and "allowed_overrides" in document:
        raise _error(source, "allowed_overrides", "may only be set in the system configuration")
    _check_keys(document, allowed, source, "")
    if "serve" in document:  # `planrisk serve` reads it again; here it is only validated
        from planrisk.config.serve_schema import parse_serve_section

        parse_serve_section(document["serve"], source)
    return PlanriskConfig(
        path=source,
        environments=_environments(document.get("environments", {}), source),
        actors=parse_actor_lists(_table(document, "actors", source), source, "actors"),
        risk_models=tuple(
            file
            for entry in _strings(document.get("risk_models", []), source, "risk_models")
            for file in resolver.risk_model(entry)
        ),
        trusted_keys=_trusted_keys(document.get("trusted_keys", []), source, resolver),
        policy=_table(document, "policy", source),
        evidence=_table(document, "evidence", source),
        allowed_overrides=(
            _key_paths(document["allowed_overrides"], source)
            if "allowed_overrides" in document
            else None
        ),
    )


def parse_actor_lists(document: dict[str, Any], source: str, prefix: str) -> ActorLists:
    """Validate a table of actor lists (the `[actors]` section or the built-in data file)."""
    _check_keys(document, ACTOR_KEYS, source, prefix)
    lists = {key: _globs(document[key], source, _join(prefix, key)) for key in document}
    return ActorLists(**lists)


def decode_toml(data: bytes, source: str) -> dict[str, Any]:
    """A configuration file's bytes as a TOML document, or ConfigError naming `source`."""
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"not valid TOML ({exc})", source=source, hint="fix the syntax; " + _HINT
        ) from None


def leaf_items(
    document: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf of a TOML document with its key path (arrays and empty tables are leaves)."""
    found: list[tuple[tuple[str, ...], Any]] = []
    for key, value in document.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping) and value:
            found.extend(leaf_items(value, path))
        else:
            found.append((path, value))
    return found


def is_allowed(key_path: str, allowed: tuple[str, ...] | None) -> bool:
    """Whether `allowed_overrides` lets a repository set `key_path` (an entry allows itself
    and every key below it)."""
    if allowed is None:
        return True
    return any(key_path == entry or key_path.startswith(entry + ".") for entry in allowed)


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def file_digest(data: bytes) -> str:
    """`sha256:<hex>` of a configuration file's bytes."""
    return _sha256(data)


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


def _trusted_keys(value: Any, source: str, resolver: Any) -> tuple[TrustedKeyEntry, ...]:
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
        entries.append(resolver.trusted_key(item["name"], item["purpose"], item["public_key"]))
    return tuple(entries)


def _key_paths(value: Any, source: str) -> tuple[str, ...]:
    paths = _strings(value, source, "allowed_overrides")
    for i, path in enumerate(paths):
        head = path.split(".", 1)[0]
        if not path.strip() or head not in _TOP_LEVEL or "" in path.split("."):
            raise _error(
                source,
                f"allowed_overrides[{i}]",
                f"must be a key path starting with one of {', '.join(_TOP_LEVEL)} "
                '(e.g. "environments.dev" or "policy.rules.human_prod_high.approvals")',
            )
    return paths


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


def relative_posix(path: str) -> str:
    """A repository-relative path in normal form (`a/./b/../c` → `a/c`)."""
    return posixpath.normpath(path).removeprefix("./")
