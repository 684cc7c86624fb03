"""End to end: plans submitted by CI with an OIDC token (`POST /v1/plans`, `gate --server`)."""

from __future__ import annotations

import json
import subprocess
import sys

from planrisk.ingest import load_plan

from .conftest import DB_DELETE, REPO, TAG_UPDATE, World
from .fake_oidc import actions_claims
from .server import call

SHA = "0123456789abcdef0123456789abcdef01234567"


def post(world: World, url: str, token: str, plan: bytes) -> tuple[int, bytes]:
    return call(url + "/v1/plans", plan, {"Authorization": f"Bearer {token}"})


def test_a_plan_is_gated_for_the_run_its_token_names(world: World) -> None:
    served = world.start()
    claims = actions_claims("acme/infra", SHA, "copilot-swe-agent[bot]")
    status, body = post(world, served.url, world.issuer.token(claims), DB_DELETE.read_bytes())
    assert status == 200, body
    document = json.loads(body)
    assert document["decision"]["outcome"] == "deny"
    assert document["actor"]["kind"] == "agent"
    digest = load_plan(DB_DELETE).digest
    code, kept = call(f"{served.url}/v1/decisions/{digest.removeprefix('sha256:')}")
    assert code == 200 and json.loads(kept)["plan"]["digest"] == digest
    pointer = world.schema.admin(
        "SELECT key, body FROM planrisk_documents WHERE kind = 'github-plan'"
    )
    assert pointer == [(f"acme/infra@{SHA}:*:{digest}", digest)]
    records = world.schema.admin("SELECT stream FROM planrisk_records")
    assert ("acme/infra",) in records


def test_bad_tokens_are_401(world: World) -> None:
    served = world.start()
    plan = TAG_UPDATE.read_bytes()
    claims = actions_claims("acme/infra", SHA, "alice")
    issuer = world.issuer
    for token, reason in (
        (issuer.token(claims, forged=True), "signature does not verify"),
        (issuer.token(claims, audience="someone-else"), "another audience"),
        (issuer.token(claims, lifetime=-120), "expired"),
        ("not.a.jwt", "not signed by a key of the issuer"),
    ):
        status, body = post(world, served.url, token, plan)
        assert status == 401, (reason, body)
        assert reason in json.loads(body)["error"]
    assert call(served.url + "/v1/plans", plan)[0] == 401
    assert world.schema.admin("SELECT count(*) FROM planrisk_records") in ([(0,)], [])


def test_a_malformed_plan_is_400_with_one_line(world: World) -> None:
    served = world.start()
    token = world.issuer.token(actions_claims("acme/infra", SHA, "alice"))
    status, body = post(
        world, served.url, token, b'{"format_version": "1.2", "resource_changes": 7}'
    )
    assert status == 400
    assert "\n" not in json.loads(body)["error"]
    served.stop()
    assert "Traceback" not in served.log()


def test_gate_server_prints_the_servers_decision(world: World) -> None:
    served = world.start()
    world.issuer.runtime_claims = actions_claims("acme/infra", SHA, "alice")
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{world.issuer.url}/actions-token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": world.issuer.runtime_token,
    }
    done = subprocess.run(
        [sys.executable, "-m", "planrisk", "gate", str(TAG_UPDATE), "--server", served.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"]["outcome"] == "allow"
    denied = subprocess.run(
        [sys.executable, "-m", "planrisk", "gate", str(DB_DELETE), "--server", served.url],
        env={
            **env,
            "PLANRISK_SERVER_TOKEN": world.issuer.token(
                actions_claims("acme/infra", SHA, "claude[bot]")
            ),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert denied.returncode == 1
    assert json.loads(denied.stdout)["decision"]["outcome"] == "deny"
    refused = subprocess.run(
        [sys.executable, "-m", "planrisk", "gate", str(DB_DELETE), "--server", served.url],
        env={**env, "PLANRISK_SERVER_TOKEN": "forged"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 3, refused.stderr
    assert "answered 401" in refused.stderr and "forged" not in refused.stderr


def test_only_the_allowed_workflows_may_submit(world: World) -> None:
    text = world.config().read_text()
    pinned = "acme/platform/.github/workflows/terraform.yml@refs/heads/main"
    world.config_text = text.replace(
        'audience = "planrisk"', f'audience = "planrisk"\nworkflows = ["{pinned}"]'
    )
    served = world.start()
    plan = TAG_UPDATE.read_bytes()
    own = actions_claims(
        "acme/infra",
        SHA,
        "alice",
        job_workflow_ref="acme/infra/.github/workflows/x.yml@refs/heads/agent",
    )
    status, body = post(world, served.url, world.issuer.token(own), plan)
    assert status == 403 and b"job_workflow_ref" in body
    platform = actions_claims("acme/infra", SHA, "alice", job_workflow_ref=pinned)
    assert post(world, served.url, world.issuer.token(platform), plan)[0] == 200


def test_health_and_metrics(world: World) -> None:
    served = world.start()
    assert call(served.url + "/healthz") == (200, b'{"ok":true,"queue_depth":0}')
    call(served.url + "/hooks/github", b"{}", {})
    status, text = call(served.url + "/metrics")
    assert status == 200
    lines = text.decode().splitlines()
    assert 'planrisk_requests_total{route="github",status="401"} 1' in lines
    assert "planrisk_queue_depth 0" in lines
    assert "# TYPE planrisk_decisions_total counter" in lines
