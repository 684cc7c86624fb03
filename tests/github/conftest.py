"""Fixtures for the GitHub tests: the fake API and the fixture plan's digest."""

from __future__ import annotations

import pytest

from planrisk.ingest import load_plan
from tests.support.paths import REPO

PLAN = REPO / "fixtures" / "terraform" / "forced-replace" / "plan.json"
"""A human-initiated prod plan scored high: the default policy needs 1 approval."""
CRITICAL_PLAN = REPO / "fixtures" / "terraform" / "nested-modules" / "plan.json"
"""A prod plan scored critical: the default policy needs 2 approvals."""


@pytest.fixture(scope="session")
def digest() -> str:
    """The digest of PLAN."""
    return load_plan(PLAN).digest
