"""examples/: the CI examples parse, call only real options, and pre-apply.sh gates for real.

pre-apply.sh runs with a fake `terraform` on PATH (plan writes nothing, `show -json` prints a
fixture plan, apply records that it ran) and the real `planrisk` of this environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
import typer.core
import typer.main

from planrisk.cli import app
from tests.support.paths import REPO

yaml = pytest.importorskip("yaml", reason="PyYAML parses the example workflows (test extra)")

EXAMPLES = REPO / "examples"
FIXTURES = REPO / "fixtures" / "terraform"

FAKE_TERRAFORM = """#!/bin/sh
case "$1" in
  plan) exit 0 ;;
  show) cat "$FAKE_PLAN" ;;
  apply) echo "$*" > "$APPLIED"; exit 0 ;;
  *) exit 64 ;;
esac
"""


def gate_options() -> set[str]:
    command = typer.main.get_command(app)
    assert isinstance(command, typer.core.TyperGroup)
    gate = command.commands["gate"]
    return {name for param in gate.params for name in getattr(param, "opts", [])}


def run_pre_apply(tmp_path: Path, plan: Path, env_name: str) -> tuple[int, str, Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "terraform"
    fake.write_text(FAKE_TERRAFORM, encoding="utf-8")
    fake.chmod(0o755)
    planrisk = shutil.which("planrisk", path=str(Path(sys.executable).parent))
    assert planrisk is not None, "the planrisk console script is installed"
    applied = tmp_path / "applied"
    env = {
        "PATH": f"{bin_dir}:{Path(planrisk).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FAKE_PLAN": str(plan),
        "APPLIED": str(applied),
        "PLANRISK_ENV": env_name,
        "PLANRISK_AUDIT_DB": str(tmp_path / "audit.db"),
    }
    done = subprocess.run(
        ["bash", str(EXAMPLES / "pre-apply.sh"), "infra.tfplan"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stderr, applied


@pytest.mark.slow
def test_pre_apply_applies_only_on_allow(tmp_path: Path) -> None:
    code, stderr, applied = run_pre_apply(
        tmp_path, FIXTURES / "forced-replace" / "plan.json", "prod"
    )
    assert code == 1
    assert "did not allow this plan; not applying" in stderr
    assert not applied.exists()

    code, stderr, applied = run_pre_apply(tmp_path, FIXTURES / "deep-modules" / "plan.json", "prod")
    assert code == 0, stderr
    assert applied.read_text(encoding="utf-8").split() == ["apply", "-input=false", "infra.tfplan"]
    assert (tmp_path / "infra.tfplan.json").is_file()


@pytest.mark.slow
def test_pre_apply_does_not_apply_when_planrisk_cannot_decide(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": ', encoding="utf-8")
    code, stderr, applied = run_pre_apply(tmp_path, broken, "auto")
    assert code == 3
    assert "planrisk failed (exit 3); not applying" in stderr
    assert not applied.exists()


def load(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8")))


def test_github_workflow_keeps_its_trust_boundaries() -> None:
    workflow = load("github-workflow.yml")
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    triggers = cast(dict[bool, Any], workflow)[True]  # YAML reads the key `on` as true
    assert {"pull_request", "pull_request_review", "issue_comment", "push"} <= set(triggers)
    assert triggers["push"]["branches"] == ["main"]
    # Approvals re-run the gate on the pull request; it reports, the production job decides.
    review = jobs["review"]
    assert "issue_comment" in review["if"] and "pull_request_review" in review["if"]
    [reported] = [s for s in review["steps"] if "planrisk" in str(s.get("uses", ""))]
    assert reported.get("continue-on-error") is True
    assert "environment" not in review
    # Only the production job has the environment whose OIDC subject the prod role trusts.
    assert [name for name, job in jobs.items() if job.get("environment") == "production"] == [
        "production"
    ]
    production = jobs["production"]
    assert production["needs"] == "attest" and jobs["attest"]["needs"] == "sandbox"
    assert all(job.get("if") == "github.event_name == 'push'" for job in [jobs["sandbox"]])
    steps = production["steps"]
    gate_index = next(i for i, s in enumerate(steps) if "planrisk" in str(s.get("uses", "")))
    gate_step = steps[gate_index]
    assert "continue-on-error" not in gate_step
    assert set(gate_step["with"]) <= set(action["inputs"])
    [apply_index] = [
        i for i, s in enumerate(steps) if "terraform -chdir=infra apply" in s.get("run", "")
    ]
    assert apply_index > gate_index
    assert "prod-apply" in str(steps) and "prod-apply" not in str(
        {k: v for k, v in jobs.items() if k != "production"}
    )
    # The signing key is only in the attest job, which runs no code of the change.
    assert "PLANRISK_SANDBOX_KEY" in str(jobs["attest"])
    assert "PLANRISK_SANDBOX_KEY" not in str({k: v for k, v in jobs.items() if k != "attest"})
    assert not any("terraform" in s.get("run", "") for s in jobs["attest"]["steps"])
    attest = [s for s in jobs["attest"]["steps"] if "planrisk attest" in s.get("run", "")]
    assert len(attest) == 1
    for job in jobs.values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), "expressions reach scripts only through env"


def test_examples_install_planrisk_from_a_pinned_source() -> None:
    # planrisk is not on PyPI: a bare `pip install planrisk` would fail (or install someone
    # else's package of that name).
    bare = re.compile(
        r"pip install(?: --?[\w-]+)* ['\"]?planrisk(?:\[[\w,]+\])?(?=['\"`\s]|$)(?!['\"]?\s*@)"
    )
    assert bare.search("pip install planrisk  # x") and bare.search(
        "pip install 'planrisk[pulumi]'"
    )
    assert not bare.search('pip install "planrisk[pulumi] @ git+https://x/planrisk@v1"')
    for path in sorted(EXAMPLES.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not bare.search(text), f"{path} installs planrisk from PyPI"


def test_examples_call_only_real_gate_options() -> None:
    known = gate_options()
    texts = {p.name: p.read_text(encoding="utf-8") for p in EXAMPLES.iterdir() if p.is_file()}
    used: set[str] = set()
    for name, text in texts.items():
        if name == "README.md":
            continue
        flat = re.sub(r"\s*\n\s*", " ", text)
        for command in re.findall(r"planrisk (?:gate|\"\$\{args\[@\]\}\")[^|;\n]*", flat):
            used.update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", command))
        used.update(re.findall(r"args\+?=\(.*?(--[a-z][a-z-]*)", text))
    assert used, "the examples call planrisk gate"
    assert used <= known, f"unknown planrisk gate options in examples: {used - known}"


def test_gitlab_and_atlantis_examples_gate_before_apply() -> None:
    gitlab = load("gitlab-ci.yml")
    assert gitlab["apply"]["needs"] == ["plan", "planrisk"]
    assert any("planrisk gate" in line for line in gitlab["planrisk"]["script"])
    atlantis = load("atlantis.yaml")
    apply_steps = atlantis["workflows"]["planrisk"]["apply"]["steps"]
    assert "planrisk gate" in apply_steps[0]["run"]
    assert apply_steps[-1] == "apply"
    assert atlantis["repos"][0]["workflow"] == "planrisk"


def test_readme_of_examples_links_every_example() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for path in EXAMPLES.iterdir():
        if path.name != "README.md":
            link = f"]({path.name}/)" if path.is_dir() else f"]({path.name})"
            assert link in readme, path.name
    assert os.access(EXAMPLES / "pre-apply.sh", os.X_OK)
