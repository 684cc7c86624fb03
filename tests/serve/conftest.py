"""Fixtures of the serve tests: the fake platforms, keys, the real store, a configuration.

`world` gives a test a fake HCP Terraform, a fake GitHub API with a GitHub App, a fake OIDC
issuer (all on 127.0.0.1), a fresh PostgreSQL schema (the store tests' `postgres` fixture),
the secrets on disk, an approver's key pair, and `world.start()`, which writes the system
configuration and starts the real `planrisk serve` on it. Intervals are short (a heartbeat
under a second, a 2 s approval limit) so that the tests run in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from planrisk.gate.evidence.keys import write_keypair
from tests.gate.audit.conftest import postgres, postgres_server
from tests.gate.audit.stores import PostgresSchema

from .fake_github_app import FakeGitHubApp
from .fake_hcp import FakeHCP
from .fake_oidc import FakeIssuer
from .server import Served

__all__ = ["postgres", "postgres_server"]

REPO = Path(__file__).resolve().parents[2]
PLANS = REPO / "fixtures" / "terraform"
DB_DELETE = PLANS / "prod-db-delete-no-snapshot" / "plan.json"
"""Deletes a production database with no snapshot: critical; an agent's is denied, a human's
needs 2 approvals."""
SUBNET_REPLACE = PLANS / "forced-replace" / "plan.json"
"""Replaces subnets: high; a human's needs 1 approval in prod."""
TAG_UPDATE = PLANS / "dev-tag-update" / "plan.json"
"""A tag update in dev: allowed for anyone."""
APP_ID = "31337"
HMAC_KEY = b"tfc-task-hmac-key-for-tests"
WEBHOOK_SECRET = b"github-webhook-secret-for-tests"


@dataclass
class World:
    root: Path
    hcp: FakeHCP
    github: FakeGitHubApp
    issuer: FakeIssuer
    schema: PostgresSchema
    served: list[Served] = field(default_factory=list)
    terraform: dict[str, str] = field(
        default_factory=lambda: {
            "heartbeat_seconds": "0.3",
            "approval_timeout_seconds": "2",
            "plan_retry_seconds": "0.1",
        }
    )
    """`[serve.terraform]` timing keys (TOML values)."""
    config_text: str | None = None
    """The whole configuration instead of the one `config` writes, when a test sets it."""

    @property
    def store(self) -> str:
        return self.schema.url

    @property
    def approver_key(self) -> Path:
        return self.root / "bob.key"

    def config(self, **serve: str) -> Path:
        """The system configuration; `serve` replaces `[serve]` keys (TOML values)."""
        top = {
            "public_url": '"http://planrisk.test"',
            "workers": "2",
            "poll_seconds": "0.05",
            "lease_seconds": "3",
            **serve,
        }
        lines = "\n".join(f"{k} = {v}" for k, v in top.items())
        timing = "\n".join(f"{k} = {v}" for k, v in self.terraform.items())
        text = f"""
[environments.prod]
workspaces = ["prod-*"]

[environments.dev]
workspaces = ["dev-*"]

[actors]
agent_logins = ["agent-*"]

[[trusted_keys]]
name = "bob"
purpose = "approval"
public_key = "bob.pub"

[serve]
{lines}

[serve.environments]
prod = ["production"]

[serve.terraform]
hmac_key_file = "tfc-hmac.key"
api_url = "{self.hcp.url}"
{timing}

[serve.github]
webhook_secret_file = "github-webhook.secret"
app_id = "{APP_ID}"
private_key_file = "github-app.pem"
api_url = "{self.github.url}"

[serve.oidc]
issuer = "{self.issuer.url}"
audience = "planrisk"
"""
        path = self.root / "planrisk.toml"
        path.write_text(self.config_text or text, encoding="utf-8")
        return path

    def start(self, name: str = "a", *, store: str | None = None, **serve: str) -> Served:
        """`planrisk serve` on this world (on `store` instead of PostgreSQL when given)."""
        log = self.root / f"serve-{name}.log"
        served = Served.start(self.config(**serve), store or self.store, log)
        self.served.append(served)
        return served


@pytest.fixture
def world(tmp_path: Path, postgres: PostgresSchema) -> Iterator[World]:
    app_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "github-app.pem").write_bytes(
        app_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = app_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "tfc-hmac.key").write_bytes(HMAC_KEY)
    (tmp_path / "github-webhook.secret").write_bytes(WEBHOOK_SECRET)
    write_keypair(tmp_path / "bob")
    hcp, github, issuer = FakeHCP(), FakeGitHubApp(APP_ID, public), FakeIssuer()
    world = World(tmp_path, hcp, github, issuer, postgres)
    try:
        yield world
    finally:
        for served in world.served:
            served.stop()
        hcp.close()
        github.close()
        issuer.close()
