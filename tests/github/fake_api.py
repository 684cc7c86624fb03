"""A fake GitHub REST API on 127.0.0.1 for the GitHub tests (gate and report stages).

Input: a recorded pull request (tests/github/recorded/*.json: the pull, its issue comments,
its reviews and the collaborators' permissions, in the shape GitHub returns them) and what a
test adds or breaks. Output: an HTTP server that answers the endpoints planrisk calls, pages
listings with `Link` headers (page size forced small so pagination is exercised), accepts
comment POST/PATCH, and records every request so tests can assert on them.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).resolve().parent / "recorded"
TOKEN = "ghs_fake_token_for_tests"


@dataclass
class Seen:
    """One request the fake API received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str


@dataclass
class FakeState:
    """What the fake API serves (mutable by tests and by POST/PATCH)."""

    repository: str
    pulls: dict[int, dict[str, Any]]
    comments: dict[int, list[dict[str, Any]]]
    reviews: dict[int, list[dict[str, Any]]]
    permissions: dict[str, dict[str, Any]]
    page_size: int = 2
    failures: dict[str, list[int]] = field(default_factory=dict)
    """`METHOD /path` → statuses to answer before serving normally."""
    seen: list[Seen] = field(default_factory=list)
    next_id: int = 9_000_000


class FakeGitHub:
    """The server, running in a thread until `close()`."""

    def __init__(self, recording: str = "acme-infra-pr-7.json") -> None:
        data = json.loads((RECORDED / recording).read_text(encoding="utf-8"))
        self.state = FakeState(
            repository=data["repository"],
            pulls={int(k): v for k, v in data["pulls"].items()},
            comments={int(k): v for k, v in data["issue_comments"].items()},
            reviews={int(k): v for k, v in data["reviews"].items()},
            permissions=data["permissions"],
        )
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def add_comment(
        self, number: int, login: str, body: str, *, account_type: str = "User"
    ) -> dict[str, Any]:
        """A new issue comment on pull request `number`, as GitHub would store it."""
        comment = _comment(self.state, number, body, {"login": login, "type": account_type})
        self.state.comments.setdefault(number, []).append(comment)
        return comment

    def add_review(self, number: int, login: str, body: str, state: str) -> dict[str, Any]:
        """A new pull request review (APPROVED, COMMENTED, CHANGES_REQUESTED…)."""
        self.state.next_id += 1
        ident = self.state.next_id
        review = {
            "id": ident,
            "html_url": f"https://github.com/{self.state.repository}/pull/{number}"
            f"#pullrequestreview-{ident}",
            "user": {"login": login, "type": "User"},
            "body": body,
            "state": state,
            "submitted_at": f"2025-06-02T11:{len(self.state.reviews.get(number, [])):02d}:00Z",
        }
        self.state.reviews.setdefault(number, []).append(review)
        return review

    def requests(self, method: str | None = None, path_part: str = "") -> list[Seen]:
        """The requests received, filtered by method and a part of the path."""
        return [
            s
            for s in self.state.seen
            if (method is None or s.method == method) and path_part in s.path
        ]


def _comment(state: FakeState, number: int, body: str, user: dict[str, Any]) -> dict[str, Any]:
    state.next_id += 1
    ident = state.next_id
    when = f"2025-06-02T10:{len(state.comments.get(number, [])) % 60:02d}:00Z"
    return {
        "id": ident,
        "html_url": f"https://github.com/{state.repository}/pull/{number}#issuecomment-{ident}",
        "user": user,
        "created_at": when,
        "updated_at": when,
        "author_association": "MEMBER",
        "body": body,
    }


class _Handler(BaseHTTPRequestHandler):
    state: FakeState

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        state = self.state
        state.seen.append(
            Seen(method, parts.path, query, body, self.headers.get("Authorization", ""))
        )
        queued = state.failures.get(f"{method} {parts.path}")
        if queued:
            self._send(queued.pop(0), {"message": "Server Error"})
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, {"message": "Bad credentials"})
            return
        self._route(method, parts.path.split("/"), query, body)

    def _route(self, method: str, segments: list[str], query: dict[str, str], body: Any) -> None:
        state = self.state
        repo = "/".join(segments[2:4])
        rest = segments[4:]
        if segments[:2] != ["", "repos"] or repo != state.repository:
            self._send(404, {"message": "Not Found"})
            return
        match (method, rest):
            case ("GET", ["pulls", number]) if int(number) in state.pulls:
                self._send(200, state.pulls[int(number)])
            case ("GET", ["issues", number, "comments"]):
                self._page(state.comments.get(int(number), []), query)
            case ("POST", ["issues", number, "comments"]):
                user = {"login": "github-actions[bot]", "type": "Bot"}
                comment = _comment(state, int(number), body["body"], user)
                state.comments.setdefault(int(number), []).append(comment)
                self._send(201, comment)
            case ("PATCH", ["issues", "comments", ident]):
                for comments in state.comments.values():
                    for comment in comments:
                        if comment["id"] == int(ident):
                            comment["body"] = body["body"]
                            self._send(200, comment)
                            return
                self._send(404, {"message": "Not Found"})
            case ("GET", ["pulls", number, "reviews"]):
                self._page(state.reviews.get(int(number), []), query)
            case ("GET", ["commits", sha, "pulls"]):
                self._send(
                    200,
                    [p for p in state.pulls.values() if p.get("merge_commit_sha") == sha],
                )
            case ("GET", ["collaborators", login, "permission"]) if login in state.permissions:
                self._send(200, state.permissions[login])
            case _:
                self._send(404, {"message": "Not Found"})

    def _page(self, items: list[dict[str, Any]], query: dict[str, str]) -> None:
        size = min(int(query.get("per_page", "30")), self.state.page_size)
        page = int(query.get("page", "1"))
        last = max(1, -(-len(items) // size))
        headers = {}
        if page < last:
            base = f"http://{self.headers['Host']}{urlsplit(self.path).path}"
            headers["Link"] = (
                f'<{base}?per_page={size}&page={page + 1}>; rel="next", '
                f'<{base}?per_page={size}&page={last}>; rel="last"'
            )
        self._send(200, items[(page - 1) * size : page * size], headers)

    def _send(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)
