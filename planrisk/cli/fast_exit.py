"""CLI shell (every command): end the process without freeing what the stages built.

Input: the exit code of a command that runs as the program itself (the `planrisk` script or
`python -m planrisk`, which call `planrisk.cli.main()` without arguments). Output: the process
ends with that code once stdout and stderr are flushed and the atexit handlers have run,
skipping the deallocation of the plan, its graph and its scores (about a second on a
100k-resource plan). `main` arms this only when it reads `sys.argv` itself: in-process callers
(`planrisk.cli.main([...])`, tests, library code) keep a normal `SystemExit`.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

_armed: list[bool] = [False]
_kept: list[object] = []


def arm() -> None:
    """Let `exit_now` end the process (called by `main` when it runs as the program)."""
    _armed[0] = True


def keep_until_exit(*objects: object) -> None:
    """Hold large results until the process ends, so that returning does not free them."""
    if _armed[0]:
        _kept.extend(objects)


def exit_now(code: int) -> None:
    """End the process with `code` when armed and alone; otherwise return (normal exit)."""
    if not _armed[0] or threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # a closed or broken stream: let the interpreter report it as usual
    atexit._run_exitfuncs()
    os._exit(code)
