"""Where the tests' data lies: the repository, its fixtures, and the shared corpus beside it.

`CORPUS` is `../shared/corpus` beside the checkout; a user's clone has none, and the tests that
read it skip with a reason (see `tests.support.corpus`).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
"""The repository's root (where pyproject.toml is)."""

FIXTURES = REPO / "fixtures"
"""The recorded plans, previews and events the tests read."""

SHARED = REPO / ".." / "shared"
"""The shared folder beside the checkout (corpus, schemas); absent in a user's clone."""

CORPUS = SHARED / "corpus"
"""The shared corpus of real plans."""
