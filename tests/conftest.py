"""Test-wide settings and fixtures.

Hypothesis draws the same examples on every run unless told otherwise: CI must not turn red on
an example no earlier run drew, so the default profile is derandomized (examples follow from
each test's source). `HYPOTHESIS_PROFILE=explore` draws fresh random examples, ten times as
many, to look for new failures locally.

`api` is the fake GitHub API, for the GitHub tests and the Action's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.github.fake_api import FakeGitHub

settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", max_examples=1000, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    """A fake GitHub API serving pull request 7 of acme/infra."""
    server = FakeGitHub()
    try:
        yield server
    finally:
        server.close()
