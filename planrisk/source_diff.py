"""Score stage helper: which `lifecycle.prevent_destroy` guards the source change removed.

Input: the `--source-dir` (inside a git checkout), the blocks parsed from it now, and the
environment (PLANRISK_BASE_REF, or GITHUB_BASE_REF in a pull request). Output: the config
addresses whose `prevent_destroy = true` exists at the base revision but not in the working
tree. Terraform never writes lifecycle into plan JSON, so this comparison is the only way to
see the guard go. Without git, or without a base revision, nothing is reported.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path

from planrisk.errors import PlanriskError
from planrisk.sources import SourceBlock, parse_sources


def base_ref(source_dir: Path, environ: Mapping[str, str]) -> str | None:
    """The revision to compare against: PLANRISK_BASE_REF, origin/$GITHUB_BASE_REF, or HEAD."""
    candidates = []
    if environ.get("PLANRISK_BASE_REF"):
        candidates.append(environ["PLANRISK_BASE_REF"])
    if environ.get("GITHUB_BASE_REF"):
        candidates.append(f"origin/{environ['GITHUB_BASE_REF']}")
    candidates.append("HEAD")
    for ref in candidates:
        if _git(source_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") is not None:
            return ref
    return None


def prevent_destroy_removed(
    source_dir: Path, current: Mapping[str, SourceBlock], environ: Mapping[str, str]
) -> frozenset[str]:
    """Config addresses that lost `prevent_destroy = true` between the base and the tree."""
    ref = base_ref(source_dir, environ)
    if ref is None:
        return frozenset()
    archive = _git_bytes(source_dir, "archive", "--format=tar", ref, "--", ".")
    if archive is None:
        return frozenset()
    with tempfile.TemporaryDirectory(prefix="planrisk-base-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        # Run inside source_dir, `git archive REF -- .` writes paths relative to it.
        try:
            before = parse_sources(Path(tmp)).blocks
        except PlanriskError:
            return frozenset()
    removed = set()
    for address, block in before.items():
        if block.prevent_destroy is not True:
            continue
        now = current.get(address)
        if now is None or now.prevent_destroy is not True:
            removed.add(address)
    return frozenset(removed)


def _git(cwd: Path, *args: str) -> str | None:
    out = _git_bytes(cwd, *args)
    return out.decode("utf-8", "replace") if out is not None else None


def _git_bytes(cwd: Path, *args: str) -> bytes | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
