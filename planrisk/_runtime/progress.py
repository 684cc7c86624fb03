"""Terminal progress (CLI shell around every stage): stage names and counts → a transient line.

Input: the stage the pipeline enters (`planrisk._runtime.timings.stage` calls `entered`) and, inside
ingest, how many plan entries are decoded so far (`counted`). Output: while a `session` is
open, and only when stderr is a terminal outside CI, PLANRISK_PROGRESS is not off and TERM is
not `dumb`: nothing for the first PLANRISK_PROGRESS_DELAY seconds (default 1), then one rich
progress line on stderr (spinner, stage, entries read, elapsed time), erased when the session
ends. The CLI ends the session before it writes a report, so progress never reaches stdout,
a pipe, a file, a CI log or JSON output. Outside a session (library use) every call is a no-op.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from planrisk._runtime.forked import PROGRESS_THREAD

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

ENV_VAR = "PLANRISK_PROGRESS"
"""`0` (or `false`, `no`, `off`) turns the progress line off."""
DELAY_ENV_VAR = "PLANRISK_PROGRESS_DELAY"
"""Seconds a run lasts before the progress line appears (default 1)."""
DEFAULT_DELAY = 1.0
_REFRESHES_PER_SECOND = 4
"""Few redraws: the refresh thread competes with the analysis for the GIL."""


def wanted(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether progress may be drawn on `stream`: a terminal, outside CI, not turned off."""
    from planrisk.config.ci import ci_system, is_set

    if ENV_VAR in environ and not is_set(environ, ENV_VAR):
        return False
    if environ.get("TERM") == "dumb" or ci_system(environ) is not None:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def delay(environ: Mapping[str, str]) -> float:
    """PLANRISK_PROGRESS_DELAY in seconds (the default when unset or not a number ≥ 0)."""
    try:
        seconds = float(environ.get(DELAY_ENV_VAR, DEFAULT_DELAY))
    except ValueError:
        return DEFAULT_DELAY
    return seconds if seconds >= 0 else DEFAULT_DELAY


class _Display:
    """One session: the stage and count so far, and the thread that draws them once due.

    The thread waits for the delay, draws the line, then redraws it a few times a second
    until `close` (rich's own refresh thread is not used: `close` must join every thread).
    """

    def __init__(self, stream: TextIO, stages: int) -> None:
        self._stream = stream
        self._stages = stages
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stage = "starting"
        self._done_stages = 0
        self._count = ""
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def start(self, delay: float) -> None:
        """Draw after `delay` seconds unless closed first."""
        self._thread = threading.Thread(
            target=self._run, args=(delay,), name=PROGRESS_THREAD, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop and join the thread, then erase the line if it was drawn."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def stage(self, name: str) -> None:
        """The pipeline entered stage `name`."""
        with self._lock:
            if self._stage != "starting":
                self._done_stages += 1
            self._stage, self._count = name, ""
            self._update()

    def count(self, done: int, total: int, what: str) -> None:
        """`done` of `total` entries of kind `what` read in the current stage."""
        with self._lock:
            self._count = f"{done:,}/{total:,} {what}"
            self._update()

    def _run(self, delay: float) -> None:
        if self._stop.wait(delay):
            return
        self._show()
        while not self._stop.wait(1 / _REFRESHES_PER_SECOND):
            with self._lock:
                if self._progress is not None:
                    self._progress.refresh()

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        progress = Progress(
            SpinnerColumn(),
            TextColumn("planrisk: {task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=Console(file=self._stream, stderr=True),
            transient=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        with self._lock:
            self._task = progress.add_task(
                self._description(), total=self._stages, completed=self._done_stages
            )
            self._progress = progress
            progress.start()
            progress.refresh()

    def _description(self) -> str:
        return f"{self._stage} {self._count}".rstrip()

    def _update(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task, description=self._description(), completed=self._done_stages
            )


_current: list[_Display] = []


@contextmanager
def session(stages: int, environ: Mapping[str, str] | None = None) -> Iterator[None]:
    """Progress for the block (the CLI's analysis of one plan), when `wanted` on stderr.

    `stages` is how many `entered` calls the block makes (the bar's length). The line appears
    after `delay` seconds and is erased when the block ends, on success or error; no thread is
    left behind.
    """
    env = os.environ if environ is None else environ
    stream = sys.stderr
    if _current or not wanted(stream, env):
        yield
        return
    display = _Display(stream, stages)
    _current.append(display)
    display.start(delay(env))
    try:
        yield
    finally:
        _current.clear()
        display.close()


def entered(name: str) -> None:
    """The pipeline entered stage `name` (a no-op outside a session)."""
    if _current:
        _current[0].stage(name)


def counted(done: int, total: int, what: str) -> None:
    """`done` of `total` entries read (a no-op outside a session)."""
    if _current:
        _current[0].count(done, total, what)
