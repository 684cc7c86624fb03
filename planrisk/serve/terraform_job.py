"""The run-task job (serve layer): a queued run task → its plan gated → HCP called back.

Input: a claimed job holding the run task's payload and what has been done so far. Output: the
next `Step`, and on the way the callbacks: `running` heartbeats while the decision is pending,
then exactly one final `passed` or `failed`.

Every accepted task gets a final callback, whatever fails (fail closed): a plan that cannot be
fetched or read, a gate error, or approvals that do not arrive within the limit all end as
`failed` with the reason. A pending decision is gated again at each heartbeat: approvals
recorded in the store since (`planrisk approve --store`) then count, and the task passes. When
the limit is reached the task fails with "approval needed — re-run after approval"; a re-run
of the same plan (the same digest) finds the approvals in the store and passes at once.
A callback that fails is retried with backoff until it answers or `callback_give_up_seconds`.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from planrisk.classify.actor import actor_lists
from planrisk.errors import PlanriskError
from planrisk.gate.audit.job_queue import Job
from planrisk.report.findings import Finding
from planrisk.serve.context import ServeContext
from planrisk.serve.environments import platform_environment
from planrisk.serve.gating import Gated, PlatformRun, gate_plan
from planrisk.serve.outbound import OutboundError, fetch_plan, send_callback
from planrisk.serve.steps import Done, Later, Step, backoff, given_up
from planrisk.serve.terraform_payload import PLAN_STAGES, RunTask
from planrisk.serve.terraform_result import final_message, result_document

KIND = "terraform.run_task"
PLAN_DOCUMENT = "plan"
DECISION_DOCUMENT = "decision"
APPROVAL_NEEDED = "approval needed — re-run after approval"
_log = logging.getLogger("planrisk.serve")


def enqueue_run_task(ctx: ServeContext, task: RunTask) -> bool:
    """Queue a run task once per `task_result_id`; whether it was new."""
    payload = {"task": task.payload, "state": {"accepted_at": ctx.clock()}}
    return ctx.queue().enqueue(
        f"terraform:{task.result_id}", KIND, msgspec.json.encode(payload).decode(), ctx.clock()
    )


def run_task_job(ctx: ServeContext, job: Job) -> Step:
    """Advance one run task (see the module docstring)."""
    data: dict[str, Any] = msgspec.json.decode(job.payload)
    task = RunTask(data["task"])
    state: dict[str, Any] = data["state"]
    if state.get("final") is None:
        step = _evaluate(ctx, task, state, data, job)
        if step is not None:
            return step
    return _deliver(ctx, task, state, data, job)


def _evaluate(
    ctx: ServeContext, task: RunTask, state: dict[str, Any], data: dict[str, Any], job: Job
) -> Step | None:
    """Gate the plan; a `Step` to wait, or None once `state["final"]` is set."""
    settings = ctx.settings.section.terraform
    assert settings is not None
    age = ctx.clock() - float(state["accepted_at"])
    over = age >= settings.approval_timeout_seconds
    try:
        plan = _plan(ctx, task, state)
        if plan is None:  # HCP answered 204: the plan is not ready yet
            if over:
                _fail(ctx, state, "the plan never became ready; nothing was allowed")
                return None
            return Later(settings.plan_retry_seconds, _encode(data), "plan not ready")
        gated = gate_plan(ctx.settings.config, ctx.store, plan, run_of(ctx, task))
        _remember(ctx, gated, plan, state)
    except OutboundError as exc:
        if exc.retryable and not over:
            delay = backoff(job.attempts, ctx.settings.section.poll_seconds)
            return Later(delay, _encode(data), exc.reason)
        _fail(ctx, state, f"planrisk could not fetch the plan ({exc.reason}); nothing was allowed")
        return None
    except PlanriskError as exc:
        _fail(ctx, state, f"planrisk could not gate this plan: {exc.one_line()}")
        return None
    except Exception as exc:  # fail closed: the task still gets its final callback
        _log.error("run task %s: gate error %s", task.result_id, type(exc).__name__)
        _fail(ctx, state, f"planrisk failed ({type(exc).__name__}); nothing was allowed")
        return None
    url = ctx.decision_url(gated.digest)
    summary = gated.result.decision.summary
    if gated.outcome == "pending" and not over:
        message = f"planrisk pending: {summary}; approve plan {gated.digest[:19]}…"
        running = result_document("running", message, url)
        try:
            send_callback(
                *_target(ctx, task), running, ctx.settings.section.outbound_timeout_seconds
            )
        except OutboundError as exc:
            ctx.metrics.count("planrisk_callback_retries_total", platform="terraform")
            _log.warning("run task %s: heartbeat failed (%s)", task.result_id, exc.reason)
        delay = min(settings.heartbeat_seconds, settings.approval_timeout_seconds - age)
        return Later(max(delay, 0.0), _encode(data))
    if gated.outcome == "pending":
        message = f"planrisk: {APPROVAL_NEEDED} ({summary})"
        state["final"] = result_document("failed", message, url, _outcomes(task, gated), "pending")
        return None
    status = "passed" if gated.outcome == "allow" else "failed"
    message = final_message(gated.outcome, summary, gated.findings)
    state["final"] = result_document(status, message, url, _outcomes(task, gated), gated.outcome)
    return None


def _deliver(
    ctx: ServeContext, task: RunTask, state: dict[str, Any], data: dict[str, Any], job: Job
) -> Step:
    """Send the final result; retry while the callback API is down."""
    section = ctx.settings.section
    try:
        send_callback(*_target(ctx, task), state["final"], section.outbound_timeout_seconds)
    except OutboundError as exc:
        ctx.metrics.count("planrisk_callback_retries_total", platform="terraform")
        age = ctx.clock() - float(state["accepted_at"])
        if not exc.retryable or age > section.callback_give_up_seconds:
            return given_up(f"final callback of {task.result_id}: {exc.reason}")
        return Later(backoff(job.attempts, section.poll_seconds), _encode(data), exc.reason)
    status = str(state["final"]["data"]["attributes"]["status"])
    ctx.metrics.count("planrisk_callbacks_total", platform="terraform", status=status)
    return Done()


def run_of(ctx: ServeContext, task: RunTask) -> PlatformRun:
    """Who and where, from the run task's payload (signed by HCP)."""
    environ = {"TFC_RUN_ID": str(task.payload["run_id"]), "TFC_WORKSPACE_NAME": task.workspace}
    branch = task.text("vcs_branch") or ""
    prefixes = actor_lists(ctx.settings.config).agent_branch_prefixes
    agent_branch = any(branch.startswith(prefix) for prefix in prefixes) if branch else False
    return PlatformRun(
        stream=task.stream,
        environ=environ,
        initiator=task.text("run_created_by"),
        env=platform_environment(ctx.settings.section, [task.text("project_name")]),
        actor="agent" if agent_branch else "auto",
        plan_reference=task.text("run_app_url") or f"run {task.payload['run_id']}",
    )


def _plan(ctx: ServeContext, task: RunTask, state: dict[str, Any]) -> bytes | None:
    """The plan: from the store once fetched, else from HCP (None while not ready)."""
    digest = state.get("digest")
    if isinstance(digest, str):
        stored = ctx.queue().get_document(PLAN_DOCUMENT, digest)
        if stored is not None:
            return stored.encode()
    if task.payload.get("stage") not in PLAN_STAGES:
        raise PlanriskError(
            f"a {task.payload.get('stage')} task has no plan to gate",
            hint="attach the planrisk run task at the post-plan or pre-apply stage",
        )
    url = task.text("plan_json_api_url")
    if url is None:
        raise PlanriskError("the payload has no plan_json_api_url")
    section = ctx.settings.section
    assert section.terraform is not None
    return fetch_plan(
        url,
        str(task.payload["access_token"]),
        section.terraform.api_url,
        section.outbound_timeout_seconds,
        section.max_plan_bytes,
    )


def _remember(ctx: ServeContext, gated: Gated, plan: bytes, state: dict[str, Any]) -> None:
    """Keep the plan (for the next heartbeat) and the decision (for its link)."""
    queue = ctx.queue()
    if state.get("digest") != gated.digest:
        queue.put_document(PLAN_DOCUMENT, gated.digest, plan.decode())
        state["digest"] = gated.digest
    queue.put_document(
        DECISION_DOCUMENT, gated.digest, msgspec.json.encode(gated.document).decode()
    )
    ctx.metrics.count("planrisk_decisions_total", platform="terraform", outcome=gated.outcome)


def _outcomes(task: RunTask, gated: Gated) -> list[Finding]:
    """The findings to send as outcomes, when HCP says it takes them (`capabilities`)."""
    capabilities = task.payload.get("capabilities")
    accepted = isinstance(capabilities, dict) and capabilities.get("outcomes") is True
    return gated.findings if accepted else []


def _fail(ctx: ServeContext, state: dict[str, Any], message: str) -> None:
    state["final"] = result_document("failed", message, None)
    ctx.metrics.count("planrisk_decisions_total", platform="terraform", outcome="error")


def _target(ctx: ServeContext, task: RunTask) -> tuple[str, str, str]:
    section = ctx.settings.section.terraform
    assert section is not None
    return (
        str(task.payload["task_result_callback_url"]),
        str(task.payload["access_token"]),
        section.api_url,
    )


def _encode(data: dict[str, Any]) -> str:
    return msgspec.json.encode(data).decode()
