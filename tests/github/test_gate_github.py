"""`planrisk gate --github` through the real CLI: PR approvals count towards the requirement."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from planrisk.ingest import load_plan
from planrisk.report.view import approval_reply

from .conftest import CRITICAL_PLAN
from .fake_api import TOKEN, FakeGitHub

pytestmark = pytest.mark.slow


def gate(
    api: FakeGitHub,
    tmp_path: Path,
    *,
    actor: str = "alice",
    event: dict[str, object] | None = None,
    token: str | None = TOKEN,
    extra_env: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], str]:
    event_path = tmp_path / "event.json"
    payload = event if event is not None else {"pull_request": api.state.pulls[7]}
    event_path.write_text(json.dumps(payload), encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTOR": actor,
        "GITHUB_REPOSITORY": "acme/infra",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_API_URL": api.url,
        "PLANRISK_AUDIT_DB": str(tmp_path / "audit.db"),
    }
    if token is not None:
        env["GITHUB_TOKEN"] = token
    env.update(extra_env or {})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "planrisk",
            "gate",
            str(CRITICAL_PLAN),
            "--env",
            "prod",
            "--github",
            "--format",
            "json",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    document = json.loads(done.stdout) if done.stdout.strip() else {}
    return done.returncode, document, done.stderr


def approvals(document: dict[str, object]) -> dict[str, object]:
    decision = document["decision"]
    assert isinstance(decision, dict)
    [requirement] = [r for r in decision["requirements"] if r["kind"] == "approvals"]
    return dict(requirement)


def test_two_write_humans_allow_a_critical_plan(api: FakeGitHub, tmp_path: Path) -> None:
    digest = load_plan(CRITICAL_PLAN).digest
    api.add_comment(7, "bob", approval_reply(digest))
    code, document, stderr = gate(api, tmp_path)
    assert code == 1, stderr
    assert (approvals(document)["have"], approvals(document)["needed"]) == (1, 2)

    api.add_review(7, "erin", f"LGTM\n{approval_reply(digest)}", "APPROVED")
    code, document, stderr = gate(api, tmp_path)
    assert code == 0, stderr
    assert document["decision"]["outcome"] == "allow"
    accepted = [e["file"] for e in document["decision"]["evidence"] if e["accepted"]]
    assert len(accepted) == 2
    assert all(f.startswith("github:https://github.com/acme/infra/pull/7#") for f in accepted)


def test_the_initiator_cannot_approve_their_own_plan(api: FakeGitHub, tmp_path: Path) -> None:
    digest = load_plan(CRITICAL_PLAN).digest
    api.add_comment(7, "bob", approval_reply(digest))
    api.add_comment(7, "erin", approval_reply(digest))
    code, document, _ = gate(api, tmp_path, actor="erin")
    assert code == 1
    reasons = [e["reason"] for e in document["decision"]["evidence"]]
    assert "erin is the initiator" in reasons


def test_outside_a_pull_request_nothing_is_read(api: FakeGitHub, tmp_path: Path) -> None:
    code, document, _ = gate(api, tmp_path, event={"ref": "refs/heads/main"})
    assert code == 1
    [note] = document["decision"]["evidence"]
    assert note["reason"] == "the run belongs to no pull request: no approval comments were read"
    assert api.state.seen == []


MERGE_SHA = "c" * 40


def merged_push(api: FakeGitHub) -> dict[str, object]:
    """Pull request 7 merged as commit MERGE_SHA, and the push event of that merge."""
    api.state.pulls[7]["merged_at"] = "2025-06-02T12:00:00Z"
    api.state.pulls[7]["merge_commit_sha"] = MERGE_SHA
    return {"ref": "refs/heads/main", "before": "b" * 40, "after": MERGE_SHA}


def test_after_the_merge_the_pull_requests_approvals_count(api: FakeGitHub, tmp_path: Path) -> None:
    digest = load_plan(CRITICAL_PLAN).digest
    api.add_comment(7, "bob", approval_reply(digest))
    api.add_review(7, "dave", approval_reply(digest), "APPROVED")
    push = {"GITHUB_EVENT_NAME": "push", "GITHUB_SHA": MERGE_SHA}
    # bob merged: he reviewed alice's change, so his approval counts in the apply run.
    code, document, stderr = gate(
        api, tmp_path, actor="bob", event=merged_push(api), extra_env=push
    )
    assert code == 0, stderr
    assert approvals(document)["have"] == 2
    assert api.requests("GET", f"/commits/{MERGE_SHA}/pulls")


def test_a_push_that_merged_no_pull_request_reads_no_approval(
    api: FakeGitHub, tmp_path: Path
) -> None:
    push = {"GITHUB_EVENT_NAME": "push", "GITHUB_SHA": "d" * 40}
    code, document, _ = gate(api, tmp_path, actor="bob", event=merged_push(api), extra_env=push)
    assert code == 1
    [note] = document["decision"]["evidence"]
    assert "belongs to no pull request" in note["reason"]


def test_missing_token_is_an_input_error(api: FakeGitHub, tmp_path: Path) -> None:
    code, document, stderr = gate(api, tmp_path, token=None)
    assert code == 3
    assert document == {}
    assert "no GitHub token" in stderr
    assert "Traceback" not in stderr


def test_api_failure_fails_closed(api: FakeGitHub, tmp_path: Path) -> None:
    api.state.failures["GET /repos/acme/infra/pulls/7"] = [401]
    code, _, stderr = gate(api, tmp_path)
    assert code == 3
    assert "returned 401" in stderr
    assert TOKEN not in stderr
