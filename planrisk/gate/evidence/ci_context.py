"""CI context of a sandbox attestation (evidence stage): which commit, applied by whom.

Input: the process environment and working directory. Output: a `CiContext` with the commit
(GITHUB_SHA, CI_COMMIT_SHA, else `git rev-parse HEAD`) and the actor (GITHUB_ACTOR,
GITLAB_USER_LOGIN, else USER). Every lookup fails soft: an unknown value is None.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_COMMIT_VARS = ("GITHUB_SHA", "CI_COMMIT_SHA")
_ACTOR_VARS = ("GITHUB_ACTOR", "GITLAB_USER_LOGIN", "USER")


@dataclass(frozen=True)
class CiContext:
    """Commit and actor of the run that applied the plan."""

    commit: str | None
    actor: str | None


def ci_context(environ: Mapping[str, str], cwd: Path) -> CiContext:
    """Read the commit and actor from CI variables, falling back to git and USER."""
    commit = _first(environ, _COMMIT_VARS) or _git_head(cwd)
    return CiContext(commit=commit, actor=_first(environ, _ACTOR_VARS))


def _first(environ: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    """The first non-empty variable among `names`."""
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def _git_head(cwd: Path) -> str | None:
    """`git rev-parse HEAD` in `cwd`, or None when git or the repository is missing."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    head = done.stdout.strip()
    return head if done.returncode == 0 and head else None
