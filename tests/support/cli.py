"""Running the real CLI from tests: in-process (`run_main`) or as the program (`run_program`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from planrisk.cli import main
from tests.support.paths import REPO


def run_main(*args: str) -> int:
    """Run `planrisk ARGS` through `planrisk.cli.main`; its exit code."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    code = info.value.code
    return code if isinstance(code, int) else -1


def clean_env(home: Path) -> dict[str, str]:
    """Only PATH, HOME (`home`) and PYTHONPATH (this checkout): no CI, no PLANRISK_* variables."""
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "PYTHONPATH": str(REPO)}


def run_program(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m planrisk ARGS` in a fresh process (`env` None: this one's); not checked."""
    return subprocess.run(
        [sys.executable, "-m", "planrisk", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
