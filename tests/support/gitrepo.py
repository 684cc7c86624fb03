"""Temporary git repositories for tests of what the gate reads from a change's base."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.cli import run_program

_IDENTITY = (
    "-c",
    "user.name=Test Person",
    "-c",
    "user.email=person@example.com",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
)


@dataclass
class GitRepo:
    """A repository in `root` with helpers to write, commit and run the real planrisk CLI."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    def git(self, *args: str) -> str:
        """Run git in the repository; its stdout."""
        done = subprocess.run(
            ["git", *_IDENTITY, *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(self.root.parent)},
        )
        return done.stdout.strip()

    def write(self, relative: str, text: str | bytes) -> Path:
        """Write a file of the working tree (directories created)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def commit(self, message: str = "change") -> str:
        """Commit everything; the new commit's id."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def planrisk(
        self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `python -m planrisk ARGS` in the repository with a clean environment."""
        base = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.root.parent)}
        env = {**base, **self.env, **(env or {})}
        return run_program(*args, cwd=cwd or self.root, env=env, timeout=120)


def make_repo(root: Path) -> GitRepo:
    """An empty repository on branch main."""
    root.mkdir(parents=True, exist_ok=True)
    repo = GitRepo(root)
    repo.git("init", "-q")
    return repo
