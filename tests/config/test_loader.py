"""The .planrisk.toml loader: discovery, sections, resolved paths, digest and strict errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from planrisk.config import (
    ActorLists,
    ConfigFile,
    EnvironmentMapping,
    default_config,
    load_config,
)
from planrisk.errors import ConfigError, ExitCode
from planrisk.model import TrustedKeyEntry

FULL = """\
risk_models = ["models/extra.toml"]

[environments.prod]
aws_accounts = ["111122223333"]
workspaces = ["prod-*", "live"]
paths = ["live/prod/*"]

[environments.sandbox]
stacks = ["pr-*"]
gcp_projects = ["acme-play-*"]
azure_subscriptions = ["0000*"]
kube_contexts = ["kind-*"]

[actors]
agent_logins = ["acme-coder[bot]"]
humans = ["alice"]

[[trusted_keys]]
name = "alice"
purpose = "approval"
public_key = "keys/alice.pub"

[[trusted_keys]]
name = "sandbox-signer"
purpose = "attestation"
public_key = "/etc/planrisk/sandbox.pub"

[policy]
block_agent_destroy_in = ["prod"]

[evidence]
max_age_hours = 24
"""


def write(directory: Path, text: str, name: str = ".planrisk.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_defaults_with_a_stable_digest(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    assert config.path is None
    assert config.environments == {}
    assert config.trusted_keys == ()
    assert config.digest.startswith("sha256:") and len(config.digest) == 71
    assert config.digest == default_config().digest


def test_file_in_working_directory_is_found(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    config = load_config(cwd=tmp_path)
    assert config.path == str(path)
    assert config.digest == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert config.digest != default_config().digest


def test_every_section_is_parsed_and_paths_resolved(tmp_path: Path) -> None:
    path = write(tmp_path, FULL, "planrisk.toml")
    config = load_config(path)
    base = tmp_path.resolve()
    assert config.environments == {
        "prod": EnvironmentMapping(
            aws_accounts=("111122223333",), workspaces=("prod-*", "live"), paths=("live/prod/*",)
        ),
        "sandbox": EnvironmentMapping(
            stacks=("pr-*",),
            gcp_projects=("acme-play-*",),
            azure_subscriptions=("0000*",),
            kube_contexts=("kind-*",),
        ),
    }
    assert config.actors == ActorLists(agent_logins=("acme-coder[bot]",), humans=("alice",))
    extra = str(base / "models" / "extra.toml")
    assert config.risk_models == (ConfigFile(label=extra, path=extra, layer="repository"),)
    assert config.risk_model_sources() == [Path(extra)]
    assert config.trusted_keys == (
        TrustedKeyEntry(
            name="alice",
            purpose="approval",
            public_key_path=str(base / "keys" / "alice.pub"),
            origin="repository",
        ),
        TrustedKeyEntry(
            name="sandbox-signer",
            purpose="attestation",
            public_key_path="/etc/planrisk/sandbox.pub",
            origin="repository",
        ),
    )
    assert config.policy == {"block_agent_destroy_in": ["prod"]}
    assert config.evidence == {"max_age_hours": 24}


def test_explicit_path_beats_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path, "[environments.prod]\nworkspaces = ['a']\n")
    other = write(tmp_path, "[environments.dev]\nworkspaces = ['b']\n", "other.toml")
    assert set(load_config(other, cwd=tmp_path).environments) == {"dev"}


def test_missing_explicit_file_is_an_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(missing)
    assert info.value.exit_code == ExitCode.INPUT_ERROR
    assert info.value.source == str(missing)
    assert "cannot read the configuration file" in info.value.one_line()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[environments.prod\n", "not valid TOML"),
        ("polcy = {}\n", "unknown key `polcy`"),
        ("[environments.qa]\nworkspaces = []\n", "unknown key `environments.qa`"),
        ("[environments.prod]\nacounts = []\n", "unknown key `environments.prod.acounts`"),
        (
            "[environments.prod]\nworkspaces = 'prod'\n",
            "`environments.prod.workspaces` must be a list of strings",
        ),
        (
            "[environments.prod]\nworkspaces = [1]\n",
            "`environments.prod.workspaces` must be a list",
        ),
        ("[environments.prod]\nworkspaces = ['']\n", "`environments.prod.workspaces[0]` must not"),
        ("environments = 3\n", "`environments` must be a table"),
        ("[actors]\nagent_login = []\n", "unknown key `actors.agent_login`"),
        ("[actors]\nhumans = 'alice'\n", "`actors.humans` must be a list of strings"),
        ("risk_models = 'a.toml'\n", "`risk_models` must be a list of strings"),
        ("trusted_keys = 1\n", "`trusted_keys` must be an array of tables"),
        (
            "[[trusted_keys]]\nname = 'a'\npurpose = 'signing'\npublic_key = 'k'\n",
            "`trusted_keys[0].purpose` must be one of attestation, approval",
        ),
        (
            "[[trusted_keys]]\nname = 'a'\npurpose = 'approval'\n",
            "`trusted_keys[0].public_key` is required",
        ),
        (
            "[[trusted_keys]]\nname = 'a'\npurpose = 'approval'\npublic_key = 'k'\nkey = 1\n",
            "unknown key `trusted_keys[0].key`",
        ),
        ("policy = 'strict'\n", "`policy` must be a table"),
        ("evidence = []\n", "`evidence` must be a table"),
    ],
)
def test_invalid_files_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    line = info.value.one_line()
    assert line.startswith(f"{path}: ")
    assert message in line


def test_non_utf8_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / ".planrisk.toml"
    path.write_bytes(b"\xff\xfe[policy]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(cwd=tmp_path)
