"""Plan-bound approvals from pull-request comments and reviews, through the real HTTP client."""

from __future__ import annotations

import pytest

from planrisk.classify.actor import builtin_actor_lists
from planrisk.config import ActorLists
from planrisk.github.approvals import approve_command_target, github_approvals
from planrisk.github.client import GitHubClient
from planrisk.model import EvidenceResult
from planrisk.report.view import approval_reply

from .fake_api import TOKEN, FakeGitHub


def judge(
    api: FakeGitHub,
    digest: str,
    *,
    initiator: str | None = "alice",
    lists: ActorLists | None = None,
) -> dict[str, EvidenceResult]:
    client = GitHubClient(api.url, TOKEN, backoff=0)
    results = github_approvals(
        client,
        "acme/infra",
        7,
        digest=digest,
        initiator=initiator,
        lists=lists or builtin_actor_lists(),
    )
    return {entry.file: entry for _, entry in results}


def by_login(results: dict[str, EvidenceResult], login: str) -> list[EvidenceResult]:
    return [e for e in results.values() if e.reason.startswith((login, f"approver {login!r}"))]


def test_reply_shown_in_the_comment_is_what_the_parser_reads(digest: str) -> None:
    reply = approval_reply(digest)
    assert reply == f"/planrisk approve {digest.removeprefix('sha256:')[:12]}"
    assert approve_command_target(f"LGTM\n\n{reply}\n") == digest.removeprefix("sha256:")[:12]
    assert approve_command_target(f"> {reply}") is None
    assert approve_command_target(f"see `{reply}`") is None


def test_write_permission_human_approves_this_plan(api: FakeGitHub, digest: str) -> None:
    comment = api.add_comment(7, "bob", f"Checked the subnet move.\n\n{approval_reply(digest)}")
    results = judge(api, digest)
    entry = results[f"github:{comment['html_url']}"]
    assert entry.accepted, entry.reason
    assert entry.kind == "approval"
    assert entry.reason.startswith("bob (write) approved plan " + digest[:19])


def test_full_digest_and_sha256_prefix_are_accepted(api: FakeGitHub, digest: str) -> None:
    api.add_comment(7, "bob", f"/planrisk approve {digest}")
    assert [e.accepted for e in by_login(judge(api, digest), "bob")] == [True]


def test_recorded_noise_is_judged_without_counting(api: FakeGitHub, digest: str) -> None:
    results = judge(api, digest)
    # Only the two recorded comments with an approve command are evidence.
    assert sorted(results) == [
        "github:https://github.com/acme/infra/pull/7#issuecomment-2103",
        "github:https://github.com/acme/infra/pull/7#issuecomment-2104",
    ]
    older = results["github:https://github.com/acme/infra/pull/7#issuecomment-2103"]
    assert not older.accepted
    assert older.reason == (
        f"dave approved plan sha256:0f3c9b2e71d4… but this plan is {digest[:19]}…"
    )
    short = results["github:https://github.com/acme/infra/pull/7#issuecomment-2104"]
    assert not short.accepted
    assert "the first 12 hex digits of the plan digest are needed" in short.reason


def test_listings_are_followed_across_pages(api: FakeGitHub, digest: str) -> None:
    for n in range(4):
        api.add_comment(7, "alice", f"progress note {n}")
    comment = api.add_comment(7, "bob", approval_reply(digest))
    results = judge(api, digest)
    assert results[f"github:{comment['html_url']}"].accepted
    pages = [s.query.get("page", "1") for s in api.requests("GET", "/issues/7/comments")]
    assert pages == ["1", "2", "3", "4", "5"]  # 10 comments, 2 per page
    assert all(s.authorization == f"Bearer {TOKEN}" for s in api.state.seen)


@pytest.mark.parametrize(
    ("login", "account_type", "reason"),
    [
        ("dependabot[bot]", "Bot", "dependabot[bot] is a bot"),
        ("ci-helper", "Bot", "ci-helper is a bot"),
        ("copilot-swe-agent", "User", "copilot-swe-agent is an AI agent"),
        ("alice", "User", "alice is the pull request's author"),
        ("carol", "User", "carol has read permission on acme/infra (write, maintain or admin"),
        ("grace", "User", "grace has triage permission on acme/infra"),
        ("frank", "User", "frank has no permission on acme/infra"),
    ],
)
def test_who_may_not_approve(
    api: FakeGitHub, digest: str, login: str, account_type: str, reason: str
) -> None:
    api.add_comment(7, login, approval_reply(digest), account_type=account_type)
    [entry] = by_login(judge(api, digest), login)
    assert not entry.accepted
    assert entry.reason.startswith(reason)


def test_initiator_may_not_approve(api: FakeGitHub, digest: str) -> None:
    api.add_comment(7, "bob", approval_reply(digest))
    [entry] = by_login(judge(api, digest, initiator="BOB"), "bob")
    assert (entry.accepted, entry.reason) == (False, "bob is the initiator")


def test_humans_list_excludes_unlisted_logins(api: FakeGitHub, digest: str) -> None:
    api.add_comment(7, "bob", approval_reply(digest))
    lists = builtin_actor_lists().extended(ActorLists(humans=("alice", "erin")))
    [entry] = by_login(judge(api, digest, lists=lists), "bob")
    assert entry.reason == "bob is not in the [actors] humans list"


def test_permission_is_checked_now_not_when_commenting(api: FakeGitHub, digest: str) -> None:
    api.add_comment(7, "bob", approval_reply(digest))
    assert [e.accepted for e in by_login(judge(api, digest), "bob")] == [True]
    api.state.permissions["bob"] = {"permission": "read", "role_name": "read"}
    [entry] = by_login(judge(api, digest), "bob")
    assert not entry.accepted
    assert entry.reason.startswith("bob has read permission")


def test_each_approver_counts_once_and_maintain_counts(api: FakeGitHub, digest: str) -> None:
    api.add_comment(7, "erin", approval_reply(digest))
    api.add_comment(7, "Erin", f"again: {approval_reply(digest)}\n{approval_reply(digest)}")
    results = judge(api, digest)
    accepted = [e for e in results.values() if e.accepted]
    assert [e.reason.split(" approved")[0] for e in accepted] == ["erin (maintain)"]
    assert [e.reason for e in results.values() if "already counted" in e.reason] == [
        "approver 'Erin' already counted"
    ]
    permission_calls = api.requests("GET", "/permission")
    assert len(permission_calls) == 1  # cached per login, case-insensitively


def test_reviews_approve_unless_they_request_changes(api: FakeGitHub, digest: str) -> None:
    approving = api.add_review(7, "dave", f"Ship it.\n{approval_reply(digest)}", "APPROVED")
    blocking = api.add_review(
        7, "bob", f"{approval_reply(digest)}\nbut not yet", "CHANGES_REQUESTED"
    )
    results = judge(api, digest)
    assert results[f"github:{approving['html_url']}"].accepted
    refused = results[f"github:{blocking['html_url']}"]
    assert (refused.accepted, refused.reason) == (False, "bob's review is changes requested")


def test_results_feed_the_gate_in_comment_order(api: FakeGitHub, digest: str) -> None:
    api.add_comment(7, "bob", approval_reply(digest))
    api.add_comment(7, "dave", approval_reply(digest))
    client = GitHubClient(api.url, TOKEN)
    results = github_approvals(
        client, "acme/infra", 7, digest=digest, initiator="alice", lists=builtin_actor_lists()
    )
    assert [(who, e.accepted) for who, e in results] == [
        ("dave", False),
        ("erin", False),
        ("bob", True),
        ("dave", True),
    ]


def test_an_edited_comment_does_not_approve(api: FakeGitHub, digest: str) -> None:
    comment = api.add_comment(7, "bob", "Looks good")
    comment["body"] = f"Looks good\n{approval_reply(digest)}"
    comment["updated_at"] = "2025-06-02T12:00:00Z"
    [entry] = by_login(judge(api, digest), "bob")
    assert not entry.accepted
    assert entry.reason.startswith("bob's comment was edited after it was posted")
