"""A side job on the second core (ingest, score): a function returning bytes → its bytes, later.

Input: a function of what this process already holds (the plan's changes, its graph) that
returns bytes (the plan digest, the blast radii), and whether it is worth a process. Output: a
`SideJob` whose `result()` gives those bytes. On Linux, in a single-threaded process, the
function runs in a forked child while this process goes on with other work; anywhere else
(other platforms, a thread alive, too little work, no memory file) and whenever the child
fails, the function runs here when `result()` is called, so the result is always the
function's own. The child never flushes this process's buffers or runs its exit handlers
(`os._exit`).

The child writes its bytes to a memory file (`memfd_create`) made before the fork, then their
length and a marker on a pipe, and leaves at once. The parent maps the file and reads the bytes
in place. Through the pipe itself they were framed (a copy), cut into pipe buffers that woke the
parent one at a time, joined and unframed (two more copies), which on a large teardown's blast
radii cost several times the child's write to the file, on the critical path. A whole result is
recognized as soon as the pipe says so: the parent does not wait for the child's exit (tearing
down a large child's memory is slow). The exited child is reaped later: when the next side job
starts, or at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import mmap
import os
import signal
import struct
import sys
import threading
import warnings
from collections.abc import Callable

_LENGTH = struct.Struct(">Q")
_MARKER = b"planrisk-side-job-done"
"""What the child writes on the pipe once its bytes are in the memory file: their length,
then this."""
_unreaped: list[int] = []
"""Children whose result was read but whose exit was not yet collected."""


class SideJob:
    """`work` running in a forked child, or deferred to `result()`."""

    def __init__(self, work: Callable[[], bytes], *, worth_a_process: bool) -> None:
        self._work = work
        self._pid: int | None = None
        self._read_fd: int | None = None
        self._data_fd: int | None = None
        if worth_a_process and can_fork():
            reap_finished()
            self._start()

    def _start(self) -> None:
        try:
            data_fd = os.memfd_create("planrisk-side-job", os.MFD_CLOEXEC)
        except (AttributeError, OSError):  # no memory files here: the work runs in `result()`
            return
        read_fd, write_fd = os.pipe()
        try:
            with warnings.catch_warnings():
                # Python >= 3.12 warns on fork with a thread alive (the progress line's).
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError:
            for fd in (read_fd, write_fd, data_fd):
                os.close(fd)
            return
        if pid == 0:  # the child: compute, write, leave without touching the parent's state
            code = 1
            try:
                os.close(read_fd)
                data = self._work()
                _write_all(data_fd, data)
                _write_all(write_fd, _LENGTH.pack(len(data)) + _MARKER)
                code = 0
            except BaseException:  # the parent computes it again instead
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        self._pid, self._read_fd, self._data_fd = pid, read_fd, data_fd

    def result(self) -> bytes | memoryview:
        """The bytes `work` returns (from the child when it succeeded, else computed here).

        The child's bytes are a read-only view of the memory file it wrote; the file is
        unmapped when the last view of it is released (decode it, then drop it)."""
        if self._pid is not None and self._read_fd is not None and self._data_fd is not None:
            read_fd, self._read_fd = self._read_fd, None
            data_fd, self._data_fd = self._data_fd, None
            try:
                data = _mapped(data_fd, _length(_read_all(read_fd)))
            finally:
                os.close(data_fd)
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
            for fd in (self._read_fd, self._data_fd):
                if fd is not None:
                    os.close(fd)
            self._read_fd = self._data_fd = None
            self._reap()

    def _reap(self) -> None:
        """Wait for the child to exit (its result, if any, was not taken)."""
        pid, self._pid = self._pid, None
        if pid is not None:
            os.waitpid(pid, 0)


def _length(message: bytes) -> int | None:
    """The length of the child's bytes when `message` is all it writes on the pipe on
    success, else None (it failed or died before finishing)."""
    if len(message) != _LENGTH.size + len(_MARKER) or not message.endswith(_MARKER):
        return None
    (length,) = _LENGTH.unpack_from(message)
    return int(length)


def _mapped(data_fd: int, length: int | None) -> bytes | memoryview | None:
    """The first `length` bytes of the memory file, mapped read-only (None for no length, a
    file shorter than it says, or a file that cannot be mapped: the work is then redone)."""
    if length is None:
        return None
    try:
        if os.fstat(data_fd).st_size < length:
            return None
        if not length:
            return b""
        return memoryview(mmap.mmap(data_fd, length, prot=mmap.PROT_READ))
    except (OSError, ValueError):  # (out of address space or memory, say)
        return None


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
"""The name of `planrisk._runtime.progress`'s drawing thread: it never holds anything a side job
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
    """Write all of `data`, then close `fd`."""
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
