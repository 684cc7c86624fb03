"""Runtime: writing a file no one else can read at any moment (keys, sealed and kept plans).

Input: a path, bytes and a mode. Output: the file, created with that mode (never opened through a
symlink, never an existing file reused), or replaced atomically by such a file. The mode is set
on the open descriptor as well, so the umask cannot widen or narrow it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def create_file(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Create `path` (it must not exist, not even as a symlink) with `mode` and write `data`.

    FileExistsError when something is there already; OSError for other failures.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), mode)
        handle.write(data)


def replace_file(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `data` to `path` with `mode`, replacing what is there (a symlink itself, not its
    target) in one rename, so a reader sees the old file or the new one, never a part."""
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}"
    try:
        create_file(temporary, data, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
