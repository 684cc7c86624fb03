"""Running git (used by config, actor and score): a repository and a question → git's answer.

Input: a directory inside a repository and a revision, path or range. Output: the repository
root, a resolved commit, a file's bytes at a revision, a directory listing, the paths a change
touches, or the commits of a range — or None when git, the repository or the revision is
missing (callers decide whether that is an error).

git runs with a scrubbed environment: `GIT_DIR`, `GIT_WORK_TREE`, `GIT_CONFIG_*` and the like
are dropped, because the gate must read the repository the run works in, not one that the
process environment (which an agent controls) points at. `core.fsmonitor` is switched off so
that no repository setting runs a program for planrisk.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

TIMEOUT_SECONDS = 30.0
"""Longest a local git command may run."""
FETCH_TIMEOUT_SECONDS = 60.0
"""Longest a fetch of one missing revision may run."""

_KEPT_VARIABLES = ("PATH", "HOME", "SYSTEMROOT", "XDG_CONFIG_HOME")
_SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.quotePath=false")


def git_bytes(
    repo_dir: Path, *args: str, timeout: float = TIMEOUT_SECONDS, stdin: bytes | None = None
) -> bytes | None:
    """stdout of `git -C repo_dir ARGS`, or None when git fails, is missing or times out."""
    env = {key: value for key, value in os.environ.items() if key in _KEPT_VARIABLES}
    env.update({"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"})
    try:
        done = subprocess.run(
            ["git", *_SAFE_CONFIG, "-C", str(repo_dir), *args],
            input=stdin,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_text(repo_dir: Path, *args: str, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """`git_bytes` decoded as UTF-8 (undecodable bytes replaced)."""
    out = git_bytes(repo_dir, *args, timeout=timeout)
    return out.decode("utf-8", "replace") if out is not None else None


def repository_root(path: Path) -> Path | None:
    """The top of the working tree that contains `path` (a file or directory), or None."""
    directory = path if path.is_dir() else path.parent
    if not directory.is_dir():
        return None
    out = git_text(directory, "rev-parse", "--show-toplevel")
    return Path(out.strip()).resolve() if out and out.strip() else None


def resolve_commit(repo_dir: Path, revision: str) -> str | None:
    """The full id of the commit `revision` names, or None when it does not exist here."""
    if not revision or revision.startswith("-"):
        return None
    out = git_text(repo_dir, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    return out.strip() if out and out.strip() else None


def fetch_revision(repo_dir: Path, revision: str) -> bool:
    """Fetch one missing revision (a commit id or a branch) from `origin`; True when it arrived.

    Shallow CI clones (actions/checkout fetches one commit) lack the base of the change under
    review; its credentials are already in the clone's configuration.
    """
    if not revision or revision.startswith("-"):
        return False
    branch = revision.removeprefix("origin/")
    refspec = revision if branch == revision else f"+refs/heads/{branch}:refs/remotes/{revision}"
    fetched = git_bytes(
        repo_dir,
        "fetch",
        "--quiet",
        "--no-tags",
        "--depth=1",
        "origin",
        refspec,
        timeout=FETCH_TIMEOUT_SECONDS,
    )
    return fetched is not None and resolve_commit(repo_dir, revision) is not None


def file_at(repo_dir: Path, commit: str, relative: str) -> bytes | None:
    """The bytes of `relative` (a path from the repository root) at `commit`, None if absent."""
    kind = git_text(repo_dir, "cat-file", "-t", f"{commit}:{relative}")
    if kind is None or kind.strip() != "blob":
        return None
    return git_bytes(repo_dir, "cat-file", "blob", f"{commit}:{relative}")


def files_at(repo_dir: Path, commit: str, relative_dir: str) -> list[str] | None:
    """Paths (from the repository root) of the files directly in `relative_dir` at `commit`;
    None when it is not a directory there."""
    spec = f"{commit}:{relative_dir}" if relative_dir not in ("", ".") else f"{commit}:"
    kind = git_text(repo_dir, "cat-file", "-t", spec)
    if kind is None or kind.strip() != "tree":
        return None
    out = git_bytes(repo_dir, "ls-tree", "-z", "--name-only", commit, "--", _as_dir(relative_dir))
    if out is None:
        return None
    return sorted(name for name in out.decode("utf-8", "replace").split("\0") if name)


def merge_base(repo_dir: Path, first: str, second: str) -> str | None:
    """The best common ancestor of two commits, or None (unrelated, or history too shallow)."""
    out = git_text(repo_dir, "merge-base", first, second)
    return out.strip() if out and out.strip() else None


def changed_paths(repo_dir: Path, commit: str) -> list[str] | None:
    """Every path the working tree changes relative to `commit`: committed, staged, unstaged
    and untracked (not ignored) changes, as paths from the repository root, sorted."""
    diff = git_bytes(repo_dir, "diff", "--name-only", "--no-renames", "-z", commit, "--")
    untracked = git_bytes(
        repo_dir, "ls-files", "--others", "--exclude-standard", "-z", "--full-name"
    )
    if diff is None or untracked is None:
        return None
    names = {n for n in (diff + b"\0" + untracked).decode("utf-8", "replace").split("\0") if n}
    return sorted(names)


def _as_dir(relative_dir: str) -> str:
    if relative_dir in ("", "."):
        return "."
    return relative_dir.rstrip("/") + "/"
