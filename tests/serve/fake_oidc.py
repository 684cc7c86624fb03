"""A fake OIDC issuer on 127.0.0.1 for the serve tests: a JWKS endpoint and token minting.

Input: claims a test wants in a token. Output: an issuer URL serving
`/.well-known/jwks` (RSA public keys with `kid`, as GitHub Actions' issuer publishes them) and
RS256 tokens signed by its key, or by a key it does not publish (a forged token).
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .threaded import ThreadedServer, reply

KID = "planrisk-test-key"


class FakeIssuer(ThreadedServer):
    """The issuer, serving its keys until `close()`."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwks = json.dumps({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}).encode()
        self.key_requests = 0
        self.runtime_token = "actions-runtime-request-token"
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                if self.path.startswith("/actions-token?"):
                    self._runtime()
                    return
                issuer.key_requests += 1
                self._send(200 if self.path == "/.well-known/jwks" else 404, jwks)

            def _runtime(self) -> None:
                # The Actions runtime's token endpoint: ACTIONS_ID_TOKEN_REQUEST_URL.
                query = parse_qs(urlsplit(self.path).query)
                if self.headers.get("Authorization") != f"Bearer {issuer.runtime_token}":
                    self._send(401, b"{}")
                    return
                claims = issuer.runtime_claims
                token = issuer.token(claims, audience=query.get("audience", [""])[0])
                self._send(200, json.dumps({"count": 1, "value": token}).encode())

            def _send(self, status: int, data: bytes) -> None:
                reply(self, status, data)

        self.runtime_claims: dict[str, Any] = {}
        """The claims the Actions runtime endpoint puts in the tokens it hands out."""
        super().__init__(Handler)

    def token(
        self,
        claims: dict[str, Any],
        *,
        audience: str = "planrisk",
        lifetime: int = 300,
        forged: bool = False,
    ) -> str:
        """A GitHub Actions-like OIDC token with `claims`."""
        now = int(time.time())
        body = {
            "iss": self.url,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": f"jti-{now}",
            **claims,
        }
        key = self.other if forged else self.key
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": KID})


def actions_claims(repository: str, sha: str, actor: str, **extra: str) -> dict[str, str]:
    """The claims GitHub Actions puts in a job's token."""
    owner = repository.split("/")[0]
    return {
        "sub": f"repo:{repository}:ref:refs/heads/main",
        "repository": repository,
        "repository_owner": owner,
        "ref": "refs/heads/main",
        "ref_type": "branch",
        "sha": sha,
        "workflow": "plan",
        "actor": actor,
        "event_name": "push",
        "run_id": "8000000001",
        "runner_environment": "github-hosted",
        **extra,
    }
