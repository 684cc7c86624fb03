"""Writing command output: stdout, or a file opened only after the work succeeded.

Input: rendered text and an optional path. Output: the text on stdout or in the file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from planrisk.errors import InputError


def write_output(text: str, path: Path | None) -> None:
    """Write `text` to `path` (created with parents) or to stdout."""
    if not text.endswith("\n"):
        text += "\n"
    if path is None or str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write output ({exc.strerror})",
            source=str(path),
            hint="choose a writable path with -o",
        ) from None
