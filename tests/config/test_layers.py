"""Configuration layers: system over repository, allowed_overrides, files read from a base."""

from __future__ import annotations

from pathlib import Path

import pytest

from planrisk.config import load_config
from planrisk.config.schema import is_allowed
from planrisk.errors import ConfigError
from planrisk.score.risk_model import load_risk_model
from tests.support.gitrepo import make_repo

CHEAP_DB = """\
schema_version = 1
[[resource]]
type = "aws_db_instance"
class = "cheap"
"""


def test_allowed_overrides_allow_a_key_and_everything_below_it() -> None:
    allowed = ("environments.dev", "policy.rules.human_prod_high.approvals")
    assert is_allowed("environments.dev.paths", allowed)
    assert is_allowed("environments.dev", allowed)
    assert not is_allowed("environments.development", allowed)
    assert not is_allowed("environments.prod.paths", allowed)
    assert is_allowed("policy.rules.human_prod_high.approvals", allowed)
    assert not is_allowed("policy.rules.human_prod_high.enabled", allowed)
    assert is_allowed("anything", None)
    assert not is_allowed("anything", ())


def test_repository_values_replace_the_systems_and_key_lists_add(tmp_path: Path) -> None:
    system = tmp_path / "system.toml"
    system.write_text(
        '[environments.prod]\nworkspaces = ["prod-*"]\naws_accounts = ["111122223333"]\n'
        '[actors]\nagent_logins = ["corp-agent[bot]"]\n'
        '[policy.rules.human_prod_high]\napprovals = 2\ndescription = "system"\n'
    )
    work = tmp_path / "work"
    work.mkdir()
    (work / ".planrisk.toml").write_text(
        '[environments.prod]\nworkspaces = ["live"]\n'
        "[policy.rules.human_prod_high]\napprovals = 1\n"
    )
    config = load_config(cwd=work, environ={"PLANRISK_SYSTEM_CONFIG": str(system)})
    prod = config.environments["prod"]
    assert prod.workspaces == ("live",)  # replaced
    assert prod.aws_accounts == ("111122223333",)  # kept: the repository did not set it
    assert config.actors.agent_logins == ("corp-agent[bot]",)
    assert config.policy == {
        "rules": {"human_prod_high": {"approvals": 1, "description": "system"}}
    }
    origins = config.provenance.origins
    assert origins["environments.prod.workspaces"] == "repository"
    assert origins["environments.prod.aws_accounts"] == "system"
    assert origins["policy.rules.human_prod_high.description"] == "system"
    assert [layer.name for layer in config.provenance.layers] == ["system", "repository"]
    single = load_config(cwd=work, environ={})
    assert config.digest != single.digest


def test_the_etc_file_wins_over_the_environment_variable(tmp_path: Path) -> None:
    etc = tmp_path / "etc.toml"
    etc.write_text("allowed_overrides = []\n")
    other = tmp_path / "agent.toml"
    other.write_text('allowed_overrides = ["policy"]\n')
    config = load_config(
        cwd=tmp_path, environ={"PLANRISK_SYSTEM_CONFIG": str(other)}, system_path=etc
    )
    assert config.allowed_overrides == ()
    assert config.provenance.layers[0].label == str(etc)
    assert any("PLANRISK_SYSTEM_CONFIG ignored" in note for note in config.provenance.notes)


def test_only_the_system_file_may_set_allowed_overrides(tmp_path: Path) -> None:
    (tmp_path / ".planrisk.toml").write_text('allowed_overrides = ["policy"]\n')
    with pytest.raises(ConfigError, match="may only be set in the system configuration"):
        load_config(cwd=tmp_path, environ={})


@pytest.mark.parametrize("entry", ["", "polcy.rules", "policy..x"])
def test_a_bad_allowed_overrides_entry_names_itself(tmp_path: Path, entry: str) -> None:
    system = tmp_path / "system.toml"
    system.write_text(f'allowed_overrides = ["{entry}"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(cwd=tmp_path, environ={"PLANRISK_SYSTEM_CONFIG": str(system)})
    assert "allowed_overrides[0]" in info.value.one_line()


def test_risk_models_named_by_the_config_and_the_command_line_come_from_the_base(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.write("risk/ours.toml", "schema_version = 1\n")
    repo.write("cli.toml", "schema_version = 1\n")
    repo.write(".planrisk.toml", 'risk_models = ["risk"]\n')
    repo.commit("base")
    # The change reclassifies the database as cheap, in both files.
    repo.write("risk/ours.toml", CHEAP_DB)
    repo.write("cli.toml", CHEAP_DB)
    env = {"PLANRISK_BASE_REF": "main"}
    config = load_config(cwd=repo.root, environ=env, extra_risk_models=(repo.root / "cli.toml",))
    labels = [f.label for f in config.risk_models]
    assert labels == ["main:risk/ours.toml", "main:cli.toml"]
    model = load_risk_model(config.risk_model_sources())
    assert model.lookup("aws_db_instance").risk_class == "data-bearing"
    changed = {(c.path, c.what) for c in config.provenance.gate_changes}
    assert changed == {("risk/ours.toml", "risk model"), ("cli.toml", "risk model")}
    # Read from the working tree (no base), the change would have worked.
    local = load_config(cwd=repo.root, environ={}, extra_risk_models=(repo.root / "cli.toml",))
    assert load_risk_model(local.risk_model_sources()).lookup("aws_db_instance").risk_class == (
        "cheap"
    )


def test_a_config_added_by_the_change_is_not_read(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.write("README", "x")
    repo.commit("base")
    repo.write(".planrisk.toml", "[policy.rules.agent_prod_mass_destruction]\nenabled = false\n")
    config = load_config(cwd=repo.root, environ={"PLANRISK_BASE_REF": "main"})
    assert config.policy == {}
    assert config.provenance.layers == ()
    [change] = config.provenance.gate_changes
    assert (change.path, change.change) == (".planrisk.toml", "added")
    assert any("does not exist at main" in note for note in config.provenance.notes)


def test_commits_the_base_gained_meanwhile_are_not_the_change(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.write(".github/workflows/ci.yml", "on: push\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("main.tf", "# the change\n")
    repo.commit("feature")
    repo.git("checkout", "-q", "main")
    repo.write(".github/workflows/ci.yml", "on: [push, pull_request]\n")
    repo.commit("main moves on")
    repo.git("checkout", "-q", "feature")
    config = load_config(cwd=repo.root, environ={"PLANRISK_BASE_REF": "main"})
    assert config.provenance.gate_changes == ()
