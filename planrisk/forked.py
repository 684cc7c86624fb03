"""A side job on the second core (ingest, score): a function returning bytes → its bytes, later.

Input: a function of what this process already holds (the plan's changes, its graph) that
returns bytes (the plan digest, the blast radii), and whether it is worth a process. Output: a
`SideJob` whose `result()` gives those bytes. On Linux, in a single-threaded process, the
function runs in a forked child while this process goes on with other work, and its bytes come
back through a pipe; anywhere else (other platforms, a thread alive, too little work) and
whenever the child fails, the function runs here when `result()` is called, so the result is
always the function's own. The child never flushes this process's buffers or runs its exit
handlers (`os._exit`).

The child's bytes end with their length and a marker, so a whole result is recognized as
soon as it has been read: the parent does not wait for the child's exit (tearing down a
large child's memory takes milliseconds to a tenth of a second). The exited child is reaped
later: when the next side job starts, or at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import signal
import struct
import sys
import threading
import warnings
from collections.abc import Callable

_LENGTH = struct.Struct(">Q")
_MARKER = b"planrisk-side-job-done"
"""What the child writes after its bytes: their length, then this."""
_unreaped: list[int] = []
"""Children whose result was read but whose exit was not yet collected."""


class SideJob:
    """`work` running in a forked child, or deferred to `result()`."""

    def __init__(self, work: Callable[[], bytes], *, worth_a_process: bool) -> None:
        self._work = work
        self._pid: int | None = None
        self._read_fd: int | None = None
        if worth_a_process and can_fork():
            reap_finished()
            self._start()

    def _start(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            with warnings.catch_warnings():
                # Python >= 3.12 warns on fork with a thread alive (the progress line's).
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return
        if pid == 0:  # the child: compute, write, leave without touching the parent's state
            code = 1
            try:
                os.close(read_fd)
                data = self._work()
                _write_all(write_fd, data + _LENGTH.pack(len(data)) + _MARKER)
                code = 0
            except BaseException:  # the parent computes it again instead
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        self._pid, self._read_fd = pid, read_fd

    def busy(self) -> bool:
        """True while a child is still computing (its result would have to be waited for)."""
        if self._pid is None or self._read_fd is None:
            return False
        readable, _, _ = select.select([self._read_fd], [], [], 0)
        return not readable

    def result(self) -> bytes:
        """The bytes `work` returns (from the child when it succeeded, else computed here)."""
        if self._pid is not None and self._read_fd is not None:
            read_fd, self._read_fd = self._read_fd, None
            data = _whole(_read_all(read_fd))
            if data is not None:
                pid, self._pid = self._pid, None
                _unreaped.append(pid)  # it is exiting: collected later, not waited for
                return data
            self._reap()
        return self._work()

    def cancel(self) -> None:
        """Stop the child (if any) without waiting for its result."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            if self._read_fd is not None:
                os.close(self._read_fd)
                self._read_fd = None
            self._reap()

    def _reap(self) -> None:
        """Wait for the child to exit (its result, if any, was not taken)."""
        pid, self._pid = self._pid, None
        if pid is not None:
            os.waitpid(pid, 0)


def _whole(framed: bytes) -> bytes | None:
    """The child's bytes when `framed` is all it writes on success, else None (it failed or
    died while writing)."""
    end = len(framed) - len(_MARKER) - _LENGTH.size
    if end < 0 or not framed.endswith(_MARKER):
        return None
    (length,) = _LENGTH.unpack_from(framed, end)
    return framed[:end] if length == end else None


def reap_finished() -> None:
    """Collect the side-job children that have exited (never waits)."""
    for pid in list(_unreaped):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _unreaped.remove(pid)


@atexit.register
def _reap_all() -> None:
    """Collect every side-job child before a normal exit (no zombie for a long-lived caller)."""
    while _unreaped:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(_unreaped.pop(), 0)


PROGRESS_THREAD = "planrisk-progress"
"""The name of `planrisk.progress`'s drawing thread: it never holds anything a side job
uses (it waits, and draws on stderr with its own locks), so it does not prevent a fork."""


def can_fork() -> bool:
    """Forking is safe here: Linux (fork is unsafe with macOS system libraries, absent on
    Windows) and no other thread alive but the progress line's (a forked child gets only
    the calling thread, and must not need a lock another thread held)."""
    if not sys.platform.startswith("linux"):
        return False
    me = threading.current_thread()
    return all(t is me or t.name == PROGRESS_THREAD for t in threading.enumerate())


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.close(fd)


def _read_all(fd: int) -> bytes:
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)
