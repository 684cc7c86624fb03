"""`guard.pulumi_automation.guarded_up` against a fake `pulumi` CLI replaying corpus events.

The fake answers the Automation API's calls (`version`, `stack select`, `preview --event-log`,
`up`, `stack output`, `stack history`), writes a recorded engine event log from the corpus into
the event log file the SDK tails, and logs every argv.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from planrisk.gate.audit import read_log
from planrisk.ingest import load_plan, parse_plan
from tests.support.paths import CORPUS

auto = pytest.importorskip("pulumi.automation")

LIFECYCLE = CORPUS / "pulumi" / "pulumi-pulumi" / "pkg" / "engine" / "lifecycletest" / "testdata"
REPLACES = LIFECYCLE / "output" / "TestDeleteBeforeReplace" / "-0-0" / "eventstream.json"
UPDATE = LIFECYCLE / "output" / "TestImportOption" / "0" / "eventstream.json"

FAKE_PULUMI = """#!{python}
import json, os, shutil, sys

argv = [a for a in sys.argv[1:] if a != "--non-interactive"]
with open(os.environ["FAKE_TOOL_LOG"], "a", encoding="utf-8") as handle:
    handle.write(json.dumps(argv) + "\\n")
if argv[:1] == ["version"]:
    print("v3.200.0")
elif argv[:1] == ["preview"]:
    if "--save-plan" in argv:
        with open(argv[argv.index("--save-plan") + 1], "w", encoding="utf-8") as handle:
            handle.write('{{"resourcePlans": {{}}}}')
    target = argv[argv.index("--event-log") + 1]
    with open(os.environ["FAKE_EVENTS"], encoding="utf-8") as source:
        events = source.read()
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(events if events.endswith("\\n") else events + "\\n")
    print("Previewing update (dev)")
elif argv[:1] == ["up"]:
    with open(argv[argv.index("--plan") + 1], encoding="utf-8") as handle:
        assert handle.read() == '{{"resourcePlans": {{}}}}'
    print("Updating (dev)")
elif argv[:2] == ["stack", "output"]:
    print("{{}}")
elif argv[:2] == ["stack", "history"]:
    print(json.dumps([{{"version": 1, "kind": "update", "startTime": "2025-01-01T00:00:00.000Z",
                        "message": "", "environment": {{}}, "config": {{}}, "result": "succeeded",
                        "endTime": "2025-01-01T00:00:01.000Z", "resourceChanges": {{}}}}]))
"""


def _stack(tmp_path: Path, events: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, Path]:
    if not events.is_file():
        pytest.skip(f"corpus event log not found: {events} (needs ../shared/corpus)")
    root = tmp_path / "pulumi-root"
    (root / "bin").mkdir(parents=True)
    fake = root / "bin" / "pulumi"
    fake.write_text(FAKE_PULUMI.format(python=sys.executable))
    fake.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_TOOL_LOG", str(log))
    monkeypatch.setenv("FAKE_EVENTS", str(events))
    monkeypatch.delenv("PULUMI_EXPERIMENTAL", raising=False)
    work = tmp_path / "project"
    work.mkdir()
    (work / "Pulumi.yaml").write_text("name: test\nruntime: python\n")
    command = auto.PulumiCommand(root=str(root))
    workspace = auto.LocalWorkspace(work_dir=str(work), pulumi_command=command)
    return auto.Stack.select("dev", workspace), log


def _calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_events_round_trip_to_the_same_plan() -> None:
    from pulumi.automation import EngineEvent

    from planrisk.guard.pulumi_automation import event_to_json

    if not REPLACES.is_file():
        pytest.skip(f"corpus event log not found: {REPLACES}")
    lines = REPLACES.read_text().splitlines()
    again = [event_to_json(EngineEvent.from_json(json.loads(line))) for line in lines]
    data = "\n".join(json.dumps(e) for e in again).encode()
    assert parse_plan(data, "x").digest == load_plan(REPLACES).digest


def test_agent_replacing_resources_in_prod_is_denied_and_up_never_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planrisk.guard.pulumi_automation import GateDenied, guarded_up

    stack, log = _stack(tmp_path, REPLACES, monkeypatch)
    audit = tmp_path / "audit.db"
    with pytest.raises(GateDenied) as exc:
        guarded_up(stack, env="prod", audit_db=audit, environ={"CLAUDECODE": "1"}, target=["x"])
    assert exc.value.decision.outcome in ("deny", "pending")
    assert exc.value.result.analysis.plan.digest == load_plan(REPLACES).digest
    calls = _calls(log)
    preview = [c for c in calls if c[:1] == ["preview"]]
    assert len(preview) == 1 and "--target" in preview[0]
    assert not any(c[:1] == ["up"] for c in calls)
    assert [r.data.get("kind") for r in read_log(audit)] == [None]


def test_human_update_in_dev_is_allowed_and_up_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planrisk.guard.pulumi_automation import guarded_up

    stack, log = _stack(tmp_path, UPDATE, monkeypatch)
    audit = tmp_path / "audit.db"
    result = guarded_up(stack, env="dev", audit_db=audit, environ={}, message="ship it")
    assert "Updating (dev)" in result.stdout
    ups = [c for c in _calls(log) if c[:1] == ["up"]]
    assert len(ups) == 1 and ups[0][ups[0].index("--message") :][:2] == ["--message", "ship it"]
    [preview] = [c for c in _calls(log) if c[:1] == ["preview"]]
    saved = preview[preview.index("--save-plan") + 1]
    assert ups[0][ups[0].index("--plan") + 1] == saved
    records = [r.data for r in read_log(audit)]
    assert records[0]["outcome"] == "allow"
    assert records[1]["kind"] == "apply_result" and records[1]["exit_code"] == 0
    digest = hashlib.sha256(b'{"resourcePlans": {}}').hexdigest()
    assert records[1]["applied_plan_sha256"] == f"sha256:{digest}"
