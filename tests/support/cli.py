"""Running the real CLI in-process from tests."""

from __future__ import annotations

import pytest

from planrisk.cli import main


def run_main(*args: str) -> int:
    """Run `planrisk ARGS` through `planrisk.cli.main`; its exit code."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    code = info.value.code
    return code if isinstance(code, int) else -1
