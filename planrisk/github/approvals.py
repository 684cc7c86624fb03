"""Plan-bound approvals from a pull request (gate stage): comments and reviews → approvals.

Input: a `GitHubClient`, the repository and pull request, the gated plan's digest, the
initiator and the actor lists. Output: `(approver, EvidenceResult)` pairs for
`GateOptions.extra_approvals`, one per comment or review that carries an approve command.

A comment or review approves only when a line of it reads `/planrisk approve <hex>`, where
<hex> is at least the first 12 hex digits of this plan's `sha256:` digest (the reply the PR
comment shows), and its author is a human (not a bot or AI agent by account type or the actor
lists, and in the `[actors] humans` list when that list is set), is neither the pull request's
author nor the initiator, and has write, maintain or admin permission on the repository now
(`GET /repos/{repo}/collaborators/{login}/permission`: a downgrade since the comment counts).
A review that requests changes or was dismissed never approves, and a comment edited after it
was posted does not either (repository admins can edit anyone's comment; the REST API does not
say who edited it). Each approver counts once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from planrisk.classify.actor import classify_login
from planrisk.config import ActorLists
from planrisk.github.client import GitHubClient
from planrisk.model import EvidenceKind, EvidenceResult

MIN_DIGEST_HEX = 12
"""Hex digits of the plan digest an approve command must name."""
WRITE_ROLES = frozenset({"admin", "maintain", "write"})
"""Repository roles (`role_name`) whose holders may approve; a custom role counts when its
base `permission` is write or admin."""
_WRITE_PERMISSIONS = frozenset({"admin", "write"})
KIND = EvidenceKind.APPROVAL
"""The evidence kind of every result."""

_COMMAND = re.compile(r"^[ \t]*/planrisk[ \t]+approve[ \t]+(\S+)[ \t]*$", re.MULTILINE)
_HEX = re.compile(r"^(?:sha256:)?([0-9a-f]+)$")
_NOT_APPROVING_REVIEWS = frozenset({"CHANGES_REQUESTED", "DISMISSED", "PENDING"})
_WHAT = {"bot": "a bot", "agent": "an AI agent", "unknown": "not in the [actors] humans list"}


@dataclass(frozen=True)
class ApprovalRequest:
    """A comment or review that carries an approve command."""

    source: str
    """`github:<html_url>` of the comment or review."""
    login: str
    account_type: str | None
    time: str
    """created_at (comments) or submitted_at (reviews), ISO 8601."""
    named: str
    """What the command names, as written."""
    review_state: str | None = None
    """APPROVED, COMMENTED, … for reviews; None for comments."""
    edited: bool = False
    """The comment was changed after it was posted (an admin may edit anyone's comment)."""


def approve_command_target(body: str) -> str | None:
    """What the last `/planrisk approve X` line of a comment names, or None."""
    found = _COMMAND.findall(body)
    return str(found[-1]) if found else None


def read_approval_requests(
    client: GitHubClient, repository: str, number: int
) -> list[ApprovalRequest]:
    """Every comment and review of the pull request with an approve command, oldest first."""
    requests = []
    for comment in client.paginate(f"/repos/{repository}/issues/{number}/comments"):
        request = _request(comment, "created_at", None)
        if request is not None:
            requests.append(request)
    for review in client.paginate(f"/repos/{repository}/pulls/{number}/reviews"):
        state = review.get("state") if isinstance(review, dict) else None
        request = _request(review, "submitted_at", state if isinstance(state, str) else "")
        if request is not None:
            requests.append(request)
    return sorted(requests, key=lambda r: (r.time, r.source))


def github_approvals(
    client: GitHubClient,
    repository: str,
    number: int,
    *,
    digest: str,
    initiator: str | None,
    lists: ActorLists,
) -> tuple[tuple[str, EvidenceResult], ...]:
    """Judge every approve command of the pull request against the plan `digest`."""
    pull = client.get(f"/repos/{repository}/pulls/{number}")
    author = _login(pull.get("user") if isinstance(pull, dict) else None) or ""
    judge = _Judge(client, repository, digest, initiator, author, lists)
    return tuple(judge(request) for request in read_approval_requests(client, repository, number))


class _Judge:
    """Applies the approval rules to requests in order, remembering who already counted."""

    def __init__(
        self,
        client: GitHubClient,
        repository: str,
        digest: str,
        initiator: str | None,
        author: str,
        lists: ActorLists,
    ) -> None:
        self.client = client
        self.repository = repository
        self.hex = digest.removeprefix("sha256:").lower()
        self.short = f"sha256:{self.hex[:MIN_DIGEST_HEX]}"
        self.initiator = (initiator or "").casefold()
        self.author = author.casefold()
        self.lists = lists
        self.counted: set[str] = set()
        self.roles: dict[str, tuple[str, bool]] = {}

    def __call__(self, request: ApprovalRequest) -> tuple[str, EvidenceResult]:
        problem = self._problem(request)
        if problem is None:
            self.counted.add(request.login.casefold())
            reason = (
                f"{request.login} ({self.roles[request.login.casefold()][0]}) approved plan "
                f"{self.short}… at {request.time}"
            )
        else:
            reason = problem
        return request.login, EvidenceResult(
            file=request.source, kind=KIND, accepted=problem is None, reason=reason
        )

    def _problem(self, request: ApprovalRequest) -> str | None:
        login, key = request.login, request.login.casefold()
        match = _HEX.match(request.named.lower())
        if match is None or len(match.group(1)) < MIN_DIGEST_HEX:
            return (
                f"{login} wrote `/planrisk approve {request.named[:80]}`: the first "
                f"{MIN_DIGEST_HEX} hex digits of the plan digest are needed"
            )
        if not self.hex.startswith(match.group(1)):
            return (
                f"{login} approved plan sha256:{match.group(1)[:MIN_DIGEST_HEX]}… but this plan "
                f"is {self.short}…"
            )
        if request.edited:
            return (
                f"{login}'s comment was edited after it was posted (repository admins can edit "
                "any comment): post the approval as a new comment"
            )
        if request.review_state in _NOT_APPROVING_REVIEWS:
            return f"{login}'s review is {request.review_state.lower().replace('_', ' ')}"
        kind = classify_login(login, request.account_type, self.lists)
        if kind != "human":
            return f"{login} is {_WHAT[kind]}"
        if key == self.author:
            return f"{login} is the pull request's author"
        if key == self.initiator:
            return f"{login} is the initiator"
        if key in self.counted:
            return f"approver {login!r} already counted"
        role, may_write = self._role(login)
        if not may_write:
            return (
                f"{login} has {role} permission on {self.repository} "
                "(write, maintain or admin is needed)"
            )
        return None

    def _role(self, login: str) -> tuple[str, bool]:
        """The login's current role on the repository and whether it may write."""
        key = login.casefold()
        if key not in self.roles:
            answer = self.client.request(
                "GET",
                f"/repos/{self.repository}/collaborators/{quote(login, safe='')}/permission",
                allow=(404,),
            )
            self.roles[key] = _role_of(answer.data) if answer.status == 200 else ("no", False)
        return self.roles[key]


def _role_of(data: Any) -> tuple[str, bool]:
    """The role GitHub reports (`role_name`, else `permission`) and whether it may write."""
    if not isinstance(data, dict):
        return "no", False
    role = data.get("role_name")
    permission = data.get("permission")
    role = role.lower() if isinstance(role, str) and role else None
    permission = permission.lower() if isinstance(permission, str) else "none"
    may_write = permission in _WRITE_PERMISSIONS or role in WRITE_ROLES
    return role or permission, may_write


def _request(item: Any, time_field: str, review_state: str | None) -> ApprovalRequest | None:
    if not isinstance(item, dict) or not isinstance(item.get("body"), str):
        return None
    named = approve_command_target(item["body"])
    login = _login(item.get("user"))
    if named is None or login is None:
        return None
    user = item["user"]
    account_type = user.get("type") if isinstance(user.get("type"), str) else None
    where = item.get("html_url") or item.get("id")
    updated = item.get("updated_at")
    return ApprovalRequest(
        source=f"github:{where}",
        login=login,
        account_type=account_type,
        time=str(item.get(time_field) or ""),
        named=named,
        review_state=review_state,
        edited=isinstance(updated, str) and updated != item.get(time_field),
    )


def _login(user: Any) -> str | None:
    if isinstance(user, dict) and isinstance(user.get("login"), str) and user["login"]:
        return str(user["login"])
    return None
