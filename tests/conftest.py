"""Test-wide settings: Hypothesis draws the same examples on every run unless told otherwise.

CI must not turn red on an example no earlier run drew, so the default profile is derandomized
(examples follow from each test's source). `HYPOTHESIS_PROFILE=explore` draws fresh random
examples, ten times as many, to look for new failures locally.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", max_examples=1000, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
