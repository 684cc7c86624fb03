"""What runs is exactly what was gated: the guard applies its own sealed copy of the plan.

A fake terraform logs the bytes of the plan file it is handed; another process (FAKE_SWAP)
overwrites the user's plan file while `show` runs and again when `apply` starts. Through the
real CLI.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from planrisk.gate.audit import read_log
from tests.guard.fakes import DEV_TAG_UPDATE, make_world

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("when", ["show", "apply"])
def test_a_plan_swapped_during_show_or_at_apply_start_is_never_applied(
    when: str, tmp_path: Path
) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    user_plan = world.root / "dev.tfplan"
    user_plan.write_text("gated plan")
    world.env["FAKE_SWAP"] = str(user_plan)
    result = world.guard("--", "terraform", "apply", "dev.tfplan")
    assert result.returncode == 0, result.stderr
    assert user_plan.read_text() == "swapped plan"
    show, apply = world.calls()
    assert show["read"] == apply["read"] == "gated plan"
    assert apply["argv"][-1] == show["argv"][-1] != str(user_plan)
    record = [r.data for r in read_log(world.audit_db)][-1]
    assert record["applied_plan_sha256"] == "sha256:" + hashlib.sha256(b"gated plan").hexdigest()


@pytest.mark.parametrize("saved", [True, False], ids=["saved-plan", "bare-apply"])
def test_a_private_copy_rewritten_after_it_was_sealed_fails_closed(
    saved: bool, tmp_path: Path
) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    world.env["FAKE_MODE"] = "tamper-shown"
    args = ["terraform", "apply", "-auto-approve"]
    if saved:
        (world.root / "dev.tfplan").write_text("gated plan")
        args.append("dev.tfplan")
    result = world.guard("--", *args)
    assert result.returncode == 4, result.stderr
    assert "changed after it was gated; nothing was applied" in result.stderr
    assert not any(a[0] == "apply" for a in world.argvs())


def test_bare_apply_plans_into_a_private_directory(tmp_path: Path) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    result = world.guard("--", "terraform", "apply", "-auto-approve")
    assert result.returncode == 0, result.stderr
    plan, show, apply = world.calls()
    out = plan["argv"][1].removeprefix("-out=")
    assert Path(out).parent.name.startswith("planrisk-guard-")
    assert Path(out).parent != Path(out).parent.parent / "planrisk-guard-0"
    assert show["read"] == apply["read"] == "saved plan"
    assert show["dir_mode"] == "0o700"
