"""Commits being applied, for actor classification (gate stage): `git log` → authors and trailers.

Input: a repository directory and optionally a (base, head) commit range. Output: `Commit`s
with their author and their Co-authored-by / Assisted-by / Generated-by trailer values. The
range is used when both ends exist locally, else HEAD alone. Fails soft: no git, no
repository, a shallow clone without the base, or a timeout give no commits, never an error.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from planrisk.config.git import git_text, resolve_commit

AGENT_TRAILER_KEYS = ("co-authored-by", "assisted-by", "generated-by")
"""Trailer keys (lower case) whose values name a contributor."""

MAX_COMMITS = 100
"""At most this many commits of a range are read."""

_FIELD, _RECORD = "\x1f", "\x1e"


class Commit(msgspec.Struct, frozen=True):
    """One commit's identities."""

    sha: str
    """Abbreviated (7-character) commit id."""
    author: str
    """`name <email>`."""
    trailers: tuple[tuple[str, str], ...]
    """(key as written, value) of the contributor trailers."""


def trailers_of(message: str) -> tuple[tuple[str, str], ...]:
    """Contributor trailers in the last paragraph of a commit message."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if not paragraphs:
        return ()
    found = []
    for line in paragraphs[-1].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in AGENT_TRAILER_KEYS and value.strip():
            found.append((key.strip(), value.strip()))
    return tuple(found)


def read_commits(repo_dir: Path, commit_range: tuple[str, str] | None = None) -> list[Commit]:
    """The commits being applied: `base..head` when both exist locally, else HEAD only."""
    revisions = ["-n", "1", "HEAD"]
    if commit_range is not None:
        base, head = commit_range
        if _exists(repo_dir, base) and _exists(repo_dir, head):
            revisions = ["-n", str(MAX_COMMITS), f"{base}..{head}"]
    output = git_text(
        repo_dir,
        "log",
        f"--format=%h{_FIELD}%an{_FIELD}%ae{_FIELD}%B{_RECORD}",
        "--abbrev=7",
        *revisions,
        "--",
    )
    if output is None:
        return []
    commits = []
    for record in output.split(_RECORD):
        fields = record.strip("\n").split(_FIELD)
        if len(fields) != 4:
            continue
        sha, name, email, body = fields
        author = f"{name} <{email}>" if email else name
        commits.append(Commit(sha=sha[:7], author=author, trailers=trailers_of(body)))
    return commits


def _exists(repo_dir: Path, revision: str) -> bool:
    return resolve_commit(repo_dir, revision) is not None
