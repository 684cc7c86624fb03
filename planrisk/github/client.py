"""GitHub REST client (gate and report stages): HTTP requests → decoded JSON, page by page.

Input: the API base URL (GITHUB_API_URL; https://api.github.com by default), a token, and
requests by path. Output: decoded JSON; `paginate` follows `Link: <…>; rel="next"` headers
(only on the API's own host, so the token never leaves it). GET and PATCH are retried on a
5xx answer or a dropped connection; POST is never retried (it would duplicate a comment).
Standard library only (urllib); the token is sent as a bearer header and never printed.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from planrisk.errors import PlanriskError

DEFAULT_API_URL = "https://api.github.com"
"""The public GitHub API (GitHub Enterprise sets GITHUB_API_URL)."""
API_VERSION = "2022-11-28"
"""The REST API version requested."""
MAX_PAGES = 100
"""Pages followed per listing (100 items each): a guard against a Link loop."""

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]*)"?')
_RETRY_METHODS = frozenset({"GET", "PATCH"})
_HINTS = {
    401: "check the token (the action's github-token input, GITHUB_TOKEN or --github-token)",
    403: "the token lacks a permission (pull-requests: read, issues: write) or hit a rate limit",
    404: "check GITHUB_REPOSITORY and the pull request number; a token without access sees 404",
}


class GitHubError(PlanriskError):
    """The GitHub API could not be reached or refused a request."""


@dataclass(frozen=True)
class Response:
    """One decoded answer."""

    status: int
    headers: Mapping[str, str]
    data: Any


class GitHubClient:
    """A small GitHub REST client bound to one API base URL and token."""

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 1.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._origin = _origin(self.api_url)
        self._token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    def url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        """Absolute URL of an API path (or of an absolute URL on the API's host)."""
        url = path if path.startswith(("http://", "https://")) else self.api_url + path
        if _origin(url) != self._origin:
            raise GitHubError(
                f"refusing to send the token to {_origin(url)} (the API is {self._origin})",
                hint="set GITHUB_API_URL to the API that served the listing",
            )
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(sorted(params.items()))
        return url

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        allow: tuple[int, ...] = (),
    ) -> Response:
        """Send one request; statuses >= 400 raise GitHubError unless listed in `allow`."""
        url = self.url(path, params)
        data = msgspec.json.encode(body) if body is not None else None
        attempts = 1 + (self.retries if method in _RETRY_METHODS else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                with urllib.request.urlopen(
                    self._build(method, url, data), timeout=self.timeout
                ) as answer:
                    return _decoded(answer.status, dict(answer.headers.items()), answer.read())
            except urllib.error.HTTPError as exc:
                status, headers, raw = exc.code, dict(exc.headers.items()), exc.read()
                exc.close()
                if status >= 500 and not last:
                    self._pause(attempt)
                    continue
                if status in allow:
                    return _decoded(status, headers, raw)
                raise _http_error(method, path, status, raw) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if not last:
                    self._pause(attempt)
                    continue
                reason = getattr(exc, "reason", exc)
                raise GitHubError(
                    f"cannot reach the GitHub API at {self._origin} ({reason})",
                    hint="check GITHUB_API_URL and the network",
                ) from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET one resource."""
        return self.request("GET", path, params=params).data

    def paginate(self, path: str, params: Mapping[str, str] | None = None) -> list[Any]:
        """GET a listing and every following page (`per_page=100`), items in order."""
        items: list[Any] = []
        url: str | None = self.url(path, {"per_page": "100", **(params or {})})
        for _ in range(MAX_PAGES):
            if url is None:
                return items
            answer = self.request("GET", url)
            if not isinstance(answer.data, list):
                raise GitHubError(f"GitHub API GET {path} did not return a list")
            items.extend(answer.data)
            url = next_page(answer.headers)
        raise GitHubError(f"GitHub API GET {path} has more than {MAX_PAGES} pages")

    def _build(self, method: str, url: str, data: bytes | None) -> urllib.request.Request:
        from planrisk import __version__

        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"planrisk/{__version__}",
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if data is not None:
            headers["Content-Type"] = "application/json"
        return urllib.request.Request(url, data=data, method=method, headers=headers)

    def _pause(self, attempt: int) -> None:
        time.sleep(self.backoff * 2**attempt)


def next_page(headers: Mapping[str, str]) -> str | None:
    """The `rel="next"` URL of a Link header, if any."""
    link = next((v for k, v in headers.items() if k.lower() == "link"), "")
    for target, rels in _LINK.findall(link):
        if "next" in rels.split():
            return str(target)
    return None


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _decoded(status: int, headers: dict[str, str], raw: bytes) -> Response:
    try:
        data = msgspec.json.decode(raw) if raw.strip() else None
    except msgspec.DecodeError:
        raise GitHubError(
            f"the GitHub API answered {status} with a body that is not JSON",
            hint="check GITHUB_API_URL: it must name the REST API",
        ) from None
    return Response(status=status, headers=headers, data=data)


def _http_error(method: str, path: str, status: int, raw: bytes) -> GitHubError:
    message = ""
    try:
        decoded = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        decoded = None
    if isinstance(decoded, dict) and isinstance(decoded.get("message"), str):
        message = ": " + decoded["message"][:200]
    return GitHubError(
        f"GitHub API {method} {urllib.parse.urlsplit(path).path} returned {status}{message}",
        hint=_HINTS.get(status, "retry later; see https://www.githubstatus.com"),
    )
