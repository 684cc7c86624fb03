"""Which modules a CLI command imports: `planrisk ARGS` run in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

_PROBE = """
import json, sys
from planrisk.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps([m for m in {watched!r} if m in sys.modules]))
"""


def imported_by(
    args: list[str], watched: Iterable[str], cwd: Path, env: Mapping[str, str] | None = None
) -> set[str]:
    """Which of `watched` a fresh interpreter has imported after `planrisk ARGS`."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(watched=tuple(watched)), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=True,
    )
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return set(found)
