"""The GitHub Action, run the way a runner runs a composite action, against the fake GitHub API.

action.yml is parsed with PyYAML; each step's `run:` script is written to a file and executed
with `bash --noprofile --norc -eo pipefail FILE` (GitHub's `shell: bash`), with `${{ }}`
expressions substituted only in `env:` values and in the composite `outputs:` (a `${{` inside a
script is the injection the action must never contain), a fresh GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY file per step, the step's outputs parsed back for the next steps,
GITHUB_EVENT_PATH naming a pull_request event, and GITHUB_API_URL pointing at the fake API.
The install step is skipped through PLANRISK_ACTION_PYTHON (documented in action.yml): the
test's interpreter already has planrisk installed editable; installing it again would need
the network.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from planrisk.ingest import load_plan
from planrisk.report.markdown import comment_marker
from planrisk.report.view import approval_reply
from tests.github.fake_api import TOKEN, FakeGitHub
from tests.support.paths import REPO

yaml = pytest.importorskip("yaml", reason="PyYAML parses action.yml (test extra)")

ACTION = REPO / "action.yml"
FIXTURE = REPO / "fixtures" / "terraform" / "forced-replace" / "plan.json"
PLAN_INPUT = "plans/prod.json"
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_STEP_KEYS = {"id", "name", "shell", "env", "run"}
_USES_KEYS = {"id", "name", "if", "uses", "with"}
_CONDITION = re.compile(r"^(\S+) (==|!=) '(.*)'$")

pytestmark = pytest.mark.slow


@dataclass
class ActionRun:
    """What a workflow sees after `uses: ./`."""

    exit_code: int
    outputs: dict[str, str]
    summary: str
    log: str
    uses: list[tuple[str, dict[str, str]]]
    """The `uses:` steps that would run (their action and evaluated `with:`), not run here."""
    step_summaries: dict[str, str]
    """What each step appended to the job summary, by step id."""


def load_action() -> dict[str, Any]:
    return dict(yaml.safe_load(ACTION.read_text(encoding="utf-8")))


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT syntax: `name=value` lines and `name<<DELIM` … `DELIM` blocks."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            values[name] = "\n".join(body)
        elif line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


class Runner:
    """Runs action.yml's steps in a workspace, as GitHub Actions does."""

    def __init__(self, workspace: Path, api: FakeGitHub) -> None:
        self.workspace = workspace
        self.api = api
        self.runs = 0
        temp = workspace.parent / "runner-temp"
        temp.mkdir(exist_ok=True)
        event = workspace.parent / "event.json"
        pull = api.state.pulls[7]
        payload = {
            "action": "synchronize",
            "number": 7,
            "pull_request": pull,
            "repository": {"full_name": "acme/infra"},
            "sender": pull["user"],
        }
        event.write_text(json.dumps(payload), encoding="utf-8")
        self.environ = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(workspace.parent),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKFLOW": "plan",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REPOSITORY": "acme/infra",
            "GITHUB_ACTOR": pull["user"]["login"],
            "GITHUB_HEAD_REF": pull["head"]["ref"],
            "GITHUB_REF": "refs/pull/7/merge",
            "GITHUB_API_URL": api.url,
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTION_PATH": str(REPO),
            "RUNNER_TEMP": str(temp),
            "PLANRISK_ACTION_PYTHON": sys.executable,
            "PLANRISK_AUDIT_DB": str(workspace.parent / "audit.db"),
        }

    def run(self, **given: str) -> ActionRun:
        """Run the action once with `given` inputs (input names with `_` for `-`)."""
        self.runs += 1
        action = load_action()
        inputs = {name.replace("_", "-"): value for name, value in given.items()}
        unknown = set(inputs) - set(action["inputs"])
        assert not unknown, f"not inputs of action.yml: {unknown}"
        context: dict[str, Any] = {
            "github.action_path": str(REPO),
            "github.token": TOKEN,
            "steps": {},
        }
        for name, spec in action["inputs"].items():
            if name not in inputs:
                assert not spec.get("required"), f"required input {name} missing"
                inputs[name] = self.evaluate(str(spec.get("default", "")), context)
        context["inputs"] = inputs
        log: list[str] = []
        summary: list[str] = []
        uses: list[tuple[str, dict[str, str]]] = []
        step_summaries: dict[str, str] = {}
        exit_code = 0
        for index, step in enumerate(action["runs"]["steps"]):
            if "uses" in step:
                if self.condition(step.get("if", "true"), context):
                    evaluated = {k: self.evaluate(str(v), context) for k, v in step["with"].items()}
                    uses.append((step["uses"], evaluated))
                continue
            code, outputs, step_summary, output = self.step(index, step, context)
            context["steps"][step["id"]] = outputs
            summary.append(step_summary)
            step_summaries[step["id"]] = step_summary
            log.append(output)
            if code != 0:
                exit_code = code
                break
        outputs = {
            name: self.evaluate(spec["value"], context) for name, spec in action["outputs"].items()
        }
        return ActionRun(exit_code, outputs, "".join(summary), "".join(log), uses, step_summaries)

    def step(
        self, index: int, step: dict[str, Any], context: dict[str, Any]
    ) -> tuple[int, dict[str, str], str, str]:
        files = self.workspace.parent / f"run{self.runs}-step{index}"
        files.mkdir()
        output_file, summary_file = files / "output", files / "summary"
        output_file.touch()
        summary_file.touch()
        script = files / "script.sh"
        script.write_text(step["run"], encoding="utf-8")
        env = dict(self.environ)
        env.update({k: self.evaluate(str(v), context) for k, v in step.get("env", {}).items()})
        env["GITHUB_OUTPUT"] = str(output_file)
        env["GITHUB_STEP_SUMMARY"] = str(summary_file)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        outputs = parse_output_file(output_file.read_text(encoding="utf-8"))
        return (
            done.returncode,
            outputs,
            summary_file.read_text(encoding="utf-8"),
            done.stdout + done.stderr,
        )

    @classmethod
    def condition(cls, text: str, context: dict[str, Any]) -> bool:
        """A step's `if:`: `true`, or `EXPRESSION == 'literal'` / `!= 'literal'`."""
        if text == "true":
            return True
        match = _CONDITION.match(text)
        assert match, f"the test runner does not know if: {text}"
        left = cls.evaluate("${{ " + match.group(1) + " }}", context)
        return (left == match.group(3)) == (match.group(2) == "==")

    @staticmethod
    def evaluate(text: str, context: dict[str, Any]) -> str:
        def value(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression in ("github.action_path", "github.token"):
                return str(context[expression])
            parts = expression.split(".")
            if parts[0] == "inputs" and len(parts) == 2:
                return str(context["inputs"][parts[1]])
            if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
                return str(context["steps"].get(parts[1], {}).get(parts[3], ""))
            raise AssertionError(f"the test runner does not know ${{{{ {expression} }}}}")

        return _EXPRESSION.sub(value, text)


@pytest.fixture
def runner(tmp_path: Path, api: FakeGitHub) -> Runner:
    workspace = tmp_path / "workspace"
    (workspace / "plans").mkdir(parents=True)
    shutil.copyfile(FIXTURE, workspace / PLAN_INPUT)
    return Runner(workspace, api)


def test_inputs_reach_the_shell_only_through_env() -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {
        "plan",
        "format",
        "actor",
        "environment",
        "config",
        "evidence",
        "source-dir",
        "comment",
        "comment-behavior",
        "github-token",
        "store",
        "server",
        "checkpoint-key",
    }
    assert set(action["outputs"]) == {"outcome", "score", "level", "report-json"}
    used = set()
    for step in action["runs"]["steps"]:
        if "uses" in step:  # the artifact upload: an action pinned by major version, no script
            assert set(step) <= _USES_KEYS and step["uses"] == "actions/upload-artifact@v4"
            continue
        assert set(step) <= _STEP_KEYS, f"step {step.get('id')} uses {set(step) - _STEP_KEYS}"
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], f"expression inside the script of {step['id']}"
        for value in step.get("env", {}).values():
            used.update(re.findall(r"inputs\.([\w-]+)", str(value)))
    assert used == set(action["inputs"]), "every input is passed to a step through env"


def test_pending_then_allowed_by_a_plan_bound_approval(runner: Runner, api: FakeGitHub) -> None:
    digest = load_plan(FIXTURE).digest
    marker = comment_marker(PLAN_INPUT, "prod")

    first = runner.run(plan=PLAN_INPUT, environment="prod")
    assert first.exit_code == 1, first.log
    report = json.loads(Path(first.outputs["report-json"]).read_text(encoding="utf-8"))
    assert first.outputs["outcome"] == report["decision"]["outcome"] == "pending"
    assert first.outputs["score"] == str(report["risk"]["score"])
    assert first.outputs["level"] == report["risk"]["level"] == "high"
    assert report["plan"]["digest"] == digest
    assert first.summary.startswith(marker)
    assert approval_reply(digest) in first.summary
    assert "::warning" in first.log or "::error" in first.log  # the github log format
    [post] = api.requests("POST", "/repos/acme/infra/issues/7/comments")
    assert post.body["body"].rstrip("\n") == first.step_summaries["gate"].rstrip("\n")
    assert "planrisk: pending" in post.body["body"]
    assert api.requests("PATCH") == []
    comment_id = api.state.comments[7][-1]["id"]

    # A write-permission human who is not the author approves this plan; a reader and an
    # approval of another plan do not count.
    api.add_comment(7, "carol", approval_reply(digest))
    api.add_comment(7, "bob", f"Reviewed the subnet move.\n\n{approval_reply(digest)}")

    second = runner.run(plan=PLAN_INPUT, environment="prod")
    assert second.exit_code == 0, second.log
    assert second.outputs["outcome"] == "allow"
    report = json.loads(Path(second.outputs["report-json"]).read_text(encoding="utf-8"))
    evidence = {e["reason"].split(" ")[0]: e["accepted"] for e in report["decision"]["evidence"]}
    assert evidence["bob"] is True
    assert evidence["carol"] is False
    assert evidence["dave"] is False
    assert len(api.requests("POST")) == 1
    [patch] = api.requests("PATCH")
    assert patch.path == f"/repos/acme/infra/issues/comments/{comment_id}"
    assert patch.body["body"].startswith(marker)
    assert "planrisk: allow" in patch.body["body"]
    assert "bob (write) approved plan" in patch.body["body"]
    assert second.step_summaries["gate"].rstrip("\n") == patch.body["body"].rstrip("\n")
    assert len([c for c in api.state.comments[7] if c["body"].startswith(marker)]) == 1


def test_comment_behavior_new_and_comment_off(runner: Runner, api: FakeGitHub) -> None:
    runner.run(plan=PLAN_INPUT, environment="prod", comment_behavior="new")
    runner.run(plan=PLAN_INPUT, environment="prod", comment_behavior="new")
    assert len(api.requests("POST")) == 2
    assert api.requests("PATCH") == []
    quiet = runner.run(plan=PLAN_INPUT, environment="prod", comment="false")
    assert quiet.exit_code == 1
    assert len(api.requests("POST")) == 2
    assert "planrisk: comment disabled" in quiet.log


def test_bad_plan_fails_with_its_exit_code_and_no_injection(
    runner: Runner, api: FakeGitHub
) -> None:
    hostile = 'missing.json"; touch pwned; echo "$(touch pwned2)'
    run = runner.run(plan=hostile, evidence="$(touch pwned3)\n`touch pwned4`")
    assert run.exit_code == 3, run.log
    assert run.outputs["outcome"] == "error"
    assert run.outputs["report-json"] == ""
    assert "planrisk failed (exit 3)" in run.summary
    assert not list(runner.workspace.glob("pwned*"))
    assert api.requests("POST") == []


def test_without_a_store_the_runner_log_is_uploaded_and_summarized(runner: Runner) -> None:
    run = runner.run(plan=PLAN_INPUT, environment="prod")
    assert run.exit_code == 1, run.log
    log = runner.environ["PLANRISK_AUDIT_DB"]
    [(action, given)] = run.uses
    assert action == "actions/upload-artifact@v4"
    assert given["path"] == log and given["name"].startswith("planrisk-audit-")
    assert "### planrisk audit log" in run.summary
    assert f"`{log}`, stream `acme/infra`: 1 record(s), head `" in run.summary
    assert "uploaded as the artifact" in run.summary


def test_a_checkpoint_of_the_head_lands_in_the_summary(runner: Runner, tmp_path: Path) -> None:
    from planrisk.gate.audit import verify_log
    from planrisk.gate.audit.locations import sqlite_spec
    from planrisk.gate.evidence.keys import write_keypair

    files = write_keypair(tmp_path / "checkpoint")
    run = runner.run(
        plan=PLAN_INPUT, environment="prod", checkpoint_key=files.private_path.read_text()
    )
    head = verify_log(sqlite_spec(Path(runner.environ["PLANRISK_AUDIT_DB"]), "acme/infra"))
    assert f"planrisk/acme/infra\n1\n{base64_of(head.head_hash)}\n\n— planrisk/acme/infra " in (
        run.summary
    )
    assert not list(Path(runner.environ["RUNNER_TEMP"]).glob("planrisk-checkpoint.*"))


def test_with_a_store_every_runner_writes_to_it_and_nothing_is_uploaded(runner: Runner) -> None:
    from planrisk.gate.audit import read_log
    from planrisk.gate.audit.locations import parse_store
    from tests.gate.audit.stores import PostgresSchema, require_server

    central = PostgresSchema.create(require_server())
    try:
        run = runner.run(plan=PLAN_INPUT, environment="prod", store=central.url)
        assert run.exit_code == 1, run.log
        assert run.uses == []
        spec = parse_store(central.url, "acme/infra", runner.workspace, "test")
        [record] = read_log(spec, "acme/infra")
        assert record.data["outcome"] == "pending"
        assert f"`{spec.label}`, stream `acme/infra`: 1 record(s), head `{record.hash}`" in (
            run.summary
        )
        assert not Path(runner.environ["PLANRISK_AUDIT_DB"]).exists()
    finally:
        central.drop()


def base64_of(hex_digest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_digest)).decode()
