"""Gate stage: actor × environment × evidence on fixture plans, and the done-when scenarios.

Keys are generated in a temporary directory, trusted through a temporary `.planrisk.toml`, and
evidence is signed with the evidence library (valid, forged, tampered, expired, wrong plan,
self-approval, an attestation missing one change). The matrix runs through `run_gate`; the
done-when scenarios and the exit codes run through the real CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from planrisk.gate.decide import GateOptions, GateResult, run_gate
from planrisk.gate.evidence.approval import build_approval, sign_approval
from planrisk.gate.evidence.attestation import build_statement, sign_statement
from planrisk.gate.evidence.ci_context import CiContext
from planrisk.gate.evidence.dsse import Envelope, encode_envelope
from planrisk.gate.evidence.durations import utc_now
from planrisk.gate.evidence.keys import load_private_key, write_keypair
from planrisk.model import Plan
from planrisk.pipeline import Analysis
from tests.support.cli import clean_env, run_program
from tests.support.evidence import NOW, flip_payload_byte
from tests.support.paths import REPO
from tests.support.pipeline import analyze_isolated

DB_DELETE = REPO / "fixtures/terraform/data-delete-no-recovery/plan.json"
TAG_ONLY = REPO / "fixtures/terraform/tag-only-update/plan.json"
GUARD_WEAKENING = REPO / "fixtures/terraform/guard-weakening/plan.json"
TEARDOWN = REPO / "fixtures/terraform/teardown/plan.json"
CTX = CiContext(commit=None, actor=None)
SIGNERS = ("sandbox", "bob", "carol", "alice")
"""`sandbox` signs attestations; bob, carol and alice approve (alice is also an initiator)."""


@dataclass
class World:
    """Keys, a config trusting them, and a place for evidence files."""

    root: Path
    config: Path

    def key(self, name: str) -> Path:
        return self.root / "keys" / f"{name}.key"

    def sign_attestation(self, plan: Plan, *, at: datetime, key: str = "sandbox") -> Envelope:
        statement = build_statement(
            plan, environment="sandbox", apply_exit_code=0, context=CTX, now=at
        )
        return sign_statement(statement, load_private_key(self.key(key)))

    def sign_approval(
        self, approver: str, digest: str, *, at: datetime, key: str | None = None
    ) -> Envelope:
        approval = build_approval(
            approver=approver, plan_digest=digest, now=at, lifetime=timedelta(hours=24)
        )
        return sign_approval(approval, load_private_key(self.key(key or approver)))

    def write(self, name: str, envelope: Envelope) -> Path:
        folder = self.root / "evidence"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_bytes(encode_envelope(envelope))
        return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("gate")
    (root / "keys").mkdir()
    lines = []
    for name in (*SIGNERS, "mallory"):
        write_keypair(root / "keys" / name)
    for name in SIGNERS:
        purpose = "attestation" if name == "sandbox" else "approval"
        lines += [
            "[[trusted_keys]]",
            f'name = "{name}"',
            f'purpose = "{purpose}"',
            f'public_key = "keys/{name}.pub"',
            "",
        ]
    config = root / ".planrisk.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return World(root=root, config=config)


def relabel(world: World, plan: Path, env: str) -> Path:
    """The fixture as the same estate in `env` (its Environment tags and variable changed).

    `--env` can only make a classification stricter, so a prod plan is relabelled instead.
    """
    if env == "prod":
        return plan
    document = json.loads(plan.read_text(encoding="utf-8"))
    document["variables"]["environment"]["value"] = env
    text = json.dumps(document).replace('"Environment": "prod"', f'"Environment": "{env}"')
    path = world.root / "plans" / f"{plan.parent.name}-{env}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def analysis_of(world: World, plan: Path, env: str) -> Analysis:
    analysis = analyze_isolated(relabel(world, plan, env), world.root, config_path=world.config)
    assert analysis.assessment.environment.name == env
    return analysis


def gate(
    world: World, analysis: Analysis, actor: str, evidence: list[Path], tmp: Path
) -> GateResult:
    initiator = "alice" if actor == "human" else f"{actor}-1"
    return run_gate(
        analysis,
        GateOptions(
            actor=actor,
            initiator=initiator,
            evidence_paths=tuple(evidence),
            audit_db=tmp / "audit.db",
            environ={},
            cwd=world.root,
            now=NOW,
        ),
    )


# ---------------------------------------------------------------------------------------------
# Evidence builders: each returns the files for one evidence case

Builder = Callable[[World, Analysis], list[Path]]
HOUR = timedelta(hours=1)


def _none(world: World, a: Analysis) -> list[Path]:
    return []


def _valid(world: World, a: Analysis) -> list[Path]:
    digest = a.plan.digest
    return [
        world.write("att.json", world.sign_attestation(a.plan, at=NOW - HOUR)),
        world.write("bob.json", world.sign_approval("bob", digest, at=NOW - HOUR)),
        world.write("carol.json", world.sign_approval("carol", digest, at=NOW - HOUR)),
    ]


def _forged(world: World, a: Analysis) -> list[Path]:
    digest = a.plan.digest
    return [
        world.write("att.json", world.sign_attestation(a.plan, at=NOW - HOUR, key="mallory")),
        world.write("bob.json", world.sign_approval("bob", digest, at=NOW - HOUR, key="mallory")),
        world.write(
            "carol.json", world.sign_approval("carol", digest, at=NOW - HOUR, key="mallory")
        ),
    ]


def _tampered(world: World, a: Analysis) -> list[Path]:
    other = "sha256:" + "e" * 64
    digest = a.plan.digest
    attestation = world.sign_attestation(a.plan, at=NOW - HOUR)
    return [
        world.write("att.json", flip_payload_byte(attestation, b'"sandbox"', b'"sandbo0"')),
        # Approvals of another plan, re-pointed at this plan after signing.
        world.write(
            "bob.json",
            flip_payload_byte(
                world.sign_approval("bob", other, at=NOW - HOUR), other.encode(), digest.encode()
            ),
        ),
        world.write(
            "carol.json",
            flip_payload_byte(
                world.sign_approval("carol", other, at=NOW - HOUR),
                other.encode(),
                digest.encode(),
            ),
        ),
    ]


def _expired(world: World, a: Analysis) -> list[Path]:
    digest = a.plan.digest
    old = NOW - timedelta(days=10)
    return [
        world.write("att.json", world.sign_attestation(a.plan, at=old)),
        world.write("bob.json", world.sign_approval("bob", digest, at=old)),
        world.write("carol.json", world.sign_approval("carol", digest, at=old)),
    ]


def _wrong_plan(world: World, a: Analysis) -> list[Path]:
    other = analyze_isolated(GUARD_WEAKENING, world.root).plan  # a different plan
    return [
        world.write("att.json", world.sign_attestation(other, at=NOW - HOUR)),
        world.write("bob.json", world.sign_approval("bob", other.digest, at=NOW - HOUR)),
        world.write("carol.json", world.sign_approval("carol", other.digest, at=NOW - HOUR)),
    ]


def _self_approval(world: World, a: Analysis) -> list[Path]:
    digest = a.plan.digest
    return [
        world.write("alice.json", world.sign_approval("alice", digest, at=NOW - HOUR)),
        world.write("bob.json", world.sign_approval("bob", digest, at=NOW - HOUR)),
        world.write("bob-again.json", world.sign_approval("bob", digest, at=NOW - HOUR)),
    ]


def _missing_one(world: World, a: Analysis) -> list[Path]:
    changes = tuple(c for c in a.plan.changes if c.action.is_change)
    partial = msgspec.structs.replace(a.plan, changes=changes[1:])
    return [world.write("att.json", world.sign_attestation(partial, at=NOW - HOUR))]


EVIDENCE: dict[str, Builder] = {
    "none": _none,
    "valid": _valid,
    "forged": _forged,
    "tampered": _tampered,
    "expired": _expired,
    "wrong-plan": _wrong_plan,
    "self-approval": _self_approval,
    "missing-one-change": _missing_one,
}
BAD = ("none", "forged", "tampered", "expired", "wrong-plan", "self-approval", "missing-one-change")

# ---------------------------------------------------------------------------------------------
# The expected outcomes, written out (not derived from the policy code)


def expected(plan: str, actor: str, env: str, evidence: str) -> str:
    valid = evidence == "valid"
    if env == "dev":
        return "allow"
    if plan == "tag-only":  # level low, nothing destroyed
        if actor == "agent" and env == "prod":
            return "allow" if valid else "pending"  # sandbox attestation only
        return "allow"
    # data-delete-no-recovery: critical in prod, high in staging, irreversible data loss
    if env == "prod":
        if actor in ("agent", "bot"):
            return "deny"
        return "allow" if valid else "pending"  # human: 2 approvals (critical)
    if actor == "agent":  # staging, level high: 1 approval (bob's counts next to alice's)
        return "allow" if evidence in ("valid", "self-approval") else "pending"
    return "allow"


PLANS = {"tag-only": TAG_ONLY, "db-delete": DB_DELETE}


@pytest.fixture(scope="module")
def analyses(world: World) -> dict[tuple[str, str], Analysis]:
    return {
        (name, env): analysis_of(world, path, env)
        for name, path in PLANS.items()
        for env in ("prod", "staging", "dev")
    }


@pytest.mark.parametrize("evidence", list(EVIDENCE))
@pytest.mark.parametrize("env", ["prod", "staging", "dev"])
@pytest.mark.parametrize("actor", ["human", "agent", "bot"])
@pytest.mark.parametrize("plan", list(PLANS))
def test_gate_matrix(
    world: World,
    analyses: dict[tuple[str, str], Analysis],
    tmp_path: Path,
    plan: str,
    actor: str,
    env: str,
    evidence: str,
) -> None:
    analysis = analyses[(plan, env)]
    files = EVIDENCE[evidence](world, analysis)
    result = gate(world, analysis, actor, files, tmp_path)
    assert result.decision.outcome == expected(plan, actor, env, evidence), result.decision
    assert int(result.exit_code) == (0 if result.decision.outcome == "allow" else 1)
    if evidence in BAD:
        # Nothing bad is ever accepted, whichever way it is presented.
        accepted = [e for e in result.decision.evidence if e.accepted]
        if evidence == "self-approval":
            # alice's own approval counts only when alice is not the initiator.
            counted = files[1:2] if actor == "human" else files[:2]
            assert [e.file for e in accepted] == [str(f) for f in counted]
        else:
            assert accepted == []


def test_bad_evidence_is_rejected_with_a_specific_reason(
    world: World, analyses: dict[tuple[str, str], Analysis], tmp_path: Path
) -> None:
    analysis = analyses[("tag-only", "prod")]
    reasons: dict[str, list[str]] = {}
    for name in BAD[1:]:
        files = EVIDENCE[name](world, analysis)
        result = gate(world, analysis, "human", files, tmp_path)
        reasons[name] = [e.reason for e in result.decision.evidence if not e.accepted]
    assert all("does not verify" in r for r in reasons["forged"])
    assert all("modified after signing" in r for r in reasons["tampered"])
    assert any("older than 7d" in r for r in reasons["expired"])
    assert any(r.startswith("expired ") for r in reasons["expired"])
    assert any("but this plan is" in r for r in reasons["wrong-plan"])
    assert any("does not cover" in r for r in reasons["wrong-plan"])
    assert reasons["self-approval"] == [
        "approver 'alice' is the initiator",
        "approver 'bob' already counted",
    ]
    assert any("does not cover" in r for r in reasons["missing-one-change"])


@pytest.mark.parametrize(
    ("plan", "rule"),
    [
        (GUARD_WEAKENING, "agent_prod_guard_weakening"),
        (TEARDOWN, "agent_prod_mass_destruction"),
        (DB_DELETE, "agent_prod_irreversible_data_loss"),
    ],
)
def test_agent_deny_rules(world: World, tmp_path: Path, plan: Path, rule: str) -> None:
    analysis = analysis_of(world, plan, "prod")
    result = gate(world, analysis, "agent", _valid(world, analysis), tmp_path)
    assert result.decision.outcome == "deny"
    assert rule in [r.name for r in result.decision.rules if r.effect == "deny"]


def test_unknown_environment_is_gated_as_prod(world: World, tmp_path: Path) -> None:
    analysis = analyze_isolated(
        REPO / "fixtures/terraform/tainted-replace/plan.json", world.root, config_path=world.config
    )
    assert analysis.assessment.environment.name == "unknown"
    result = gate(world, analysis, "agent", [], tmp_path)
    assert result.decision.outcome != "allow"
    assert "agent_prod_sandbox_first" in [r.name for r in result.decision.rules]
    human = gate(world, analysis, "human", [], tmp_path)
    assert human.decision.outcome == "allow"  # medium: no human rule fires


# ---------------------------------------------------------------------------------------------
# The done-when scenarios through the real CLI


def cli(world: World, cwd: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    proc = run_program(
        "gate", *args, "--config", str(world.config),
        "--audit-db", str(cwd / "audit.db"), "--format", "json",
        cwd=cwd, env=clean_env(cwd), timeout=60,
    )  # fmt: skip
    document = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else {}
    return proc.returncode, document, proc.stderr


def outcome(document: dict[str, object]) -> str:
    decision = document["decision"]
    assert isinstance(decision, dict)
    return str(decision["outcome"])


def test_done_when_prod_database_delete(world: World, tmp_path: Path) -> None:
    plan = str(DB_DELETE)
    code, doc, _ = cli(world, tmp_path, plan, "--actor", "agent", "--initiator", "claude")
    assert (code, outcome(doc)) == (1, "deny")
    risk = doc["risk"]
    assert isinstance(risk, dict) and risk["level"] == "critical"

    code, doc, _ = cli(world, tmp_path, plan, "--actor", "human", "--initiator", "alice")
    assert (code, outcome(doc)) == (1, "pending")
    digest = str(doc["plan"]["digest"])
    now = utc_now()
    bob = world.write("cli-bob.json", world.sign_approval("bob", digest, at=now))
    own = world.write("cli-alice.json", world.sign_approval("alice", digest, at=now))
    evidence = ["--evidence", str(bob), "--evidence", str(own)]
    code, doc, _ = cli(world, tmp_path, plan, "--actor", "human", "--initiator", "alice", *evidence)
    assert (code, outcome(doc)) == (1, "pending")  # one other human + a self-approval
    carol = world.write("cli-carol.json", world.sign_approval("carol", digest, at=now))
    evidence += ["--evidence", str(carol)]
    code, doc, _ = cli(world, tmp_path, plan, "--actor", "human", "--initiator", "alice", *evidence)
    assert (code, outcome(doc)) == (0, "allow")
    # The same approvals never move the agent's verdict.
    code, doc, _ = cli(
        world, tmp_path, plan, "--actor", "agent", "--initiator", "claude", *evidence
    )
    assert (code, outcome(doc)) == (1, "deny")


def test_done_when_agent_tag_change(world: World, tmp_path: Path) -> None:
    plan = str(TAG_ONLY)
    code, doc, _ = cli(world, tmp_path, plan, "--actor", "agent")
    assert (code, outcome(doc)) == (1, "pending")
    analysis = analyze_isolated(TAG_ONLY, tmp_path)
    attestation = world.write(
        "cli-att.json", world.sign_attestation(analysis.plan, at=utc_now() - HOUR)
    )
    forged = world.write(
        "cli-forged.json", world.sign_attestation(analysis.plan, at=utc_now(), key="mallory")
    )
    code, doc, _ = cli(world, tmp_path, plan, "--actor", "agent", "--evidence", str(forged))
    assert (code, outcome(doc)) == (1, "pending")
    code, doc, _ = cli(world, tmp_path, plan, "--actor", "agent", "--evidence", str(attestation))
    assert (code, outcome(doc)) == (0, "allow")


def test_cli_exit_codes_input_error_and_internal_error(world: World, tmp_path: Path) -> None:
    code, _, err = cli(world, tmp_path, str(tmp_path / "missing.json"))
    assert code == 3 and "Traceback" not in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"format_version": "1.2", "resource_changes": [', encoding="utf-8")
    code, _, err = cli(world, tmp_path, str(bad))
    assert code == 3 and "Traceback" not in err
    # Force an internal error inside the gate's decision: the process fails closed (4, never 0).
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    script = (
        "import planrisk.gate.decide as g\n"
        "def boom(*a, **k):\n"
        "    raise RuntimeError('forced')\n"
        "g._decide = boom\n"
        "from planrisk.cli import main\n"
        f"main(['gate', {str(TAG_ONLY)!r}, '--actor', 'human', '--initiator', 'alice',"
        f" '--config', {str(world.config)!r}, '--audit-db', {str(tmp_path / 'a.db')!r}])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 4, proc.stderr
    assert "nothing was allowed" in proc.stderr and "Traceback" not in proc.stderr
