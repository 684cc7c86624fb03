"""The example Claude Code hook (examples/agent-sandbox) blocks mutating commands, not reads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.paths import REPO

HOOK = REPO / "examples" / "agent-sandbox" / "claude-code" / "planrisk_hook.py"


def _hook(command: str) -> subprocess.CompletedProcess[str]:
    event = {
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
    }
    return subprocess.run(
        [sys.executable, str(HOOK)],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("command", "blocked"),
    [
        ("terraform apply -auto-approve", True),
        ("cd infra && TF_LOG=debug terraform -chdir=prod destroy", True),
        ("/usr/local/bin/tofu state rm aws_db_instance.orders", True),
        ("pulumi preview && pulumi up --yes --stack prod", True),
        ("terraform plan -out=plan.tfplan", False),
        ("terraform show -json plan.tfplan | planrisk analyze -", False),
        ("planrisk guard -- terraform apply plan.tfplan", False),
        ("pulumi destroy --preview-only", False),
        ("echo apply", False),
        ("terraform test", True),
        ("pulumi watch", True),
    ],
)
def test_hook_blocks_only_mutating_commands(command: str, blocked: bool) -> None:
    result = _hook(command)
    assert result.returncode == (2 if blocked else 0), result.stderr
    if blocked and "watch" in command:
        assert "ask a human to run it outside the agent sandbox" in result.stderr
    elif blocked:
        assert "planrisk guard -- " in result.stderr
