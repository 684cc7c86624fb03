"""OIDC tokens of CI jobs (serve layer): `Authorization: Bearer <JWT>` → verified claims.

Input: the bearer token of `POST /v1/plans` and `[serve.oidc]` (issuer, audience, JWKS URL).
Output: the token's claims once its signature verifies against the issuer's published keys
(fetched with a timeout and cached), its `iss` and `aud` are the configured ones and it is
within its lifetime (a few seconds of clock drift allowed); else `BadRequest(401)` with one
line, or 503 when the issuer's keys cannot be fetched (nothing is accepted meanwhile).

The claims name the run — GitHub Actions: `repository`, `ref`, `sha`, `workflow`, `actor`,
`environment`, `event_name`, `head_ref`; HCP Terraform workload identity:
`terraform_organization_name`, `terraform_workspace_name`, `terraform_run_id` — and the server
takes them from here, never from the request body.
"""

from __future__ import annotations

from typing import Any

from planrisk.serve.limits import BadRequest
from planrisk.serve.settings import ServeSettings

ALGORITHMS = ["RS256", "ES256"]
LEEWAY_SECONDS = 30
KEYS_LIFESPAN_SECONDS = 300


class OidcVerifier:
    """Verifies tokens of one issuer."""

    def __init__(self, settings: ServeSettings) -> None:
        import jwt

        section = settings.section.oidc
        assert section is not None
        self.issuer = section.issuer
        self.audience = section.audience
        url = section.jwks_url or section.issuer.rstrip("/") + "/.well-known/jwks"
        self._keys = jwt.PyJWKClient(
            url,
            cache_keys=True,
            lifespan=KEYS_LIFESPAN_SECONDS,
            timeout=int(max(1, settings.section.outbound_timeout_seconds)),
        )

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The claims of the `Authorization` header's bearer token."""
        import jwt

        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise BadRequest(401, "no bearer token")
        try:
            key = self._keys.get_signing_key_from_jwt(token.strip())
        except jwt.PyJWKClientConnectionError:
            raise BadRequest(503, "cannot fetch the issuer's keys") from None
        except jwt.PyJWTError:
            raise BadRequest(401, "token is not signed by a key of the issuer") from None
        try:
            claims: dict[str, Any] = jwt.decode(
                token.strip(),
                key.key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.InvalidSignatureError:
            raise BadRequest(401, "token signature does not verify") from None
        except jwt.ExpiredSignatureError:
            raise BadRequest(401, "token expired") from None
        except jwt.InvalidAudienceError:
            raise BadRequest(401, "token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise BadRequest(401, "token is from another issuer") from None
        except jwt.PyJWTError:
            raise BadRequest(401, "token is invalid") from None
        return claims
