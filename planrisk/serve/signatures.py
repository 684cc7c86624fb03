"""Webhook signatures (serve layer): raw body + header + secret → accepted or not.

Input: the request's raw bytes (before any parsing), the signature header and the secret.
Output: whether the signature is the body's HMAC under the secret, compared in constant time.

- HCP Terraform run tasks: `X-TFC-Task-Signature` = hex HMAC-SHA512 of the body.
- GitHub webhooks: `X-Hub-Signature-256` = `sha256=` + hex HMAC-SHA256 of the body.

A missing, empty or malformed header never matches.
"""

from __future__ import annotations

import hashlib
import hmac


def terraform_signature(body: bytes, key: bytes) -> str:
    """The `X-TFC-Task-Signature` of `body`."""
    return hmac.new(key, body, hashlib.sha512).hexdigest()


def github_signature(body: bytes, secret: bytes) -> str:
    """The `X-Hub-Signature-256` of `body`."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def terraform_signed(body: bytes, header: str | None, key: bytes) -> bool:
    """Whether `header` is the run task signature of `body` under `key`."""
    if not header or not key:
        return False
    expected = terraform_signature(body, key).encode()
    return hmac.compare_digest(header.strip().lower().encode(), expected)


def github_signed(body: bytes, header: str | None, secret: bytes) -> bool:
    """Whether `header` is the webhook signature of `body` under `secret`."""
    if not header or not secret:
        return False
    return hmac.compare_digest(header.strip().encode(), github_signature(body, secret).encode())
