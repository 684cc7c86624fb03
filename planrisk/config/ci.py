"""The CI system a run is in, and its event payload (used by config, classify and progress).

Input: the process environment and, on GitHub Actions, the event payload file at
GITHUB_EVENT_PATH. Output: which CI system runs (`GitHub Actions`, `GitLab CI`, `Atlantis`,
another CI's name, or None outside CI), whether a variable is set to a true-ish value, and the
decoded payload (read once per version of the file: the configuration, the actor and the
GitHub integration all ask).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec

GITHUB_ACTIONS = "GitHub Actions"
GITLAB_CI = "GitLab CI"
ATLANTIS = "Atlantis"
_FALSY = frozenset({"", "0", "false", "no", "off"})

_OTHER_CI = (
    ("TFC_RUN_ID", "HCP Terraform"),
    ("SPACELIFT_RUN_ID", "Spacelift"),
    ("TF_VAR_spacelift_run_type", "Spacelift"),
    ("BUILDKITE", "Buildkite"),
    ("CIRCLECI", "CircleCI"),
    ("JENKINS_URL", "Jenkins"),
    ("TF_BUILD", "Azure Pipelines"),
    ("CI", "CI"),
)


def is_set(environ: Mapping[str, str], name: str) -> bool:
    """True when `name` is set to something other than an empty or false-like value."""
    return environ.get(name, "").strip().lower() not in _FALSY


def event_payload(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The GitHub event payload at GITHUB_EVENT_PATH: {} when none is named, None when it is
    unreadable or not a JSON object (read once per version of the file: the actor and the
    configuration both ask)."""
    path = environ.get("GITHUB_EVENT_PATH", "")
    if not path:
        return {}
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return _read_payload(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4)
def _read_payload(path: str, size: int, mtime_ns: int) -> dict[str, Any] | None:
    try:
        decoded = msgspec.json.decode(Path(path).read_bytes())
    except (OSError, msgspec.DecodeError):
        return None
    return decoded if isinstance(decoded, dict) else None


def ci_system(environ: Mapping[str, str]) -> str | None:
    """The CI system `environ` belongs to (`GitHub Actions`, `GitLab CI`, `Atlantis`, another
    CI's name), or None outside CI."""
    if environ.get("GITHUB_ACTIONS", "").lower() == "true":
        return GITHUB_ACTIONS
    if environ.get("GITLAB_CI", "").lower() == "true":
        return GITLAB_CI
    if any(k.startswith("ATLANTIS_") for k in environ):
        return ATLANTIS
    for name, system in _OTHER_CI:
        if is_set(environ, name):
            return system
    return None
