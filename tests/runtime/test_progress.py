"""CLI shell: the terminal progress line (`planrisk._runtime.progress`).

Input: fixture plans gated by the real CLI with stderr on a pseudo-terminal, a pipe, or in CI;
`session` driven in-process with a stream that says it is a terminal. Checked: the line is
drawn on a terminal (stages and counts), erased at the end, absent from pipes, CI and short
runs, never changes the report, and leaves no thread behind.
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from planrisk._runtime import progress
from planrisk.config.ci import ci_system
from planrisk.pipeline import STAGES
from tests.support.paths import REPO

PLAN = REPO / "fixtures" / "terraform" / "teardown" / "plan.json"
ERASE_LINE = b"\x1b[2K"


def _local_env(**extra: str) -> dict[str, str]:
    """This process's environment as on a developer's terminal: no CI variable, no override."""
    env = {
        k: v
        for k, v in os.environ.items()
        if ci_system({k: v}) is None and not k.startswith("PLANRISK_")
    }
    env["TERM"] = "xterm-256color"
    return env | extra


def _gate(tmp_path: Path, name: str, env: dict[str, str], tty: bool) -> tuple[int, bytes, bytes]:
    """`planrisk gate PLAN --format json -o NAME.json`: exit code, stderr bytes, report bytes."""
    out = tmp_path / f"{name}.json"
    args = [sys.executable, "-m", "planrisk", "gate", str(PLAN), "--format", "json"]
    args += ["-o", str(out), "--audit-db", str(tmp_path / "audit.db"), "--actor", "human"]
    if not tty:
        done = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, check=False)
        return done.returncode, done.stderr, out.read_bytes()
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        args, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks), out.read_bytes()


def test_drawn_on_a_terminal_then_erased_and_the_report_is_unchanged(tmp_path: Path) -> None:
    code, terminal, report = _gate(
        tmp_path, "tty", _local_env(PLANRISK_PROGRESS_DELAY="0"), tty=True
    )
    piped_code, piped_stderr, piped_report = _gate(tmp_path, "pipe", _local_env(), tty=False)
    assert b"planrisk: " in terminal
    stages = (*STAGES, "gate")
    assert any(f"planrisk: {stage}".encode() in terminal for stage in stages)
    assert terminal.rstrip(b"\r\n").endswith(ERASE_LINE)  # transient: nothing left on screen
    assert (code, report) == (piped_code, piped_report)
    assert piped_stderr == b""


@pytest.mark.parametrize(
    "extra",
    [
        {"CI": "true", "PLANRISK_PROGRESS_DELAY": "0"},
        {"GITHUB_ACTIONS": "true", "PLANRISK_PROGRESS_DELAY": "0"},
        {"PLANRISK_PROGRESS": "0", "PLANRISK_PROGRESS_DELAY": "0"},
        {"TERM": "dumb", "PLANRISK_PROGRESS_DELAY": "0"},
        {"PLANRISK_PROGRESS_DELAY": "60"},  # a run shorter than the delay
    ],
    ids=["ci", "github-actions", "turned-off", "dumb-terminal", "short-run"],
)
def test_nothing_drawn(extra: dict[str, str], tmp_path: Path) -> None:
    _, terminal, _ = _gate(tmp_path, "quiet", _local_env(**extra), tty=True)
    assert terminal == b""


def test_nothing_written_to_a_pipe(tmp_path: Path) -> None:
    _, stderr, _ = _gate(tmp_path, "pipe", _local_env(PLANRISK_PROGRESS_DELAY="0"), tty=False)
    assert stderr == b""


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("fails", [False, True])
def test_session_leaves_no_thread_and_erases_its_line(
    fails: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    threads = threading.active_count()
    shown = threading.Event()
    original_show = progress._Display._show

    def show(display: progress._Display) -> None:
        original_show(display)
        shown.set()

    monkeypatch.setattr(progress._Display, "_show", show)
    environ = {"PLANRISK_PROGRESS_DELAY": "0", "TERM": "xterm"}
    with pytest.raises(RuntimeError) if fails else _nothing(), progress.session(3, environ):
        assert shown.wait(10)
        progress.entered("ingest")
        progress.counted(1024, 4096, "changes")
        if fails:
            raise RuntimeError("stage failed")
    assert threading.active_count() == threads
    assert "planrisk: ingest 1,024/4,096 changes" in terminal.getvalue()
    assert terminal.getvalue().rstrip("\r\n").endswith(ERASE_LINE.decode())
    progress.entered("score")  # outside a session: nothing happens
    progress.counted(1, 2, "changes")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_outside_a_terminal_a_session_starts_no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    threads = threading.active_count()
    with progress.session(3, environ={"PLANRISK_PROGRESS_DELAY": "0"}):
        assert threading.active_count() == threads
        progress.entered("ingest")
    assert stderr.getvalue() == ""


@pytest.mark.parametrize(
    ("environ", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"PLANRISK_PROGRESS": "1"}, True, True),
        ({"PLANRISK_PROGRESS": "off"}, True, False),
        ({"CI": "1"}, True, False),
        ({"CI": "false"}, True, True),
        ({"GITLAB_CI": "true"}, True, False),
        ({"BUILDKITE": "true"}, True, False),
        ({"ATLANTIS_PULL_NUM": "7"}, True, False),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_wanted(environ: dict[str, str], tty: bool, expected: bool) -> None:
    stream = _Terminal() if tty else io.StringIO()
    assert progress.wanted(stream, environ) is expected


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 1.0), ("0", 0.0), ("2.5", 2.5), ("soon", 1.0), ("-1", 1.0)]
)
def test_delay(value: str | None, expected: float) -> None:
    environ = {} if value is None else {progress.DELAY_ENV_VAR: value}
    assert progress.delay(environ) == expected
