"""The base of the change under review (config stage): options and CI context → a revision.

Input: `--config-ref REF`, the process environment (PLANRISK_BASE_REF; GitHub Actions, GitLab CI
and Atlantis variables) and, on GitHub Actions, the event payload. Output: a `ReviewBase` naming
the revision the gate's own inputs are read from (its configuration, risk models and keys) and
why that one, or None when the run reviews no change (a local review, a run on the default
branch itself).

Why the base: whoever proposes a change can edit every file of it, so the rules that judge the
change must come from the revision it is proposed against. On GitHub that is the pull request's
base commit; for other events on another branch, the default branch; for a push to the default
branch, the commit before the push. GitLab and Atlantis are read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from planrisk.config.ci import ATLANTIS, GITHUB_ACTIONS, GITLAB_CI, ci_system, event_payload

BASE_REF_ENV = "PLANRISK_BASE_REF"
"""Names the base revision outside CI (or overrides what CI says)."""

_NO_COMMIT = "0" * 40


class ReviewBase(msgspec.Struct, frozen=True):
    """The revision a change is reviewed against."""

    ref: str
    """A commit id or a ref (`origin/main`) as git understands it."""
    reason: str
    """Where it came from, e.g. `GitHub pull request #12 base`."""


def find_review_base(environ: Mapping[str, str], explicit: str | None = None) -> ReviewBase | None:
    """The base of the change this run reviews, or None (see the module docstring)."""
    if explicit and explicit.strip():
        return ReviewBase(explicit.strip(), "--config-ref")
    named = environ.get(BASE_REF_ENV, "").strip()
    if named:
        return ReviewBase(named, BASE_REF_ENV)
    system = ci_system(environ)
    if system == GITHUB_ACTIONS:
        return _github(environ)
    if system == GITLAB_CI:
        return _gitlab(environ)
    if system == ATLANTIS:
        branch = (
            environ.get("BASE_BRANCH_NAME") or environ.get("ATLANTIS_BASE_BRANCH_NAME") or ""
        ).strip()
        if branch:
            return ReviewBase(f"origin/{branch}", f"Atlantis base branch {branch}")
    return None


def _github(environ: Mapping[str, str]) -> ReviewBase | None:
    payload = event_payload(environ) or {}
    pull = _dict(payload.get("pull_request"))
    base_sha = _str(_dict(pull.get("base")).get("sha"))
    number = pull.get("number") or _dict(payload.get("issue")).get("number")
    if base_sha:
        return ReviewBase(base_sha, f"GitHub pull request #{number} base")
    base_ref = environ.get("GITHUB_BASE_REF", "").strip()
    if base_ref:
        return ReviewBase(f"origin/{base_ref}", f"GitHub pull request base branch {base_ref}")
    default = _str(_dict(payload.get("repository")).get("default_branch"))
    issue = _dict(payload.get("issue"))
    if issue.get("pull_request") and default:
        return ReviewBase(
            f"origin/{default}",
            f"GitHub pull request #{number}: the default branch {default} "
            "(comment events name no base)",
        )
    ref = environ.get("GITHUB_REF", "").strip()
    if environ.get("GITHUB_EVENT_NAME") == "push" and default and ref == f"refs/heads/{default}":
        before = _str(payload.get("before"))
        if before and before != _NO_COMMIT:
            return ReviewBase(before, f"GitHub push to {default}: the commit before it")
        return None
    if default and ref != f"refs/heads/{default}":
        return ReviewBase(
            f"origin/{default}",
            f"GitHub run on {ref or 'another ref'}: the default branch {default}",
        )
    return None


def _gitlab(environ: Mapping[str, str]) -> ReviewBase | None:
    def get(name: str) -> str:
        return environ.get(name, "").strip()

    if get("CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        iid = get("CI_MERGE_REQUEST_IID")
        return ReviewBase(
            get("CI_MERGE_REQUEST_DIFF_BASE_SHA"), f"GitLab merge request !{iid} base"
        )
    target = get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
    if target:
        return ReviewBase(f"origin/{target}", f"GitLab merge request target branch {target}")
    default, branch = get("CI_DEFAULT_BRANCH"), get("CI_COMMIT_BRANCH")
    if default and branch == default:
        before = get("CI_COMMIT_BEFORE_SHA")
        if before and before != _NO_COMMIT:
            return ReviewBase(before, f"GitLab push to {default}: the commit before it")
        return None
    if default:
        return ReviewBase(
            f"origin/{default}",
            f"GitLab pipeline on {branch or 'another ref'}: the default branch {default}",
        )
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
