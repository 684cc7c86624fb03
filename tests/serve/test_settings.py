"""`planrisk serve`'s configuration: strict, system-only, and no start without the secrets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from planrisk.config import load_config
from planrisk.errors import ConfigError
from planrisk.serve.settings import GITHUB_SECRET_ENV, load_settings

from .conftest import REPO

MINIMAL = """
[serve.terraform]
hmac_key_file = "hmac.key"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "planrisk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_secrets_are_read_from_files_and_never_printed(tmp_path: Path) -> None:
    (tmp_path / "hmac.key").write_text("s3cret-hmac\n")
    settings = load_settings(write(tmp_path, MINIMAL), environ={})
    assert settings.terraform_key is not None
    assert settings.terraform_key.reveal() == b"s3cret-hmac"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.terraform_key)
    assert settings.terraform_enabled and not settings.github_enabled


def test_a_secret_may_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[serve.github]\napp_id = "1"\nprivate_key_file = "app.pem"\n')
    (tmp_path / "app.pem").write_text("PEM")
    settings = load_settings(path, environ={GITHUB_SECRET_ENV: "from-env"})
    assert settings.github_secret is not None and settings.github_secret.reveal() == b"from-env"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[serve.terraform]\napi_url = 'https://tfe.example.com'\n", "hmac_key_file` is needed"),
        ("[serve.github]\nwebhook_secret = 'x'\n", "app_id and private_key_file` is needed"),
        ("[serve]\npublic_url = 'https://x.example.com'\n", "enables no endpoint"),
        (
            "[serve.terraform]\nhmac_key = 'x'\nhmac_kee = 'y'\n",
            "unknown key `serve.terraform.hmac_kee`",
        ),
        ("[serve.terraform]\nhmac_key = 'x'\nheartbeat_seconds = 0\n", "greater than 0"),
        ("[serve.terraform]\nhmac_key = 'x'\napi_url = 'ftp://x'\n", "http(s) URL"),
        ("[serve.oidc]\nissuer = 'https://token.actions.githubusercontent.com'\n", "audience"),
        ("[environments.prod]\nworkspaces = ['p']\n", "no [serve] section"),
    ],
)
def test_a_server_without_its_secrets_or_with_a_bad_key_does_not_start(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, text), environ={})
    assert message in raised.value.one_line()


def test_the_command_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[serve.terraform]\napi_url = 'https://tfe.example.com'\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "planrisk",
            "serve",
            "--config",
            str(path),
            "--store",
            str(tmp_path / "s.db"),
        ],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1 and "hmac_key_file` is needed" in done.stderr


def test_the_gate_reads_a_system_file_with_serve_but_a_repository_cannot_set_it(
    tmp_path: Path,
) -> None:
    system = write(tmp_path, MINIMAL)
    (tmp_path / "hmac.key").write_text("k")
    assert load_config(None, tmp_path / "nowhere", environ={}, system_path=system).path
    repository = tmp_path / "repo"
    repository.mkdir()
    (repository / ".planrisk.toml").write_text(MINIMAL)
    with pytest.raises(ConfigError, match="unknown key `serve`"):
        load_config(None, repository, environ={}, system_path=tmp_path / "none.toml")
    bad = write(tmp_path, "[serve.terraform]\nhmac_key = 'x'\nworkers = 2\n")
    with pytest.raises(ConfigError, match=r"unknown key `serve\.terraform\.workers`"):
        load_config(None, tmp_path / "nowhere", environ={}, system_path=bad)
