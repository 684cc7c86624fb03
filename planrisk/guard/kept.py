"""Keeping the JSON of each plan the guard gated, for approvers to review (guard stage).

Input: the plan JSON the gate judged, its digest (`sha256:<hex>`) and the guard's working
directory. Output: `.planrisk/plans/<hex>.json` under that directory (the base of the default
audit log `.planrisk/audit.db`), owner-only: the directories 0700, the file 0600 and created with
that mode, so no other user can read it at any moment (plans can hold secrets). The gate names
this file in what it asks approvers to do; `planrisk approve --digest` signs for that digest, and
a re-run whose fresh plan has the same digest counts the approvals.
"""

from __future__ import annotations

import os
from pathlib import Path

from planrisk._runtime.private_files import replace_file
from planrisk.errors import PlanriskError

PLANS_DIR = Path(".planrisk") / "plans"
"""Where kept plans go, relative to the guard's working directory."""


def kept_plan_path(base: Path, digest: str) -> Path:
    """Where the plan with `digest` is kept under `base`."""
    return base / PLANS_DIR / f"{digest.removeprefix('sha256:')}.json"


def keep_plan(plan_json: bytes, digest: str, base: Path) -> Path:
    """Write `plan_json` to its kept path (replacing an older copy atomically); return the path."""
    path = kept_plan_path(base, digest)
    try:
        for directory in (path.parent.parent, path.parent):
            _private_dir(directory)
        replace_file(path, plan_json)
    except OSError as exc:
        raise PlanriskError(
            f"cannot keep the gated plan for review ({exc.strerror or exc})",
            source=str(path),
            hint="make the working directory writable (the guard keeps plans in .planrisk/plans)",
        ) from None
    return path


def _private_dir(directory: Path) -> None:
    """Create `directory` 0700, or check an existing one is a real directory, and make it 0700."""
    try:
        directory.mkdir(mode=0o700)
    except FileExistsError:
        if directory.is_symlink() or not directory.is_dir():
            raise PlanriskError(
                "the directory for kept plans is a link or not a directory",
                source=str(directory),
                hint=f"remove {directory} and run the command again",
            ) from None
    os.chmod(directory, 0o700)
