"""Serve load benchmark (a report, not a timed test): signed run tasks at a real `planrisk serve`.

Input: the PostgreSQL server (`--postgres URL`, default $PLANRISK_TEST_POSTGRES or
postgresql://postgres@127.0.0.1:5432/test), the number of deliveries and how many are in flight
at once. Output, on stdout: the time from sending each signed run-task request to its 200
(p50, p99, max), the time until every task's final callback arrived, how many callbacks each
task got (every one exactly once is the pass condition: exit 1 otherwise), and the server's
resident memory before and after. Everything runs on 127.0.0.1: the server in a subprocess on a
fresh schema (dropped afterwards) and, in this process, a stand-in for HCP Terraform that
serves the plans and takes the callbacks. Half the tasks are an agent deleting a production
database (failed), half a tag update in dev (passed).

    python -m benchmarks.serve_load --deliveries 500 --concurrency 50
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python benchmarks/serve_load.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.store import DEFAULT_POSTGRES, postgres_schema
from planrisk.serve.signatures import terraform_signature

REPO = Path(__file__).resolve().parents[1]
PLANS = {
    "deny": REPO / "fixtures" / "terraform" / "prod-db-delete-no-snapshot" / "plan.json",
    "allow": REPO / "fixtures" / "terraform" / "dev-tag-update" / "plan.json",
}
KEY = b"benchmark-hmac-key"
SERVE = (sys.executable, "-m", "planrisk", "serve")


class Platform:
    """The stand-in for HCP Terraform: plan JSON by id, callbacks counted per task result."""

    def __init__(self) -> None:
        self.plans = {name: path.read_bytes() for name, path in PLANS.items()}
        self.finals: Counter[str] = Counter()
        self.lock = threading.Lock()
        platform_ = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                name = self.path.split("/")[4]  # /api/v2/plans/{allow|deny}/json-output
                self._send(200, platform_.plans[name])

            def do_PATCH(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status = json.loads(self.rfile.read(length))["data"]["attributes"]["status"]
                if status != "running":
                    with platform_.lock:
                        platform_.finals[self.path.split("/")[4]] += 1
                self._send(200, b'{"data":{}}')

            def _send(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payload(self, n: int) -> bytes:
        outcome = "deny" if n % 2 else "allow"
        result = f"taskrs-bench{n:05d}"
        return json.dumps(
            {
                "payload_version": 1,
                "stage": "post_plan",
                "access_token": f"token-{n}",
                "organization_name": "bench",
                "workspace_name": "prod-db" if outcome == "deny" else "dev-tags",
                "run_id": f"run-bench{n:05d}",
                "run_created_by": "agent-bench" if outcome == "deny" else "alice",
                "task_result_id": result,
                "task_result_callback_url": f"{self.url}/api/v2/task-results/{result}/callback",
                "task_result_enforcement_level": "mandatory",
                "plan_json_api_url": f"{self.url}/api/v2/plans/{outcome}/json-output",
            }
        ).encode()


def rss_kib(pid: int) -> int:
    """Resident memory of a process (KiB), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def deliver(port: int, body: bytes) -> tuple[float, int]:
    """(seconds to the answer, status) of one signed run-task request."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {
            "Content-Type": "application/json",
            "X-TFC-Task-Signature": terraform_signature(body, KEY),
        }
        conn.request("POST", "/hooks/terraform/run-task", body, headers)
        status = conn.getresponse().status
    finally:
        conn.close()
    return time.perf_counter() - started, status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="[serve] workers")
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANRISK_TEST_POSTGRES") or DEFAULT_POSTGRES
    )
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    hcp = Platform()
    with tempfile.TemporaryDirectory() as work, postgres_schema(args.postgres) as store:
        root = Path(work)
        (root / "hmac.key").write_bytes(KEY)
        config = root / "planrisk.toml"
        config.write_text(
            '[environments.prod]\nworkspaces = ["prod-*"]\n[environments.dev]\n'
            'workspaces = ["dev-*"]\n[actors]\nagent_logins = ["agent-*"]\n'
            f"[serve]\nworkers = {args.workers}\npoll_seconds = 0.05\n"
            f'[serve.terraform]\nhmac_key_file = "hmac.key"\napi_url = "{hcp.url}"\n'
        )
        port = _free_port()
        log = (root / "serve.log").open("wb")
        server = subprocess.Popen(
            [*SERVE, "--config", str(config), "--store", store, "--port", str(port)],
            stdout=log,
            stderr=log,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            _wait_ready(port, server)
            before = rss_kib(server.pid)
            bodies = [hcp.payload(n) for n in range(args.deliveries)]
            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                answers = list(pool.map(lambda body: deliver(port, body), bodies))
            sent = time.perf_counter() - started
            deadline = time.monotonic() + args.drain_timeout
            while sum(hcp.finals.values()) < args.deliveries and time.monotonic() < deadline:
                time.sleep(0.1)
            drained = time.perf_counter() - started
            after = rss_kib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    times = sorted(seconds * 1000 for seconds, _ in answers)
    statuses = Counter(status for _, status in answers)
    once = sum(1 for count in hcp.finals.values() if count == 1)
    twice = sum(1 for count in hcp.finals.values() if count > 1)
    missing = args.deliveries - len(hcp.finals)
    print(
        f"planrisk serve load: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, PostgreSQL store, {args.workers} workers"
    )
    print(f"deliveries: {args.deliveries} signed run tasks, {args.concurrency} in flight")
    print(f"answers: {dict(sorted(statuses.items()))} in {sent:.2f} s")
    print(
        f"time to the 200: p50 {_pct(times, 50):.1f} ms, p99 {_pct(times, 99):.1f} ms, "
        f"max {times[-1]:.1f} ms"
    )
    print(
        f"final callbacks: {once} tasks exactly once, {twice} more than once, {missing} "
        f"missing; all in {drained:.2f} s"
    )
    print(f"server RSS: {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after")
    return 0 if once == args.deliveries and statuses == Counter({200: args.deliveries}) else 1


def _pct(values: list[float], percent: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("planrisk serve exited before it answered")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("planrisk serve did not answer")


if __name__ == "__main__":
    raise SystemExit(main())
