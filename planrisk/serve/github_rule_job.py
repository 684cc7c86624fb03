"""The deployment-protection-rule jobs (serve layer): a deployment → its plan gated → reviewed.

Input: a claimed `github.rule` job (a `deployment_protection_rule` event) or `github.approval`
job (an approve comment or review). Output: the next `Step`, and on the way the review
`POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule` with
`approved` or `rejected` and a comment, made with the App's installation token.

The plan is the one CI submitted (`POST /v1/plans`) for this repository, commit and environment
(or for the commit with no environment claim); none is `rejected`, with the reason. The
identity is the event's, read back from GitHub: `deployment.creator`, the pull request's
author, the commit's author and trailers — fed to the gate's own actor rules as the GitHub
event they read. Approvals are the pull request's `/planrisk approve` comments and reviews,
judged by `planrisk.github.approvals` (write access now, not the author or initiator, not a
bot or agent). A pending decision is not answered: the rule is kept, and each approve
comment on its pull request gates it again; GitHub fails the job if nobody answers.

Each rule is answered once, even with several replicas and several approval comments: the
job that will answer first records itself under the rule's key, and a job that finds another
there stops.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from planrisk.classify.actor import actor_lists
from planrisk.errors import PlanriskError
from planrisk.gate.audit.job_queue import Job
from planrisk.github.approvals import github_approvals
from planrisk.github.client import GitHubClient, GitHubError
from planrisk.github.context import GitHubContext
from planrisk.github.gate_approvals import merged_pull_request
from planrisk.model import ActorResult, EvidenceResult
from planrisk.pipeline import Analysis
from planrisk.serve.context import ServeContext
from planrisk.serve.environments import platform_environment
from planrisk.serve.gating import Gated, PlatformRun, gate_plan
from planrisk.serve.github_events import RULE_KIND
from planrisk.serve.github_payloads import Rule, dict_of, pull_number, repository_of, rule_of
from planrisk.serve.steps import Done, Later, Step, backoff, given_up

PLAN_DOCUMENT = "plan"
DECISION_DOCUMENT = "decision"
SUBMITTED_DOCUMENT = "github-plan"
"""`owner/repo@sha:environment:digest` (`*`: no environment claim) → a submitted plan's
digest (one document per plan submitted for the commit)."""
PENDING_DOCUMENT = "github-pending"
"""`owner/repo#pr:rule` → the protection-rule event waiting for approvals."""
ANSWER_DOCUMENT = "github-answer"
"""`rule` → the key of the job that answers it."""
MAX_COMMENT = 1024
"""GitHub's limit on a review comment."""
RETRIES = 6
"""Tries of a rule whose GitHub reads fail before it is rejected (fail closed)."""
_log = logging.getLogger("planrisk.serve")


def approval_job(ctx: ServeContext, job: Job) -> Step:
    """Queue a fresh gate of every rule pending on the pull request an approval is on."""
    data = msgspec.json.decode(job.payload)
    event, delivery = data["event"], data["delivery"]
    number = pull_number(event)
    if number is None:
        return Done()
    queue = ctx.queue()
    for key, body in queue.documents(PENDING_DOCUMENT, f"{repository_of(event)}#{number}:"):
        payload = msgspec.json.encode({"event": msgspec.json.decode(body), "delivery": delivery})
        queue.enqueue(f"github:{delivery}:{key}", RULE_KIND, payload.decode(), ctx.clock())
    return Done()


def rule_job(ctx: ServeContext, job: Job) -> Step:
    """Gate one deployment and answer its protection rule (see the module docstring)."""
    data = msgspec.json.decode(job.payload)
    rule = rule_of(data["event"])
    queue = ctx.queue()
    holder = queue.get_document(ANSWER_DOCUMENT, rule.key)
    if holder is not None and holder != job.key:
        return Done()  # answered (or being answered) by another job
    answer = data.get("answer")
    if answer is None:
        try:
            client = ctx.tokens().client(rule.installation)
            answer = _decide(ctx, client, rule)
        except GitHubError as exc:
            if job.attempts < RETRIES:
                return Later(
                    backoff(job.attempts, ctx.settings.section.poll_seconds),
                    job.payload,
                    exc.one_line(),
                )
            answer = (
                "rejected",
                f"planrisk could not read GitHub ({exc.one_line()}); nothing was allowed",
            )
        if answer is None:
            return Done()  # pending: kept until an approval arrives
        data["answer"] = list(answer)
    state, comment = data["answer"]
    claimed = queue.add_document(ANSWER_DOCUMENT, rule.key, job.key)
    if not claimed and queue.get_document(ANSWER_DOCUMENT, rule.key) != job.key:
        return Done()
    try:
        ctx.tokens().client(rule.installation).request(
            "POST",
            f"/repos/{rule.repository}/actions/runs/{rule.run_id}/deployment_protection_rule",
            body={"environment_name": rule.environment, "state": state, "comment": comment},
        )
    except GitHubError as exc:
        ctx.metrics.count("planrisk_callback_retries_total", platform="github")
        if _age(ctx, data) > ctx.settings.section.callback_give_up_seconds:
            return given_up(f"review of {rule.key}: {exc.one_line()}")
        data.setdefault("since", ctx.clock())
        delay = backoff(job.attempts, ctx.settings.section.poll_seconds)
        return Later(delay, msgspec.json.encode(data).decode(), exc.one_line())
    ctx.metrics.count("planrisk_callbacks_total", platform="github", status=state)
    for key, _ in _pending(ctx, rule):
        if key.endswith(f":{rule.key}"):
            queue.delete_document(PENDING_DOCUMENT, key)
    return Done()


def _decide(ctx: ServeContext, client: GitHubClient, rule: Rule) -> tuple[str, str] | None:
    """(state, comment) to answer, or None while approvals are pending."""
    queue = ctx.queue()
    plans = _submitted(ctx, rule)
    if not plans:
        return "rejected", (
            f"planrisk: no plan was submitted for commit {rule.sha[:12]} and environment "
            f"{rule.environment}; run `planrisk gate --server URL` (or the action's `server` "
            "input) in the plan job"
        )
    token = ctx.tokens().token(rule.installation)
    run, numbers, merged_author = _platform_run(ctx, client, token, rule)
    decided: list[Gated] = []
    for plan in plans:
        try:
            decided.append(
                gate_plan(
                    ctx.settings.config,
                    ctx.store,
                    plan,
                    run,
                    approvals=lambda analysis, actor: _approvals(
                        ctx, client, rule, numbers, merged_author, analysis, actor
                    ),
                )
            )
        except GitHubError:
            raise
        except PlanriskError as exc:
            return "rejected", f"planrisk could not gate a plan: {exc.one_line()}"[:MAX_COMMENT]
        except Exception as exc:  # fail closed
            _log.error("rule %s: gate error %s", rule.key, type(exc).__name__)
            return "rejected", f"planrisk failed ({type(exc).__name__}); nothing was allowed"
        _remember(ctx, decided[-1])
    several = f" ({len(decided)} plans were submitted for this commit)" if len(decided) > 1 else ""
    for outcome, state in (("deny", "rejected"), ("pending", None), ("allow", "approved")):
        gated = next((g for g in decided if g.outcome == outcome), None)
        if gated is None:
            continue
        url = ctx.decision_url(gated.digest)
        link = f" ({url})" if url else ""
        comment = f"planrisk {outcome}: {gated.result.decision.summary}{link}{several}"
        if state is not None:
            return state, comment[:MAX_COMMENT]
        break
    body = msgspec.json.encode(rule.event).decode()
    first = not any(key.endswith(f":{rule.key}") for key, _ in _pending(ctx, rule))
    for number in numbers:
        queue.put_document(PENDING_DOCUMENT, f"{rule.repository}#{number}:{rule.key}", body)
    waiting = [g for g in decided if g.outcome == "pending"]
    if first:
        _report_pending(ctx, client, rule, waiting, bool(numbers))
    return None


def _pending(ctx: ServeContext, rule: Rule) -> list[tuple[str, str]]:
    return ctx.queue().documents(PENDING_DOCUMENT, f"{rule.repository}#")


def _report_pending(
    ctx: ServeContext, client: GitHubClient, rule: Rule, waiting: list[Gated], pull: bool
) -> None:
    """Tell the deployment what it waits for: a status report (a review without a state,
    shown on the run), once per rule; GitHub keeps at most 10 per deployment."""
    replies = ", ".join(
        f"`/planrisk approve {g.digest.removeprefix('sha256:')[:12]}`" for g in waiting
    )
    needs = "; ".join(g.result.decision.summary for g in waiting)
    where = "on the pull request" if pull else "(this commit belongs to no pull request)"
    comment = f"planrisk {needs}. Eligible reviewers reply {replies} {where}."
    _log.info("rule %s pending: %s", rule.key, comment)
    try:
        client.request(
            "POST",
            f"/repos/{rule.repository}/actions/runs/{rule.run_id}/deployment_protection_rule",
            body={"environment_name": rule.environment, "comment": comment[:MAX_COMMENT]},
        )
    except GitHubError as exc:  # the report is a courtesy; the rule stays pending either way
        _log.warning("rule %s: status report not sent (%s)", rule.key, exc.one_line())


def _submitted(ctx: ServeContext, rule: Rule) -> list[bytes]:
    """Every plan submitted for the rule's commit, for its environment or for none.

    All of them are gated, not the newest: a job that submits a harmless plan after the real
    one cannot launder the commit (each must be allowed for the deployment to be approved).
    """
    queue = ctx.queue()
    digests = sorted(
        {
            body
            for scope in (rule.environment, "*")
            for _, body in queue.documents(
                SUBMITTED_DOCUMENT, f"{rule.repository}@{rule.sha}:{scope}:"
            )
        }
    )
    plans = [queue.get_document(PLAN_DOCUMENT, digest) for digest in digests]
    return [plan.encode() for plan in plans if plan is not None]


def _platform_run(
    ctx: ServeContext, client: GitHubClient, token: str, rule: Rule
) -> tuple[PlatformRun, list[int], str | None]:
    """The gate's view of the deployment: a GitHub event built from what GitHub says."""
    event = rule.event
    creator = dict_of(dict_of(event.get("deployment")).get("creator"))
    numbers = [
        int(p["number"])
        for p in event.get("pull_requests") or ()
        if isinstance(p, dict) and isinstance(p.get("number"), int)
    ]
    merged_author = None
    if not numbers:
        context = GitHubContext(rule.repository, None, client.api_url, token)
        merged = merged_pull_request(context, rule.sha)
        if merged is not None:
            numbers, merged_author = [merged[0]], merged[1]
    payload: dict[str, Any] = {"sender": creator}
    if numbers:
        pull = client.get(f"/repos/{rule.repository}/pulls/{numbers[0]}")
        if isinstance(pull, dict):
            payload["pull_request"] = {
                "number": numbers[0],
                "user": pull.get("user"),
                "head": {"ref": dict_of(pull.get("head")).get("ref")},
            }
    commit = client.get(f"/repos/{rule.repository}/commits/{rule.sha}")
    details = dict_of(dict_of(commit).get("commit"))
    author = dict_of(details.get("author"))
    payload["commits"] = [
        {"id": rule.sha, "message": details.get("message") or "", "author": author}
    ]
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": rule.repository,
        "GITHUB_EVENT_NAME": str(event.get("event") or "deployment"),
        "GITHUB_SHA": rule.sha,
        "GITHUB_REF": rule.ref,
    }
    if isinstance(creator.get("login"), str):
        environ["GITHUB_ACTOR"] = creator["login"]
    run = PlatformRun(
        stream=rule.repository,
        environ=environ,
        event=payload,
        env=platform_environment(ctx.settings.section, [rule.environment]),
        plan_reference=f"the plan submitted for {rule.repository}@{rule.sha[:12]}",
    )
    return run, numbers, merged_author


def _approvals(
    ctx: ServeContext,
    client: GitHubClient,
    rule: Rule,
    numbers: list[int],
    merged_author: str | None,
    analysis: Analysis,
    actor: ActorResult,
) -> tuple[tuple[str, EvidenceResult], ...]:
    """The pull requests' approve comments and reviews, judged against this plan."""
    found: list[tuple[str, EvidenceResult]] = []
    for number in numbers:
        found += github_approvals(
            client,
            rule.repository,
            number,
            digest=analysis.plan.digest,
            initiator=merged_author or actor.identity,
            lists=actor_lists(ctx.settings.config),
        )
    return tuple(found)


def _remember(ctx: ServeContext, gated: Gated) -> None:
    document = msgspec.json.encode(gated.document).decode()
    ctx.queue().put_document(DECISION_DOCUMENT, gated.digest, document)
    ctx.metrics.count("planrisk_decisions_total", platform="github", outcome=gated.outcome)


def _age(ctx: ServeContext, data: dict[str, Any]) -> float:
    return ctx.clock() - float(data.get("since", ctx.clock()))
