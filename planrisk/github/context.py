"""GitHub Actions context (gate and report stages): environment → repository, PR, API, token.

Input: the process environment (GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_REF,
GITHUB_API_URL, GITHUB_TOKEN) and an explicit token, if given. Output: a `GitHubContext` and a
`GitHubClient` for it. The pull request number comes from the event payload
(`pull_request.number`, or `issue.number` when the issue is a pull request, as in
`issue_comment` events), else from a `refs/pull/N/merge` ref; it is None outside a pull request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from planrisk.errors import PlanriskError
from planrisk.github.client import DEFAULT_API_URL, GitHubClient

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_PULL_REF = re.compile(r"^refs/pull/(\d+)/(?:merge|head)$")


@dataclass(frozen=True)
class GitHubContext:
    """Where the run is: repository, pull request, API and token."""

    repository: str
    """`owner/name`."""
    pull_number: int | None
    """The pull request the run belongs to, or None (push, schedule…)."""
    api_url: str
    """REST API base URL."""
    token: str | None
    """The token (never printed)."""

    def client(self) -> GitHubClient:
        """A client for this context's API and token."""
        return GitHubClient(self.api_url, self.token)


def read_github_context(environ: Mapping[str, str], token: str | None = None) -> GitHubContext:
    """Read the context; the token is `token`, else GITHUB_TOKEN, else GH_TOKEN."""
    repository = environ.get("GITHUB_REPOSITORY", "").strip()
    if not _REPOSITORY.match(repository):
        raise PlanriskError(
            f"GITHUB_REPOSITORY is {repository!r}, not owner/name",
            hint="run inside GitHub Actions, or set GITHUB_REPOSITORY=owner/name",
        )
    secret = token or environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN") or None
    if not secret:
        raise PlanriskError(
            "no GitHub token",
            hint="pass the action's github-token input, set GITHUB_TOKEN or use --github-token",
        )
    return GitHubContext(
        repository=repository,
        pull_number=pull_number(environ),
        api_url=environ.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL,
        token=secret,
    )


def pull_number(environ: Mapping[str, str]) -> int | None:
    """The pull request number of the event, if the run belongs to one."""
    payload = _event_payload(environ.get("GITHUB_EVENT_PATH", ""))
    pull = payload.get("pull_request")
    if isinstance(pull, dict) and _is_number(pull.get("number")):
        return int(pull["number"])
    issue = payload.get("issue")
    if isinstance(issue, dict) and "pull_request" in issue and _is_number(issue.get("number")):
        return int(issue["number"])
    match = _PULL_REF.match(environ.get("GITHUB_REF", ""))
    return int(match.group(1)) if match else None


def _event_payload(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        decoded = msgspec.json.decode(Path(path).read_bytes())
    except (OSError, msgspec.DecodeError):
        raise PlanriskError(
            "the GitHub event payload is unreadable or not JSON",
            source=path,
            hint="GITHUB_EVENT_PATH must name the event JSON file the runner wrote",
        ) from None
    return decoded if isinstance(decoded, dict) else {}


def _is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
