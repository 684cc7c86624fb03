"""The GitHub App's credentials (serve layer): App id + private key → installation tokens.

Input: `[serve.github]` (app_id, the private key, api_url) and an installation id from a
webhook. Output: a `GitHubClient` authenticated as that installation. The App's JWT (RS256,
`iss` = the App id, issued a minute in the past for clock drift, valid under 10 minutes) is
exchanged at `POST /app/installations/{id}/access_tokens` for a token that is cached until a
minute before its `expires_at`. Tokens stay in this process's memory: never in the store or a
log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from planrisk.github.client import GitHubClient, GitHubError
from planrisk.serve.settings import ServeSettings

JWT_LIFETIME_SECONDS = 540
"""Under GitHub's 10-minute maximum."""
REFRESH_MARGIN_SECONDS = 60


class InstallationTokens:
    """Installation tokens of one App, cached per installation."""

    def __init__(self, settings: ServeSettings, clock: Callable[[], float]) -> None:
        section = settings.section.github
        assert section is not None and settings.github_private_key is not None
        self._api_url = section.api_url
        self._app_id = str(section.app_id)
        self._key = settings.github_private_key
        self._timeout = settings.section.outbound_timeout_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[str, float]] = {}

    def client(self, installation_id: int) -> GitHubClient:
        """A client acting as the installation."""
        return GitHubClient(
            self._api_url, self.token(installation_id), timeout=self._timeout, backoff=0.5
        )

    def token(self, installation_id: int) -> str:
        """The installation's token (a new one a minute before the cached one expires)."""
        now = self._clock()
        with self._lock:
            cached = self._cache.get(installation_id)
            if cached is not None and cached[1] - REFRESH_MARGIN_SECONDS > now:
                return cached[0]
        app = GitHubClient(self._api_url, self.app_jwt(), timeout=self._timeout, retries=0)
        answer = app.request("POST", f"/app/installations/{installation_id}/access_tokens")
        data = answer.data
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            raise GitHubError("GitHub did not return an installation token")
        expires = _epoch(data.get("expires_at"), now)
        with self._lock:
            self._cache[installation_id] = (data["token"], expires)
        return str(data["token"])

    def app_jwt(self) -> str:
        """The App's JSON Web Token."""
        import jwt

        now = int(self._clock())
        claims = {"iat": now - 60, "exp": now + JWT_LIFETIME_SECONDS, "iss": self._app_id}
        return jwt.encode(claims, self._key.reveal(), algorithm="RS256")


def _epoch(value: object, now: float) -> float:
    """`expires_at` as epoch seconds (an unreadable one: treat the token as short-lived)."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return now + REFRESH_MARGIN_SECONDS * 2
