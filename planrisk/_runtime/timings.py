"""Stage timings (every stage): a stage name and its block → one line on stderr.

Input: `--timings` (see `enable`) or `PLANRISK_TIMINGS=1` in the environment. Output: for each
`with stage("ingest"):` block, `planrisk timings: ingest 0.123 s` on stderr when the block
ends. Off by default; never written to stdout, so JSON output stays clean. Each stage's name
is also passed to `planrisk._runtime.progress` (the terminal progress line, when the CLI
opened one).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

ENV_VAR = "PLANRISK_TIMINGS"
"""Set to anything but empty or 0 to print stage timings without the flag."""

_requested: list[bool] = [False]


def enable(on: bool = True) -> None:
    """Turn stage timings on (the CLI's `--timings`)."""
    _requested[0] = on


def enabled() -> bool:
    """Whether stage timings are printed in this process."""
    return _requested[0] or os.environ.get(ENV_VAR, "") not in ("", "0")


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block and print `planrisk timings: NAME S s` to stderr when timings are on.

    The stage's name also goes to the terminal progress line, when one is open.
    """
    from planrisk._runtime.progress import entered

    entered(name)
    if not enabled():
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        sys.stderr.write(f"planrisk timings: {name} {elapsed:.3f} s\n")
        sys.stderr.flush()
