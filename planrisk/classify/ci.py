"""CI context for actor classification (gate stage): environment variables → who and what ran.

Input: the process environment (a mapping) and, on GitHub Actions, the event payload file at
GITHUB_EVENT_PATH. Output: a `CiContext` naming the CI system, the logins involved (actor,
triggering actor, PR author, commenter…), the head branch, commit authors and messages the
payload carries, and the commit range to read with git. Nothing here decides a kind; an
unreadable payload is skipped, never guessed at.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from planrisk.config.ci import (
    ATLANTIS,
    GITHUB_ACTIONS,
    GITLAB_CI,
    ci_system,
    event_payload,
)


class Login(msgspec.Struct, frozen=True):
    """A login seen in the CI context, with the role it played."""

    role: str
    """E.g. `GitHub PR author`, `Atlantis user`."""
    login: str
    """The account name."""
    account_type: str | None = None
    """GitHub account type (`User`, `Bot`), when the payload says."""


class CiContext(msgspec.Struct, frozen=True):
    """What the CI environment says about a run."""

    system: str | None = None
    """`GitHub Actions`, `GitLab CI`, `Atlantis`, another CI name, or None outside CI."""
    identity: str | None = None
    """The login that started this run, when the CI system names it."""
    logins: tuple[Login, ...] = ()
    """Every login involved (identity included)."""
    branches: tuple[str, ...] = ()
    """Head branch names."""
    authors: tuple[tuple[str, str], ...] = ()
    """(where, `name <email>`) commit authors the environment names."""
    messages: tuple[tuple[str, str], ...] = ()
    """(short sha, message) of commits carried by the event payload."""
    commit_range: tuple[str, str] | None = None
    """(base, head) of the commits being applied, when known."""
    notes: tuple[str, ...] = ()
    """Facts worth reporting that are not signals (an unreadable payload)."""


def read_ci_context(environ: Mapping[str, str]) -> CiContext:
    """The CI context of `environ` (GitHub Actions, GitLab CI, Atlantis, other CI, or none)."""
    system = ci_system(environ)
    if system == GITHUB_ACTIONS:
        return _github(environ)
    if system == GITLAB_CI:
        return _gitlab(environ)
    if system == ATLANTIS:
        return _atlantis(environ)
    return CiContext(system=system)


def _github(environ: Mapping[str, str]) -> CiContext:
    logins: list[Login] = []
    branches: list[str] = []
    authors: list[tuple[str, str]] = []
    messages: list[tuple[str, str]] = []
    notes: list[str] = []
    commit_range: tuple[str, str] | None = None
    payload = event_payload(environ)
    if payload is None:
        notes.append(f"GitHub event payload {environ['GITHUB_EVENT_PATH']} unreadable: not used")
        payload = {}
    pull = payload.get("pull_request")
    if isinstance(pull, dict):
        user = pull.get("user")
        if isinstance(user, dict) and isinstance(user.get("login"), str):
            logins.append(Login("GitHub PR author", user["login"], _str(user.get("type"))))
        head, base = _dict(pull.get("head")), _dict(pull.get("base"))
        if isinstance(head.get("ref"), str):
            branches.append(head["ref"])
        if isinstance(base.get("sha"), str) and isinstance(head.get("sha"), str):
            commit_range = (base["sha"], head["sha"])
    issue = payload.get("issue")
    if isinstance(issue, dict) and issue.get("pull_request") and not isinstance(pull, dict):
        user = issue.get("user")
        if isinstance(user, dict) and isinstance(user.get("login"), str):
            logins.append(Login("GitHub PR author", user["login"], _str(user.get("type"))))
    sender = payload.get("sender")
    if isinstance(sender, dict) and isinstance(sender.get("login"), str):
        logins.append(Login("GitHub event sender", sender["login"], _str(sender.get("type"))))
    for commit in payload.get("commits") or ():
        if not isinstance(commit, dict):
            continue
        sha = _str(commit.get("id")) or ""
        author = commit.get("author")
        if isinstance(author, dict) and isinstance(author.get("name"), str):
            authors.append((f"push commit {sha[:7]}", _person(author)))
        if isinstance(commit.get("message"), str):
            messages.append((sha[:7], commit["message"]))
    head_ref = environ.get("GITHUB_HEAD_REF", "")
    if head_ref and head_ref not in branches:
        branches.append(head_ref)
    if not branches and environ.get("GITHUB_REF_TYPE", "branch") == "branch":
        ref_name = environ.get("GITHUB_REF_NAME", "")
        if ref_name:
            branches.append(ref_name)
    actor = environ.get("GITHUB_ACTOR", "").strip()
    triggering = environ.get("GITHUB_TRIGGERING_ACTOR", "").strip()
    sender_type = next((x.account_type for x in logins if x.role == "GitHub event sender"), None)
    if actor:
        logins.append(Login("GitHub actor", actor, sender_type if _same(actor, logins) else None))
    if triggering and triggering != actor:
        logins.append(Login("GitHub triggering actor", triggering))
    return CiContext(
        system=GITHUB_ACTIONS,
        identity=_github_initiator(environ, logins, actor, triggering),
        logins=tuple(logins),
        branches=tuple(branches),
        authors=tuple(authors),
        messages=tuple(messages),
        commit_range=commit_range,
        notes=tuple(notes),
    )


def _gitlab(environ: Mapping[str, str]) -> CiContext:
    login = environ.get("GITLAB_USER_LOGIN", "").strip()
    branch = environ.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or environ.get(
        "CI_COMMIT_BRANCH", ""
    )
    author = environ.get("CI_COMMIT_AUTHOR", "").strip()
    base = environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA", "")
    head = environ.get("CI_COMMIT_SHA", "")
    return CiContext(
        system=GITLAB_CI,
        identity=login or None,
        logins=(Login("GitLab user", login),) if login else (),
        branches=(branch,) if branch else (),
        authors=(("GitLab commit author", author),) if author else (),
        commit_range=(base, head) if base and head else None,
    )


def _atlantis(environ: Mapping[str, str]) -> CiContext:
    def get(name: str) -> str:
        return (environ.get(f"ATLANTIS_{name}") or environ.get(name) or "").strip()

    user, author, branch = get("USER_NAME"), get("PULL_AUTHOR"), get("HEAD_BRANCH_NAME")
    logins = []
    if user:
        logins.append(Login("Atlantis user", user))
    if author:
        logins.append(Login("Atlantis PR author", author))
    return CiContext(
        system=ATLANTIS,
        identity=user or author or None,
        logins=tuple(logins),
        branches=(branch,) if branch else (),
    )


_REVIEW_EVENTS = frozenset({"issue_comment", "pull_request_review", "pull_request_review_comment"})
"""Events sent by someone reviewing a pull request, not by the author of its change."""


def _github_initiator(
    environ: Mapping[str, str], logins: list[Login], actor: str, triggering: str
) -> str | None:
    """Who initiated the change being planned.

    On a comment or review the sender is a reviewer (often the approver), so the pull request's
    author is the initiator. Otherwise the account that triggered this run (a re-run included:
    the human who approves an agent's workflow run answers for it), then GITHUB_ACTOR.
    """
    if environ.get("GITHUB_EVENT_NAME", "") in _REVIEW_EVENTS:
        author = next((x.login for x in logins if x.role == "GitHub PR author"), None)
        if author:
            return author
    return triggering or actor or (logins[0].login if logins else None)


def _same(login: str, logins: list[Login]) -> bool:
    return any(x.role == "GitHub event sender" and x.login == login for x in logins)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _person(author: dict[str, Any]) -> str:
    email = author.get("email")
    return f"{author['name']} <{email}>" if isinstance(email, str) and email else author["name"]
