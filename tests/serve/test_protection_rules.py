"""End to end: GitHub custom deployment protection rules against the real `planrisk serve`.

The plan job submits its plan with an OIDC token (`POST /v1/plans`); GitHub then asks the App
about the deployment (`deployment_protection_rule`), and approve comments on the pull request
arrive as `issue_comment` deliveries. A fake GitHub API (tests/serve/fake_github_app.py) plays
GitHub: installation tokens for a valid App JWT, the pull request, its comments and the
collaborators' permissions, the commit, and the review endpoint.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from planrisk.ingest import load_plan

from .conftest import DB_DELETE, TAG_UPDATE, WEBHOOK_SECRET, World
from .fake_github_app import TOKEN, sign
from .fake_oidc import actions_claims
from .server import Served, call, wait_for

SHA = "5b0f3ad0c1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6"


def deliver(
    served: Served,
    event: str,
    payload: dict[str, Any],
    *,
    delivery: str | None = None,
    secret: bytes | None = WEBHOOK_SECRET,
) -> tuple[int, bytes]:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "User-Agent": "GitHub-Hookshot/abc1234",
    }
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    return call(served.url + "/hooks/github", body, headers)


def submit(
    world: World, served: Served, plan: Path, sha: str = SHA, **claims: str
) -> dict[str, Any]:
    token = world.issuer.token(
        actions_claims("acme/infra", sha, claims.pop("actor", "alice"), **claims)
    )
    status, body = call(
        served.url + "/v1/plans",
        plan.read_bytes(),
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert status == 200, body
    document: dict[str, Any] = json.loads(body)
    return document


def comment(world: World, login: str, text: str, number: int = 7) -> dict[str, Any]:
    """Post an issue comment on the fake API and build its `issue_comment` delivery."""
    posted = world.github.add_comment(number, login, text)
    return {
        "action": "created",
        "issue": {
            "number": number,
            "pull_request": {"url": f"{world.github.url}/repos/acme/infra/pulls/{number}"},
            "user": {"login": "alice", "type": "User"},
        },
        "comment": posted,
        "repository": {"full_name": "acme/infra", "name": "infra"},
        "installation": {"id": 77},
        "sender": {"login": login, "type": "User"},
    }


def reviews(world: World, run_id: int, count: int = 1) -> list[dict[str, Any]]:
    wait_for(lambda: len(world.github.reviews_of(run_id)) >= count, 30, f"review of run {run_id}")
    return world.github.reviews_of(run_id)


def test_an_agents_prod_change_is_rejected(world: World) -> None:
    world.github.state.pulls[7]["user"] = {"login": "copilot-swe-agent[bot]", "type": "Bot"}
    world.github.add_commit(SHA, "Drop the old database", "Copilot", "copilot@example.com")
    served = world.start()
    submit(world, served, DB_DELETE)
    assert (
        deliver(served, "deployment_protection_rule", world.github.rule_event(run_id=101, sha=SHA))[
            0
        ]
        == 202
    )
    [review] = reviews(world, 101)
    assert review["state"] == "rejected" and review["environment_name"] == "production"
    assert review["comment"].startswith("planrisk deny: denied by agent_prod_")
    assert len(review["comment"]) <= 1024
    assert world.github.token_requests == 1  # the installation token is cached
    served.stop()
    log = served.log()
    assert TOKEN not in log and "Traceback" not in log
    assert WEBHOOK_SECRET.decode() not in log


def test_an_agent_co_authored_commit_is_an_agents_change(world: World) -> None:
    world.github.add_commit(
        SHA, "Remove db\n\nCo-authored-by: Claude <noreply@anthropic.com>", "alice", "a@acme.test"
    )
    served = world.start()
    submit(world, served, DB_DELETE)
    deliver(served, "deployment_protection_rule", world.github.rule_event(run_id=102, sha=SHA))
    assert reviews(world, 102)[0]["state"] == "rejected"


def test_an_allowed_change_is_approved(world: World) -> None:
    world.github.add_commit(SHA, "Tag the dev bucket", "alice", "a@acme.test")
    served = world.start()
    assert submit(world, served, TAG_UPDATE)["decision"]["outcome"] == "allow"
    event = world.github.rule_event(run_id=103, sha=SHA, environment="development")
    deliver(served, "deployment_protection_rule", event)
    [review] = reviews(world, 103)
    assert review["state"] == "approved"
    assert review["comment"].startswith("planrisk allow:")


def test_a_harmless_plan_submitted_later_does_not_launder_the_commit(world: World) -> None:
    world.github.state.pulls[7]["user"] = {"login": "copilot-swe-agent[bot]", "type": "Bot"}
    world.github.add_commit(SHA, "Drop the old database", "Copilot", "copilot@example.com")
    served = world.start()
    submit(world, served, DB_DELETE)
    submit(world, served, TAG_UPDATE)  # the same commit, a plan that would be allowed
    deliver(served, "deployment_protection_rule", world.github.rule_event(run_id=107, sha=SHA))
    [review] = reviews(world, 107)
    assert review["state"] == "rejected"
    assert "2 plans were submitted for this commit" in review["comment"]


def test_no_submitted_plan_is_rejected_with_the_reason(world: World) -> None:
    world.github.add_commit(SHA, "x", "alice", "a@acme.test")
    served = world.start()
    deliver(served, "deployment_protection_rule", world.github.rule_event(run_id=104, sha=SHA))
    [review] = reviews(world, 104)
    assert review["state"] == "rejected"
    assert "no plan was submitted for commit 5b0f3ad0c1e2" in review["comment"]


def test_a_pending_rule_is_approved_after_two_eligible_approve_comments(world: World) -> None:
    world.github.add_commit(SHA, "Drop the old database", "alice", "a@acme.test")
    served = world.start()
    digest = submit(world, served, DB_DELETE)["plan"]["digest"]
    assert digest == load_plan(DB_DELETE).digest
    short = digest.removeprefix("sha256:")[:12]
    deliver(served, "deployment_protection_rule", world.github.rule_event(run_id=105, sha=SHA))
    wait_for(
        lambda: (
            world.schema.admin(
                "SELECT count(*) FROM planrisk_documents WHERE kind = 'github-pending'"
            )
            == [(1,)]
        ),
        30,
        "the rule to be pending",
    )
    # Not eligible: read permission, the author, a bot; none of them counts.
    for login in ("carol", "alice"):
        assert (
            deliver(served, "issue_comment", comment(world, login, f"/planrisk approve {short}"))[0]
            == 202
        )
    assert deliver(served, "issue_comment", comment(world, "bob", "LGTM"))[0] == 204
    assert (
        deliver(served, "issue_comment", comment(world, "bob", f"/planrisk approve {short}"))[0]
        == 202
    )
    wait_for(
        lambda: len(world.schema.admin("SELECT 1 FROM planrisk_jobs WHERE state <> 'done'")) == 0,
        30,
        "the jobs",
    )
    assert world.github.reviews_of(105) == []  # one eligible approval of two
    [report] = world.github.status_reports(105)  # once, when the rule became pending
    assert f"`/planrisk approve {short}` on the pull request" in report["comment"]
    assert "needs 2 more approvals" in report["comment"]
    approval = world.github.add_review(7, "dave", f"/planrisk approve {short}", "APPROVED")
    review_event = {
        "action": "submitted",
        "review": approval,
        "pull_request": {"number": 7, "user": {"login": "alice", "type": "User"}},
        "repository": {"full_name": "acme/infra", "name": "infra"},
        "installation": {"id": 77},
        "sender": {"login": "dave", "type": "User"},
    }
    assert deliver(served, "pull_request_review", review_event)[0] == 202
    [review] = reviews(world, 105)
    assert review["state"] == "approved", review
    deliver(served, "issue_comment", comment(world, "erin", f"/planrisk approve {short}"))
    wait_for(
        lambda: len(world.schema.admin("SELECT 1 FROM planrisk_jobs WHERE state <> 'done'")) == 0,
        30,
        "the jobs",
    )
    assert len(world.github.reviews_of(105)) == 1  # answered once


def test_bad_signatures_unknown_events_and_malformed_payloads(world: World) -> None:
    served = world.start()
    event = world.github.rule_event(run_id=106, sha=SHA)
    assert deliver(served, "deployment_protection_rule", event, secret=b"wrong")[0] == 401
    assert deliver(served, "deployment_protection_rule", event, secret=None)[0] == 401
    assert deliver(served, "ping", {"zen": "Design for failure."})[0] == 200
    assert deliver(served, "star", {"action": "created"})[0] == 204
    assert deliver(served, "deployment_protection_rule", {"action": "requested"})[0] == 400
    body = b'{"action": "requested", '
    headers = {
        "X-GitHub-Event": "deployment_protection_rule",
        "X-GitHub-Delivery": "d-1",
        "X-Hub-Signature-256": sign(body, WEBHOOK_SECRET),
    }
    assert call(served.url + "/hooks/github", body, headers)[0] == 400
    served.stop()
    assert world.github.state.seen == []
    log = served.log()
    assert "Traceback" not in log and WEBHOOK_SECRET.decode() not in log


def test_the_docs_test_vector_signs_as_github_does() -> None:
    from planrisk.serve.signatures import github_signature, github_signed

    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert github_signature(b"Hello, World!", b"It's a Secret to Everybody") == expected
    assert github_signed(b"Hello, World!", expected, b"It's a Secret to Everybody")
    assert not github_signed(b"Hello, World?", expected, b"It's a Secret to Everybody")
    assert not github_signed(b"Hello, World!", "", b"It's a Secret to Everybody")


def test_two_servers_on_one_store_answer_each_rule_exactly_once(world: World) -> None:
    world.github.add_commit(SHA, "Drop the old database", "alice", "a@acme.test")
    one, two = world.start("one"), world.start("two")
    submit(world, one, DB_DELETE)
    runs = list(range(200, 206))
    for run_id in runs:
        delivery = str(uuid.uuid4())
        event = world.github.rule_event(run_id=run_id, sha=SHA)
        # A redelivery (the same id) to the other replica is the same job.
        assert deliver(one, "deployment_protection_rule", event, delivery=delivery)[0] == 202
        assert deliver(two, "deployment_protection_rule", event, delivery=delivery)[0] == 202
    wait_for(
        lambda: (
            world.schema.admin(
                "SELECT count(*) FROM planrisk_documents WHERE kind = 'github-pending'"
            )
            == [(len(runs),)]
        ),
        30,
        "every rule to be pending",
    )
    short = load_plan(DB_DELETE).digest.removeprefix("sha256:")[:12]
    deliver(one, "issue_comment", comment(world, "bob", f"/planrisk approve {short}"))
    deliver(two, "issue_comment", comment(world, "dave", f"/planrisk approve {short}"))
    for run_id in runs:
        assert reviews(world, run_id)[0]["state"] == "approved"
    wait_for(
        lambda: len(world.schema.admin("SELECT 1 FROM planrisk_jobs WHERE state <> 'done'")) == 0,
        30,
        "the jobs",
    )
    one.stop()
    two.stop()
    for run_id in runs:
        assert len(world.github.reviews_of(run_id)) == 1, run_id
