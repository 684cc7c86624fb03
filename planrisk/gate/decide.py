"""Gate stage: who initiated the plan, what the policy requires, what the evidence proves.

Input: an `Analysis` (plan, graph, config, scored assessment), the actor options and the
evidence files. Output: a `GateResult` with the `Decision` (allow | pending | deny), every rule
that fired, every requirement with what was found, and every piece of evidence with the reason
it counted or was ignored. Every decision is appended to the audit log.

Fail closed: only a decision with no deny rule and every requirement satisfied is `allow`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from planrisk.errors import ExitCode, PlanriskError
from planrisk.gate.policy import Policy, PolicyOutcome, evaluate_policy
from planrisk.model import (
    ActorResult,
    Decision,
    EvidenceResult,
    Outcome,
    Requirement,
    RequirementKind,
)
from planrisk.pipeline import Analysis

if TYPE_CHECKING:
    from planrisk.config import PlanriskConfig
    from planrisk.gate.audit.locations import StoreSpec
    from planrisk.gate.evidence.verify import EvidenceCheck


class GateOptions(msgspec.Struct, frozen=True):
    """Gate-only options (the analysis options come separately)."""

    actor: str = "auto"
    initiator: str | None = None
    evidence_paths: tuple[Path, ...] = ()
    audit_db: Path | None = None
    store: StoreSpec | None = None
    """The store (with its stream) when the caller resolved it; else from audit_db/environ."""
    environ: Mapping[str, str] = msgspec.field(default_factory=lambda: dict(os.environ))
    cwd: Path = msgspec.field(default_factory=Path.cwd)
    now: datetime | None = None
    extra_approvals: tuple[tuple[str, EvidenceResult], ...] = ()
    """Approvals found elsewhere (GitHub comments): (approver, the evidence entry)."""
    classified: ActorResult | None = None
    """The actor already classified for these options (`classify_gate_actor`), when a caller
    needed it before the gate; the gate then does not classify it again."""
    plan_reference: str | None = None
    """Where approvers can review the gated plan (the plan file given, or the copy the guard
    kept), named in what the decision asks for."""


class GateResult(msgspec.Struct, frozen=True):
    """Everything `planrisk gate` reports."""

    analysis: Analysis
    actor: ActorResult
    policy: Policy
    decision: Decision

    @property
    def exit_code(self) -> ExitCode:
        """0 for allow, 1 for pending or deny."""
        return ExitCode.ALLOW if self.decision.outcome == "allow" else ExitCode.BLOCKED


def load_effective_policy(analysis: Analysis) -> Policy:
    """The built-in policy merged with the configuration's `[policy]` table."""
    return load_effective_policy_of(analysis.config)


def load_effective_policy_of(config: PlanriskConfig) -> Policy:
    """The built-in policy merged with `config`'s `[policy]` table.

    Each layer's table is validated on its own first, so that an error names the file (or the
    `REF:path` of the revision) that holds the bad key.
    """
    from planrisk.gate.policy import default_policy, load_policy

    if not config.policy:
        return default_policy()
    tables = config.provenance.policy_tables
    for source, table in tables:
        load_policy(table, source)
    source = " over ".join(reversed([name for name, _ in tables])) or str(
        config.path or "configuration"
    )
    return load_policy(config.policy, source)


def classify_gate_actor(config: PlanriskConfig, options: GateOptions) -> ActorResult:
    """Who initiated the plan, as the gate with these options judges it (it needs only the
    configuration, so callers classify before they analyze: see `AnalyzeOptions`)."""
    from planrisk.classify.actor import classify_actor

    return classify_actor(
        requested=options.actor,
        initiator=options.initiator,
        environ=options.environ,
        config=config,
        repo_dir=options.cwd,
    )


def distrusts_paths(actor: ActorResult) -> bool:
    """Whether path signals may only raise the environment for this actor (agents and unknown
    initiators choose where the plan file is written and where the tool runs)."""
    return actor.treated_as == "agent"


def run_gate(analysis: Analysis, options: GateOptions) -> GateResult:
    """Classify the actor, evaluate the policy, count the evidence and decide (the caller
    records the decision: `planrisk.gate.record.record_decision`)."""
    actor = options.classified or classify_gate_actor(analysis.config, options)
    if distrusts_paths(actor) and analysis.assessment.environment.path_lowered:
        raise PlanriskError(
            "the analysis let a path lower the environment, but the plan is gated for an "
            f"{actor.kind} initiator",
            source=analysis.plan.source,
            hint="analyze with AnalyzeOptions(paths_raise_only=True) for agent and unknown "
            "initiators (classify the actor first with classify_gate_actor)",
        )
    policy = load_effective_policy(analysis)
    outcome = evaluate_policy(
        policy,
        analysis.assessment,
        actor,
        gate_changes=analysis.config.provenance.gate_changes,
        risk_model=analysis.risk_model,
    )
    decision = _decide(analysis, actor, policy, outcome, options)
    return GateResult(analysis=analysis, actor=actor, policy=policy, decision=decision)


def _decide(
    analysis: Analysis,
    actor: ActorResult,
    policy: Policy,
    outcome: PolicyOutcome,
    options: GateOptions,
) -> Decision:
    from planrisk.gate.evidence.durations import utc_now

    now = options.now or utc_now()
    attest_checks, covered, approval_checks, approvers = _check_evidence(
        analysis, actor, policy, options, now
    )
    results = [
        c.to_result()
        for c in sorted(
            {(c.file, c.kind, c.reason): c for c in (*attest_checks, *approval_checks)}.values(),
            key=lambda c: (c.file, c.kind),
        )
    ]
    counted = list(approvers)
    for approver, entry in options.extra_approvals:
        if entry.accepted and actor.identity is None:
            from planrisk.gate.evidence.verify import UNKNOWN_INITIATOR

            entry = msgspec.structs.replace(entry, accepted=False, reason=UNKNOWN_INITIATOR)
        elif entry.accepted and approver in counted:
            entry = EvidenceResult(
                file=entry.file,
                kind=entry.kind,
                accepted=False,
                reason=f"approver {approver!r} already counted",
            )
        elif entry.accepted:
            counted.append(approver)
        results.append(entry)

    requirements: list[Requirement] = []
    if outcome.needs_attestation:
        have = 1 if covered else 0
        requirements.append(
            Requirement(
                kind=RequirementKind.SANDBOX_ATTESTATION,
                needed=1,
                have=have,
                satisfied=bool(covered),
                detail=(
                    "a valid sandbox attestation covers every change"
                    if covered
                    else "apply this plan's changes in a sandbox, then run "
                    "`planrisk attest PLAN --key KEY --env sandbox --apply-exit-code 0 "
                    "-o attestation.json` and pass it with --evidence"
                ),
            )
        )
    if outcome.approvals_needed:
        have = len(counted)
        needed = outcome.approvals_needed
        who = ", ".join(counted) if counted else "none yet"
        unknown = (
            "; the initiator is unknown, so no approval counts until it is known: pass "
            "--initiator NAME or run in CI"
            if actor.identity is None
            else ""
        )
        requirements.append(
            Requirement(
                kind=RequirementKind.APPROVALS,
                needed=needed,
                have=have,
                satisfied=have >= needed,
                detail=(
                    f"approvals from distinct humans other than the initiator ({who}); each "
                    f"approver reviews {options.plan_reference or 'the plan'} and runs "
                    f"`planrisk approve --digest {analysis.plan.digest} --approver NAME "
                    f"--key KEY -o FILE`{unknown}"
                ),
            )
        )
    if outcome.deny:
        # Nothing below a deny can change the outcome: no requirement is listed, and each deny
        # rule carries its way forward instead.
        names = ", ".join(r.name for r in outcome.fired if r.effect == "deny")
        return Decision(
            outcome=Outcome.DENY,
            summary=f"denied by {names}: no approval or attestation lifts a deny",
            rules=outcome.fired,
            evidence=tuple(results),
        )
    missing = [r for r in requirements if not r.satisfied]
    if missing:
        verdict = Outcome.PENDING
        summary = "pending: needs " + ", ".join(_need_phrase(r) for r in missing)
    else:
        verdict = Outcome.ALLOW
        summary = (
            "allowed: every requirement is met" if requirements else "allowed: no rule applies"
        )
    return Decision(
        outcome=verdict,
        summary=summary,
        rules=outcome.fired,
        requirements=tuple(requirements),
        evidence=tuple(results),
    )


def _need_phrase(requirement: Requirement) -> str:
    if requirement.kind == "sandbox_attestation":
        return "a sandbox attestation covering every change"
    more = requirement.needed - requirement.have
    return (
        f"{more} more approval{'s' if more != 1 else ''} ({requirement.have}/{requirement.needed})"
    )


def _check_evidence(
    analysis: Analysis, actor: ActorResult, policy: Policy, options: GateOptions, now: datetime
) -> tuple[list[EvidenceCheck], bool, list[EvidenceCheck], list[str]]:
    """(attestation checks, whether one covers every change, approval checks, approvers).

    Without evidence and trusted keys every list is empty and nothing is loaded.
    """
    trusted = analysis.config.trusted_keys
    if not options.evidence_paths and not trusted:
        return [], False, [], []
    from planrisk.gate.evidence.loading import KIND_APPROVAL, load_evidence
    from planrisk.gate.evidence.verify import check_approvals, check_attestations

    plan = analysis.plan
    evidence = load_evidence(list(options.evidence_paths)) if options.evidence_paths else []
    if trusted:  # the store's envelopes are verified exactly like files
        from planrisk.gate.audit.evidence_store import stored_evidence

        evidence += stored_evidence(gate_store(options), plan, evidence)
    attest_checks: list[EvidenceCheck] = []
    covered = False
    if any(piece.kind != KIND_APPROVAL for piece in evidence):
        # Only then is the plan's change fingerprint (a sort of every change) needed. Without
        # such a piece the checks are empty; `check_approvals` still loads the trusted keys.
        attest_checks, covered = check_attestations(
            evidence, plan=plan, trusted=trusted, max_age=policy.attestation_max_age, now=now
        )
    approval_checks, approvers = check_approvals(
        evidence, plan=plan, trusted=trusted, initiator=actor.identity, now=now
    )
    return attest_checks, covered, approval_checks, approvers


def gate_store(options: GateOptions) -> StoreSpec:
    """The store of these options: `store`, else --audit-db, PLANRISK_STORE… (see locations)."""
    from planrisk.gate.audit.locations import resolve_store

    return options.store or resolve_store(
        audit_db=options.audit_db, environ=options.environ, cwd=options.cwd
    )
