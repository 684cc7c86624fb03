"""Settings of `planrisk serve` (serve layer): the system configuration file → `ServeSettings`.

Input: the system configuration file (`--config FILE`, else /etc/planrisk/planrisk.toml, else
PLANRISK_SYSTEM_CONFIG) and the server's environment. Output: `ServeSettings` — the validated
`[serve]` section, the secrets resolved (from a file, the environment or, discouraged, the file
itself) and the gate's configuration loaded from the same file. A server whose endpoints lack
their signing secrets does not start (`ConfigError`, exit 3).

Secrets are held in `Secret` (its repr and str are `***`), so no log line or error message can
print one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from planrisk.config import PlanriskConfig
from planrisk.config.schema import SYSTEM_CONFIG_ENV, SYSTEM_CONFIG_PATH, decode_toml
from planrisk.config.serve_schema import ServeSection, parse_serve_section
from planrisk.errors import ConfigError

TERRAFORM_KEY_ENV = "PLANRISK_SERVE_TERRAFORM_HMAC_KEY"
GITHUB_SECRET_ENV = "PLANRISK_SERVE_GITHUB_WEBHOOK_SECRET"
GITHUB_PRIVATE_KEY_ENV = "PLANRISK_SERVE_GITHUB_PRIVATE_KEY"
"""Environment variables that may hold the secrets instead of files."""


class Secret:
    """A secret value that never prints."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        """The secret's bytes (for HMAC and signing only)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__


@dataclass(frozen=True)
class ServeSettings:
    """Everything the server needs, resolved once at start."""

    source: str
    """The configuration file read."""
    section: ServeSection
    config: PlanriskConfig = field(repr=False)
    """The gate's configuration (the same file as the system layer)."""
    terraform_key: Secret | None = None
    github_secret: Secret | None = None
    github_private_key: Secret | None = None

    @property
    def terraform_enabled(self) -> bool:
        return self.section.terraform is not None

    @property
    def github_enabled(self) -> bool:
        return self.section.github is not None

    @property
    def plans_enabled(self) -> bool:
        return self.section.oidc is not None


def config_file(given: Path | None, environ: Mapping[str, str]) -> Path:
    """The file `planrisk serve` reads: --config, the system file, or PLANRISK_SYSTEM_CONFIG."""
    if given is not None:
        return given
    if SYSTEM_CONFIG_PATH.exists():
        return SYSTEM_CONFIG_PATH
    named = environ.get(SYSTEM_CONFIG_ENV, "").strip()
    if named:
        return Path(named)
    raise ConfigError(
        "no configuration for `planrisk serve`",
        hint=f"pass --config FILE, or write {SYSTEM_CONFIG_PATH} with a [serve] section",
    )


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> ServeSettings:
    """Read and check `path`; refuse to start without the secrets of the enabled endpoints."""
    from planrisk.config import load_config

    env = os.environ if environ is None else environ
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read it ({exc.strerror})", source=source) from None
    document = decode_toml(data, source)
    if "serve" not in document:
        raise ConfigError(
            "the file has no [serve] section",
            source=source,
            hint="add [serve.terraform], [serve.github] or [serve.oidc] (see the README)",
        )
    section = parse_serve_section(document["serve"], source)
    if section.terraform is None and section.github is None and section.oidc is None:
        raise ConfigError(
            "[serve] enables no endpoint",
            source=source,
            hint="add [serve.terraform], [serve.github] or [serve.oidc]",
        )
    # The gate's configuration: this file is its system layer; no repository file is read
    # (the server has no checkout, and a repository is what the agent writes).
    import tempfile

    with tempfile.TemporaryDirectory(prefix="planrisk-serve-") as empty:
        config = load_config(None, Path(empty), environ={}, system_path=path)
    base = path.resolve().parent
    terraform_key = github_secret = github_private_key = None
    if section.terraform is not None:
        terraform = section.terraform
        terraform_key = _secret(
            terraform.hmac_key, terraform.hmac_key_file, TERRAFORM_KEY_ENV, env, base, source
        )
        if terraform_key is None:
            raise _missing(source, "serve.terraform.hmac_key_file", TERRAFORM_KEY_ENV)
    if section.github is not None:
        github = section.github
        github_secret = _secret(
            github.webhook_secret, github.webhook_secret_file, GITHUB_SECRET_ENV, env, base, source
        )
        if github_secret is None:
            raise _missing(source, "serve.github.webhook_secret_file", GITHUB_SECRET_ENV)
        github_private_key = _secret(
            None, github.private_key_file, GITHUB_PRIVATE_KEY_ENV, env, base, source
        )
        if github_private_key is None or not github.app_id:
            raise _missing(
                source, "serve.github.app_id and private_key_file", GITHUB_PRIVATE_KEY_ENV
            )
    return ServeSettings(
        source=source,
        section=section,
        config=config,
        terraform_key=terraform_key,
        github_secret=github_secret,
        github_private_key=github_private_key,
    )


def _secret(
    inline: str | None,
    file: str | None,
    variable: str,
    environ: Mapping[str, str],
    base: Path,
    source: str,
) -> Secret | None:
    """The secret from its file, else the file's inline value, else the environment."""
    if file is not None:
        path = Path(file) if Path(file).is_absolute() else base / file
        try:
            value = path.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(
                f"cannot read the secret file {path} ({exc.strerror})", source=source
            ) from None
        return Secret(value) if value else None
    if inline:
        return Secret(inline.encode())
    from_env = environ.get(variable, "")
    return Secret(from_env.encode()) if from_env else None


def _missing(source: str, key: str, variable: str) -> ConfigError:
    return ConfigError(
        f"`{key}` is needed to enable this endpoint",
        source=source,
        hint=f"set it (a file readable by the server only), or the environment variable "
        f"{variable}; the server does not start without the secret",
    )
