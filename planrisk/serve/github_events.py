"""GitHub webhooks (serve layer): a verified delivery → a queued job, or nothing to do.

Input: the `X-GitHub-Event` and `X-GitHub-Delivery` headers and the decoded payload of a
delivery whose `X-Hub-Signature-256` was verified. Output: a job queued once per delivery id
(GitHub redelivers with the same id), or None for an event the server does not act on (the
endpoint answers 204):

- `deployment_protection_rule` `requested`: gate the deployment (`github_rule_job`).
- `issue_comment` `created` and `pull_request_review` `submitted` whose body holds a
  `/planrisk approve <hex>` line: gate again every protection rule pending on that pull
  request (the approval rules themselves are `planrisk.github.approvals`', applied there).
"""

from __future__ import annotations

from typing import Any

import msgspec

from planrisk.github.approvals import approve_command_target
from planrisk.serve.context import ServeContext
from planrisk.serve.github_payloads import rule_of

RULE_KIND = "github.rule"
APPROVAL_KIND = "github.approval"


def enqueue_delivery(
    ctx: ServeContext, event: str, delivery: str, payload: dict[str, Any]
) -> bool | None:
    """Queue the delivery's job: True when new, False when already queued, None when the
    event is not one the server acts on."""
    kind = _kind(event, payload)
    if kind is None:
        return None
    if kind == RULE_KIND:
        _check_rule(payload)
    body = msgspec.json.encode({"event": payload, "delivery": delivery}).decode()
    return ctx.queue().enqueue(f"github:{delivery}", kind, body, ctx.clock())


def _kind(event: str, payload: dict[str, Any]) -> str | None:
    action = payload.get("action")
    if event == "deployment_protection_rule" and action == "requested":
        return RULE_KIND
    if event == "issue_comment" and action == "created":
        issue = payload.get("issue")
        if isinstance(issue, dict) and issue.get("pull_request") and _approves(payload, "comment"):
            return APPROVAL_KIND
    if event == "pull_request_review" and action == "submitted" and _approves(payload, "review"):
        return APPROVAL_KIND
    return None


def _approves(payload: dict[str, Any], field: str) -> bool:
    item = payload.get(field)
    body = item.get("body") if isinstance(item, dict) else None
    return isinstance(body, str) and approve_command_target(body) is not None


def _check_rule(payload: dict[str, Any]) -> None:
    """A protection-rule payload has what the job needs, or BadRequest(400)."""
    rule_of(payload)
