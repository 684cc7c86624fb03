"""Output hygiene: plan strings cannot drive a terminal or plant GitHub workflow commands.

A plan whose resource key and root variable carry an ESC colour sequence, an OSC title
sequence, a bidi override, a newline followed by `::add-mask::`, and a legacy `##[` command is
rendered through the real CLI in every format. Expected, written down first: no ESC, BEL or
bidi override byte reaches any output (they show as `\\x1b`, `\\x07`, `\\u202e`); no line of
the text or github output (the formats printed to a CI log) starts a workflow command, and no
`##[` survives there; JSON keeps the exact strings (JSON escapes them itself).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from planrisk.report.hygiene import clean_controls, no_workflow_commands, safe_for_log
from tests.support.builders import tf_change, tf_plan_json
from tests.support.cli import run_main
from tests.support.pipeline import analyze_isolated

KEY = "a\x1b[31mred\x1b]0;pwned\x07\u202e\n::add-mask::leak ##[set-output name=x]y"
ADDRESS = f"aws_s3_bucket.logs[{json.dumps(KEY)}]"
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
COMMAND_LINE = re.compile(r"^\s*::", re.MULTILINE)


def hostile_plan(path: Path) -> Path:
    delete = tf_change(
        ADDRESS, "aws_s3_bucket", ["delete"], name="logs", index=KEY, before={"bucket": "logs"}
    )
    variables = {"environment": {"value": "prod\n::add-mask::x\x1b[2J"}}
    path.write_text(tf_plan_json(delete, terraform_version="1.9.5", variables=variables))
    return path


def test_the_helpers() -> None:
    assert clean_controls("a\x1bb\u202ec\nd\te") == "a\\x1bb\\u202ec\nd\\x09e"
    assert clean_controls("a\nb", keep_newlines=False) == "a\\x0ab"
    assert no_workflow_commands("ok\n  ::error::x\n##[group]y") == (
        "ok\n  :\u200b:error::x\n#\u200b#[group]y"
    )
    assert safe_for_log("urn:pulumi:prod::app::aws:s3/bucket:Bucket::b") == (
        "urn:pulumi:prod::app::aws:s3/bucket:Bucket::b"
    )  # a URN's `::` mid-line is left alone


@pytest.mark.parametrize("fmt", ["text", "github", "markdown", "html", "sarif", "json"])
def test_no_format_lets_a_plan_string_act(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = hostile_plan(tmp_path / "plan.json")
    db = str(tmp_path / "audit.db")
    code = run_main("gate", str(plan), "--format", fmt, "--actor", "agent", "--audit-db", db)
    assert code == 1
    out = capsys.readouterr().out
    assert not CONTROL.search(out), repr(CONTROL.search(out))
    if fmt in ("text", "github"):  # the formats printed to a CI log
        assert "##[" not in out
        lines = [line for line in out.splitlines() if COMMAND_LINE.match(line)]
        if fmt == "github":  # planrisk's own annotations, and nothing else
            assert lines and all(re.match(r"::(error|warning|notice) ", line) for line in lines)
        else:
            assert lines == []
    if fmt == "text":
        assert "variable environment=prod\n:\u200b:add-mask::x\\x1b[2J" in out
    if fmt == "json":
        document = json.loads(out)
        assert document["changes"][0]["address"] == ADDRESS


@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_graph_formats_escape_controls(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = hostile_plan(tmp_path / "plan.json")
    assert run_main("graph", str(plan), "--format", fmt) == 0
    out = capsys.readouterr().out
    assert not CONTROL.search(out)
    assert not COMMAND_LINE.search(out)


def test_the_terminal_view_escapes_controls() -> None:
    from planrisk.report.text_rich import render_rich

    with __import__("tempfile").TemporaryDirectory() as work:
        plan = hostile_plan(Path(work) / "plan.json")
        analysis = analyze_isolated(plan, Path(work))
    out = render_rich(analysis, width=200)
    # rich's own colour codes are the only escape sequences: SGR `ESC [ … m`.
    without_sgr = re.sub("\x1b\\[[0-9;]*m", "", out)
    assert "\x1b" not in without_sgr and "\x07" not in without_sgr
    assert "\u202e" not in out
