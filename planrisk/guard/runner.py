"""Running the wrapped tool (guard stage): capture a plan, or run the real command.

Input: an argv. Output: the exit code (and, for `capture`, the bytes the command printed on
stdout). stdin and stderr are inherited; the real command also inherits stdout. While a child
runs, SIGINT, SIGTERM and SIGHUP sent to planrisk are forwarded to it, except when planrisk is
in the terminal's foreground process group: then the terminal has already sent Ctrl-C to the
child as well, and a second SIGINT would make Terraform abandon its graceful stop. A child killed
by a signal reports 128 + the signal's number, as a shell does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from planrisk.errors import PlanriskError

FORWARDED_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Signals passed on to the running child."""
TERMINAL_SIGNALS: frozenset[signal.Signals] = frozenset({signal.SIGINT, signal.SIGHUP})
"""Signals a terminal sends to its whole foreground process group."""


@dataclass(frozen=True)
class Completed:
    """How a child ended."""

    exit_code: int
    """The child's exit code, or 128 + signal number when a signal killed it."""
    stdout: bytes = b""
    """What it printed on stdout (only when captured)."""


def run(argv: Sequence[str], *, capture: bool = False, stdout_to_stderr: bool = False) -> Completed:
    """Run `argv` to completion, forwarding signals; `capture` collects stdout.

    `stdout_to_stderr` sends the child's stdout to planrisk's stderr (a helper step whose output
    must not mix with the wrapped tool's stdout).
    """
    if capture:
        stdout: int | None = subprocess.PIPE
    elif stdout_to_stderr:
        stdout = sys.stderr.fileno()
    else:
        stdout = None
    try:
        child = subprocess.Popen(list(argv), stdout=stdout)
    except OSError as exc:
        raise PlanriskError(
            f"cannot run {argv[0]!r} ({exc.strerror or exc})",
            hint="check that the tool is installed and on PATH",
        ) from None
    with _forwarding(child):
        out, _ = child.communicate()
    return Completed(exit_code=exit_code_of(child.returncode), stdout=out or b"")


def exit_code_of(returncode: int) -> int:
    """A Popen return code as a shell reports it (128 + N for a child killed by signal N)."""
    return 128 - returncode if returncode < 0 else returncode


@contextmanager
def _forwarding(child: subprocess.Popen[bytes]) -> Iterator[None]:
    """Forward the signals in FORWARDED_SIGNALS to `child` while the block runs."""

    def forward(signum: int, _frame: FrameType | None) -> None:
        if signum in TERMINAL_SIGNALS and _in_foreground_group():
            return
        if child.poll() is None:
            try:
                child.send_signal(signum)
            except ProcessLookupError:
                return

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _in_foreground_group() -> bool:
    """True when planrisk's process group is its terminal's foreground group."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)
