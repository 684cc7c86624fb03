"""Score stage helper: which `lifecycle.prevent_destroy` guards the source change removed.

Input: the `--source-dir` (inside a git checkout), the blocks parsed from it now, and the base
of the change under review (`planrisk.config.review_base`: --config-ref, PLANRISK_BASE_REF, the pull
request's base), else HEAD. Output: the config addresses whose `prevent_destroy = true` exists
at the base revision but not in the working tree. Terraform never writes lifecycle into plan
JSON, so this comparison is the only way to see the guard go. Without git, or without a base
revision, nothing is reported.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path

from planrisk.config.git import git_bytes, resolve_commit
from planrisk.errors import PlanriskError
from planrisk.graph.sources import SourceBlock, parse_sources


def base_ref(source_dir: Path, review_base: str | None) -> str | None:
    """The revision to compare against: the base under review when it exists here, else HEAD."""
    for ref in (review_base, "HEAD"):
        if ref and resolve_commit(source_dir, ref) is not None:
            return ref
    return None


def prevent_destroy_removed(
    source_dir: Path, current: Mapping[str, SourceBlock], review_base: str | None
) -> frozenset[str]:
    """Config addresses that lost `prevent_destroy = true` between the base and the tree."""
    ref = base_ref(source_dir, review_base)
    if ref is None:
        return frozenset()
    archive = git_bytes(source_dir, "archive", "--format=tar", ref, "--", ".", timeout=60)
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
