"""Nothing an agent can write loosens the gate: config layers, the change's base, paths.

Every test runs the real CLI (`python -m planrisk`) in a temporary git repository, with a
clean environment, and reads the gate's JSON. Expected outcomes, written down before the code:
- an agent's edit of `.planrisk.toml` (working tree, or its own commit on a pull request's
  branch) that disables the deny rules leaves the prod teardown denied and adds the
  `gate_config_changed` rule; without a base under review (a local review) the working tree is
  read, as before (the control that shows the edit would work otherwise);
- an attestation key the agent adds to `[[trusted_keys]]`, or a public key file it overwrites,
  is not trusted while the change is reviewed against its base;
- a system file with `allowed_overrides = []` ignores the repository's rule changes, and
  `policy show` names what it ignored and where each value came from;
- the same agent plan written under `test/`, `dev/`, `live/dev/` or `sandbox/` gates as it does
  at the top of the repository (paths can only make the environment stricter for an agent),
  while a human's `dev/` plan is still dev;
- a deny lists no requirement, shows no approval reply, and names a way forward per rule;
- a human's change to a workflow needs one approval (`gate_config_changed_review`).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from planrisk.gate.evidence.keys import write_keypair
from tests.support.builders import tf_change, tf_plan_json
from tests.support.gitrepo import GitRepo, make_repo
from tests.support.paths import REPO

pytestmark = pytest.mark.slow

TEARDOWN = (REPO / "fixtures/terraform/prod-db-delete-no-snapshot/plan.json").read_text()

DISABLE_DENIES = """
[policy.rules.agent_prod_irreversible_data_loss]
enabled = false
[policy.rules.agent_prod_mass_destruction]
enabled = false
[policy.rules.agent_prod_sandbox_first]
enabled = false
[policy.rules.agent_prod_dual_approval]
enabled = false
"""

BASE_CONFIG = """\
[environments.prod]
workspaces = ["prod"]
"""


def trusted_key(name: str, purpose: str, public_key: object) -> str:
    """A `[[trusted_keys]]` table."""
    return (
        f'\n[[trusted_keys]]\nname = "{name}"\npurpose = "{purpose}"\npublic_key = "{public_key}"\n'
    )


def unlabelled_delete(address: str = "aws_s3_bucket.reports") -> str:
    """A plan that deletes one data-bearing bucket and names no environment anywhere."""
    before = {"bucket": "reports", "force_destroy": True}
    delete = tf_change(address, "aws_s3_bucket", ["delete"], before=before)
    return tf_plan_json(delete, terraform_version="1.9.5")


def gate(repo: GitRepo, plan: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`planrisk gate PLAN --format json ARGS`; the document (asserting exit 0 or 1)."""
    done = repo.planrisk(
        "gate", plan, "--format", "json", "--audit-db", str(repo.root.parent / "audit.db"),
        *args, env=env,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def rule_names(document: dict[str, Any]) -> list[str]:
    return [r["name"] for r in document["decision"]["rules"]]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """main: a config and the prod teardown plan, committed."""
    repo = make_repo(tmp_path / "repo")
    repo.write(".planrisk.toml", BASE_CONFIG)
    repo.write("plan.json", TEARDOWN)
    repo.commit("base")
    return repo


def github_pull_request(repo: GitRepo, base_sha: str, author: str) -> dict[str, str]:
    """The environment of a GitHub Actions run for a pull request by `author`."""
    head = repo.git("rev-parse", "HEAD")
    event = repo.root.parent / "event.json"
    event.write_text(
        json.dumps(
            {
                "action": "synchronize",
                "number": 7,
                "pull_request": {
                    "number": 7,
                    "user": {"login": author, "type": "Bot" if author.endswith("]") else "User"},
                    "head": {"ref": "fix/db", "sha": head},
                    "base": {"ref": "main", "sha": base_sha},
                },
                "repository": {"default_branch": "main"},
                "sender": {"login": author, "type": "Bot" if author.endswith("]") else "User"},
            }
        )
    )
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_ACTOR": author,
        "GITHUB_REF": "refs/pull/7/merge",
        "GITHUB_BASE_REF": "main",
        "GITHUB_HEAD_REF": "fix/db",
    }


def test_working_tree_edit_of_the_config_changes_nothing_under_review(repo: GitRepo) -> None:
    repo.write(".planrisk.toml", BASE_CONFIG + DISABLE_DENIES)
    # Control: a local review (no base) reads the working tree, so the edit would work there.
    local = gate(repo, "plan.json", "--actor", "agent")
    assert local["decision"]["outcome"] == "allow"
    reviewed = gate(repo, "plan.json", "--actor", "agent", env={"PLANRISK_BASE_REF": "main"})
    assert reviewed["decision"]["outcome"] == "deny"
    names = rule_names(reviewed)
    assert "agent_prod_irreversible_data_loss" in names
    assert "gate_config_changed" in names
    changed = next(r for r in reviewed["decision"]["rules"] if r["name"] == "gate_config_changed")
    assert "gate configuration .planrisk.toml modified" in changed["reason"]
    assert "policy.rules.agent_prod_mass_destruction.enabled added" in changed["reason"]
    assert "a human must make it" in changed["way_forward"]


def test_agents_own_commit_on_the_pull_request_branch_changes_nothing(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "fix/db")
    repo.write(".planrisk.toml", BASE_CONFIG + DISABLE_DENIES)
    repo.commit("relax the gate")
    env = github_pull_request(repo, base, "copilot-swe-agent[bot]")
    document = gate(repo, "plan.json", env=env)
    assert document["actor"]["kind"] == "agent"
    assert document["decision"]["outcome"] == "deny"
    assert {"agent_prod_irreversible_data_loss", "gate_config_changed"} <= set(rule_names(document))
    # The same run with the config untouched: the gate_config_changed rule does not fire.
    repo.git("checkout", "-q", "main")
    plain = gate(repo, "plan.json", env=github_pull_request(repo, base, "copilot-swe-agent[bot]"))
    assert "gate_config_changed" not in rule_names(plain)


def test_a_workflow_change_by_a_human_needs_one_approval(repo: GitRepo) -> None:
    repo.write("dev/plan.json", unlabelled_delete())
    repo.write(".planrisk.toml", '[environments.dev]\npaths = ["dev"]\n')
    repo.commit("dev root")
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "ci")
    repo.write(".github/workflows/infra.yml", "on: push\njobs: {}\n")
    repo.commit("ci")
    document = gate(repo, "dev/plan.json", env=github_pull_request(repo, base, "alice"))
    assert document["actor"]["kind"] == "human"
    assert document["environment"]["name"] == "dev"
    assert document["decision"]["outcome"] == "pending"
    assert rule_names(document) == ["gate_config_changed_review"]
    [need] = document["decision"]["requirements"]
    assert (need["kind"], need["needed"], need["have"]) == ("approvals", 1, 0)
    reason = document["decision"]["rules"][0]["reason"]
    assert "workflow .github/workflows/infra.yml added" in reason


def test_a_trusted_key_the_agent_adds_is_not_trusted(repo: GitRepo, tmp_path: Path) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "fix/db")
    agent_key = write_keypair(tmp_path / "agent-signer")
    repo.write("keys/sandbox.pub", agent_key.public_path.read_bytes())
    repo.write(
        ".planrisk.toml",
        BASE_CONFIG + '\n[[trusted_keys]]\nname = "sandbox"\npurpose = "attestation"\n'
        'public_key = "keys/sandbox.pub"\n',
    )
    repo.commit("trust my key")
    attestation = tmp_path / "attestation.json"
    signed = repo.planrisk(
        "attest", "plan.json", "--key", str(agent_key.private_path), "--env", "sandbox",
        "--apply-exit-code", "0", "-o", str(attestation),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    evidence = ("--evidence", str(attestation))
    # Control: read from the working tree, the agent's key verifies its attestation.
    local = gate(repo, "plan.json", "--actor", "agent", *evidence)
    [seen] = local["decision"]["evidence"]
    assert seen["accepted"] is True
    env = github_pull_request(repo, base, "copilot-swe-agent[bot]")
    reviewed = gate(repo, "plan.json", *evidence, env=env)
    [seen] = reviewed["decision"]["evidence"]
    assert seen["accepted"] is False
    assert "none is configured" in seen["reason"]
    reason = next(
        r["reason"] for r in reviewed["decision"]["rules"] if r["name"] == "gate_config_changed"
    )
    assert "trusted_keys added" in reason


def test_an_overwritten_public_key_file_is_read_from_the_base(
    repo: GitRepo, tmp_path: Path
) -> None:
    alice = write_keypair(tmp_path / "alice")
    repo.write("keys/alice.pub", alice.public_path.read_bytes())
    repo.write(
        ".planrisk.toml",
        BASE_CONFIG + '\n[[trusted_keys]]\nname = "alice"\npurpose = "attestation"\n'
        'public_key = "keys/alice.pub"\n',
    )
    base = repo.commit("alice signs sandbox applies")
    repo.git("checkout", "-q", "-b", "fix/db")
    mine = write_keypair(tmp_path / "mine")
    repo.write("keys/alice.pub", mine.public_path.read_bytes())
    repo.commit("rotate alice")
    attestation = tmp_path / "attestation.json"
    signed = repo.planrisk(
        "attest", "plan.json", "--key", str(mine.private_path), "--env", "sandbox",
        "--apply-exit-code", "0", "-o", str(attestation),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    env = github_pull_request(repo, base, "copilot-swe-agent[bot]")
    document = gate(repo, "plan.json", "--evidence", str(attestation), env=env)
    [seen] = document["decision"]["evidence"]
    assert seen["accepted"] is False
    assert "does not verify" in seen["reason"]
    changed = next(r for r in document["decision"]["rules"] if r["name"] == "gate_config_changed")
    assert "trusted key keys/alice.pub modified" in changed["reason"]


def test_system_file_without_overrides_ignores_the_repositorys_rules(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.write(".planrisk.toml", BASE_CONFIG + DISABLE_DENIES)
    repo.commit("the repository relaxes its own gate")
    system = tmp_path / "system.toml"
    system.write_text("allowed_overrides = []\n")
    env = {"PLANRISK_SYSTEM_CONFIG": str(system)}
    document = gate(repo, "plan.json", "--actor", "agent", env=env)
    assert document["decision"]["outcome"] == "deny"
    assert "agent_prod_irreversible_data_loss" in rule_names(document)
    shown = repo.planrisk("policy", "show", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "Ignored (not in the system's allowed_overrides): environments.prod.workspaces" in (
        shown.stdout
    )
    assert (
        "Ignored (not in the system's allowed_overrides): "
        "policy.rules.agent_prod_mass_destruction.enabled"
    ) in shown.stdout
    effective = tomllib.loads(shown.stdout)
    assert effective["allowed_overrides"] == []
    assert effective["policy"]["rules"]["agent_prod_mass_destruction"]["enabled"] is True
    assert "environments" not in effective
    # Overrides allowed for environments only: the mapping counts, the rule changes do not.
    system.write_text('allowed_overrides = ["environments"]\n')
    shown = repo.planrisk("policy", "show", "--format", "json", env=env)
    doc = json.loads(shown.stdout)
    assert doc["environments"] == {"prod": {"workspaces": ["prod"]}}
    assert doc["origins"]["environments.prod.workspaces"] == "repository"
    assert doc["rules"]["agent_prod_mass_destruction"]["enabled"] is True
    assert "policy.rules.agent_prod_mass_destruction.enabled" in doc["ignored"]
    assert [layer["name"] for layer in doc["layers"]] == ["system", "repository"]


def test_system_rules_and_keys_apply_and_the_repository_cannot_redefine_a_key(
    repo: GitRepo, tmp_path: Path
) -> None:
    alice = write_keypair(tmp_path / "alice")
    system = tmp_path / "system.toml"
    system.write_text(
        "[policy.rules.human_prod_high]\napprovals = 2\n"
        + trusted_key("alice", "approval", alice.public_path)
    )
    env = {"PLANRISK_SYSTEM_CONFIG": str(system)}
    shown = json.loads(repo.planrisk("policy", "show", "--format", "json", env=env).stdout)
    assert shown["rules"]["human_prod_high"]["approvals"] == 2
    assert shown["origins"]["policy.rules.human_prod_high.approvals"] == "system"
    [key] = shown["trusted_keys"]
    assert (key["name"], key["origin"]) == ("alice", "system")
    assert key["fingerprint"] == f"sha256:{alice.keyid}"
    mine = write_keypair(tmp_path / "mine")
    repo.write(
        ".planrisk.toml",
        BASE_CONFIG + trusted_key("Alice", "approval", mine.public_path),
    )
    clash = repo.planrisk("policy", "show", env=env)
    assert clash.returncode == 3
    assert "trusted key 'Alice' is defined by the system configuration" in clash.stderr


def test_a_missing_system_file_fails_closed(repo: GitRepo, tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    done = repo.planrisk(
        "gate", "plan.json", "--actor", "agent", env={"PLANRISK_SYSTEM_CONFIG": str(missing)}
    )
    assert done.returncode == 3
    assert f"{missing}: cannot read the system configuration" in done.stderr


def test_a_base_that_is_not_in_the_clone_fails_closed(repo: GitRepo) -> None:
    done = repo.planrisk("gate", "plan.json", "--actor", "agent", "--config-ref", "a" * 40)
    assert done.returncode == 3
    assert "is not in this clone" in done.stderr
    assert "git fetch --depth=1 origin" in done.stderr


@pytest.mark.parametrize("where", ["test", "dev", "live/dev", "sandbox", "testing"])
def test_an_agents_plan_path_cannot_lower_the_environment(repo: GitRepo, where: str) -> None:
    repo.write(f"{where}/plan.json", unlabelled_delete())
    repo.write("top/plan.json", unlabelled_delete())
    elsewhere = gate(repo, "top/plan.json", "--actor", "agent")
    lowered = gate(repo, f"{where}/plan.json", "--actor", "agent")
    assert elsewhere["decision"]["outcome"] == "deny"
    for key in ("outcome", "rules"):
        assert lowered["decision"][key] == elsewhere["decision"][key]
    assert lowered["environment"]["treated_as"] == "prod"
    assert lowered["risk"]["score"] == elsewhere["risk"]["score"]
    evidence = " ".join(lowered["environment"]["evidence"])
    assert "a path can only make the environment stricter" in evidence
    # The agent's marker in the environment, not --actor, makes no difference.
    marked = gate(repo, f"{where}/plan.json", env={"CLAUDECODE": "1"})
    assert marked["actor"]["kind"] == "agent"
    assert marked["decision"]["outcome"] == "deny"


def test_a_humans_plan_path_still_names_the_environment(repo: GitRepo) -> None:
    repo.write("dev/plan.json", unlabelled_delete())
    document = gate(repo, "dev/plan.json", "--actor", "human")
    assert document["environment"]["name"] == "dev"
    assert document["decision"]["outcome"] == "allow"
    # And a prod path raises an agent's environment.
    repo.write("prod/plan.json", unlabelled_delete())
    raised = gate(repo, "prod/plan.json", "--actor", "agent")
    assert raised["environment"]["name"] == "prod"


def test_a_deny_lists_no_requirement_and_gives_a_way_forward(repo: GitRepo, tmp_path: Path) -> None:
    document = gate(repo, "plan.json", "--actor", "agent")
    decision = document["decision"]
    assert decision["outcome"] == "deny"
    assert decision["requirements"] == []
    assert decision["summary"].endswith("no approval or attestation lifts a deny")
    denies = [r for r in decision["rules"] if r["effect"] == "deny"]
    assert denies and all(r["way_forward"] for r in denies)
    data_loss = next(r for r in denies if r["name"] == "agent_prod_irreversible_data_loss")
    assert "`skip_final_snapshot = false`" in data_loss["way_forward"]
    assert "`final_snapshot_identifier`" in data_loss["way_forward"]
    text = repo.planrisk(
        "gate", "plan.json", "--actor", "agent", "--audit-db", str(tmp_path / "a.db")
    )
    assert text.returncode == 1
    assert "needs " not in text.stdout and "/planrisk approve" not in text.stdout
    assert "way forward: aws_db_instance.orders: take a recovery path first" in text.stdout
    markdown = repo.planrisk(
        "gate", "plan.json", "--actor", "agent", "--format", "markdown",
        "--audit-db", str(tmp_path / "a.db"),
    )  # fmt: skip
    assert "### Why this is denied" in markdown.stdout
    assert "/planrisk approve" not in markdown.stdout
    assert "What is needed to proceed" not in markdown.stdout
    html = repo.planrisk(
        "gate", "plan.json", "--actor", "agent", "--format", "html",
        "--audit-db", str(tmp_path / "a.db"),
    )  # fmt: skip
    assert "Way forward:" in html.stdout and "<th>Approve</th>" not in html.stdout


def test_prevent_destroy_removed_by_the_change_is_read_against_the_same_base(
    repo: GitRepo,
) -> None:
    guarded = (
        'resource "aws_s3_bucket" "reports" {\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n'
    )
    repo.write("main.tf", guarded)
    repo.write("plan.json", unlabelled_delete())
    base = repo.commit("guarded bucket")
    repo.git("checkout", "-q", "-b", "drop-guard")
    repo.write("main.tf", 'resource "aws_s3_bucket" "reports" {}\n')
    repo.commit("drop the guard")
    env = github_pull_request(repo, base, "alice")
    document = gate(repo, "plan.json", "--source-dir", ".", env=env)
    [change] = document["changes"]
    assert "guard removed: lifecycle.prevent_destroy deleted from the .tf source" in " ".join(
        change["reasons"]
    )
