"""Platform names → a planrisk environment (serve layer): `[serve.environments]` globs.

Input: names the platform asserts for a run — a GitHub deployment environment, an HCP
Terraform project — and the `[serve.environments]` table. Output: the strictest planrisk
environment whose globs match one of them, or `auto`. The gate takes it as a requested
environment, which only ever raises the classification (a `prod` account stays prod).
"""

from __future__ import annotations

from collections.abc import Iterable

from planrisk.classify.tokens import any_glob
from planrisk.config.serve_schema import ServeSection
from planrisk.model import NAMED_ENVIRONMENTS


def platform_environment(section: ServeSection, names: Iterable[str | None]) -> str:
    """The strictest environment named by `names`, or `auto` when none matches."""
    given = [name for name in names if name]
    for environment in NAMED_ENVIRONMENTS:  # strictest first: prod, staging, dev, sandbox
        globs = section.environments.get(environment, ())
        if any(any_glob(globs, name) for name in given):
            return str(environment)
    return "auto"
