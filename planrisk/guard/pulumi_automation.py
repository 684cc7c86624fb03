"""Pulumi Automation API integration (guard stage): a gated `stack.up()`.

Input: a `pulumi.automation.Stack` and the gate's options. Output: the `UpResult` of `stack.up`
when the gate allows the preview's changes; otherwise `GateDenied` carrying the `GateResult` and
its `Decision`, and `up` is never called. Steps: `stack.preview(on_event=…)` collects the engine
events, which are written back in the engine's JSON shape (shared/docs/plan-formats.md §2.7, §2.8)
and read by `planrisk.ingest.pulumi_events`; ingest → graph → score → gate; `stack.up(plan=…)`
with the update plan that preview saved into the guard's private directory (sealed before the
gate, checked again before `up`): an update plan constrains `up` to the previewed operations and
fails on any discrepancy. A preview that writes no update plan fails closed. The audit log gets
the decision and an `apply_result` record with the digest of the update plan applied.

The SDK drops events it cannot parse (for example the `diff` op), so a preview whose summary
counts destroys that no collected event shows fails closed. Requires `pip install planrisk[pulumi]`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import msgspec

from planrisk.errors import ExitCode, PlanriskError
from planrisk.gate.decide import GateResult
from planrisk.guard.arguments import UPDATE_PLAN_FILE
from planrisk.guard.bound import check as check_seal
from planrisk.guard.bound import seal
from planrisk.guard.flow import (
    APPLY_RESULT_KIND,
    GuardSettings,
    append_record,
    audit_store,
    relabel,
    work_dir,
)
from planrisk.model import Decision

PREVIEW_ARGUMENTS = frozenset(
    {
        "parallel",
        "message",
        "target",
        "exclude",
        "policy_packs",
        "policy_pack_configs",
        "expect_no_changes",
        "diff",
        "target_dependents",
        "exclude_dependents",
        "replace",
        "color",
        "program",
        "refresh",
        "config_file",
        "run_program",
    }
)
"""`stack.up` keyword arguments that `stack.preview` takes too (they change what is planned)."""
DESTRUCTIVE_OPS = frozenset({"delete", "replace", "delete-replaced", "discard", "discard-replaced"})
"""Summary ops that destroy (or forget) a resource."""


class GateDenied(PlanriskError):
    """The gate did not allow the update: `result` and `decision` say why; nothing was applied."""

    exit_code = ExitCode.BLOCKED

    def __init__(self, result: GateResult) -> None:
        decision = result.decision
        rules = ", ".join(r.name for r in decision.rules) or "no rule"
        super().__init__(
            f"planrisk gate said {decision.outcome} ({rules}); `up` was not run",
            source=result.analysis.plan.source,
            hint="; ".join(r.detail for r in decision.requirements if not r.satisfied) or None,
        )
        self.result = result
        self.decision: Decision = decision


def guarded_up(
    stack: Any,
    *,
    actor: str = "auto",
    initiator: str | None = None,
    env: str = "auto",
    evidence: tuple[Path, ...] | list[Path] = (),
    config: Path | None = None,
    audit_db: Path | None = None,
    source_dir: Path | None = None,
    risk_models: tuple[Path, ...] | list[Path] = (),
    environ: Mapping[str, str] | None = None,
    **up_kwargs: Any,
) -> Any:
    """Preview `stack`, gate the preview, and call `stack.up(**up_kwargs)` only on allow.

    Raises `GateDenied` when not allowed, PlanriskError for bad input (the extra missing, a
    preview whose events cannot be read).
    """
    from planrisk.config import load_config
    from planrisk.gate.decide import GateOptions, classify_gate_actor, distrusts_paths, run_gate
    from planrisk.gate.record import record_decision
    from planrisk.pipeline import AnalyzeOptions, analyze

    _require_sdk()
    settings = GuardSettings(
        environ=dict(os.environ if environ is None else environ), audit_db=audit_db
    )
    events: list[dict[str, Any]] = []
    preview_kwargs = {k: v for k, v in up_kwargs.items() if k in PREVIEW_ARGUMENTS}
    if "plan" in up_kwargs:
        raise PlanriskError(
            "guarded_up makes its own update plan from the preview it gates; do not pass plan=",
            hint="call guarded_up(stack, …) without plan",
        )
    with work_dir() as work:
        saved_plan = work / UPDATE_PLAN_FILE
        preview_kwargs["plan"] = str(saved_plan)
        preview = stack.preview(
            on_event=lambda e: events.append(event_to_json(e)), **preview_kwargs
        )
        if not saved_plan.is_file():
            raise PlanriskError(
                "pulumi preview wrote no update plan, so `up` could not be held to it",
                hint="use a Pulumi CLI that supports `preview --save-plan` (3.x; older releases "
                "need PULUMI_EXPERIMENTAL=true)",
            )
        sealed = seal(saved_plan)
        plan_path = work / "guard" / "plan" / "events.ndjson"
        plan_path.parent.mkdir(parents=True)
        plan_path.write_bytes(b"\n".join(msgspec.json.encode(e) for e in events) + b"\n")
        cwd = Path(getattr(stack.workspace, "work_dir", None) or settings.cwd)
        log = audit_store(audit_db, settings)
        options = GateOptions(
            actor=actor,
            initiator=initiator,
            evidence_paths=tuple(evidence),
            store=log,
            environ=settings.environ,
            cwd=cwd,
        )
        # Who initiated it is known before the preview is read: an agent's working directory
        # may then only make the environment stricter.
        loaded = load_config(
            config,
            cwd=cwd,
            environ=settings.environ,
            extra_risk_models=tuple(risk_models),
        )
        classified = classify_gate_actor(loaded, options)
        analysis = analyze(
            plan_path,
            AnalyzeOptions(
                env=env,
                source_dir=source_dir,
                environ=settings.environ,
                cwd=cwd,
                config=loaded,
                paths_raise_only=distrusts_paths(classified),
            ),
        )
        analysis = relabel(analysis, f"pulumi preview of stack {stack.name} (automation API)")
        _check_summary(preview.change_summary, analysis.plan)
        options = msgspec.structs.replace(options, classified=classified)
        result = run_gate(analysis, options)
        record_decision(result, options)
        if result.decision.outcome != "allow":
            raise GateDenied(result)
        check_seal(sealed)
        exit_code = 1
        try:
            up_result = stack.up(**up_kwargs, plan=str(sealed.path))
            exit_code = 0
        finally:
            append_record(
                log,
                {
                    "kind": APPLY_RESULT_KIND,
                    "command": "pulumi up (automation API)",
                    "plan_digest": analysis.plan.digest,
                    "applied_plan_sha256": sealed.digest,
                    "exit_code": exit_code,
                },
            )
        return up_result


def _require_sdk() -> None:
    try:
        import pulumi.automation  # noqa: F401
    except ImportError:
        raise PlanriskError(
            "the Pulumi SDK is not installed",
            hint="install the extra: pip install 'planrisk[pulumi]'",
        ) from None


def _check_summary(change_summary: Mapping[str, int] | None, plan: Any) -> None:
    """Fail closed when the summary counts destroys that no collected event shows."""
    destroys = sum(int(n) for op, n in (change_summary or {}).items() if str(op) in DESTRUCTIVE_OPS)
    if destroys and not any(c.action.is_destructive for c in plan.changes):
        raise PlanriskError(
            f"the preview summary counts {destroys} destroy(s) but no destroy event was received",
            source=plan.source,
            hint="upgrade the pulumi SDK and CLI, or gate `pulumi preview --json` instead",
        )


def event_to_json(event: Any) -> dict[str, Any]:
    """A `pulumi.automation.EngineEvent` back in the engine's JSON shape (None fields left out)."""
    document: dict[str, Any] = {"sequence": event.sequence, "timestamp": event.timestamp}
    if event.cancel_event is not None:
        document["cancelEvent"] = {}
    if event.stdout_event is not None:
        document["stdoutEvent"] = _fields(
            event.stdout_event, {"message": "message", "color": "color"}
        )
    if event.diagnostic_event is not None:
        document["diagnosticEvent"] = _fields(event.diagnostic_event, _DIAGNOSTIC)
    if event.prelude_event is not None:
        document["preludeEvent"] = {"config": dict(event.prelude_event.config or {})}
    if event.summary_event is not None:
        document["summaryEvent"] = _fields(event.summary_event, _SUMMARY)
    for attribute, key in _STEP_EVENTS.items():
        step = getattr(event, attribute, None)
        if step is None:
            continue
        payload: dict[str, Any] = {"metadata": _metadata(step.metadata)}
        for name in ("planning", "status", "steps"):
            value = getattr(step, name, None)
            if value is not None:
                payload[name] = value
        document[key] = payload
    return document


_STEP_EVENTS = {
    "resource_pre_event": "resourcePreEvent",
    "res_outputs_event": "resOutputsEvent",
    "res_op_failed_event": "resOpFailedEvent",
}
_DIAGNOSTIC = {
    "urn": "urn",
    "prefix": "prefix",
    "message": "message",
    "color": "color",
    "severity": "severity",
    "ephemeral": "ephemeral",
}
_SUMMARY = {
    "maybe_corrupt": "maybeCorrupt",
    "duration_seconds": "durationSeconds",
    "resource_changes": "resourceChanges",
    "policy_packs": "PolicyPacks",
}
_METADATA = {
    "op": "op",
    "urn": "urn",
    "type": "type",
    "provider": "provider",
    "keys": "keys",
    "diffs": "diffs",
    "logical": "logical",
}
_STATE = {
    "type": "type",
    "urn": "urn",
    "id": "id",
    "parent": "parent",
    "provider": "provider",
    "custom": "custom",
    "delete": "delete",
    "protect": "protect",
    "retain_on_delete": "retainOnDelete",
    "inputs": "inputs",
    "outputs": "outputs",
    "init_errors": "initErrors",
    "taint": "taint",
}


def _fields(obj: Any, names: Mapping[str, str]) -> dict[str, Any]:
    """Attributes of `obj` under their JSON names; enums as values; None left out."""
    result = {}
    for attribute, key in names.items():
        value = getattr(obj, attribute, None)
        if value is not None:
            result[key] = value.value if isinstance(value, Enum) else value
    return result


def _metadata(meta: Any) -> dict[str, Any]:
    document = _fields(meta, _METADATA)
    for side in ("old", "new"):
        state = getattr(meta, side, None)
        if state is not None:
            document[side] = _fields(state, _STATE)
    detailed = getattr(meta, "detailed_diff", None)
    if detailed:
        document["detailedDiff"] = {
            path: _fields(diff, {"diff_kind": "diffKind", "input_diff": "inputDiff"})
            for path, diff in detailed.items()
        }
    return document
