"""One gate run for the server (serve layer): plan bytes + platform-asserted context → decision.

Input: the plan's bytes, a `PlatformRun` (who initiated it and where, as the platform's signed
webhook or OIDC token says, expressed as the CI environment the gate already reads, so the
actor and environment rules are the CLI's own) and, optionally, a function that finds the
approvals once the plan's digest is known. Output: a `Gated` — the `GateResult`, the JSON
document `planrisk gate --format json` prints, the findings, and the audit record appended to
the store (here, explicitly: the gate's own side effect is not relied on).

Nothing the agent writes reaches this: no repository file is read (the configuration is the
system file `planrisk serve` was started with), the working directory is an empty temporary
one, and the environment is built from the platform's claims only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from msgspec.structs import replace

from planrisk.config import PlanriskConfig
from planrisk.gate.audit.chain import AuditRecord
from planrisk.gate.audit.locations import StoreSpec
from planrisk.gate.decide import GateResult
from planrisk.model import ActorResult, EvidenceResult
from planrisk.pipeline import Analysis
from planrisk.report.findings import Finding

Approvals = Callable[[Analysis, ActorResult], tuple[tuple[str, EvidenceResult], ...]]


@dataclass(frozen=True)
class PlatformRun:
    """Who initiated a plan and where, as the platform asserts it."""

    stream: str
    """The store stream the decision goes to (`owner/repo`, `org/workspace`)."""
    environ: Mapping[str, str]
    """The CI environment the actor and environment rules read (built from the platform's
    payload, never from the agent's process)."""
    initiator: str | None = None
    event: Mapping[str, Any] | None = None
    """A GitHub event payload for the actor rules (PR author, commits), written for the gate."""
    env: str = "auto"
    """An environment the platform names (a protected environment, a project): only raises."""
    actor: str = "auto"
    """A stricter actor kind the platform's data shows (an agent branch): only raises."""
    plan_reference: str = "the plan"
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Gated:
    """One decision made by the server."""

    result: GateResult
    document: dict[str, Any]
    """What `planrisk gate --format json` prints."""
    findings: list[Finding]
    record: AuditRecord

    @property
    def digest(self) -> str:
        return self.result.analysis.plan.digest

    @property
    def outcome(self) -> str:
        return self.result.decision.outcome


def gate_plan(
    config: PlanriskConfig,
    store: StoreSpec,
    plan: bytes,
    run: PlatformRun,
    approvals: Approvals | None = None,
) -> Gated:
    """Analyze and gate `plan` for `run`, append the decision to the store."""
    from planrisk.gate.audit import append_decision
    from planrisk.gate.decide import GateOptions, classify_gate_actor, run_gate
    from planrisk.gate.record import audit_record
    from planrisk.pipeline import AnalyzeOptions, analyze
    from planrisk.report.findings import collect_findings

    spec = store.with_stream(run.stream)
    with tempfile.TemporaryDirectory(prefix="planrisk-serve-") as work:
        directory = Path(work)
        plan_path = directory / "plan.json"
        plan_path.write_bytes(plan)
        environ = dict(run.environ)
        if run.event is not None:
            event_path = directory / "event.json"
            event_path.write_bytes(msgspec.json.encode(run.event))
            environ["GITHUB_EVENT_PATH"] = str(event_path)
        options = GateOptions(
            actor=run.actor,
            initiator=run.initiator,
            environ=environ,
            cwd=directory,
            store=spec,
            plan_reference=run.plan_reference,
        )
        actor = classify_gate_actor(config, options)
        options = replace(options, classified=actor)
        analysis = analyze(
            plan_path,
            AnalyzeOptions(
                env=run.env,
                config=config,
                environ=environ,
                cwd=directory,
                paths_raise_only=True,  # the server's temporary paths say nothing
                complete_required=True,
            ),
        )
        if approvals is not None:
            options = replace(options, extra_approvals=approvals(analysis, actor))
        result = run_gate(analysis, options)
    record = append_decision(spec, audit_record(result))
    return Gated(
        result=result,
        document=decision_document(result, run.plan_reference),
        findings=collect_findings(result),
        record=record,
    )


def decision_document(result: GateResult, plan_reference: str) -> dict[str, Any]:
    """The gate's JSON document, as the CLI prints it."""
    from planrisk.report.formats import Format, RenderOptions, render_pieces

    text = "".join(render_pieces(Format.JSON, result, RenderOptions(plan_path=plan_reference)))
    document: dict[str, Any] = msgspec.json.decode(text)
    return document
