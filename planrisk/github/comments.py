"""The sticky pull-request comment (report stage): markdown body + marker → one comment per plan.

Input: a `GitHubClient`, the repository and pull request, the comment body and its hidden
marker (`planrisk.report.markdown.comment_marker`: plan path and environment). Output: the
comment created or updated. `update` edits the oldest comment whose body starts with the
marker (so a reply quoting it is never taken over), or creates one; `new` always creates one.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING

import msgspec

from planrisk.errors import InputError

if TYPE_CHECKING:
    from planrisk.github.client import GitHubClient

_MARKER = re.compile(r"\A<!-- planrisk:.*? -->")


class CommentBehavior(StrEnum):
    """How the comment is published."""

    UPDATE = "update"
    NEW = "new"


class CommentResult(msgspec.Struct, frozen=True):
    """What was done."""

    action: str
    """created or updated."""
    comment_id: int
    url: str


def marker_of(body: str) -> str:
    """The hidden marker a planrisk markdown body starts with."""
    match = _MARKER.match(body)
    if match is None:
        raise InputError(
            "the comment body does not start with a planrisk marker (<!-- planrisk:… -->)",
            hint="render it with `planrisk gate PLAN --format markdown`, or pass --marker",
        )
    return match.group(0)


def upsert_comment(
    client: GitHubClient,
    repository: str,
    number: int,
    body: str,
    *,
    marker: str,
    behavior: CommentBehavior = CommentBehavior.UPDATE,
) -> CommentResult:
    """Create or update the pull request's planrisk comment for `marker`."""
    if not body.startswith(marker):
        body = f"{marker}\n{body}"
    comments = f"/repos/{repository}/issues/{number}/comments"
    if behavior is CommentBehavior.UPDATE:
        for comment in client.paginate(comments):
            text = comment.get("body") if isinstance(comment, dict) else None
            if isinstance(text, str) and text.startswith(marker):
                answer = client.request(
                    "PATCH",
                    f"/repos/{repository}/issues/comments/{comment['id']}",
                    body={"body": body},
                )
                return _result("updated", answer.data)
    answer = client.request("POST", comments, body={"body": body})
    return _result("created", answer.data)


def _result(action: str, data: object) -> CommentResult:
    from planrisk.github.client import GitHubError

    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise GitHubError("the GitHub API did not return the comment it wrote")
    return CommentResult(action=action, comment_id=data["id"], url=str(data.get("html_url", "")))
