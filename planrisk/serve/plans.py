"""Plan submission (serve layer): a CI job's plan + its verified OIDC claims → decision JSON.

Input: the plan's bytes (`POST /v1/plans`) and the claims of the job's OIDC token
(`planrisk.serve.oidc`). Output: the decision document `planrisk gate --format json` prints;
the plan, its decision, and the pointer a protection rule finds it by
(`owner/repo@sha:environment`) kept in the store.

Who ran the job and where come from the claims only (GitHub Actions: repository, sha, ref,
actor, event_name, head_ref, environment; HCP Terraform workload identity: organization,
workspace, run), never from the request body, which an agent could write.
"""

from __future__ import annotations

from typing import Any

import msgspec

from planrisk.classify.tokens import any_glob
from planrisk.serve.context import ServeContext
from planrisk.serve.environments import platform_environment
from planrisk.serve.gating import PlatformRun, gate_plan
from planrisk.serve.github_rule_job import DECISION_DOCUMENT, PLAN_DOCUMENT, SUBMITTED_DOCUMENT
from planrisk.serve.limits import BadRequest


def submit_plan(ctx: ServeContext, claims: dict[str, Any], plan: bytes) -> dict[str, Any]:
    """Gate a submitted plan for the run its claims name; keep plan and decision."""
    run, pointer = run_of_claims(ctx, claims)
    gated = gate_plan(ctx.settings.config, ctx.store, plan, run)
    queue = ctx.queue()
    queue.put_document(PLAN_DOCUMENT, gated.digest, plan.decode())
    queue.put_document(
        DECISION_DOCUMENT, gated.digest, msgspec.json.encode(gated.document).decode()
    )
    if pointer is not None:
        queue.put_document(SUBMITTED_DOCUMENT, f"{pointer}:{gated.digest}", gated.digest)
    ctx.metrics.count("planrisk_decisions_total", platform="submitted", outcome=gated.outcome)
    return gated.document


def run_of_claims(ctx: ServeContext, claims: dict[str, Any]) -> tuple[PlatformRun, str | None]:
    """The run the claims name, and the pointer a protection rule looks the plan up by."""
    text = {k: v for k, v in claims.items() if isinstance(v, str) and v}
    if "terraform_workspace_name" in text and "terraform_organization_name" in text:
        workspace = text["terraform_workspace_name"]
        run = PlatformRun(
            stream=f"{text['terraform_organization_name']}/{workspace}",
            environ={
                "TFC_RUN_ID": text.get("terraform_run_id", "unknown"),
                "TFC_WORKSPACE_NAME": workspace,
            },
            env=platform_environment(ctx.settings.section, [text.get("terraform_project_name")]),
            plan_reference=f"run {text.get('terraform_run_id', '?')}",
        )
        return run, None
    repository, sha = text.get("repository"), text.get("sha")
    if not repository or not sha:
        raise BadRequest(403, "the token names no repository and commit")
    workflows = ctx.settings.section.oidc.workflows if ctx.settings.section.oidc else ()
    if workflows and not any_glob(workflows, text.get("job_workflow_ref", "")):
        raise BadRequest(403, "the token's job_workflow_ref is not one of [serve.oidc] workflows")
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": repository,
        "GITHUB_SHA": sha,
        "GITHUB_REF": text.get("ref", ""),
        "GITHUB_EVENT_NAME": text.get("event_name", ""),
        "GITHUB_HEAD_REF": text.get("head_ref", ""),
        "GITHUB_WORKFLOW": text.get("workflow", ""),
    }
    if "actor" in text:
        environ["GITHUB_ACTOR"] = text["actor"]
    environment = text.get("environment")
    run = PlatformRun(
        stream=repository,
        environ={k: v for k, v in environ.items() if v},
        event={"sender": {"login": text["actor"]}} if "actor" in text else {},
        env=platform_environment(ctx.settings.section, [environment]),
        plan_reference=f"the plan submitted for {repository}@{sha[:12]}",
    )
    return run, f"{repository}@{sha}:{environment or '*'}"
