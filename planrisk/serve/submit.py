"""`planrisk gate --server URL` (serve layer, client side): a plan file → the server's decision.

Input: the server's URL, the plan file, and a token: PLANRISK_SERVER_TOKEN, else the GitHub
Actions OIDC token requested for the audience PLANRISK_SERVER_AUDIENCE (default `planrisk`;
the job needs `permissions: id-token: write`). Output: the decision JSON the server returns
(the document `planrisk gate --format json` prints) and the exit code (0 allow, 1 otherwise).
Standard library only: the CLI imports no web framework. The token is never printed.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import msgspec

from planrisk.errors import ExitCode, InputError, PlanriskError

TOKEN_ENV = "PLANRISK_SERVER_TOKEN"
AUDIENCE_ENV = "PLANRISK_SERVER_AUDIENCE"
DEFAULT_AUDIENCE = "planrisk"
TIMEOUT_SECONDS = 600.0


def gate_on_server(server: str, plan: Path, environ: Mapping[str, str]) -> tuple[bytes, int]:
    """(the decision JSON, the exit code) of `plan` gated by the server."""
    try:
        data = plan.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the plan ({exc.strerror})", source=str(plan)) from None
    url = server.rstrip("/") + "/v1/plans"
    if not url.startswith(("https://", "http://")):
        raise InputError("--server must be an http(s) URL", source=server)
    token = environ.get(TOKEN_ENV, "").strip() or actions_token(environ)
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            body: bytes = answer.read()
    except urllib.error.HTTPError as exc:
        with exc:
            reason = _error_of(exc.read())
        raise PlanriskError(
            f"the planrisk server answered {exc.code}: {reason}", source=_origin(url)
        ) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise PlanriskError(
            f"cannot reach the planrisk server ({getattr(exc, 'reason', exc)})",
            source=_origin(url),
        ) from None
    try:
        outcome = msgspec.json.decode(body)["decision"]["outcome"]
    except (msgspec.DecodeError, KeyError, TypeError):
        raise PlanriskError("the planrisk server's answer is not a decision", source=url) from None
    return body, int(ExitCode.ALLOW if outcome == "allow" else ExitCode.BLOCKED)


def actions_token(environ: Mapping[str, str]) -> str:
    """The job's OIDC token from the GitHub Actions runtime."""
    request_url = environ.get("ACTIONS_ID_TOKEN_REQUEST_URL", "")
    request_token = environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")
    if not request_url or not request_token:
        raise InputError(
            "no token for the planrisk server",
            hint="give the job `permissions: id-token: write` (GitHub Actions), or set "
            f"{TOKEN_ENV}",
        )
    audience = environ.get(AUDIENCE_ENV, "").strip() or DEFAULT_AUDIENCE
    joiner = "&" if "?" in request_url else "?"
    url = f"{request_url}{joiner}audience={urllib.parse.quote(audience)}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {request_token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            value = msgspec.json.decode(answer.read()).get("value")
    except (urllib.error.URLError, TimeoutError, ConnectionError, msgspec.DecodeError):
        raise PlanriskError("cannot get the job's OIDC token from the runner") from None
    if not isinstance(value, str) or not value:
        raise PlanriskError("the runner returned no OIDC token")
    return value


def _error_of(raw: bytes) -> str:
    try:
        error = msgspec.json.decode(raw).get("error")
    except (msgspec.DecodeError, AttributeError):
        error = None
    return " ".join(str(error).split())[:300] if error else "no reason given"


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
