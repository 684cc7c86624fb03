"""Configuration loader (used by every stage): the configuration layers → `PlanriskConfig`.

Input: the system configuration (`/etc/planrisk/planrisk.toml` when it exists, else the file
PLANRISK_SYSTEM_CONFIG names), the repository configuration (`--config FILE` or
`.planrisk.toml` in the working directory) and the base of the change under review
(`planrisk.config.review_base`). Output: a validated, frozen `PlanriskConfig` with every file it
names resolved (risk models, public keys), a `digest` for the audit log, and its provenance: which
layer each value came from, what was ignored, and which of the gate's own inputs the change
under review modifies (`planrisk.config.gate_inputs`).

Layers, highest authority first:
- *system*: written by the platform team, outside any repository. Everything the repository
  file can say, plus `allowed_overrides` (the key paths a repository may set; default: all)
  and its own `[[trusted_keys]]`. When `/etc/planrisk/planrisk.toml` exists nothing in the
  process environment can replace it: an agent controls its own environment.
- *repository*: read from the base revision whenever the run reviews a change (`git show
  BASE:path`, never the working tree, and the files it names from that revision too): whoever
  proposes the change can edit every file of it, so the rules come from what it is proposed
  against. Only with no base (a local review) is the working tree read.
A repository value replaces the system's value at the same key path; tables merge key by key;
`[[trusted_keys]]` and `risk_models` add to the system's. A repository key outside
`allowed_overrides` is ignored and reported.

Strict: an unknown key, a wrong type or a bad value raises `ConfigError` naming the file and the
key path (`environments.prod.acounts`).

The sections and their validation: `planrisk.config.schema`; reading the layers from disk and
from the base revision: `planrisk.config.layers`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from planrisk.config.review_base import find_review_base
from planrisk.config.schema import (
    BUILT_IN,
    CONFIG_FILENAME,
    MAPPING_KEYS,
    REPOSITORY,
    SYSTEM,
    SYSTEM_CONFIG_ENV,
    SYSTEM_CONFIG_PATH,
    ActorLists,
    ConfigFile,
    ConfigLayer,
    ConfigProvenance,
    EnvironmentMapping,
    GateInputChange,
    PlanriskConfig,
    _sha256,
    default_config,
    leaf_items,
    parse_actor_lists,
)
from planrisk.errors import ConfigError
from planrisk.model import NAMED_ENVIRONMENTS
from planrisk.values import canonical_value

__all__ = [
    "BUILT_IN",
    "CONFIG_FILENAME",
    "MAPPING_KEYS",
    "REPOSITORY",
    "SYSTEM",
    "SYSTEM_CONFIG_ENV",
    "SYSTEM_CONFIG_PATH",
    "ActorLists",
    "ConfigFile",
    "ConfigLayer",
    "ConfigProvenance",
    "EnvironmentMapping",
    "GateInputChange",
    "PlanriskConfig",
    "default_config",
    "load_config",
    "parse_actor_lists",
]


def load_config(
    path: Path | None = None,
    cwd: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    config_ref: str | None = None,
    extra_risk_models: Sequence[Path] = (),
    system_path: Path = SYSTEM_CONFIG_PATH,
) -> PlanriskConfig:
    """The effective configuration of a run (see the module docstring for the layers).

    `path` is `--config` (default: `.planrisk.toml` in `cwd`, the process's cwd by default);
    `config_ref` is `--config-ref`; `extra_risk_models` are `--risk-model` paths, read from the
    base revision like the files the configuration names when they lie in the repository.
    """
    from planrisk.config.layers import read_layers

    env = os.environ if environ is None else environ
    work = cwd if cwd is not None else Path.cwd()
    base = find_review_base(env, config_ref)
    read = read_layers(
        explicit=path,
        cwd=work,
        environ=env,
        base=base,
        system_path=system_path,
        extra_risk_models=extra_risk_models,
    )
    if not read.layers:
        config = msgspec.structs.replace(
            default_config(),
            risk_models=read.extra_risk_models,
            provenance=read.provenance(),
        )
        return config
    return _combine(read)


def _combine(read: Any) -> PlanriskConfig:
    """Merge the layers read (system first) into the effective configuration."""
    layers: list[tuple[str, dict[str, Any], PlanriskConfig]] = read.layers
    merged = layers[0][2]
    origins = {".".join(key): layers[0][0] for key, _ in leaf_items(layers[0][1])}
    for name, document, layer in layers[1:]:
        merged = _merge(merged, layer, document)
        origins.update({".".join(key): name for key, _ in leaf_items(document)})
    merged = msgspec.structs.replace(
        merged,
        path=layers[-1][2].path,
        risk_models=merged.risk_models + read.extra_risk_models,
        allowed_overrides=layers[0][2].allowed_overrides if layers[0][0] == SYSTEM else None,
        digest=_layers_digest(read.layer_info, read.ignored),
        provenance=read.provenance(origins=dict(sorted(origins.items()))),
    )
    return merged


def _merge(
    lower: PlanriskConfig, upper: PlanriskConfig, document: dict[str, Any]
) -> PlanriskConfig:
    """`upper` (a repository layer, already filtered) over `lower` (the system layer)."""
    environments = dict(lower.environments)
    for name, table in document.get("environments", {}).items():
        mapping = environments.get(name, EnvironmentMapping())
        environments[name] = msgspec.structs.replace(
            mapping, **{key: getattr(upper.environments[name], key) for key in table}
        )
    actors = msgspec.structs.replace(
        lower.actors, **{key: getattr(upper.actors, key) for key in document.get("actors", {})}
    )
    taken = {entry.name.casefold() for entry in lower.trusted_keys}
    for entry in upper.trusted_keys:
        if entry.name.casefold() in taken:
            raise ConfigError(
                f"trusted key {entry.name!r} is defined by the system configuration; a "
                "repository cannot redefine it",
                source=upper.path,
                hint="give the repository's key another name, or ask the platform team",
            )
    return msgspec.structs.replace(
        lower,
        environments={
            name: environments[name] for name in NAMED_ENVIRONMENTS if name in environments
        },
        actors=actors,
        risk_models=lower.risk_models + upper.risk_models,
        trusted_keys=lower.trusted_keys + upper.trusted_keys,
        policy=_deep_merge(lower.policy, upper.policy),
        evidence=_deep_merge(lower.evidence, upper.evidence),
    )


def _deep_merge(lower: Mapping[str, Any], upper: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(lower)
    for key, value in upper.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _layers_digest(layers: Sequence[ConfigLayer], ignored: Sequence[str]) -> str:
    if len(layers) == 1 and not ignored:
        return layers[0].digest  # one file: the digest of its bytes, as before layers existed
    parts = {"layers": [[layer.name, layer.digest] for layer in layers], "ignored": list(ignored)}
    return _sha256(canonical_value(parts))
