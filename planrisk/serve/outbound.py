"""Calls to HCP Terraform / Terraform Enterprise (serve layer): the plan download and callback.

Input: a run task's `plan_json_api_url` or `task_result_callback_url`, its per-run access
token, the configured HCP/TFE origin, a timeout and a size cap. Output: the plan's bytes (None
while HCP answers 204, not ready), or the callback sent; `OutboundError` otherwise, marked
retryable for a dropped connection, a timeout, 429 or a 5xx.

The token is sent only to the configured origin: a URL elsewhere is refused before any
connection (a forged or misconfigured payload cannot collect it). Redirects are not followed
by urllib (it would forward the Authorization header): the plan's 307 is followed here at
once, to its short-lived archive URL, without the token.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import msgspec

JSON_API = "application/vnd.api+json"


class OutboundError(Exception):
    """A call failed; `retryable` when trying again later may succeed."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def origin_of(url: str) -> str:
    """`scheme://host:port` of an http(s) URL (default ports made explicit), or ''."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return ""
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username:
        return ""
    return f"{parts.scheme}://{parts.hostname.lower()}:{port}"


def on_origin(url: str, origin: str) -> bool:
    """Whether `url` is on `origin` (the configured HCP/TFE URL)."""
    return bool(origin_of(url)) and origin_of(url) == origin_of(origin)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch_plan(url: str, token: str, origin: str, timeout: float, max_bytes: int) -> bytes | None:
    """The plan JSON at `plan_json_api_url`, or None while it is not ready (204)."""
    if not on_origin(url, origin):
        raise OutboundError(f"the plan URL is not on {origin_of(origin)}", retryable=False)
    status, headers, body = _call("GET", url, token, None, timeout, max_bytes)
    if status == 204:
        return None
    if status in (301, 302, 303, 307, 308):
        target = headers.get("location", "")
        target = urllib.parse.urljoin(url, target)
        if not target.startswith(("https://", "http://")):
            raise OutboundError("the plan redirect names no http(s) URL", retryable=False)
        # The archive URL is signed by HCP and lives about a minute: follow it now, and
        # send it no token (it may be on another host, such as object storage).
        status, headers, body = _call("GET", target, None, None, timeout, max_bytes)
    if status == 200:
        return body
    raise OutboundError(f"the plan download answered {status}", retryable=_retryable(status))


def send_callback(url: str, token: str, origin: str, document: Any, timeout: float) -> None:
    """PATCH the run task result (`application/vnd.api+json`)."""
    if not on_origin(url, origin):
        raise OutboundError(f"the callback URL is not on {origin_of(origin)}", retryable=False)
    status, _, _ = _call("PATCH", url, token, msgspec.json.encode(document), timeout, 1 << 20)
    if not 200 <= status < 300:
        raise OutboundError(f"the callback answered {status}", retryable=_retryable(status))


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500 or status == 408


def _call(
    method: str,
    url: str,
    token: str | None,
    data: bytes | None,
    timeout: float,
    max_bytes: int,
) -> tuple[int, dict[str, str], bytes]:
    from planrisk import __version__

    headers = {"User-Agent": f"planrisk/{__version__}", "Accept": JSON_API}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if data is not None:
        headers["Content-Type"] = JSON_API
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return answer.status, _lower(answer.headers.items()), _read(answer, max_bytes)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, _lower(exc.headers.items()), b""
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        raise OutboundError(f"{method} failed ({reason})", retryable=True) from None


def _lower(items: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}


def _read(answer: Any, max_bytes: int) -> bytes:
    data: bytes = answer.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OutboundError(f"the answer is larger than {max_bytes} bytes", retryable=False)
    return data
