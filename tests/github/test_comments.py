"""The sticky pull-request comment: one per plan path and environment, found by its marker."""

from __future__ import annotations

import pytest

from planrisk.errors import InputError
from planrisk.github.client import GitHubClient
from planrisk.github.comments import CommentBehavior, marker_of, upsert_comment
from planrisk.report.markdown import comment_marker

from .fake_api import TOKEN, FakeGitHub

MARKER = comment_marker("plans/prod.json", "prod")


def test_created_then_updated_in_place(api: FakeGitHub) -> None:
    client = GitHubClient(api.url, TOKEN)
    first = upsert_comment(client, "acme/infra", 7, f"{MARKER}\nrun 1", marker=MARKER)
    second = upsert_comment(client, "acme/infra", 7, f"{MARKER}\nrun 2", marker=MARKER)
    assert (first.action, second.action) == ("created", "updated")
    assert first.comment_id == second.comment_id
    [post] = api.requests("POST")
    [patch] = api.requests("PATCH")
    assert patch.path == f"/repos/acme/infra/issues/comments/{first.comment_id}"
    assert patch.body == {"body": f"{MARKER}\nrun 2"}
    assert post.body == {"body": f"{MARKER}\nrun 1"}
    bodies = [c["body"] for c in api.state.comments[7]]
    assert bodies.count(f"{MARKER}\nrun 2") == 1
    assert not any("run 1" in b for b in bodies)
    # Another plan's planrisk comment is left alone.
    assert any(b.startswith("<!-- planrisk:stacks/network/plan.json:prod -->") for b in bodies)


def test_new_always_posts(api: FakeGitHub) -> None:
    client = GitHubClient(api.url, TOKEN)
    for n in range(2):
        result = upsert_comment(
            client, "acme/infra", 7, f"{MARKER}\n{n}", marker=MARKER, behavior=CommentBehavior.NEW
        )
        assert result.action == "created"
    assert len(api.requests("POST")) == 2
    assert api.requests("PATCH") == []


def test_a_reply_quoting_the_marker_is_not_taken_over(api: FakeGitHub) -> None:
    api.add_comment(7, "bob", f"> {MARKER}\n> quoted report\n\nWhat about the subnet?")
    client = GitHubClient(api.url, TOKEN)
    result = upsert_comment(client, "acme/infra", 7, f"{MARKER}\nreport", marker=MARKER)
    assert result.action == "created"
    assert api.requests("PATCH") == []


def test_marker_is_added_when_missing(api: FakeGitHub) -> None:
    client = GitHubClient(api.url, TOKEN)
    upsert_comment(client, "acme/infra", 7, "report without marker", marker=MARKER)
    [post] = api.requests("POST")
    assert post.body == {"body": f"{MARKER}\nreport without marker"}


def test_marker_of_reads_the_rendered_marker() -> None:
    assert marker_of(f"{MARKER}\n## planrisk") == MARKER
    with pytest.raises(InputError, match="does not start with a planrisk marker"):
        marker_of("## planrisk\n" + MARKER)
