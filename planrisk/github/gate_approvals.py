"""`planrisk gate --github` (gate stage): the run's pull request → `GateOptions.extra_approvals`.

Input: the analysis, the gate options (actor request, initiator, environment, working
directory) and an optional token. Output: the approvals judged by `github_approvals` for the
pull request of the GitHub Actions run, or, outside a pull request, one ignored entry that
says why no comment was read (the gate then fails closed on its own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planrisk.actor import actor_lists
from planrisk.github.approvals import KIND, github_approvals
from planrisk.github.context import read_github_context
from planrisk.model import ActorResult, EvidenceResult

if TYPE_CHECKING:
    from planrisk.gate import GateOptions
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
    if context.pull_number is None:
        note = EvidenceResult(
            file=f"github:{context.repository}",
            kind=KIND,
            accepted=False,
            reason="the run belongs to no pull request: no approval comments were read",
        )
        return (("", note),)
    if actor is None:
        from planrisk.gate import classify_gate_actor

        actor = classify_gate_actor(analysis.config, options)
    return github_approvals(
        context.client(),
        context.repository,
        context.pull_number,
        digest=analysis.plan.digest,
        initiator=actor.identity,
        lists=actor_lists(analysis.config),
    )
