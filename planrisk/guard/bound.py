"""Binding what runs to what was gated (guard stage): the private copy and its seal.

Input: the `Steps` of a planned command (the user's plan file to copy, or the private file the
plan step wrote). Output: a `Seal` (the private file and the SHA-256 of its bytes, taken before
anything shows it), checked again immediately before that same file is handed to the real
binary; the digest goes into the audit log's `apply_result` record.

Why: terraform re-reads a plan file at apply time and `show` reads it too, so hashing the user's
file after `show` let a swap during `show` or at apply start apply a plan nobody gated. The guard
reads the user's file once, into a file of its own in a directory it made with an unguessable
name (0700), and shows, gates and applies only that copy.

What this cannot stop: a process running as the same user can still find and rewrite the private
copy between the last check and the tool opening it. The boundary that holds is credentials
(see examples/agent-sandbox): the seal narrows the window to that moment and makes the audit log
name the bytes that were applied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from planrisk._runtime.private_files import create_file
from planrisk.errors import ExitCode, PlanriskError


class SealBroken(PlanriskError):
    """The private plan changed after it was gated: an internal failure, nothing runs."""

    exit_code = ExitCode.INTERNAL_ERROR


@dataclass(frozen=True)
class Seal:
    """The private plan file and the digest of the bytes that were gated."""

    path: Path
    digest: str
    """`sha256:<hex>` of the file's bytes."""


def copy_into(source: Path, target: Path) -> Seal:
    """Read `source` once and write its bytes to the new file `target` (0600); seal the copy."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise PlanriskError(
            f"cannot read the saved plan ({exc.strerror or exc})",
            source=str(source),
            hint="pass an existing plan file written by `terraform plan -out=FILE`",
        ) from None
    create_file(target, data)
    return Seal(path=target, digest=_digest(data))


def seal(path: Path) -> Seal:
    """Seal a plan file the guard's own plan step wrote."""
    return Seal(path=path, digest=sealed_digest(path))


def sealed_digest(path: Path) -> str:
    """`sha256:<hex>` of the file's bytes; a file that cannot be read is bad input."""
    try:
        return _digest(path.read_bytes())
    except OSError as exc:
        raise PlanriskError(
            f"cannot read the plan the tool saved ({exc.strerror or exc})",
            source=str(path),
            hint="check that the plan step wrote its plan file, then run the command again",
        ) from None


def check(seal_: Seal) -> None:
    """Fail closed (exit 4) when the private file no longer holds the gated bytes."""
    try:
        now = _digest(seal_.path.read_bytes())
    except OSError:
        now = "missing"
    if now != seal_.digest:
        raise SealBroken(
            "the gated plan file changed after it was gated; nothing was applied",
            source=str(seal_.path),
            hint="another process can write the guard's private directory: run the guard as a "
            "user of its own, then run the command again",
        )


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
