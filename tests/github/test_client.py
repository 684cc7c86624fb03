"""The stdlib GitHub client against the fake API: retries, errors, token hygiene."""

from __future__ import annotations

import re

import pytest

from planrisk.github.client import GitHubClient, GitHubError, next_page

from .fake_api import TOKEN, FakeGitHub


def test_get_is_retried_after_a_server_error(api: FakeGitHub) -> None:
    api.state.failures["GET /repos/acme/infra/pulls/7"] = [502, 503]
    pull = GitHubClient(api.url, TOKEN, backoff=0).get("/repos/acme/infra/pulls/7")
    assert pull["user"]["login"] == "alice"
    assert len(api.requests("GET", "/pulls/7")) == 3


def test_retries_run_out(api: FakeGitHub) -> None:
    api.state.failures["GET /repos/acme/infra/pulls/7"] = [500, 500, 500]
    with pytest.raises(GitHubError, match="returned 500"):
        GitHubClient(api.url, TOKEN, backoff=0, retries=2).get("/repos/acme/infra/pulls/7")


def test_post_is_never_retried(api: FakeGitHub) -> None:
    api.state.failures["POST /repos/acme/infra/issues/7/comments"] = [502]
    client = GitHubClient(api.url, TOKEN, backoff=0)
    with pytest.raises(GitHubError, match="POST /repos/acme/infra/issues/7/comments returned 502"):
        client.request("POST", "/repos/acme/infra/issues/7/comments", body={"body": "x"})
    assert len(api.requests("POST")) == 1
    assert len(api.state.comments[7]) == 5


def test_bad_token_names_the_fix_and_never_the_token(api: FakeGitHub) -> None:
    secret = "ghs_wrong_secret_value"
    with pytest.raises(GitHubError) as caught:
        GitHubClient(api.url, secret).get("/repos/acme/infra/pulls/7")
    line = caught.value.one_line()
    assert "returned 401: Bad credentials" in line
    assert "github-token" in line
    assert secret not in line


def test_allowed_status_is_returned(api: FakeGitHub) -> None:
    answer = GitHubClient(api.url, TOKEN).request(
        "GET", "/repos/acme/infra/collaborators/nobody/permission", allow=(404,)
    )
    assert (answer.status, answer.data) == (404, {"message": "Not Found"})


def test_unreachable_api() -> None:
    client = GitHubClient("http://127.0.0.1:9", TOKEN, retries=0, timeout=2)
    with pytest.raises(
        GitHubError, match=re.escape("cannot reach the GitHub API at http://127.0.0.1:9")
    ):
        client.get("/repos/acme/infra/pulls/7")


def test_token_is_never_sent_to_another_host(api: FakeGitHub) -> None:
    client = GitHubClient(api.url, TOKEN)
    with pytest.raises(
        GitHubError, match=re.escape("refusing to send the token to https://evil.example")
    ):
        client.request("GET", "https://evil.example/repos/acme/infra/pulls/7")
    assert api.state.seen == []


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=9>; '
            'rel="last"',
            "https://api.github.com/x?page=2",
        ),
        (
            '<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; '
            'rel="first"',
            None,
        ),
        ("<https://api.github.com/x?page=3>; rel=next", "https://api.github.com/x?page=3"),
        ("", None),
    ],
)
def test_next_page(link: str, expected: str | None) -> None:
    assert next_page({"link": link}) == expected
