"""Score stage: what scoring needs beyond the plan (graph, risk model, environment, hints).

Input: the stages before scoring. Output: `ScoreInputs`, and the providers' root configuration
blocks by source address (azurerm `features` and the like, which some guards read).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from planrisk.model import (
    EnvironmentResult,
    Plan,
)
from planrisk.score.blast_radius_job import BlastRadiiJob

if TYPE_CHECKING:
    from planrisk.graph import DependencyGraph
    from planrisk.score.risk_model import RiskModel


class ScoreInputs(msgspec.Struct, frozen=True):
    """What scoring needs beyond the plan: graph, risk model, environment, hints."""

    graph: DependencyGraph
    risk_model: RiskModel
    environment: EnvironmentResult
    hints: Mapping[str, tuple[str, ...]]
    prevent_destroy_removed: frozenset[str] = frozenset()
    """Config addresses whose `lifecycle.prevent_destroy` the source change removed."""
    provider_configs: Mapping[str, Any] = msgspec.field(default_factory=dict)
    """Provider source address → the default provider block's expressions (azurerm features)."""
    radii: BlastRadiiJob | None = None
    """The blast radii of this plan and graph, when they were started before scoring."""


def provider_expressions(plan: Plan) -> dict[str, Any]:
    """Provider source address → expressions of its root, un-aliased configuration block."""
    found: dict[str, Any] = {}
    if plan.configuration is None:
        return found
    for block in plan.configuration.provider_config.values():
        if block.alias or block.module_address:
            continue
        for name in {block.full_name, block.name} - {""}:
            found.setdefault(name, block.expressions)
    for change in plan.changes:
        provider = change.provider
        if provider and provider not in found:
            local = provider.rsplit("/", 1)[-1]
            if local in found:
                found[provider] = found[local]
    return found
