"""Every input is read or refused (ingest stage, through the real CLI): the attacks that made
the gate allow or crash, each reproduced and refused with exit 3 and one line on stderr.

Pulumi steps of unknown or malformed op, truncated event logs, summaries that count steps the
input does not hold, invalid UTF-8, numbers out of range and over-deep evidence.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import run_main
from tests.support.paths import FIXTURES

RETAINED = FIXTURES / "pulumi/retain-on-delete/preview.json"
DB_DELETE = FIXTURES / "pulumi/prod-db-delete/preview.json"
TRUNCATED = FIXTURES / "invalid/pulumi-truncated-event-log/events.ndjson"
MISSING_STEP = FIXTURES / "invalid/pulumi-summary-counts-a-missing-step/preview.json"
TF_DB_DELETE = FIXTURES / "terraform/prod-db-delete-no-snapshot/plan.json"
DB_URN = "urn:pulumi:prod::orders::aws:rds/instance:Instance::orders-db"


def gate(tmp_path: Path, plan: Path, *extra: str) -> int:
    return run_main(
        "gate", str(plan), "--actor", "agent", "--env", "prod",
        "--audit-db", str(tmp_path / "audit.db"), "-o", os.devnull, *extra,
    )  # fmt: skip


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


SECRETS_LOG = FIXTURES / "pulumi/secrets/events.ndjson"


def gate_log(tmp_path: Path, lines: list[str]) -> int:
    """The gate's exit code on an event log of `lines`."""
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return gate(tmp_path, path)


def with_op(tmp_path: Path, op: object, urn: str = DB_URN) -> Path:
    document = json.loads(DB_DELETE.read_text())
    for step in document["steps"]:
        if step["op"] == "delete":
            step["op"] = op
            step["urn"] = urn
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("op", ["delete-forced", "DELETE", "", "teleport"])
def test_a_step_of_an_unknown_op_is_refused_naming_its_urn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], op: str
) -> None:
    assert gate(tmp_path, with_op(tmp_path, op)) == 3
    err = one_line(capsys.readouterr().err)
    assert f"the step of {DB_URN} has an op planrisk does not know" in err
    assert repr(op) not in err  # the location, never the value


@pytest.mark.parametrize(("op", "kind"), [(None, "NoneType"), (["delete"], "list"), ({}, "dict")])
def test_a_step_whose_op_is_not_a_string_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], op: object, kind: str
) -> None:
    assert gate(tmp_path, with_op(tmp_path, op)) == 3
    assert f"the step of {DB_URN} has an op that is {kind}, not a string" in one_line(
        capsys.readouterr().err
    )


def test_a_urn_is_escaped_and_shortened_in_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urn = "urn:pulumi:prod::orders::aws:rds/instance:Instance::" + "\x1b[2J" + "x" * 300
    assert gate(tmp_path, with_op(tmp_path, "nuke", urn)) == 3
    err = one_line(capsys.readouterr().err)
    assert "\x1b" not in err and "\\x1b[2J" in err and "x" * 300 not in err and "…" in err


def test_a_step_event_of_an_unknown_op_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = SECRETS_LOG.read_text().splitlines()
    mutated = [line.replace('"op":"update"', '"op":"delete-forced"') for line in lines]
    assert mutated != lines
    assert gate_log(tmp_path, mutated) == 3
    assert "has an op planrisk does not know" in one_line(capsys.readouterr().err)


def test_a_step_event_without_metadata_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = SECRETS_LOG.read_text().splitlines()
    lines.insert(1, json.dumps({"sequence": 9, "resourcePreEvent": {"planning": True}}))
    assert gate_log(tmp_path, lines) == 3
    assert "a resourcePreEvent has no step metadata object" in one_line(capsys.readouterr().err)


def test_a_truncated_event_log_is_refused_by_the_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gate(tmp_path, TRUNCATED) == 3
    err = one_line(capsys.readouterr().err)
    assert f"{TRUNCATED}: the event log has no summaryEvent" in err
    assert "--event-log FILE` finish" in err


def test_a_truncated_event_log_is_read_by_analyze_with_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_main("analyze", str(TRUNCATED), "--format", "json") == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"planrisk: warning: {TRUNCATED}: the event log has no summaryEvent: it was cut off "
        "or is still being written; steps after the cut are missing\n"
    )
    assert json.loads(captured.out)["plan"]["tool"] == "pulumi"


def test_a_summary_that_counts_a_step_the_preview_lacks_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gate(tmp_path, MISSING_STEP) == 3
    assert "`changeSummary` counts 1 delete step(s) but the input holds 0" in one_line(
        capsys.readouterr().err
    )


def test_a_summary_event_that_counts_a_step_the_log_lacks_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = SECRETS_LOG.read_text().splitlines()
    kept = [line for line in lines if '"op":"create"' not in line]
    assert len(kept) < len(lines)
    assert gate_log(tmp_path, kept) == 3
    assert "resourceChanges counts 1 create step(s" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("counts", ['{"delete": "1"}', '{"delete": 1.5}', '{"delete": -1}', "[]"])
def test_a_summary_of_another_shape_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], counts: str
) -> None:
    text = RETAINED.read_text()
    start = text.index('"changeSummary"')
    end = text.index("}", start) + 1
    path = tmp_path / "preview.json"
    path.write_text(text[:start] + f'"changeSummary": {counts}' + text[end:])
    assert gate(tmp_path, path) == 3
    assert "`changeSummary`" in one_line(capsys.readouterr().err)


def test_unlisted_same_steps_and_failed_steps_agree_with_the_summary(tmp_path: Path) -> None:
    # A digest lists `same` steps only with --show-sames; the summary counts them all.
    document = json.loads(RETAINED.read_text())
    document["changeSummary"]["same"] = 40
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(document))
    assert gate(tmp_path, path) in (0, 1)


@pytest.mark.parametrize(
    ("plan", "old", "new"),
    [
        (TF_DB_DELETE, b'"orders-prod"', b'"orders-\xffprod"'),  # inside a value kept raw
        (TF_DB_DELETE, b'"delete"', b'"del\xc3\x28ete"'),  # inside a decoded string
        (DB_DELETE, b'"postgres"', b'"postgr\xe2\x82es"'),
    ],
)
def test_invalid_utf8_inside_a_string_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plan: Path, old: bytes, new: bytes
) -> None:
    data = plan.read_bytes()
    assert old in data
    path = tmp_path / "plan.json"
    path.write_bytes(data.replace(old, new))
    assert gate(tmp_path, path) == 3
    assert "UTF-8" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("plan", "old"),
    [
        (TF_DB_DELETE, b'"deletion_protection": false'),  # a guard the scorer decodes
        (TF_DB_DELETE, b'"skip_final_snapshot": true'),
        (DB_DELETE, b'"skipFinalSnapshot": true'),
    ],
)
def test_a_number_out_of_range_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plan: Path, old: bytes
) -> None:
    data = plan.read_bytes()
    assert old in data
    path = tmp_path / "plan.json"
    path.write_bytes(data.replace(old, old.split(b":")[0] + b": 1e400"))
    assert gate(tmp_path, path) == 3
    err = one_line(capsys.readouterr().err)
    assert f"{path}: " in err and "Number out of range" in err


@pytest.mark.parametrize("where", ["envelope", "payload"])
def test_over_deep_evidence_is_ignored_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    import base64

    deep = "[" * 100_000 + "]" * 100_000
    if where == "envelope":
        text = '{"payloadType": "x", "payload": "", "signatures": [{"sig": "AA"}], "x": ' + deep
        text += "}"
    else:
        payload = '{"_type": "https://planrisk.dev/approval/v1", "x": ' + deep + "}"
        text = json.dumps(
            {
                "payloadType": "application/vnd.planrisk.approval+json",
                "payload": base64.b64encode(payload.encode()).decode(),
                "signatures": [{"sig": "AA"}],
            }
        )
    evidence = tmp_path / "evidence.json"
    evidence.write_text(text)
    out = tmp_path / "gate.json"
    code = run_main(
        "gate", str(TF_DB_DELETE), "--actor", "agent", "--env", "prod", "--evidence",
        str(evidence), "--audit-db", str(tmp_path / "audit.db"), "--format", "json",
        "-o", str(out),
    )  # fmt: skip
    assert code == 1
    (entry,) = json.loads(out.read_text())["decision"]["evidence"]
    assert not entry["accepted"]
    if where == "envelope":
        assert entry["reason"] == "malformed: JSON nested too deeply to be an envelope"


def test_a_destroy_whose_values_were_removed_gets_no_guard_credit(tmp_path: Path) -> None:
    # Found by the fuzzing: with `before` renamed away, the bucket's `force_destroy` default
    # (false: "the delete fails if the bucket is not empty") was credited and a human's
    # delete was allowed. Nothing is known of an object whose values are absent.
    document = json.loads((FIXTURES / "terraform/no-format-version/plan.json").read_text())
    (delete,) = [e for e in document["resource_changes"] if e["change"]["actions"] == ["delete"]]
    human = ("--actor", "human", "--initiator", "alice")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    assert run_main("gate", str(path), *human, "--env", "prod", "--audit-db",
                    str(tmp_path / "a.db"), "-o", os.devnull) == 0  # fmt: skip
    delete["change"]["BEFORE"] = delete["change"].pop("before")
    path.write_text(json.dumps(document))
    assert run_main("gate", str(path), *human, "--env", "prod", "--audit-db",
                    str(tmp_path / "a.db"), "-o", os.devnull) == 1  # fmt: skip
