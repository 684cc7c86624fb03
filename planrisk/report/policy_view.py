"""Report stage: `planrisk policy show` — the effective configuration and where it came from.

Input: a `PlanriskConfig` (its layers and provenance), the effective `Policy` and the trusted
keys as loaded. Output: TOML that planrisk itself could read back (each value commented with the
layer it came from: system, repository or built-in, and the layers, the base under review, what
`allowed_overrides` dropped and the gate inputs the change modifies as comments at the top), or
the same as a JSON document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from planrisk.config import BUILT_IN, MAPPING_KEYS, PlanriskConfig
from planrisk.gate.policy import Policy, policy_document

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class KeyRow:
    """A trusted key as `policy show` lists it."""

    name: str
    purpose: str
    public_key: str
    fingerprint: str
    origin: str


def policy_json(config: PlanriskConfig, policy: Policy, keys: Sequence[KeyRow]) -> dict[str, Any]:
    """The effective configuration as one JSON document."""
    provenance = config.provenance
    document = policy_document(policy)
    document.update(
        {
            "layers": [
                {"name": layer.name, "label": layer.label, "digest": layer.digest}
                for layer in provenance.layers
            ],
            "digest": config.digest,
            "base": (
                {
                    "ref": provenance.base.ref,
                    "reason": provenance.base.reason,
                    "commit": provenance.base_commit,
                }
                if provenance.base is not None
                else None
            ),
            "allowed_overrides": (
                list(config.allowed_overrides) if config.allowed_overrides is not None else None
            ),
            "ignored": list(provenance.ignored),
            "notes": list(provenance.notes),
            "gate_changes": [
                {"path": c.path, "what": c.what, "change": c.change, "detail": c.detail}
                for c in provenance.gate_changes
            ],
            "environments": {
                name: {k: list(getattr(m, k)) for k in MAPPING_KEYS if getattr(m, k)}
                for name, m in config.environments.items()
            },
            "actors": {k: list(v) for k, v in sorted(_struct_items(config.actors)) if v},
            "risk_models": [{"file": f.label, "origin": f.layer} for f in config.risk_models],
            "trusted_keys": [
                {
                    "name": k.name,
                    "purpose": k.purpose,
                    "public_key": k.public_key,
                    "fingerprint": k.fingerprint,
                    "origin": k.origin,
                }
                for k in keys
            ],
            "origins": dict(provenance.origins),
        }
    )
    return document


def policy_toml(config: PlanriskConfig, policy: Policy, keys: Sequence[KeyRow]) -> str:
    """The effective configuration as commented TOML."""
    provenance = config.provenance
    origins = provenance.origins
    lines = ["# planrisk policy show: the effective configuration, each value with its layer."]
    lines.append("# Layers, highest authority first:")
    for layer in provenance.layers:
        lines.append(f"#   {layer.name:<10} {layer.label} ({layer.digest})")
    lines.append(f"#   {BUILT_IN:<10} planrisk's defaults")
    lines.append(f"# Effective digest: {config.digest}")
    if provenance.base is not None:
        commit = f" = {provenance.base_commit[:12]}" if provenance.base_commit else ""
        lines.append(
            f"# Reviewing a change against {provenance.base.ref}{commit} "
            f"({provenance.base.reason}): the repository file is read from there."
        )
    for note in provenance.notes:
        lines.append(f"# Note: {note}")
    for path in provenance.ignored:
        lines.append(f"# Ignored (not in the system's allowed_overrides): {path}")
    for change in provenance.gate_changes:
        detail = f": {change.detail}" if change.detail else ""
        lines.append(
            f"# This change modifies the gate: {change.what} {change.path} {change.change}{detail}"
        )
    lines.append("")

    def value(key_path: str, text: str) -> str:
        return f"{text}  # {origins.get(key_path, BUILT_IN)}"

    if config.allowed_overrides is not None:
        lines.append(
            value("allowed_overrides", f"allowed_overrides = {_array(config.allowed_overrides)}")
        )
    else:
        lines.append("# allowed_overrides: not set, a repository may set every key")
    if config.risk_models:
        lines.append("risk_models = [")
        for file in config.risk_models:
            lines.append(f"  {_string(file.label)},  # {file.layer}")
        lines.append("]")
    for name, mapping in config.environments.items():
        lines += ["", f"[environments.{name}]"]
        for key in MAPPING_KEYS:
            if getattr(mapping, key):
                path = f"environments.{name}.{key}"
                lines.append(value(path, f"{key} = {_array(getattr(mapping, key))}"))
    actor_items = [(k, v) for k, v in _struct_items(config.actors) if v]
    if actor_items:
        lines += ["", "[actors]"]
        for key, items in actor_items:
            lines.append(value(f"actors.{key}", f"{key} = {_array(items)}"))
    for row in keys:
        lines += [
            "",
            f"[[trusted_keys]]  # {row.origin}",
            f"name = {_string(row.name)}",
            f"purpose = {_string(row.purpose)}",
            f"public_key = {_string(row.public_key)}",
            f"# fingerprint (sha256 of the raw Ed25519 key): {row.fingerprint}",
        ]
    document = policy_document(policy)
    lines += ["", "[policy]"]
    lines.append(
        value(
            "policy.attestation_max_age",
            f"attestation_max_age = {_string(document['attestation_max_age'])}",
        )
    )
    for rule, body in document["rules"].items():
        lines += ["", f"[policy.rules.{_key(rule)}]"]
        for key, item in body.items():
            lines.append(value(f"policy.rules.{rule}.{key}", f"{key} = {_toml(item)}"))
    if config.evidence:
        lines += ["", "[evidence]"]
        for key, item in config.evidence.items():
            lines.append(value(f"evidence.{key}", f"{_key(key)} = {_toml(item)}"))
    return "\n".join(lines) + "\n"


def _struct_items(struct: Any) -> list[tuple[str, Any]]:
    return [(name, getattr(struct, name)) for name in struct.__struct_fields__]


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return _string(str(value))


def _array(items: Sequence[str]) -> str:
    return "[" + ", ".join(_string(i) for i in items) + "]"


def _string(text: str) -> str:
    # A JSON string is a TOML basic string: the same escapes (\" \\ \n \uXXXX).
    return json.dumps(text, ensure_ascii=False)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)
