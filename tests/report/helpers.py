"""Shared data of the report tests: the hostile-names plan and the SARIF schema."""

from __future__ import annotations

from tests.support.paths import FIXTURES, SHARED

SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
HOSTILE = FIXTURES / "terraform" / "hostile-names" / "plan.json"
