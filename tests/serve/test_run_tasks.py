"""End to end: HCP Terraform run tasks against the real `planrisk serve` on PostgreSQL.

A fake HCP Terraform (tests/serve/fake_hcp.py) serves the plan and takes the callbacks; the
requests are shaped and signed as HCP sends them.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from typing import Any

from planrisk.ingest import load_plan

from .conftest import DB_DELETE, HMAC_KEY, REPO, SUBNET_REPLACE, World
from .fake_hcp import RecordingHost, sign
from .server import Served, call, wait_for

PLANRISK = (sys.executable, "-m", "planrisk")


def send_task(
    served: Served,
    payload: dict[str, Any],
    *,
    key: bytes | None = HMAC_KEY,
    header: str = "X-TFC-Task-Signature",
) -> tuple[int, bytes]:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "TFC/1.0 (+https://app.terraform.io; TFC)",
    }
    if key is not None:
        headers[header] = sign(body, key)
    return call(served.url + "/hooks/terraform/run-task", body, headers)


def declared_too_large(served: Served, size: int) -> bytes:
    """The status line answered to a request that declares a body over the cap (none sent:
    the server refuses it before reading)."""
    host, port = served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /hooks/terraform/run-task HTTP/1.1\r\nHost: x\r\n"
            + f"Content-Length: {size}\r\nContent-Type: application/json\r\n\r\n".encode()
        )
        return conn.recv(200)


def key_of(world: World) -> tuple[str, ...]:
    return ("--key", str(world.approver_key), "--store")


def approve(world: World, digest: str) -> None:
    """bob approves the plan with his key; the approval is kept in the store."""
    done = subprocess.run(
        [*PLANRISK, "approve", "--digest", digest, "--approver", "bob", *key_of(world)],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "PLANRISK_STORE": world.store},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def task(
    world: World, result_id: str, plan: bytes, user: str | None, **extra: Any
) -> dict[str, Any]:
    token = f"token-{result_id}"
    plan_url = world.hcp.add_plan(
        f"plan-{result_id}", token, plan, not_ready=extra.pop("not_ready", 0)
    )
    return world.hcp.task_payload(
        task_result_id=result_id, plan_url=plan_url, token=token, run_created_by=user, **extra
    )


def final(world: World, result_id: str, timeout: float = 30) -> dict[str, Any]:
    """The final callback of a task (waited for)."""
    wait_for(
        lambda: any(s in ("passed", "failed") for s in world.hcp.accepted(result_id)),
        timeout,
        f"the final callback of {result_id}",
    )
    finals = [c for c in world.hcp.callbacks(result_id) if c["attributes"]["status"] != "running"]
    return finals[-1]


def test_an_agents_prod_database_delete_fails_with_outcomes(world: World) -> None:
    served = world.start()
    payload = task(world, "taskrs-agent1", DB_DELETE.read_bytes(), "agent-claude", not_ready=2)
    status, body = send_task(served, payload, header="x-tfc-task-signature")
    assert status == 200, body
    result = final(world, "taskrs-agent1")
    attributes = result["attributes"]
    assert attributes["status"] == "failed"
    assert attributes["message"].startswith("planrisk deny: denied by agent_prod_")
    digest = load_plan(DB_DELETE).digest
    assert (
        attributes["url"] == f"http://planrisk.test/v1/decisions/{digest.removeprefix('sha256:')}"
    )
    outcomes = result["relationships"]["outcomes"]["data"]
    assert outcomes and all(o["type"] == "task-result-outcomes" for o in outcomes)
    first = outcomes[0]["attributes"]
    assert first["tags"]["Severity"][0] == {"label": "Critical", "level": "error"}
    assert first["tags"]["Status"][0] == {"label": "Denied", "level": "error"}
    assert any("aws_db_instance" in o["attributes"]["description"] for o in outcomes)
    # The plan was asked for three times (two 204s), fetched from the archive without the
    # token, and every callback went with the run's token as JSON:API.
    plan_calls = world.hcp.requests("GET", "/json-output")
    assert len(plan_calls) == 3 and all(
        c.authorization == "Bearer token-taskrs-agent1" for c in plan_calls
    )
    assert [c.authorization for c in world.hcp.requests("GET", "/archivist/")] == [""]
    patches = world.hcp.requests("PATCH")
    assert all(p.content_type == "application/vnd.api+json" for p in patches)
    # The decision is in the store's chain and behind the link.
    code, document = call(f"{served.url}/v1/decisions/{digest}")
    assert code == 200 and json.loads(document)["decision"]["outcome"] == "deny"
    records = world.schema.admin("SELECT stream, payload FROM planrisk_records")
    assert any(
        stream == "acme/prod-db" and '"outcome":"deny"' in str(payload)
        for stream, payload in records
    )
    assert "token-taskrs-agent1" not in served.log()


def test_a_humans_high_risk_run_waits_then_a_rerun_with_the_approval_passes(world: World) -> None:
    served = world.start()
    plan = SUBNET_REPLACE.read_bytes()
    status, _ = send_task(served, task(world, "taskrs-human1", plan, "alice"))
    assert status == 200
    first = final(world, "taskrs-human1")
    statuses = world.hcp.statuses("taskrs-human1")
    assert statuses.count("running") >= 2, statuses  # heartbeats while pending
    assert statuses[-1] == "failed"
    assert "approval needed — re-run after approval" in first["attributes"]["message"]
    digest = load_plan(SUBNET_REPLACE).digest
    approve(world, digest)
    send_task(served, task(world, "taskrs-human2", plan, "alice"))
    again = final(world, "taskrs-human2")
    assert again["attributes"]["status"] == "passed", again
    assert world.hcp.statuses("taskrs-human2") == ["passed"]


def test_an_approval_that_arrives_while_pending_passes_the_same_task(world: World) -> None:
    world.terraform["approval_timeout_seconds"] = "60"
    served = world.start()
    plan = SUBNET_REPLACE.read_bytes()
    send_task(served, task(world, "taskrs-wait1", plan, "alice"))
    wait_for(lambda: "running" in world.hcp.statuses("taskrs-wait1"), 30, "a heartbeat")
    digest = load_plan(SUBNET_REPLACE).digest
    approve(world, digest)
    assert final(world, "taskrs-wait1")["attributes"]["status"] == "passed"
    assert world.hcp.accepted("taskrs-wait1")[-1] == "passed"


def test_a_forged_or_missing_signature_is_401_and_nothing_is_fetched(world: World) -> None:
    served = world.start()
    payload = task(world, "taskrs-forged", DB_DELETE.read_bytes(), "alice")
    assert send_task(served, payload, key=b"not-the-key")[0] == 401
    assert send_task(served, payload, key=None)[0] == 401
    body = json.dumps(payload).encode()
    tampered = json.dumps({**payload, "run_created_by": "mallory"}).encode()
    headers = {"X-TFC-Task-Signature": sign(body, HMAC_KEY)}
    assert call(served.url + "/hooks/terraform/run-task", tampered, headers)[0] == 401
    assert send_task(served, {**payload, "payload_version": 2})[0] == 400
    assert (
        call(
            served.url + "/hooks/terraform/run-task",
            b"[" * 5000,
            {"X-TFC-Task-Signature": sign(b"[" * 5000, HMAC_KEY)},
        )[0]
        == 400
    )
    assert declared_too_large(served, 2 << 20).startswith(b"HTTP/1.1 413 ")
    served.stop()
    assert world.hcp.requests() == []
    log = served.log()
    assert "Traceback" not in log and HMAC_KEY.decode() not in log
    assert "401" in log and "bad X-TFC-Task-Signature" in log


def test_one_server_on_a_sqlite_store(world: World) -> None:
    served = world.start(store=str(world.root / "store" / "planrisk.db"))
    send_task(served, task(world, "taskrs-sqlite", DB_DELETE.read_bytes(), "agent-x"))
    assert final(world, "taskrs-sqlite")["attributes"]["status"] == "failed"
    digest = load_plan(DB_DELETE).digest.removeprefix("sha256:")
    assert call(f"{served.url}/v1/decisions/{digest}")[0] == 200


def test_an_unreadable_plan_still_gets_a_final_failed_callback(world: World) -> None:
    served = world.start()
    payload = task(
        world, "taskrs-garbage", b'{"format_version": "1.2", "resource_changes": 7}', "alice"
    )
    payload["capabilities"] = {"outcomes": False}
    send_task(served, payload)
    result = final(world, "taskrs-garbage")
    assert result["attributes"]["status"] == "failed"
    assert result["attributes"]["message"].startswith("planrisk could not gate this plan")
    assert "relationships" not in result


def test_an_unsigned_request_counts_only_for_a_configured_test_organization(world: World) -> None:
    world.config_text = (
        world.config()
        .read_text()
        .replace("plan_retry_seconds", 'unsigned_organizations = ["acme-test"]\nplan_retry_seconds')
    )
    served = world.start()
    payload = task(world, "taskrs-unsigned", DB_DELETE.read_bytes(), "agent-x")
    assert send_task(served, payload, key=None)[0] == 401  # organization acme
    payload = {**payload, "organization_name": "acme-test"}
    assert send_task(served, payload, key=None)[0] == 200
    assert final(world, "taskrs-unsigned")["attributes"]["status"] == "failed"
    assert send_task(served, payload, key=b"wrong")[0] == 401  # a bad signature never counts


def test_the_validation_ping_is_answered_and_queues_nothing(world: World) -> None:
    served = world.start()
    ping = world.hcp.task_payload(
        task_result_id="taskrs-ping",
        plan_url=None,
        token="test-token",
        run_created_by=None,
        stage="test",
    )
    assert send_task(served, ping)[0] == 200
    assert world.schema.admin("SELECT count(*) FROM planrisk_jobs") == [(0,)]


def test_a_plan_url_on_another_host_is_refused_and_the_token_never_sent(world: World) -> None:
    elsewhere = RecordingHost()
    try:
        served = world.start()
        payload = task(world, "taskrs-steal", DB_DELETE.read_bytes(), "alice")
        payload["plan_json_api_url"] = f"{elsewhere.url}/api/v2/plans/plan-x/json-output"
        assert send_task(served, payload)[0] == 200
        result = final(world, "taskrs-steal")
        assert result["attributes"]["status"] == "failed"
        assert "not on" in result["attributes"]["message"]
        assert elsewhere.seen == []
        callback_elsewhere = {
            **payload,
            "task_result_id": "taskrs-steal2",
            "task_result_callback_url": f"{elsewhere.url}/api/v2/task-results/x/callback",
        }
        assert send_task(served, callback_elsewhere)[0] == 400
        assert elsewhere.seen == []
    finally:
        elsewhere.close()


def test_a_callback_api_that_is_down_is_retried_until_it_answers(world: World) -> None:
    world.hcp.state.callback_failures.extend([503, 503, 502])
    served = world.start()
    send_task(served, task(world, "taskrs-down", DB_DELETE.read_bytes(), "agent-x"))
    result = final(world, "taskrs-down")
    assert result["attributes"]["status"] == "failed"
    assert world.hcp.statuses("taskrs-down") == ["failed"] * 4  # three refused, one taken
    code, metrics = call(served.url + "/metrics")
    assert code == 200
    assert 'planrisk_callback_retries_total{platform="terraform"} 3' in metrics.decode()
    assert 'planrisk_callbacks_total{platform="terraform",status="failed"} 1' in metrics.decode()


def test_a_task_pending_when_the_server_is_killed_is_finished_after_a_restart(world: World) -> None:
    served = world.start("first", lease_seconds="1")
    plan = SUBNET_REPLACE.read_bytes()
    send_task(served, task(world, "taskrs-crash", plan, "alice"))
    wait_for(lambda: "running" in world.hcp.statuses("taskrs-crash"), 30, "a heartbeat")
    served.kill()
    again = world.start("second", lease_seconds="1")
    result = final(world, "taskrs-crash")
    assert result["attributes"]["status"] == "failed"
    assert "approval needed" in result["attributes"]["message"]
    assert again.process.poll() is None


def test_two_servers_on_one_store_answer_each_task_exactly_once(world: World) -> None:
    one, two = world.start("one"), world.start("two")
    ids = [f"taskrs-pair{i}" for i in range(8)]
    for i, result_id in enumerate(ids):
        payload = task(world, result_id, DB_DELETE.read_bytes(), "agent-x")
        # HCP retries a request it did not see answered: both replicas get every task.
        assert send_task(one if i % 2 else two, payload)[0] == 200
        assert send_task(two if i % 2 else one, payload)[0] == 200
    for result_id in ids:
        final(world, result_id)
    one.stop()
    two.stop()
    for result_id in ids:
        assert world.hcp.statuses(result_id) == ["failed"], result_id
    assert world.schema.admin("SELECT count(*), count(DISTINCT key) FROM planrisk_jobs") == [(8, 8)]
