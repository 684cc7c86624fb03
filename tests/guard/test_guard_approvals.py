"""A guarded bare `apply` can be approved by digest; a re-run applies only the approved plan.

The guard keeps the JSON of the plan it gated under .planrisk/plans/ (owner-only) and names it,
with the exact `planrisk approve --digest` command, in what the pending decision asks for. Two
approvers sign that digest; the re-run with `--evidence` and an unchanged plan applies, while a
changed plan does not, and the evidence line says whose plan each approval was for. Through the
real CLI with fake terraform.
"""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest

from tests.guard.fakes import PROD_DB_DELETE, FakeWorld, make_world
from tests.support.cli import run_program
from tests.support.paths import FIXTURES

pytestmark = pytest.mark.slow

OTHER_PROD_PLAN = FIXTURES / "terraform" / "data-delete-no-recovery" / "plan.json"


def _planrisk(world: FakeWorld, *args: str) -> subprocess.CompletedProcess[str]:
    return run_program(*args, cwd=world.root, env=world.env, timeout=60)


def _approvers(world: FakeWorld) -> None:
    """Keys for alice and bob, trusted for approvals in the working directory's config."""
    entries = []
    for name in ("alice", "bob"):
        assert _planrisk(world, "keygen", name).returncode == 0
        entries.append(
            f'[[trusted_keys]]\nname = "{name}"\npurpose = "approval"\npublic_key = "{name}.pub"\n'
        )
    (world.root / ".planrisk.toml").write_text("\n".join(entries))


def _pending(world: FakeWorld) -> tuple[str, Path]:
    result = world.guard("--", "terraform", "apply", "-auto-approve")
    assert result.returncode == 1, result.stderr
    assert "PENDING" in result.stderr and "`terraform apply` was not run" in result.stderr
    digest = re.search(r"approve --digest (sha256:[0-9a-f]{64})", result.stderr)
    kept = re.search(r"kept for review in (\S+\.json)", result.stderr)
    assert digest is not None and kept is not None, result.stderr
    assert f"each approver reviews {kept.group(1)}" in result.stderr
    return digest.group(1), Path(kept.group(1))


def _approve(world: FakeWorld, digest: str) -> list[str]:
    evidence = []
    for name in ("alice", "bob"):
        out = f"{name}-approval.json"
        args = ("approve", "--digest", digest, "--approver", name, "--key", f"{name}.key")
        result = _planrisk(world, *args, "-o", out)
        assert result.returncode == 0, result.stderr
        evidence += ["--evidence", out]
    return evidence


def test_approved_digest_applies_when_the_plan_is_unchanged(tmp_path: Path) -> None:
    world = make_world(tmp_path, PROD_DB_DELETE, agent=False)
    world.env["USER"] = "carol"
    _approvers(world)
    digest, kept = _pending(world)
    assert kept == world.root / ".planrisk" / "plans" / f"{digest.removeprefix('sha256:')}.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert kept.read_bytes() == PROD_DB_DELETE.read_bytes()
    assert not any(a[0] == "apply" for a in world.argvs())
    evidence = _approve(world, digest)
    result = world.guard(*evidence, "--", "terraform", "apply", "-auto-approve")
    assert result.returncode == 0, result.stderr
    assert "ALLOW" in result.stderr
    assert [a[0] for a in world.argvs()][-3:] == ["plan", "show", "apply"]


def test_approvals_of_another_plan_do_not_count(tmp_path: Path) -> None:
    world = make_world(tmp_path, PROD_DB_DELETE, agent=False)
    world.env["USER"] = "carol"
    _approvers(world)
    digest, _ = _pending(world)
    evidence = _approve(world, digest)
    world.env["FAKE_PLAN"] = str(OTHER_PROD_PLAN)
    result = world.guard(*evidence, "--", "terraform", "apply", "-auto-approve")
    assert result.returncode == 1, result.stderr
    assert "`terraform apply` was not run" in result.stderr
    approved = f"sha256:{digest.removeprefix('sha256:')[:12]}…"
    assert result.stderr.count(f"approves plan {approved} but this plan is sha256:") == 2
    assert not any(a[0] == "apply" for a in world.argvs())
