"""Planting sentinel secrets in plans: every place a plan marks sensitive or secret.

Terraform: every leaf a `before_sensitive`/`after_sensitive`/`sensitive_values` mask covers (a
`true` covers the whole subtree), sensitive root variables, sensitive outputs, and a sensitive
`tags.Environment` (environment evidence reads tags). Pulumi: the plaintext of every wrapped
secret.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SENTINEL = "PLANRISK-SENTINEL-prod-5ec4e7"
"""Contains `prod`, so a classifier that reads sensitive values would pick it up."""
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def cover(value: Any) -> Any:
    """Every scalar leaf of `value` replaced by the sentinel."""
    if isinstance(value, dict):
        return {k: cover(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cover(v) for v in value]
    return SENTINEL


def plant(value: Any, mask: Any) -> Any:
    """`value` with the sentinel at every leaf `mask` marks sensitive."""
    if mask is True:
        return cover(value)
    if isinstance(mask, dict) and isinstance(value, dict):
        return {k: plant(v, mask.get(k, False)) for k, v in value.items()}
    if isinstance(mask, list) and isinstance(value, list):
        return [plant(v, mask[i] if i < len(mask) else False) for i, v in enumerate(value)]
    return value


def _sensitive_tag(change: dict[str, Any]) -> bool:
    """Add a sensitive tags.Environment to the after side of a change with tags."""
    after = change.get("after")
    if not isinstance(after, dict) or not isinstance(after.get("tags"), dict):
        return False
    after["tags"]["Environment"] = SENTINEL
    mask = change.get("after_sensitive")
    if mask is True:
        return True
    if not isinstance(mask, dict):
        mask = change["after_sensitive"] = {}
    tags_mask = mask.get("tags")
    if tags_mask is not True:
        if not isinstance(tags_mask, dict):
            tags_mask = mask["tags"] = {}
        tags_mask["Environment"] = True
    return True


def _plant_module(module: dict[str, Any]) -> None:
    for resource in module.get("resources", []) or []:
        resource["values"] = plant(resource.get("values"), resource.get("sensitive_values"))
    for child in module.get("child_modules", []) or []:
        _plant_module(child)


def plant_terraform(plan: dict[str, Any]) -> dict[str, Any]:
    """Plant the sentinel everywhere a Terraform plan marks sensitive."""
    tagged = False
    for key in ("resource_changes", "resource_drift"):
        for entry in plan.get(key, []) or []:
            change = entry.get("change", {})
            change["before"] = plant(change.get("before"), change.get("before_sensitive"))
            change["after"] = plant(change.get("after"), change.get("after_sensitive"))
            if not tagged and key == "resource_changes":
                tagged = _sensitive_tag(change)
    for section in ("planned_values", "prior_state"):
        values = plan.get(section) or {}
        values = values.get("values", values)
        if isinstance(values.get("root_module"), dict):
            _plant_module(values["root_module"])
        for output in (values.get("outputs") or {}).values():
            if output.get("sensitive"):
                output["value"] = cover(output.get("value"))
    declared = ((plan.get("configuration") or {}).get("root_module") or {}).get("variables") or {}
    for name, variable in (plan.get("variables") or {}).items():
        if (declared.get(name) or {}).get("sensitive"):
            variable["value"] = cover(variable.get("value"))
    for change in (plan.get("output_changes") or {}).values():
        for side in ("before", "after"):
            if change.get(f"{side}_sensitive") is True:
                change[side] = cover(change.get(side))
            else:
                change[side] = plant(change.get(side), change.get(f"{side}_sensitive"))
    return plan


def plant_pulumi(value: Any) -> Any:
    """Plant the sentinel in the plaintext of every wrapped Pulumi secret."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            planted = dict(value)
            if "plaintext" in planted:
                planted["plaintext"] = json.dumps(SENTINEL)
            if "value" in planted:
                planted["value"] = SENTINEL
            return planted
        return {k: plant_pulumi(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plant_pulumi(v) for v in value]
    return value


def planted_copy(source: Path, kind: str, target_dir: Path) -> Path:
    """Write a planted copy of `source` (kind: terraform, pulumi or events) under target_dir."""
    target = target_dir / source.name
    text = source.read_text(encoding="utf-8")
    if kind == "events":
        lines = []
        for line in text.splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                lines.append(line)
                continue
            lines.append(json.dumps(plant_pulumi(event)))
        ending = "\n" if text.endswith("\n") else ""
        target.write_text("\n".join(lines) + ending, encoding="utf-8")
    elif kind == "pulumi":
        target.write_text(json.dumps(plant_pulumi(json.loads(text))), encoding="utf-8")
    else:
        target.write_text(json.dumps(plant_terraform(json.loads(text))), encoding="utf-8")
    return target
