"""Writing command output: stdout, or a file opened only after the work succeeded.

Input: rendered text (or its pieces, for large outputs) and an optional path. Output: the text
on stdout or in the file; a file is written beside its target and renamed into place, so a
failure never leaves half a report. A target that exists and is not a regular file (`/dev/null`,
`/dev/stdout`, a named pipe) or a symlink is written to directly: renaming over it would replace
the device or the link.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from planrisk.errors import InputError


def write_output(text: str | Iterable[str], path: Path | None) -> None:
    """Write `text` (one string or its pieces) to `path` (created with parents) or to stdout.

    The output always ends with a newline.
    """
    pieces = (text,) if isinstance(text, str) else text
    if path is None or str(path) == "-":
        _write_all(pieces, sys.stdout)
        sys.stdout.flush()
        return
    partial = path.with_name(f".{path.name}.planrisk-partial")
    try:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            with path.open("w", encoding="utf-8") as handle:
                _write_all(pieces, handle)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("w", encoding="utf-8") as handle:
            _write_all(pieces, handle)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(
            f"cannot write output ({exc.strerror})",
            source=str(path),
            hint="choose a writable path with -o",
        ) from None
    except BaseException:  # the pieces failed to render: no half report is left behind
        partial.unlink(missing_ok=True)
        raise


_SLICE = 1 << 20
"""Characters written per call: a 60 MB report is never encoded in one go."""


def _write_all(pieces: Iterable[str], stream: TextIO) -> None:
    """Write every piece, then a newline unless the last piece ended with one."""
    write = stream.write
    last = ""
    for piece in pieces:
        # Large pieces go out a slice at a time so the encoded copy stays small.
        for start in range(0, len(piece), _SLICE):
            write(piece[start : start + _SLICE])
        if piece:
            last = piece
    if not last.endswith("\n"):
        write("\n")
