"""Fake terraform, tofu and pulumi executables for the guard and shim tests.

Each fake is a Python script that appends its argv (one JSON line) to $FAKE_TOOL_LOG, prints the
plan file named by $FAKE_PLAN for `show -json` / `preview --json` / `--preview-only --json`,
writes a stand-in saved plan ($FAKE_SAVED_PLAN, default "saved plan") for `plan -out=FILE` and
an update plan for `preview --save-plan=FILE`, and exits with $FAKE_EXIT (default 0) for
everything else. For `show` and `apply` it logs the exact bytes of the plan file it was given
(`"read": …`), as does `up` for `--plan=FILE`: the tests compare what was applied with what was
gated. With FAKE_SWAP=PATH it overwrites PATH with "swapped plan" when `show` or `apply` starts
(another process swapping the user's plan file); with FAKE_MODE=tamper-shown, `show` appends to
the file it printed (another process rewriting the guard's private copy). With
FAKE_MODE=wait-sigint, a mutating run writes $FAKE_READY and sleeps until SIGINT, logs
`"signal": "SIGINT"`, and exits 130.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.paths import FIXTURES, REPO

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


def read(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


words = [a for a in argv if not a.startswith("-")]
sub = words[0] if words else ""
entry = {{"tool": tool, "argv": argv}}
if os.environ.get("FAKE_SWAP") and sub in ("show", "apply"):
    with open(os.environ["FAKE_SWAP"], "w", encoding="utf-8") as handle:
        handle.write("swapped plan")
if tool != "pulumi" and sub in ("show", "apply") and len(words) > 1 and os.path.isfile(words[-1]):
    entry["read"] = read(words[-1])
    entry["dir_mode"] = oct(os.stat(os.path.dirname(os.path.abspath(words[-1]))).st_mode & 0o777)
for a in argv:
    if tool == "pulumi" and a.startswith("--plan="):
        entry["read"] = read(a[len("--plan="):])
log(entry)
if sub == "plan" and tool != "pulumi":
    for a in argv:
        if a.startswith("-out="):
            with open(a[len("-out="):], "w", encoding="utf-8") as handle:
                handle.write(os.environ.get("FAKE_SAVED_PLAN", "saved plan"))
    print("fake plan output")
    sys.exit(int(os.environ.get("FAKE_PLAN_EXIT", "0")))
if sub == "show" or sub == "preview" or "--preview-only" in argv:
    for a in argv:
        if a.startswith("--save-plan="):
            with open(a[len("--save-plan="):], "w", encoding="utf-8") as handle:
                handle.write(os.environ.get("FAKE_SAVED_PLAN", '{{"resourcePlans": {{}}}}'))
    with open(os.environ["FAKE_PLAN"], encoding="utf-8") as handle:
        sys.stdout.write(handle.read())
    if os.environ.get("FAKE_MODE") == "tamper-shown" and len(words) > 1:
        with open(words[-1], "a", encoding="utf-8") as handle:
            handle.write(" tampered")
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

    def calls(self) -> list[dict[str, Any]]:
        """Every logged invocation, in order."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def argvs(self, tool: str | None = None) -> list[list[str]]:
        """argv of every logged invocation (of `tool` when given)."""
        return [
            list(c["argv"])
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
