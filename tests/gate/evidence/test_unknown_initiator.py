"""The real gate with an unknown initiator: no approval counts, and the decision says why.

Attack reproduced: with no CI identity and `USER` unset the initiator was unknown, so the
self-approval check had nobody to compare with and the initiator's own approval counted.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from planrisk.gate.evidence.approval import build_approval, sign_approval
from planrisk.gate.evidence.dsse import encode_envelope
from planrisk.gate.evidence.durations import utc_now
from planrisk.gate.evidence.keys import load_private_key, write_keypair
from planrisk.gate.evidence.verify import UNKNOWN_INITIATOR
from tests.support.cli import clean_env, run_program
from tests.support.paths import REPO

DB_DELETE = REPO / "fixtures/terraform/data-delete-no-recovery/plan.json"
APPROVERS = ("bob", "carol")


def gate(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """`planrisk gate DB_DELETE --actor human ARGS` with no CI and no USER/LOGNAME."""
    proc = run_program(
        "gate", str(DB_DELETE), "--actor", "human",
        "--config", str(root / ".planrisk.toml"), "--audit-db", str(root / "audit.db"),
        "--format", "json", *args,
        cwd=root, env=clean_env(root), timeout=60,
    )  # fmt: skip
    assert proc.stderr == "" or "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_no_approval_counts_until_the_initiator_is_known(tmp_path: Path) -> None:
    lines = []
    for name in APPROVERS:
        write_keypair(tmp_path / name)
        lines.append(
            f'[[trusted_keys]]\nname = "{name}"\npurpose = "approval"\npublic_key = "{name}.pub"\n'
        )
    (tmp_path / ".planrisk.toml").write_text("\n".join(lines))
    code, document = gate(tmp_path)
    digest = document["plan"]["digest"]
    evidence = []
    for name in APPROVERS:
        approval = build_approval(
            approver=name, plan_digest=digest, now=utc_now(), lifetime=timedelta(hours=1)
        )
        path = tmp_path / f"{name}.json"
        path.write_bytes(
            encode_envelope(sign_approval(approval, load_private_key(tmp_path / f"{name}.key")))
        )
        evidence += ["--evidence", str(path)]

    code, document = gate(tmp_path, *evidence)
    decision = document["decision"]
    assert isinstance(decision, dict)
    assert document["actor"]["identity"] is None
    assert (code, decision["outcome"]) == (1, "pending")
    assert [(e["accepted"], e["reason"]) for e in decision["evidence"]] == [
        (False, UNKNOWN_INITIATOR)
    ] * len(APPROVERS)
    (approvals,) = [r for r in decision["requirements"] if r["kind"] == "approvals"]
    assert approvals["have"] == 0 and "pass --initiator NAME or run in CI" in approvals["detail"]

    # Once the initiator is known, the same two approvals count.
    code, document = gate(tmp_path, *evidence, "--initiator", "alice")
    assert (code, document["decision"]["outcome"]) == (0, "allow")
