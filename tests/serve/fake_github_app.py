"""A fake GitHub API for the serve tests: the approvals API of tests/github plus a GitHub App.

Input: the recorded pull request of `tests.github.fake_api` (acme/infra #7 by alice), the App's
id and public key, and commits a test adds. Output: the same server, also answering what the
App calls: `POST /app/installations/{id}/access_tokens` (only with a valid RS256 JWT whose
`iss` is the App id: the token handed out is the one the recorded API accepts),
`GET /repos/{repo}/commits/{sha}` and
`POST /repos/{repo}/actions/runs/{run_id}/deployment_protection_rule` (204, recorded; failures
can be queued). `rule_event` builds a `deployment_protection_rule` delivery shaped like
GitHub's documented payload; `sign` signs it (`X-Hub-Signature-256`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import urlsplit

import jwt

from tests.github.fake_api import TOKEN, FakeGitHub, _Handler

_TOKENS = re.compile(r"^/app/installations/(\d+)/access_tokens$")


class FakeGitHubApp(FakeGitHub):
    """The fake API with the App's endpoints."""

    def __init__(self, app_id: str, public_key_pem: bytes) -> None:
        super().__init__()
        self.app_id = app_id
        self.public_key = public_key_pem
        self.commits: dict[str, dict[str, Any]] = {}
        self.review_failures: list[int] = []
        self.token_requests = 0
        self.server.RequestHandlerClass = type(
            "AppHandler", (_AppHandler,), {"state": self.state, "app": self}
        )

    def add_commit(self, sha: str, message: str, author: str, email: str) -> None:
        self.commits[sha] = {
            "sha": sha,
            "commit": {
                "message": message,
                "author": {"name": author, "email": email, "date": "2026-12-01T09:00:00Z"},
            },
        }

    def reviews_of(self, run_id: int) -> list[dict[str, Any]]:
        """The bodies of every protection-rule review (`approved`/`rejected`) of a run."""
        return [body for body in self._rule_posts(run_id) if "state" in body]

    def status_reports(self, run_id: int) -> list[dict[str, Any]]:
        """The bodies of every status report (a comment without a state) of a run."""
        return [body for body in self._rule_posts(run_id) if "state" not in body]

    def _rule_posts(self, run_id: int) -> list[dict[str, Any]]:
        path = f"/actions/runs/{run_id}/deployment_protection_rule"
        return [s.body for s in self.requests("POST", path)]

    def rule_event(
        self,
        *,
        run_id: int,
        sha: str,
        environment: str = "production",
        creator: str = "alice",
        pulls: tuple[int, ...] = (7,),
        event: str = "pull_request",
    ) -> dict[str, Any]:
        """A `deployment_protection_rule` `requested` delivery."""
        repo = self.state.repository
        owner = repo.split("/")[0]
        return {
            "action": "requested",
            "environment": environment,
            "event": event,
            "sha": sha,
            "ref": "refs/heads/subnet-cidr",
            "deployment_callback_url": f"{self.url}/repos/{repo}/actions/runs/{run_id}"
            "/deployment_protection_rule",
            "deployment": {
                "url": f"{self.url}/repos/{repo}/deployments/{run_id}",
                "id": run_id,
                "node_id": "DE_kwDOJ",
                "task": "deploy",
                "original_environment": environment,
                "environment": environment,
                "description": None,
                "created_at": "2026-12-01T10:00:00Z",
                "updated_at": "2026-12-01T10:00:00Z",
                "statuses_url": f"{self.url}/repos/{repo}/deployments/{run_id}/statuses",
                "repository_url": f"{self.url}/repos/{repo}",
                "creator": {"login": creator, "id": 1001, "type": "User"},
                "sha": sha,
                "ref": "subnet-cidr",
                "payload": {},
                "transient_environment": False,
                "production_environment": environment == "production",
                "performed_via_github_app": None,
            },
            "pull_requests": [
                {"url": f"{self.url}/repos/{repo}/pulls/{n}", "id": 1900000000 + n, "number": n}
                for n in pulls
            ],
            "repository": {
                "id": 4242,
                "name": repo.split("/")[1],
                "full_name": repo,
                "private": True,
                "owner": {"login": owner, "type": "Organization"},
            },
            "organization": {"login": owner},
            "installation": {"id": 77, "node_id": "MDIzOkludGVncmF0aW9u"},
            "sender": {"login": creator, "id": 1001, "type": "User"},
        }


def sign(body: bytes, secret: bytes) -> str:
    """X-Hub-Signature-256 of `body`."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class _AppHandler(_Handler):
    app: FakeGitHubApp

    def _serve(self, method: str) -> None:
        path = urlsplit(self.path).path
        if method == "POST" and _TOKENS.match(path):
            self._installation_token()
            return
        super()._serve(method)

    def _installation_token(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        auth = self.headers.get("Authorization", "")
        try:
            claims = jwt.decode(
                auth.removeprefix("Bearer "),
                self.app.public_key,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
            )
        except jwt.PyJWTError:
            self._send(401, {"message": "A JSON web token could not be decoded"})
            return
        if str(claims["iss"]) != self.app.app_id:
            self._send(401, {"message": "Integration not found"})
            return
        self.app.token_requests += 1
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        self._send(201, {"token": TOKEN, "expires_at": expires, "permissions": {}})

    def _route(self, method: str, segments: list[str], query: dict[str, str], body: Any) -> None:
        repo = "/".join(segments[2:4])
        rest = segments[4:]
        if segments[:2] == ["", "repos"] and repo == self.state.repository:
            match (method, rest):
                case ("GET", ["commits", sha]) if sha in self.app.commits:
                    self._send(200, self.app.commits[sha])
                    return
                case ("POST", ["actions", "runs", _, "deployment_protection_rule"]):
                    if self.app.review_failures:
                        self._send(self.app.review_failures.pop(0), {"message": "Server Error"})
                        return
                    self.send_response(204)
                    self.end_headers()
                    return
        super()._route(method, segments, query, body)


__all__ = ["TOKEN", "FakeGitHubApp", "sign"]
