"""`planrisk guard` end to end with fake terraform, tofu and pulumi executables."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planrisk.gate.audit import read_log, verify_log
from tests.guard.fakes import (
    DEV_TAG_UPDATE,
    PROD_DB_DELETE,
    PULUMI_PROD_DB_DELETE,
    make_world,
)

pytestmark = pytest.mark.slow

DEV_PREVIEW = {
    "config": {"aws:region": "eu-west-1"},
    "steps": [
        {
            "op": "update",
            "urn": "urn:pulumi:dev::web::aws:s3/bucketV2:BucketV2::assets",
            "oldState": {
                "urn": "urn:pulumi:dev::web::aws:s3/bucketV2:BucketV2::assets",
                "custom": True,
                "type": "aws:s3/bucketV2:BucketV2",
                "inputs": {"tags": {"Environment": "dev"}},
            },
            "newState": {
                "urn": "urn:pulumi:dev::web::aws:s3/bucketV2:BucketV2::assets",
                "custom": True,
                "type": "aws:s3/bucketV2:BucketV2",
                "inputs": {"tags": {"Environment": "dev", "Owner": "web"}},
            },
            "diffReasons": ["tags"],
            "detailedDiff": None,
        }
    ],
    "changeSummary": {"update": 1},
}


def test_agent_apply_deleting_prod_database_never_reaches_terraform(tmp_path: Path) -> None:
    world = make_world(tmp_path, PROD_DB_DELETE, agent=True)
    result = world.guard("--", "terraform", "apply", "-auto-approve")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "DENY" in result.stderr
    assert "`terraform apply` was not run" in result.stderr
    assert "hunter2" not in result.stderr
    argvs = world.argvs()
    assert [a[0] for a in argvs] == ["plan", "show"]
    assert not any("apply" in a for a in argvs)
    records = [r.data for r in read_log(world.audit_db)]
    assert [r["outcome"] for r in records] == ["deny"]
    assert records[0]["plan_source"].startswith("terraform plan made by planrisk guard")


def test_human_apply_of_saved_plan_applies_a_private_copy_with_the_same_flags(
    tmp_path: Path,
) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    (world.root / "dev.tfplan").write_text("saved plan")
    world.env["FAKE_EXIT"] = "0"
    args = ["terraform", "apply", "-input=false", "-lock-timeout=30s", "dev.tfplan"]
    result = world.guard("--", *args)
    assert result.returncode == 0, result.stderr
    assert "fake terraform output for apply -input=false" in result.stdout
    assert "ALLOW" in result.stderr
    (show, apply) = world.argvs()
    copy = show[-1]
    assert show == ["show", "-json", copy] and Path(copy).name == "plan.tfplan"
    assert copy != str(world.root / "dev.tfplan")
    assert apply == ["apply", "-input=false", "-lock-timeout=30s", copy]
    assert [c["read"] for c in world.calls()] == ["saved plan", "saved plan"]
    assert [c["dir_mode"] for c in world.calls()] == ["0o700", "0o700"]
    assert not Path(copy).exists()


def test_bare_apply_plans_to_a_file_and_applies_exactly_that_file(tmp_path: Path) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    world.env["FAKE_EXIT"] = "7"
    result = world.guard(
        "--",
        "terraform",
        "-chdir=.",
        "apply",
        "-auto-approve",
        "-var",
        "a=1",
        "-target=aws_s3_bucket.assets",
        "-input=false",
    )
    assert result.returncode == 7
    plan, show, apply = world.argvs()
    saved = plan[2].removeprefix("-out=")
    assert plan == [
        "-chdir=.",
        "plan",
        f"-out={saved}",
        "-var",
        "a=1",
        "-target=aws_s3_bucket.assets",
        "-input=false",
    ]
    assert show == ["-chdir=.", "show", "-json", saved]
    assert apply == ["-chdir=.", "apply", "-auto-approve", "-input=false", saved]
    assert not Path(saved).exists()
    records = [r.data for r in read_log(world.audit_db)]
    assert records[0]["outcome"] == "allow"
    assert records[1] == {
        "kind": "apply_result",
        "command": "terraform apply",
        "plan_digest": records[0]["plan_digest"],
        "applied_plan_sha256": "sha256:" + hashlib.sha256(b"saved plan").hexdigest(),
        "exit_code": 7,
        "time": records[1]["time"],
    }
    assert verify_log(world.audit_db).ok


def test_destroy_becomes_a_destroy_plan_then_apply(tmp_path: Path) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    result = world.guard("--", "tofu", "destroy", "-auto-approve")
    assert result.returncode == 0, result.stderr
    plan, _show, apply = world.argvs("tofu")
    assert plan[:1] == ["plan"] and "-destroy" in plan
    assert apply[0] == "apply" and "-destroy" not in apply


def test_failed_plan_step_is_bad_input_and_nothing_is_applied(tmp_path: Path) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    world.env["FAKE_PLAN_EXIT"] = "1"
    result = world.guard("--", "terraform", "apply")
    assert result.returncode == 3
    assert "exited with 1" in result.stderr
    assert [a[0] for a in world.argvs()] == ["plan"]


def test_unknown_tool_is_bad_input(tmp_path: Path) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    result = world.guard("--", "kubectl", "apply", "-f", "x.yaml")
    assert result.returncode == 3
    assert "not terraform, tofu or pulumi" in result.stderr


def test_read_only_commands_pass_through_untouched(tmp_path: Path) -> None:
    world = make_world(tmp_path, PROD_DB_DELETE, agent=True)
    world.env["FAKE_EXIT"] = "5"
    result = world.guard("--", "terraform", "validate", "-json")
    assert result.returncode == 5
    assert result.stdout == "fake terraform output for validate -json\n"
    assert world.argvs() == [["validate", "-json"]]
    assert not world.audit_db.exists()


def test_state_command_by_agent_is_denied_and_by_human_runs(tmp_path: Path) -> None:
    agent = make_world(tmp_path / "agent", PROD_DB_DELETE, agent=True)
    result = agent.guard("--", "terraform", "state", "rm", "aws_db_instance.orders")
    assert result.returncode == 1
    assert "only a human may run it" in result.stderr
    assert agent.argvs() == []
    human = make_world(tmp_path / "human", PROD_DB_DELETE, agent=False)
    result = human.guard("--", "terraform", "state", "rm", "aws_db_instance.orders")
    assert result.returncode == 0, result.stderr
    assert human.argvs() == [["state", "rm", "aws_db_instance.orders"]]
    kinds = [r.data["kind"] for r in read_log(human.audit_db)]
    assert kinds == ["state_command", "apply_result"]


def test_pulumi_up_by_agent_in_prod_is_denied(tmp_path: Path) -> None:
    world = make_world(tmp_path, PULUMI_PROD_DB_DELETE, agent=True)
    result = world.guard("--format", "json", "--", "pulumi", "up", "--yes", "-s", "prod")
    assert result.returncode == 1
    [preview] = world.argvs()
    assert preview[:3] == ["preview", "--json", preview[2]]
    assert preview[2].startswith("--save-plan=") and preview[3:] == ["--stack=prod"]
    document = json.loads(result.stderr[: result.stderr.rindex("}") + 1])
    assert document["decision"]["outcome"] == "deny"


def test_pulumi_up_runs_the_update_plan_of_the_gated_preview(tmp_path: Path) -> None:
    preview = tmp_path / "dev-preview.json"
    preview.write_text(json.dumps(DEV_PREVIEW))
    world = make_world(tmp_path, preview, agent=False)
    world.env["FAKE_SAVED_PLAN"] = '{"resourcePlans": {"gated": {}}}'
    result = world.guard("--", "pulumi", "--cwd", ".", "up", "--yes", "-m", "ship")
    assert result.returncode == 0, result.stderr
    show, up = world.argvs()
    plan = show[2].removeprefix("--save-plan=")
    assert show == ["preview", "--json", f"--save-plan={plan}", "--cwd=.", "--message=ship"]
    assert up == ["up", f"--plan={plan}", "--cwd", ".", "--yes", "-m", "ship"]
    assert world.calls()[-1]["read"] == '{"resourcePlans": {"gated": {}}}'
    applied = [r.data for r in read_log(world.audit_db)][-1]["applied_plan_sha256"]
    assert applied == "sha256:" + hashlib.sha256(b'{"resourcePlans": {"gated": {}}}').hexdigest()
    result = world.guard("--", "pulumi", "up", "--yes", "--plan", "mine.json")
    assert result.returncode == 3
    assert "makes its own update plan" in result.stderr


def test_pulumi_destroy_allowed_in_dev_runs_unchanged(tmp_path: Path) -> None:
    preview = tmp_path / "dev-preview.json"
    preview.write_text(json.dumps(DEV_PREVIEW))
    world = make_world(tmp_path, preview, agent=False)
    result = world.guard("--", "pulumi", "destroy", "-y")
    assert result.returncode == 0, result.stderr
    assert world.argvs()[-2:] == [["destroy", "--preview-only", "--json"], ["destroy", "-y"]]


def test_gate_output_goes_to_the_output_file_when_given(tmp_path: Path) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    out = tmp_path / "verdict.json"
    result = world.guard("--format", "json", "-o", str(out), "--", "terraform", "apply")
    assert result.returncode == 0
    assert json.loads(out.read_text())["decision"]["outcome"] == "allow"
    assert "ALLOW" not in result.stderr


def test_sigint_reaches_the_running_apply_and_its_exit_code_comes_back(tmp_path: Path) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    ready = tmp_path / "ready"
    env = {**world.env, "FAKE_MODE": "wait-sigint", "FAKE_READY": str(ready)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "planrisk", "guard", "--", "terraform", "apply"],
        cwd=world.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert {"tool": "terraform", "signal": "SIGINT"} in world.calls()
    result = [r.data for r in read_log(world.audit_db)][-1]
    assert result["kind"] == "apply_result" and result["exit_code"] == 130


def test_internal_error_never_runs_the_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planrisk.cli import main
    from planrisk.gate import decide as gate

    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(gate, "run_gate", broken)
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(world.root)
    with pytest.raises(SystemExit) as exc:
        main(["guard", "--", "terraform", "apply", "-auto-approve"])
    assert exc.value.code == 4
    assert [a[0] for a in world.argvs()] == ["plan", "show"]
