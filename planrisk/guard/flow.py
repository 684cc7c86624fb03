"""`planrisk guard`: gate a Terraform, OpenTofu or Pulumi command at apply time, then run it.

Input: the wrapped command's argv and the gate options. Output: the exit code: the tool's own
on allow (and for read-only commands, which pass straight through), 1 when not allowed or
refused (the tool never runs), 3 for bad input, 4 for an internal error (never run: fail closed).

Planned commands (apply, destroy, up…) get their plan saved or copied into a private directory
and sealed (`planrisk.guard.bound`), its JSON shown (`planrisk.guard.arguments`) and kept for
approvers under .planrisk/plans/ (`planrisk.guard.kept`), then ingest → graph → score → gate;
on allow the seal is checked again and the real command runs on that sealed file. The audit log
gets the decision and then an `apply_result` record with the exit code and the digest of the
bytes applied. State commands (state rm, import, taint…) have no plan to gate: they run only for
a human initiator. Commands off the allow-list are refused (`planrisk.guard.refusal`).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from planrisk.errors import ExitCode, PlanriskError
from planrisk.guard.arguments import Steps, plan_steps
from planrisk.guard.bound import Seal, copy_into, seal
from planrisk.guard.bound import check as check_seal
from planrisk.guard.commands import Effect, Invocation, effect_of, parse_invocation
from planrisk.guard.runner import run
from planrisk.model import ActorResult
from planrisk.pipeline import Analysis

if TYPE_CHECKING:
    from planrisk.config import PlanriskConfig
    from planrisk.gate.audit.locations import StoreSpec
    from planrisk.gate.decide import GateOptions

APPLY_RESULT_KIND = "apply_result"
"""`kind` of the audit record that follows an allowed command with its exit code."""
STATE_COMMAND_KIND = "state_command"
"""`kind` of the audit record of a state command's decision."""


@dataclass(frozen=True)
class GuardSettings:
    """The gate's options as `planrisk guard` takes them."""

    actor: str = "auto"
    initiator: str | None = None
    env: str = "auto"
    evidence_paths: tuple[Path, ...] = ()
    config_path: Path | None = None
    config_ref: str | None = None
    source_dir: Path | None = None
    risk_model_paths: tuple[Path, ...] = ()
    audit_db: Path | None = None
    store: str | None = None
    stream: str | None = None
    fmt: str = "text"
    output: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=Path.cwd)


def guard(command: list[str] | tuple[str, ...], settings: GuardSettings) -> int:
    """Gate `command` and run it on allow; returns the exit code planrisk should end with."""
    invocation = parse_invocation(command, settings.cwd)
    effect = effect_of(invocation)
    if effect is Effect.REFUSED:
        from planrisk.guard.refusal import refuse

        return refuse(invocation, audit_store(settings.audit_db, settings))
    if effect is Effect.READ_ONLY:
        return run(invocation.argv).exit_code
    if effect is Effect.STATE:
        return _guard_state_command(invocation, settings)
    return _guard_planned(invocation, settings)


def _guard_planned(invocation: Invocation, settings: GuardSettings) -> int:
    from planrisk.gate.decide import GateOptions, run_gate
    from planrisk.gate.record import record_decision

    with work_dir() as work:
        steps = plan_steps(invocation, work)
        plan_json, sealed = _acquire(invocation, steps)
        plan_path = work / "guard" / "plan" / "plan.json"
        plan_path.parent.mkdir(parents=True)
        plan_path.write_bytes(plan_json)
        log = audit_store(settings.audit_db, settings)
        options = GateOptions(
            actor=settings.actor,
            initiator=settings.initiator,
            evidence_paths=settings.evidence_paths,
            store=log,
            environ=settings.environ,
            cwd=invocation.workdir,
        )
        config, actor = _config_and_actor(invocation, settings, options)
        analysis = relabel(
            _analyze(plan_path, invocation, settings, config, actor), _source(invocation, steps)
        )
        kept = keep_for_review(plan_json, analysis.plan.digest, settings)
        options = msgspec.structs.replace(options, classified=actor, plan_reference=str(kept))
        result = run_gate(analysis, options)
        record_decision(result, options)
        _report(result, settings)
        if result.decision.outcome != "allow":
            _say(f"planrisk guard: {result.decision.outcome}: `{invocation.label}` was not run")
            return int(ExitCode.BLOCKED)
        return _run_sealed(invocation, steps, sealed, analysis.plan.digest, log)


def _acquire(invocation: Invocation, steps: Steps) -> tuple[bytes, Seal | None]:
    """Copy or save the plan into the private directory, seal it, then show it.

    The seal is taken before `show` reads the file, so what is shown and gated is the sealed
    bytes. A failing step is bad input; nothing ran.
    """
    sealed: Seal | None = None
    if steps.copy_from is not None and steps.plan_file is not None:
        sealed = copy_into(steps.copy_from, steps.plan_file)
    if steps.save is not None:
        saved = run(steps.save, stdout_to_stderr=True)
        _check_step(invocation, steps.save, saved.exit_code)
    if sealed is None and steps.save is not None and steps.plan_file is not None:
        sealed = seal(steps.plan_file)
    shown = run(steps.show, capture=True)
    _check_step(invocation, steps.show, shown.exit_code)
    if sealed is None and steps.plan_file is not None:
        # Pulumi writes the update plan during the preview that prints the JSON.
        sealed = seal(steps.plan_file)
    return shown.stdout, sealed


def _run_sealed(
    invocation: Invocation,
    steps: Steps,
    sealed: Seal | None,
    plan_digest: str,
    log: StoreSpec,
) -> int:
    """Re-check the seal, run the step that names the sealed file, audit the bytes applied."""
    if sealed is not None:
        check_seal(sealed)
    code = run(steps.run).exit_code
    append_record(
        log,
        {
            "kind": APPLY_RESULT_KIND,
            "command": invocation.label,
            "plan_digest": plan_digest,
            "applied_plan_sha256": sealed.digest if sealed is not None else None,
            "exit_code": code,
        },
    )
    return code


def keep_for_review(plan_json: bytes, digest: str, settings: GuardSettings) -> Path:
    """Keep the gated plan under .planrisk/plans/ and say where (one line on stderr)."""
    from planrisk.guard.kept import keep_plan

    path = keep_plan(plan_json, digest, settings.cwd)
    if settings.fmt != "json" or settings.output is not None:
        # A JSON verdict on stderr stays one document; it names the file in its requirements.
        _say(f"planrisk guard: the gated plan is kept for review in {path}")
    return path


def _check_step(invocation: Invocation, argv: tuple[str, ...], code: int) -> None:
    if code != 0:
        raise PlanriskError(
            f"`{' '.join((invocation.tool, *argv[1:3]))}` exited with {code}; "
            f"`{invocation.label}` was not run",
            hint="fix the error the tool printed above and run the command again",
        )


def _config_and_actor(
    invocation: Invocation, settings: GuardSettings, options: GateOptions
) -> tuple[PlanriskConfig, ActorResult]:
    """The configuration layers of the run and who initiated it (known before the analysis:
    an agent's working directory may only make the environment stricter)."""
    from planrisk.config import load_config
    from planrisk.gate.decide import classify_gate_actor

    config = load_config(
        settings.config_path,
        cwd=invocation.workdir,
        environ=settings.environ,
        config_ref=settings.config_ref,
        extra_risk_models=settings.risk_model_paths,
    )
    return config, classify_gate_actor(config, options)


def _analyze(
    plan_path: Path,
    invocation: Invocation,
    settings: GuardSettings,
    config: PlanriskConfig,
    actor: ActorResult,
) -> Analysis:
    from planrisk.gate.decide import distrusts_paths
    from planrisk.pipeline import AnalyzeOptions, analyze

    return analyze(
        plan_path,
        AnalyzeOptions(
            env=settings.env,
            source_dir=settings.source_dir,
            environ=settings.environ,
            cwd=invocation.workdir,
            plan_signal_path=invocation.workdir / "plan.json",
            config=config,
            paths_raise_only=distrusts_paths(actor),
        ),
    )


def _source(invocation: Invocation, steps: Steps) -> str:
    """How messages and the audit log name the plan (never the private directory's path)."""
    if steps.copy_from is not None:
        return f"{invocation.tool} show -json {steps.copy_from} (a private copy)"
    if steps.save is not None:
        return f"{invocation.tool} plan made by planrisk guard for `{invocation.label}`"
    return f"{invocation.tool} preview made by planrisk guard for `{invocation.label}`"


def relabel(analysis: Analysis, source: str) -> Analysis:
    """Name the plan by the command that printed it rather than the guard's temporary file."""
    plan = msgspec.structs.replace(analysis.plan, source=source)
    assessment = msgspec.structs.replace(analysis.assessment, plan=plan)
    return msgspec.structs.replace(analysis, plan=plan, assessment=assessment)


def _guard_state_command(invocation: Invocation, settings: GuardSettings) -> int:
    """No plan to gate: run only when a human initiated it; audit the decision and the result."""
    from planrisk.gate.decide import GateOptions

    config, actor = _config_and_actor(
        invocation,
        settings,
        GateOptions(
            actor=settings.actor,
            initiator=settings.initiator,
            environ=settings.environ,
            cwd=invocation.workdir,
        ),
    )
    outcome = "allow" if actor.treated_as == "human" else "deny"
    log = audit_store(settings.audit_db, settings)
    append_record(
        log,
        {
            "kind": STATE_COMMAND_KIND,
            "command": invocation.label,
            "outcome": outcome,
            "actor": {
                "kind": actor.kind,
                "treated_as": actor.treated_as,
                "identity": actor.identity,
                "evidence": list(actor.evidence),
            },
            "policy_digest": config.digest,
        },
    )
    if outcome != "allow":
        evidence = "; ".join(actor.evidence) or "no evidence"
        _say(
            f"planrisk guard: deny: `{invocation.label}` changes state without a plan to gate, "
            f"so only a human may run it (actor {actor.kind}: {evidence}); it was not run"
        )
        return int(ExitCode.BLOCKED)
    code = run(invocation.argv).exit_code
    append_record(
        log,
        {
            "kind": APPLY_RESULT_KIND,
            "command": invocation.label,
            "plan_digest": None,
            "exit_code": code,
        },
    )
    return code


def _report(result: Any, settings: GuardSettings) -> None:
    """The gate's verdict: on stderr (stdout belongs to the tool), or in the -o file."""
    from planrisk.report.formats import Format, RenderOptions, render
    from planrisk.report.output import write_output
    from planrisk.report.text import use_colour

    colour = settings.fmt != "json" and settings.output is None and use_colour(sys.stderr)
    fmt = Format.JSON if settings.fmt == "json" else Format.TEXT
    text = render(fmt, result, RenderOptions(colour=colour))
    if settings.output is not None:
        write_output(text, settings.output)
    else:
        _say(text)


def _say(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


def audit_store(audit_db: Path | None, settings: GuardSettings) -> StoreSpec:
    """The settings' store and stream: --store, `audit_db`, PLANRISK_STORE, PLANRISK_AUDIT_DB
    or .planrisk/audit.db under the settings' cwd (`planrisk.gate.audit.locations`)."""
    from planrisk.gate.audit.locations import resolve_store

    return resolve_store(
        store=settings.store,
        audit_db=audit_db,
        stream=settings.stream,
        environ=settings.environ,
        cwd=settings.cwd,
    )


def append_record(log: StoreSpec, record: dict[str, Any]) -> None:
    """Append one record (decision follow-up) to the audit log."""
    from planrisk.gate.audit import append_decision

    append_decision(log, record)


@contextmanager
def work_dir() -> Iterator[Path]:
    """The guard's private directory: an unguessable name, 0700, removed afterwards.

    The saved plan (or the copy of the user's), its JSON and Pulumi's update plan live here; a
    fixed or guessable name let another process of the same user overwrite the plan between the
    gate and the apply. Environment path signals come from the invocation's working directory
    (`AnalyzeOptions.plan_signal_path`), never from this directory.
    """
    try:
        path = Path(tempfile.mkdtemp(prefix="planrisk-guard-"))
    except OSError as exc:
        raise PlanriskError(
            f"cannot create a private directory for the plan ({exc.strerror or exc})",
            source=tempfile.gettempdir(),
            hint="set TMPDIR to a writable directory",
        ) from None
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
