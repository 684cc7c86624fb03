"""Fake terraform, tofu and pulumi executables for the guard and shim tests.

Each fake is a Python script that appends its argv (one JSON line) to $FAKE_TOOL_LOG, prints the
plan file named by $FAKE_PLAN for `show -json` / `preview --json` / `--preview-only --json`,
writes a stand-in saved plan for `plan -out=FILE`, and exits with $FAKE_EXIT (default 0) for
everything else. With FAKE_MODE=wait-sigint, a mutating run writes $FAKE_READY and sleeps until
SIGINT, logs `"signal": "SIGINT"`, and exits 130.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
PROD_DB_DELETE = FIXTURES / "terraform" / "prod-db-delete-no-snapshot" / "plan.json"
DEV_TAG_UPDATE = FIXTURES / "terraform" / "dev-tag-update" / "plan.json"
PULUMI_PROD_DB_DELETE = FIXTURES / "pulumi" / "prod-db-delete" / "preview.json"

FAKE_SCRIPT = """#!{python}
import json, os, signal, sys, time

argv = sys.argv[1:]
tool = os.path.basename(sys.argv[0])


def log(entry):
    with open(os.environ["FAKE_TOOL_LOG"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\\n")


log({{"tool": tool, "argv": argv}})
words = [a for a in argv if not a.startswith("-")]
sub = words[0] if words else ""
if sub == "plan" and tool != "pulumi":
    for a in argv:
        if a.startswith("-out="):
            with open(a[len("-out="):], "w", encoding="utf-8") as handle:
                handle.write("saved plan")
    print("fake plan output")
    sys.exit(int(os.environ.get("FAKE_PLAN_EXIT", "0")))
if sub == "show" or sub == "preview" or "--preview-only" in argv:
    with open(os.environ["FAKE_PLAN"], encoding="utf-8") as handle:
        sys.stdout.write(handle.read())
    sys.exit(0)
if os.environ.get("FAKE_MODE") == "wait-sigint":
    def stop(signum, frame):
        log({{"tool": tool, "signal": "SIGINT"}})
        sys.exit(130)

    signal.signal(signal.SIGINT, stop)
    with open(os.environ["FAKE_READY"], "w", encoding="utf-8") as handle:
        handle.write("ready")
    while True:
        time.sleep(0.05)
print("fake " + tool + " output for " + " ".join(argv))
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


def write_fake(directory: Path, name: str) -> Path:
    """Write the fake `name` into `directory` (created) and make it executable."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(FAKE_SCRIPT.format(python=sys.executable), encoding="utf-8")
    path.chmod(0o755)
    return path


@dataclass
class FakeWorld:
    """A temporary world with fake tools, a clean environment and an audit log."""

    root: Path
    bin_dir: Path
    log: Path
    audit_db: Path
    env: dict[str, str]

    def calls(self) -> list[dict[str, object]]:
        """Every logged invocation, in order."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def argvs(self, tool: str | None = None) -> list[list[str]]:
        """argv of every logged invocation (of `tool` when given)."""
        return [
            list(c["argv"])  # type: ignore[call-overload]
            for c in self.calls()
            if "argv" in c and (tool is None or c["tool"] == tool)
        ]

    def guard(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `planrisk guard` (the real CLI) in the world's root."""
        return subprocess.run(
            [sys.executable, "-m", "planrisk", "guard", *args],
            cwd=self.root,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )


def make_world(root: Path, plan: Path, *, agent: bool) -> FakeWorld:
    """Fake terraform, tofu and pulumi on PATH, printing `plan`; an agent's or a human's env."""
    bin_dir = root / "fakebin"
    for name in ("terraform", "tofu", "pulumi"):
        write_fake(bin_dir, name)
    work = root / "work"
    work.mkdir(parents=True, exist_ok=True)
    log = root / "calls.jsonl"
    audit_db = root / "audit.db"
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(root),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "FAKE_TOOL_LOG": str(log),
        "FAKE_PLAN": str(plan),
        "PLANRISK_AUDIT_DB": str(audit_db),
        "PYTHONPATH": str(REPO),
    }
    if agent:
        env["CLAUDECODE"] = "1"
    return FakeWorld(root=work, bin_dir=bin_dir, log=log, audit_db=audit_db, env=env)
