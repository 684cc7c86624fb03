"""Command output (`planrisk.report.output.write_output`): files renamed into place, devices and
pipes written to directly (renaming over `/dev/null` would replace the device)."""

from __future__ import annotations

import os
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from planrisk.report.output import write_output


def test_file_is_written_whole_with_a_trailing_newline(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    write_output(iter(["{", "}"]), target)
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes are POSIX")
def test_named_pipe_stays_a_pipe_and_gets_the_text(tmp_path: Path) -> None:
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with fifo.open("rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        write_output(["piece one, ", "piece two"], fifo)
        reader.join(timeout=10)
        assert stat.S_ISFIFO(fifo.lstat().st_mode)
        assert received == [b"piece one, piece two\n"]
    finally:
        if reader.is_alive() and stat.S_ISFIFO(fifo.lstat().st_mode):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=10)


def test_a_symlinked_output_is_written_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_output("new", link)
    assert link.is_symlink()
    assert real.read_text() == "new\n"


def test_pieces_that_fail_to_render_leave_no_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"

    def pieces() -> Iterator[str]:
        yield '{"changes": ['
        raise RuntimeError("renderer broke halfway")

    with pytest.raises(RuntimeError):
        write_output(pieces(), target)
    assert list(tmp_path.iterdir()) == []  # neither the report nor its partial file
