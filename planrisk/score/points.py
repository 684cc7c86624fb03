"""Score stage: the points — how much each term of a score is worth, and the arithmetic.

Input: nothing (constants and pure functions). Output: base points by risk class and action,
the guard, weakening and credential terms, the environment factors, and the rounding every
score uses: half up in decimal arithmetic (0.7 × 15 = 10.5 → 11), as a reviewer rounds by hand.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from planrisk.model import (
    Action,
    Environment,
    EnvironmentResult,
    ReplaceOrder,
    ResourceChange,
    RiskClass,
)

DATA = RiskClass.DATA_BEARING
FOUNDATIONAL = RiskClass.FOUNDATIONAL
STANDARD = RiskClass.STANDARD
CHEAP = RiskClass.CHEAP
GUARD = RiskClass.GUARD


BASE_POINTS: Mapping[str, Mapping[str, int]] = {
    # class: {delete, replace delete→create, replace create→delete, update}
    DATA: {"delete": 70, "replace_dbc": 70, "replace_cbd": 65, "update": 8},
    FOUNDATIONAL: {"delete": 60, "replace_dbc": 60, "replace_cbd": 45, "update": 8},
    STANDARD: {"delete": 35, "replace_dbc": 30, "replace_cbd": 15, "update": 4},
    CHEAP: {"delete": 5, "replace_dbc": 4, "replace_cbd": 2, "update": 1},
    GUARD: {"delete": 8, "replace_dbc": 8, "replace_cbd": 8, "update": 4},
}
"""Base impact by risk class and action (risk-knowledge §4.1)."""


ENV_FACTORS: Mapping[str, float] = {
    Environment.PROD: 1.0,
    Environment.UNKNOWN: 1.0,
    Environment.STAGING: 0.7,
    Environment.DEV: 0.5,
    Environment.SANDBOX: 0.3,
}
"""Environment multiplier (unknown is scored as prod)."""

BLOCKING_POINTS = -30
RECOVERY_POINTS = -15
DESTRUCTIVE_POINTS = 15
WEAKENING_POINTS = 30
CREDENTIAL_POINTS = 30
BLAST_CAP = 25
HIGH_SCORE = 50


def env_factor(environment: EnvironmentResult) -> float:
    """The multiplier of the environment the plan is treated as."""
    return ENV_FACTORS.get(environment.treated_as, 1.0)


def round_half_up(value: float) -> int:
    """Round to the nearest integer, halves away from zero (as a reviewer rounds by hand)."""
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@functools.lru_cache(maxsize=4096)
def scale(total: float, factor: float) -> int:
    """`round(total × factor)` in decimal arithmetic (0.7 × 15 = 10.5 → 11, not 10)."""
    product = Decimal(repr(total)) * Decimal(repr(factor))
    return int(product.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@functools.lru_cache(maxsize=4096)
def blast_points(weighted: float) -> int:
    """R = min(25, round(5 × log2(1 + weighted)))."""
    if weighted <= 0:
        return 0
    return min(BLAST_CAP, round_half_up(5 * math.log2(1 + weighted)))


def verb(change: ResourceChange) -> str:
    if change.action is Action.REPLACE:
        if change.replace_order is ReplaceOrder.CREATE_BEFORE_DELETE:
            return "replace (create→delete)"
        return "replace (delete→create)"
    return "delete"


def base_key(change: ResourceChange) -> str:
    if change.action is Action.REPLACE:
        if change.replace_order is ReplaceOrder.CREATE_BEFORE_DELETE:
            return "replace_cbd"
        return "replace_dbc"
    return "delete"
