"""Side jobs (`planrisk._runtime.forked`): a function's bytes from a forked child, or computed here.

Checked: the child's result is the function's, mapped from its memory file; a child that
fails or dies before saying it is done, a process with another thread alive, no memory files
and work not worth a process all give the same bytes computed in this process; `cancel`
leaves no child behind.
"""

from __future__ import annotations

import mmap
import os
import threading
import time

import pytest

from planrisk._runtime import forked
from planrisk._runtime.forked import SideJob

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="forks only on Linux")


def _pid_bytes() -> bytes:
    return str(os.getpid()).encode()


def test_result_comes_from_a_child_process() -> None:
    job = SideJob(_pid_bytes, worth_a_process=True)
    assert int(bytes(job.result())) != os.getpid()


def test_large_result_comes_back_whole() -> None:
    payload = bytes(range(256)) * 20_000  # 5 MB
    result = SideJob(lambda: payload, worth_a_process=True).result()
    assert isinstance(result, memoryview)  # the child's memory file, mapped, not a copy
    assert result == payload


def test_an_empty_result_comes_back_empty() -> None:
    assert SideJob(lambda: b"", worth_a_process=True).result() == b""


def test_without_memory_files_the_work_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_memfd(name: str, flags: int = 0) -> int:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "memfd_create", no_memfd)
    job = SideJob(_pid_bytes, worth_a_process=True)
    assert job._pid is None
    assert int(bytes(job.result())) == os.getpid()


def test_not_worth_a_process_runs_here() -> None:
    assert int(bytes(SideJob(_pid_bytes, worth_a_process=False).result())) == os.getpid()


def test_a_failing_child_is_replaced_by_computing_here() -> None:
    parent = os.getpid()

    def fails_in_child() -> bytes:
        if os.getpid() != parent:
            raise RuntimeError("child failed")
        return b"computed here"

    assert SideJob(fails_in_child, worth_a_process=True).result() == b"computed here"


def test_no_fork_while_another_thread_is_alive() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forked.can_fork()
        assert int(bytes(SideJob(_pid_bytes, worth_a_process=True).result())) == os.getpid()
    finally:
        stop.set()
        thread.join()


def test_the_progress_thread_does_not_prevent_a_fork() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name=forked.PROGRESS_THREAD)
    thread.start()
    try:
        assert forked.can_fork()
        assert int(bytes(SideJob(_pid_bytes, worth_a_process=True).result())) != os.getpid()
    finally:
        stop.set()
        thread.join()


def test_cancel_reaps_the_child() -> None:
    job = SideJob(lambda: _sleep_then(b"late"), worth_a_process=True)
    pid = job._pid
    assert pid is not None
    job.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _sleep_then(value: bytes) -> bytes:
    import time

    time.sleep(30)
    return value


def test_the_result_is_read_without_waiting_for_the_child_to_exit() -> None:
    job = SideJob(_pid_bytes, worth_a_process=True)
    child = int(bytes(job.result()))
    assert child in forked._unreaped  # read, exiting, not waited for
    deadline = time.monotonic() + 10
    while child in forked._unreaped and time.monotonic() < deadline:
        forked.reap_finished()
        time.sleep(0.01)
    assert child not in forked._unreaped
    with pytest.raises(ChildProcessError):  # collected: no zombie left
        os.waitpid(child, os.WNOHANG)


@pytest.mark.parametrize(
    "message",
    [
        b"",
        b"partial",
        forked._MARKER,
        forked._LENGTH.pack(4) + forked._MARKER[:-1],
        b"x" + forked._LENGTH.pack(4) + forked._MARKER,
    ],
)
def test_a_message_cut_short_or_unframed_is_not_taken(message: bytes) -> None:
    assert forked._length(message) is None


def test_a_whole_message_gives_the_length() -> None:
    assert forked._length(forked._LENGTH.pack(1234) + forked._MARKER) == 1234


def test_a_memory_file_shorter_than_announced_is_not_taken() -> None:
    fd = os.memfd_create("test")
    try:
        os.write(fd, b"abc")
        assert forked._mapped(fd, 4) is None
        assert forked._mapped(fd, None) is None
        assert forked._mapped(fd, 3) == b"abc"
    finally:
        os.close(fd)


def test_a_memory_file_that_cannot_be_mapped_is_not_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_mapping(*args: object, **kwargs: object) -> None:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(mmap, "mmap", no_mapping)  # the module forked maps with
    job = SideJob(_pid_bytes, worth_a_process=True)
    assert job._pid is not None
    assert int(bytes(job.result())) == os.getpid()  # computed here instead


def test_a_child_that_dies_after_writing_its_bytes_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = os.getpid()
    real_write_all = forked._write_all

    def dies_before_the_message(fd: int, data: bytes) -> None:
        if os.getpid() != parent and data.endswith(forked._MARKER):
            os._exit(1)  # the bytes are in the file, the message never comes
        real_write_all(fd, data)

    monkeypatch.setattr(forked, "_write_all", dies_before_the_message)
    assert bytes(SideJob(_pid_bytes, worth_a_process=True).result()) == str(parent).encode()
