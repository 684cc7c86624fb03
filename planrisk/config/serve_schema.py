"""The `[serve]` section of the system configuration (config stage): TOML table → `ServeSection`.

Input: the `[serve]` table of the system configuration file and the file's name. Output: the
validated, frozen settings of `planrisk serve` as written (secrets still as written: inline, a
file name, or nothing, for the environment; `planrisk.serve.settings` resolves them). Strict
like the rest of the configuration: an unknown key, a wrong type or a bad value is a
`ConfigError` naming the file and the key path. Only the system file may hold it: the server's
secrets and endpoints are the platform team's, never a repository's.

    [serve]               public_url, workers, poll_seconds, lease_seconds, max_body_bytes,
                          max_plan_bytes, max_json_depth, outbound_timeout_seconds,
                          callback_give_up_seconds
    [serve.environments]  planrisk environment → globs of platform names (GitHub environments,
                          HCP Terraform project names) that put a plan there (only raises)
    [serve.terraform]     hmac_key | hmac_key_file, api_url, unsigned_organizations,
                          heartbeat_seconds, approval_timeout_seconds, plan_retry_seconds
    [serve.github]        webhook_secret | webhook_secret_file, app_id, private_key_file,
                          api_url
    [serve.oidc]          issuer, audience, jwks_url, workflows
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from planrisk.errors import ConfigError
from planrisk.model import NAMED_ENVIRONMENTS

DEFAULT_TERRAFORM_API = "https://app.terraform.io"
DEFAULT_GITHUB_API = "https://api.github.com"
_HINT = "see the README section on `planrisk serve`"


class TerraformSection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`[serve.terraform]`: HCP Terraform / Terraform Enterprise run tasks."""

    hmac_key: str | None = None
    hmac_key_file: str | None = None
    api_url: str = DEFAULT_TERRAFORM_API
    """The HCP Terraform or Terraform Enterprise origin: plan and callback URLs must be on it."""
    unsigned_organizations: tuple[str, ...] = ()
    """Organizations whose unsigned requests are accepted (a test organization's task without
    an HMAC key); every other request needs a valid signature."""
    heartbeat_seconds: float = 300.0
    """How often a pending task reports `running` (HCP errors a task silent for 10 minutes)."""
    approval_timeout_seconds: float = 3300.0
    """How long a pending task waits for approvals before `failed` (HCP's limit is 60 min)."""
    plan_retry_seconds: float = 5.0
    """How soon the plan is fetched again after HCP answers 204 (not ready yet)."""


class GitHubSection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`[serve.github]`: the GitHub App of the custom deployment protection rule."""

    webhook_secret: str | None = None
    webhook_secret_file: str | None = None
    app_id: str | None = None
    private_key_file: str | None = None
    api_url: str = DEFAULT_GITHUB_API
    """The REST API (GitHub Enterprise Server: https://HOST/api/v3)."""


class OidcSection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`[serve.oidc]`: who may submit plans (`POST /v1/plans`)."""

    issuer: str
    """`https://token.actions.githubusercontent.com`, or HCP Terraform's workload identity."""
    audience: str
    jwks_url: str | None = None
    """Default: the issuer's `/.well-known/jwks`."""
    workflows: tuple[str, ...] = ()
    """When set, only tokens whose `job_workflow_ref` matches one of these globs may submit
    plans (a reusable workflow in a repository the agent cannot write)."""


class ServeSection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `[serve]` table, validated."""

    public_url: str | None = None
    """Where the server is reached (links to decisions in callbacks and comments)."""
    workers: int = 2
    poll_seconds: float = 0.5
    lease_seconds: float = 300.0
    """How long a claimed job is held before another replica may take it (a killed replica)."""
    max_body_bytes: int = 1 << 20
    """Largest webhook body accepted."""
    max_plan_bytes: int = 64 << 20
    """Largest plan accepted (submitted or fetched)."""
    max_json_depth: int = 64
    outbound_timeout_seconds: float = 30.0
    callback_give_up_seconds: float = 6 * 3600.0
    """How long a callback is retried before its job is given up (and logged)."""
    environments: dict[str, tuple[str, ...]] = {}
    terraform: TerraformSection | None = None
    github: GitHubSection | None = None
    oidc: OidcSection | None = None


_PATH = re.compile(r" - at `\$\.?([^`]*)`$")


def parse_serve_section(table: Any, source: str) -> ServeSection:
    """Validate the `[serve]` table of the system configuration."""
    if not isinstance(table, dict):
        raise _error(source, "serve", "must be a table")
    try:
        section = msgspec.convert(table, ServeSection)
    except msgspec.ValidationError as exc:
        raise _invalid(source, str(exc)) from None
    for name, globs in section.environments.items():
        if name not in NAMED_ENVIRONMENTS:
            raise ConfigError(
                f"unknown key `serve.environments.{name}`",
                source=source,
                hint=f"allowed keys in serve.environments: {', '.join(NAMED_ENVIRONMENTS)}",
            )
        if not all(globs):
            raise _error(source, f"serve.environments.{name}", "must not hold an empty glob")
    _check_values(section, source)
    return section


def _invalid(source: str, message: str) -> ConfigError:
    """msgspec's `… - at `$.terraform.x`` as a key path under `serve`."""
    found = _PATH.search(message)
    where = "serve" + (f".{found.group(1)}" if found and found.group(1) else "")
    what = _PATH.sub("", message)
    unknown = re.fullmatch(r"Object contains unknown field `([^`]*)`", what)
    if unknown:
        return ConfigError(f"unknown key `{where}.{unknown.group(1)}`", source=source, hint=_HINT)
    missing = re.fullmatch(r"Object missing required field `([^`]*)`", what)
    if missing:
        return _error(source, f"{where}.{missing.group(1)}", "is required")
    return _error(source, where, f"is invalid ({what})")


def _check_values(section: ServeSection, source: str) -> None:
    positive = {
        "workers": section.workers,
        "poll_seconds": section.poll_seconds,
        "lease_seconds": section.lease_seconds,
        "max_body_bytes": section.max_body_bytes,
        "max_plan_bytes": section.max_plan_bytes,
        "max_json_depth": section.max_json_depth,
        "outbound_timeout_seconds": section.outbound_timeout_seconds,
        "callback_give_up_seconds": section.callback_give_up_seconds,
    }
    if section.terraform is not None:
        terraform = section.terraform
        positive["terraform.heartbeat_seconds"] = terraform.heartbeat_seconds
        positive["terraform.approval_timeout_seconds"] = terraform.approval_timeout_seconds
        positive["terraform.plan_retry_seconds"] = terraform.plan_retry_seconds
        _one_of(source, "terraform", "hmac_key", terraform.hmac_key, terraform.hmac_key_file)
        _url(source, "serve.terraform.api_url", terraform.api_url)
    if section.github is not None:
        github = section.github
        _one_of(
            source, "github", "webhook_secret", github.webhook_secret, github.webhook_secret_file
        )
        _url(source, "serve.github.api_url", github.api_url)
    if section.oidc is not None:
        _url(source, "serve.oidc.issuer", section.oidc.issuer)
        if section.oidc.jwks_url is not None:
            _url(source, "serve.oidc.jwks_url", section.oidc.jwks_url)
    if section.public_url is not None:
        _url(source, "serve.public_url", section.public_url)
    for key, value in positive.items():
        if value <= 0:
            raise _error(source, f"serve.{key}", "must be greater than 0")


def _one_of(source: str, table: str, key: str, inline: str | None, file: str | None) -> None:
    if inline is not None and file is not None:
        raise _error(source, f"serve.{table}.{key}", f"and `{key}_file` are both set: set one")


def _url(source: str, key: str, value: str) -> None:
    if not value.startswith(("https://", "http://")) or "@" in value.partition("://")[2]:
        raise _error(source, key, "must be an http(s) URL without credentials")


def _error(source: str, key: str, what: str) -> ConfigError:
    return ConfigError(f"`{key}` {what}", source=source, hint=_HINT)
