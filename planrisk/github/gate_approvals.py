"""`planrisk gate --github` (gate stage): the run's pull request → `GateOptions.extra_approvals`.

Input: the analysis, the gate options (actor request, initiator, environment, working
directory) and an optional token. Output: the approvals judged by `github_approvals` for the
pull request of the GitHub Actions run — for a push (the apply after a merge), the pull request
that commit merged — or, outside a pull request, one ignored entry that says why no comment was
read (the gate then fails closed on its own).

After a merge the plan is made again on the default branch: the approvals given in the pull
request count only when that plan has the digest they name. The account that merged (the
push's actor) is a reviewer of the pull request, not the initiator of its change: its approval
counts like anyone's but the author's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planrisk.classify.actor import actor_lists
from planrisk.github.approvals import KIND, github_approvals
from planrisk.github.context import GitHubContext, read_github_context
from planrisk.model import ActorResult, EvidenceResult

if TYPE_CHECKING:
    from planrisk.gate.decide import GateOptions
    from planrisk.pipeline import Analysis


def pull_request_approvals(
    analysis: Analysis,
    options: GateOptions,
    token: str | None = None,
    actor: ActorResult | None = None,
) -> tuple[tuple[str, EvidenceResult], ...]:
    """Approvals from the run's pull request, judged against the analysed plan (`actor`: the
    gate's actor when the caller has classified it already)."""
    context = read_github_context(options.environ, token)
    number = context.pull_number
    merged = None
    if number is None and options.environ.get("GITHUB_EVENT_NAME") == "push":
        merged = merged_pull_request(context, options.environ.get("GITHUB_SHA", ""))
        number = merged[0] if merged is not None else None
    if number is None:
        note = EvidenceResult(
            file=f"github:{context.repository}",
            kind=KIND,
            accepted=False,
            reason="the run belongs to no pull request: no approval comments were read",
        )
        return (("", note),)
    if actor is None:
        from planrisk.gate.decide import classify_gate_actor

        actor = classify_gate_actor(analysis.config, options)
    return github_approvals(
        context.client(),
        context.repository,
        number,
        digest=analysis.plan.digest,
        initiator=merged[1] if merged is not None else actor.identity,
        lists=actor_lists(analysis.config),
    )


def merged_pull_request(context: GitHubContext, sha: str) -> tuple[int, str] | None:
    """(number, author) of the pull request whose merge made commit `sha`, if any
    (`GET /repos/{repo}/commits/{sha}/pulls`)."""
    if not re.fullmatch(r"[0-9a-f]{40}", sha):
        return None
    found = context.client().get(f"/repos/{context.repository}/commits/{sha}/pulls")
    for pull in found if isinstance(found, list) else ():
        if not isinstance(pull, dict) or not pull.get("merged_at"):
            continue
        number, user = pull.get("number"), pull.get("user")
        login = user.get("login") if isinstance(user, dict) else None
        if pull.get("merge_commit_sha") == sha and isinstance(number, int) and login:
            return number, str(login)
    return None
