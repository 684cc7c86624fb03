"""The base of the change under review, from options and each CI system's variables."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from planrisk.config.review_base import ReviewBase, find_review_base

BASE_SHA = "b" * 40


def github(
    tmp_path: Path, event_name: str, payload: Mapping[str, object], **env: str
) -> dict[str, str]:
    path = tmp_path / f"{event_name}.json"
    path.write_text(json.dumps(payload))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(path),
        **env,
    }


def test_explicit_ref_beats_the_environment_and_ci(tmp_path: Path) -> None:
    env = {"PLANRISK_BASE_REF": "origin/release", "GITLAB_CI": "true"}
    assert find_review_base(env, "v1.2") == ReviewBase("v1.2", "--config-ref")
    assert find_review_base(env) == ReviewBase("origin/release", "PLANRISK_BASE_REF")


def test_no_ci_and_no_option_reviews_no_change() -> None:
    assert find_review_base({"USER": "alice"}) is None


def test_github_pull_request_base_commit(tmp_path: Path) -> None:
    payload = {"pull_request": {"number": 12, "base": {"sha": BASE_SHA}}}
    base = find_review_base(github(tmp_path, "pull_request", payload, GITHUB_BASE_REF="main"))
    assert base == ReviewBase(BASE_SHA, "GitHub pull request #12 base")


def test_github_comment_on_a_pull_request_uses_the_default_branch(tmp_path: Path) -> None:
    payload = {
        "issue": {"number": 5, "pull_request": {"url": "https://api.github.com/x"}},
        "repository": {"default_branch": "trunk"},
    }
    base = find_review_base(
        github(tmp_path, "issue_comment", payload, GITHUB_REF="refs/heads/trunk")
    )
    assert base is not None and base.ref == "origin/trunk"


def test_github_push_to_the_default_branch_uses_the_commit_before(tmp_path: Path) -> None:
    payload = {"before": BASE_SHA, "repository": {"default_branch": "main"}}
    env = github(tmp_path, "push", payload, GITHUB_REF="refs/heads/main")
    assert find_review_base(env) == ReviewBase(
        BASE_SHA, "GitHub push to main: the commit before it"
    )


def test_github_push_elsewhere_is_judged_by_the_default_branch(tmp_path: Path) -> None:
    # A branch the agent pushes to: its earlier commits are the agent's, not a base.
    payload = {"before": BASE_SHA, "repository": {"default_branch": "main"}}
    env = github(tmp_path, "push", payload, GITHUB_REF="refs/heads/claude/fix")
    base = find_review_base(env)
    assert base is not None and base.ref == "origin/main"


def test_github_run_on_the_default_branch_itself_reviews_no_change(tmp_path: Path) -> None:
    payload = {"repository": {"default_branch": "main"}}
    env = github(tmp_path, "workflow_dispatch", payload, GITHUB_REF="refs/heads/main")
    assert find_review_base(env) is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"CI_MERGE_REQUEST_DIFF_BASE_SHA": BASE_SHA, "CI_MERGE_REQUEST_IID": "3"},
            ReviewBase(BASE_SHA, "GitLab merge request !3 base"),
        ),
        (
            {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"},
            ReviewBase("origin/main", "GitLab merge request target branch main"),
        ),
        (
            {
                "CI_DEFAULT_BRANCH": "main",
                "CI_COMMIT_BRANCH": "main",
                "CI_COMMIT_BEFORE_SHA": BASE_SHA,
            },
            ReviewBase(BASE_SHA, "GitLab push to main: the commit before it"),
        ),
        ({"CI_DEFAULT_BRANCH": "main", "CI_COMMIT_BRANCH": "main"}, None),
    ],
)
def test_gitlab(env: dict[str, str], expected: ReviewBase | None) -> None:
    assert find_review_base({"GITLAB_CI": "true", **env}) == expected


def test_atlantis_base_branch() -> None:
    env = {"ATLANTIS_TERRAFORM_VERSION": "1.9.5", "BASE_BRANCH_NAME": "main"}
    assert find_review_base(env) == ReviewBase("origin/main", "Atlantis base branch main")
