"""Actor classification: env markers, CI contexts, commits, branches, --actor and --initiator."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from planrisk.classify.actor import actor_lists, classify_actor, classify_login, is_agent_identity
from planrisk.config import ActorLists, PlanriskConfig
from planrisk.errors import PlanriskError
from planrisk.model import ActorResult
from tests.support.paths import FIXTURES

EVENTS = FIXTURES / "events"


def classify(
    environ: dict[str, str],
    repo: Path,
    *,
    requested: str = "auto",
    initiator: str | None = None,
    config: PlanriskConfig | None = None,
) -> ActorResult:
    return classify_actor(
        requested=requested, initiator=initiator, environ=environ, config=config, repo_dir=repo
    )


@pytest.fixture
def nogit(tmp_path: Path) -> Path:
    """A directory that is not inside any git repository."""
    directory = tmp_path / "plain"
    directory.mkdir()
    return directory


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CLAUDECODE", "1"),
        ("CLAUDE_CODE_ENTRYPOINT", "cli"),
        ("CURSOR_AGENT", "1"),
        ("CODEX_SANDBOX", "seatbelt"),
        ("CODEX_THREAD_ID", "0199a1b2-c3d4"),
        ("GEMINI_CLI", "1"),
        ("COPILOT_AGENT_SESSION_ID", "abc123"),
        ("OPENCODE", "1"),
        ("CLINE_ACTIVE", "true"),
        ("ROO_ACTIVE", "true"),
        ("AGENT", "goose"),
        ("AI_AGENT", "amp"),
        ("AWS_EXECUTION_ENV", "AmazonQ-For-CLI"),
    ],
)
def test_agent_env_markers(name: str, value: str, nogit: Path) -> None:
    result = classify({name: value, "USER": "dana"}, nogit)
    assert result.kind == "agent"
    assert result.treated_as == "agent"
    assert f"env {name}={value}" in result.evidence
    assert result.identity == "dana"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CLAUDECODE", "0"),
        ("CURSOR_AGENT", ""),
        ("AI_AGENT", "false"),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12"),
    ],
)
def test_false_or_foreign_markers_are_not_agents(name: str, value: str, nogit: Path) -> None:
    result = classify({name: value}, nogit)
    assert result.kind == "human"
    assert result.evidence == ("not in CI and no agent evidence",)


def github_env(event: str, name: str, **extra: str) -> dict[str, str]:
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(EVENTS / event),
        **extra,
    }


@pytest.mark.parametrize(
    ("event", "name", "extra", "kind", "identity", "expected"),
    [
        (
            "pull_request_human.json",
            "pull_request",
            {"GITHUB_ACTOR": "alice", "GITHUB_HEAD_REF": "fix/vpc-cidr"},
            "human",
            "alice",
            "GitHub PR author alice (User) is a human",
        ),
        (
            "pull_request_copilot.json",
            "pull_request",
            {"GITHUB_ACTOR": "Copilot", "GITHUB_TRIGGERING_ACTOR": "alice"},
            "agent",
            "alice",
            "GitHub PR author copilot-swe-agent[bot] (Bot) is an AI agent",
        ),
        (
            "pull_request_dependabot.json",
            "pull_request",
            {"GITHUB_ACTOR": "dependabot[bot]"},
            "bot",
            "dependabot[bot]",
            "GitHub PR author dependabot[bot] (Bot) is a bot",
        ),
        (
            "workflow_dispatch_human.json",
            "workflow_dispatch",
            {"GITHUB_ACTOR": "bob", "GITHUB_REF_NAME": "main"},
            "human",
            "bob",
            "GitHub actor bob (User) is a human",
        ),
        (
            "push_human.json",
            "push",
            {"GITHUB_ACTOR": "carol", "GITHUB_REF_NAME": "main"},
            "human",
            "carol",
            "GitHub event sender carol (User) is a human",
        ),
        (
            "push_agent_trailer.json",
            "push",
            {"GITHUB_ACTOR": "carol", "GITHUB_REF_NAME": "main"},
            "agent",
            "carol",
            "commit 5555555 trailer Co-Authored-By: Claude <noreply@anthropic.com>",
        ),
    ],
)
def test_github_events(
    event: str,
    name: str,
    extra: dict[str, str],
    kind: str,
    identity: str,
    expected: str,
    nogit: Path,
) -> None:
    result = classify(github_env(event, name, **extra), nogit)
    assert (result.kind, result.identity) == (kind, identity)
    assert expected in result.evidence


def test_github_agent_pr_rerun_by_human_stays_agent(nogit: Path) -> None:
    env = github_env("pull_request_copilot.json", "pull_request", GITHUB_ACTOR="Copilot")
    result = classify(env, nogit, requested="human")
    assert result.kind == "agent"
    assert "GitHub actor Copilot is an AI agent" in result.evidence
    assert result.evidence[-1] == "--actor human requested but agent evidence wins"


def test_comment_event_keeps_the_pr_author_as_initiator(nogit: Path) -> None:
    env = github_env(
        "issue_comment_approval.json",
        "issue_comment",
        GITHUB_ACTOR="carol",
        GITHUB_TRIGGERING_ACTOR="carol",
    )
    result = classify(env, nogit)
    assert (result.kind, result.identity) == ("human", "alice")
    assert "GitHub PR author alice (User) is a human" in result.evidence


def test_payload_names_the_identity_when_github_actor_is_absent(nogit: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(EVENTS / "pull_request_human.json")}
    result = classify(env, nogit)
    assert (result.kind, result.identity) == ("human", "alice")


def test_unreadable_payload_is_reported_not_guessed(tmp_path: Path, nogit: Path) -> None:
    bad = tmp_path / "event.json"
    bad.write_text("{not json")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(bad), "GITHUB_ACTOR": "alice"}
    result = classify(env, nogit)
    assert result.kind == "human"
    assert f"GitHub event payload {bad} unreadable: not used" in result.evidence


@pytest.mark.parametrize(
    ("env", "kind", "identity", "expected"),
    [
        (
            {
                "GITLAB_USER_LOGIN": "erin",
                "CI_COMMIT_AUTHOR": "Erin <erin@example.com>",
                "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "erin/resize",
            },
            "human",
            "erin",
            "GitLab user erin is a human",
        ),
        (
            {
                "GITLAB_USER_LOGIN": "erin",
                "CI_COMMIT_AUTHOR": "Cursor Agent <cursoragent@cursor.com>",
            },
            "agent",
            "erin",
            "GitLab commit author Cursor Agent <cursoragent@cursor.com> is an AI agent",
        ),
        (
            {"GITLAB_USER_LOGIN": "erin", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "codex/fix-db"},
            "agent",
            "erin",
            "branch codex/fix-db",
        ),
        (
            {"GITLAB_USER_LOGIN": "project_17_bot_4f2a"},
            "bot",
            "project_17_bot_4f2a",
            "GitLab user project_17_bot_4f2a is a bot",
        ),
        ({}, "unknown", None, "GitLab CI run names no initiator (pass --initiator)"),
    ],
)
def test_gitlab(
    env: dict[str, str], kind: str, identity: str | None, expected: str, nogit: Path
) -> None:
    result = classify({"CI": "true", "GITLAB_CI": "true", **env}, nogit)
    assert (result.kind, result.identity) == (kind, identity)
    assert expected in result.evidence


@pytest.mark.parametrize(
    ("env", "kind", "identity", "expected"),
    [
        (
            {"USER_NAME": "frank", "PULL_AUTHOR": "frank", "HEAD_BRANCH_NAME": "frank/db"},
            "human",
            "frank",
            "Atlantis PR author frank is a human",
        ),
        (
            {
                "USER_NAME": "frank",
                "PULL_AUTHOR": "devin-ai-integration[bot]",
                "HEAD_BRANCH_NAME": "devin/1712345-fix",
            },
            "agent",
            "frank",
            "Atlantis PR author devin-ai-integration[bot] is an AI agent",
        ),
        (
            {"ATLANTIS_USER_NAME": "frank", "ATLANTIS_PULL_AUTHOR": "renovate[bot]"},
            "bot",
            "frank",
            "Atlantis PR author renovate[bot] is a bot",
        ),
        (
            {"HEAD_BRANCH_NAME": "claude/fix-vpc"},
            "agent",
            None,
            "branch claude/fix-vpc",
        ),
    ],
)
def test_atlantis(
    env: dict[str, str], kind: str, identity: str | None, expected: str, nogit: Path
) -> None:
    result = classify({"ATLANTIS_TERRAFORM_VERSION": "1.9.8", **env}, nogit)
    assert (result.kind, result.identity) == (kind, identity)
    assert expected in result.evidence


@pytest.mark.parametrize(
    "branch", ["claude/fix-vpc", "codex/rds", "copilot/fix-12", "cursor/tidy", "devin/171-x"]
)
def test_agent_branch_prefixes(branch: str, nogit: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "alice", "GITHUB_HEAD_REF": branch}
    result = classify(env, nogit)
    assert result.kind == "agent"
    assert f"branch {branch}" in result.evidence


def test_branch_prefix_is_a_prefix_not_a_substring(nogit: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "alice", "GITHUB_HEAD_REF": "fix/claude/x"}
    assert classify(env, nogit).kind == "human"


@pytest.mark.parametrize(
    ("env", "system"),
    [
        ({"CI": "true"}, "CI"),
        ({"GITHUB_ACTIONS": "true"}, "GitHub Actions"),
        ({"TFC_RUN_ID": "run-abc"}, "HCP Terraform"),
        ({"BUILDKITE": "true"}, "Buildkite"),
    ],
)
def test_ci_without_identity_is_unknown_treated_as_agent(
    env: dict[str, str], system: str, nogit: Path
) -> None:
    result = classify(env, nogit)
    assert (result.kind, result.treated_as, result.identity) == ("unknown", "agent", None)
    assert result.evidence == (f"{system} run names no initiator (pass --initiator)",)


@pytest.mark.parametrize(
    ("initiator", "kind"),
    [("alice", "human"), ("renovate[bot]", "bot"), ("claude[bot]", "agent")],
)
def test_initiator_names_the_identity_ci_cannot(initiator: str, kind: str, nogit: Path) -> None:
    result = classify({"CI": "true"}, nogit, initiator=initiator)
    assert (result.kind, result.identity) == (kind, initiator)
    assert any(line.startswith(f"--initiator {initiator} ") for line in result.evidence)


def test_initiator_does_not_override_ci_identity(nogit: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "dependabot[bot]"}
    result = classify(env, nogit, initiator="alice")
    assert (result.kind, result.identity) == ("bot", "dependabot[bot]")
    assert "--initiator alice ignored: GitHub Actions names dependabot[bot]" in result.evidence


def test_initiator_outside_ci(nogit: Path) -> None:
    result = classify({"USER": "root"}, nogit, initiator="grace")
    assert (result.kind, result.identity) == ("human", "grace")


@pytest.mark.parametrize(
    ("env", "requested", "kind", "line"),
    [
        ({}, "agent", "agent", "--actor agent requested"),
        ({}, "bot", "bot", "--actor bot requested"),
        ({}, "human", "human", "--actor human requested, as detected"),
        ({"CLAUDECODE": "1"}, "human", "agent", "--actor human requested but agent evidence wins"),
        ({"CLAUDECODE": "1"}, "bot", "agent", "--actor bot requested but agent evidence wins"),
        (
            {"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "renovate[bot]"},
            "human",
            "bot",
            "--actor human requested but bot evidence wins",
        ),
        ({"CI": "true"}, "human", "unknown", "--actor human requested but unknown evidence wins"),
        ({"CI": "true"}, "agent", "agent", "--actor agent requested"),
    ],
)
def test_actor_option_is_stricter_never_looser(
    env: dict[str, str], requested: str, kind: str, line: str, nogit: Path
) -> None:
    result = classify(env, nogit, requested=requested)
    assert result.kind == kind
    assert result.evidence[-1] == line


def test_bad_actor_value_is_an_input_error(nogit: Path) -> None:
    with pytest.raises(PlanriskError, match="unknown --actor value 'robot'"):
        classify({}, nogit, requested="robot")


def test_config_extends_the_lists(nogit: Path) -> None:
    config = PlanriskConfig(
        actors=ActorLists(agent_logins=("acme-coder[bot]",), humans=("alice", "bob"))
    )
    lists = actor_lists(config)
    assert "copilot-swe-agent[bot]" in lists.agent_logins
    base = {"GITHUB_ACTIONS": "true"}
    agent = classify({**base, "GITHUB_ACTOR": "acme-coder[bot]"}, nogit, config=config)
    assert agent.kind == "agent"
    stranger = classify({**base, "GITHUB_ACTOR": "mallory"}, nogit, config=config)
    assert stranger.kind == "unknown"
    assert "GitHub actor mallory is not in the [actors] humans list" in stranger.evidence
    assert classify({**base, "GITHUB_ACTOR": "bob"}, nogit, config=config).kind == "human"


@pytest.mark.parametrize(
    ("login", "account_type", "kind"),
    [
        ("Copilot", "Bot", "agent"),
        ("COPILOT-SWE-AGENT[BOT]", None, "agent"),
        ("some-app[bot]", None, "bot"),
        ("deploy-robot", "Bot", "bot"),
        ("claude", None, "human"),
        ("alice", "User", "human"),
    ],
)
def test_classify_login(login: str, account_type: str | None, kind: str) -> None:
    assert classify_login(login, account_type, actor_lists(None)) == kind


@pytest.mark.parametrize(
    ("person", "agent"),
    [
        ("Claude <noreply@anthropic.com>", True),
        ("Claude Opus 4 <noreply@anthropic.com>", True),
        ("Cursor Agent <cursoragent@cursor.com>", True),
        ("Copilot <175728472+Copilot@users.noreply.github.com>", True),
        ("aider (gpt-4o) <aider@aider.chat>", True),
        ("Claudette Smith <claudette@example.com>", False),
        ("Alice <alice@example.com>", False),
    ],
)
def test_agent_identities(person: str, agent: bool) -> None:
    assert is_agent_identity(person, actor_lists(None)) is agent


# --- commits read with git ---------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Alice",
        "GIT_AUTHOR_EMAIL": "alice@example.com",
        "GIT_COMMITTER_NAME": "Alice",
        "GIT_COMMITTER_EMAIL": "alice@example.com",
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    out = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "commit", "-q", "--allow-empty", "-m", "Base")
    return path


@needs_git
def test_head_commit_trailer_outside_ci(repo: Path) -> None:
    git(
        repo,
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "Resize the cluster\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    )
    sha = git(repo, "rev-parse", "--short=7", "HEAD")
    result = classify({}, repo)
    assert result.kind == "agent"
    assert result.evidence == (
        f"commit {sha} trailer Co-Authored-By: Claude <noreply@anthropic.com>",
    )


@needs_git
def test_head_commit_author_outside_ci(repo: Path) -> None:
    git(
        repo,
        "commit",
        "-q",
        "--allow-empty",
        "--author",
        "Cursor Agent <cursoragent@cursor.com>",
        "-m",
        "Tidy",
    )
    result = classify({}, repo)
    assert result.kind == "agent"
    assert any(
        "author Cursor Agent <cursoragent@cursor.com> is an AI agent" in e for e in result.evidence
    )


@needs_git
def test_outside_ci_only_head_is_read(repo: Path) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "Old\n\nCo-authored-by: Claude <x@y.z>")
    git(repo, "commit", "-q", "--allow-empty", "-m", "New, by a human")
    assert classify({}, repo).kind == "human"


@needs_git
def test_pull_request_range_is_read_when_local(repo: Path, tmp_path: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Agent step\n\nCo-authored-by: Claude <c@x>")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Human touch-up")
    head = git(repo, "rev-parse", "HEAD")
    event = tmp_path / "event.json"
    event.write_text(
        '{"pull_request": {"user": {"login": "alice", "type": "User"},'
        f' "head": {{"ref": "fix", "sha": "{head}"}}, "base": {{"sha": "{base}"}}}}}}'
    )
    env = {"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "alice", "GITHUB_EVENT_PATH": str(event)}
    result = classify(env, repo)
    assert result.kind == "agent"
    assert any(e.endswith("trailer Co-authored-by: Claude <c@x>") for e in result.evidence)


@needs_git
def test_missing_range_falls_back_to_head(repo: Path) -> None:
    env = {
        "GITLAB_CI": "true",
        "GITLAB_USER_LOGIN": "erin",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": "f" * 40,
        "CI_COMMIT_SHA": "e" * 40,
    }
    assert classify(env, repo).kind == "human"


@needs_git
def test_no_git_binary_gives_no_commit_evidence(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "Agent\n\nCo-authored-by: Claude <c@x>")
    assert classify({}, repo).kind == "agent"
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = classify({}, repo)
    assert (result.kind, result.evidence) == ("human", ("not in CI and no agent evidence",))
