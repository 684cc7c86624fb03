"""A fake HCP Terraform API on 127.0.0.1 for the serve tests (run tasks).

Input: plans a test registers (by plan id, with the run's access token) and failures it
queues. Output: an HTTP server answering the two calls a run task makes, as HashiCorp's
run-task integration API documents them: `GET /api/v2/plans/{id}/json-output` (Bearer token;
204 while the plan is "not ready", else 307 to a short-lived archive URL that takes no token)
and `PATCH /api/v2/task-results/{id}/callback` (Bearer token, `application/vnd.api+json`).
Every request is recorded. `task_payload` builds a run-task request shaped like the
documented payload (version 1); `sign` signs it as HCP does (hex HMAC-SHA512).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from .threaded import ThreadedServer, reply


@dataclass
class Seen:
    method: str
    path: str
    authorization: str
    content_type: str
    body: Any


@dataclass
class HcpState:
    plans: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """plan id → (access token, plan JSON)."""
    not_ready: dict[str, int] = field(default_factory=dict)
    """plan id → 204 answers still to give."""
    callback_failures: list[int] = field(default_factory=list)
    """Statuses the callback answers before it works (the callback API being down)."""
    seen: list[Seen] = field(default_factory=list)
    accepted: list[tuple[str, str]] = field(default_factory=list)
    """(path, status) of every callback answered 200."""
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeHCP(ThreadedServer):
    """The server, running in a thread until `close()`."""

    def __init__(self) -> None:
        self.state = HcpState()
        super().__init__(type("Handler", (_Handler,), {"state": self.state}))

    def add_plan(self, plan_id: str, token: str, plan: bytes, *, not_ready: int = 0) -> str:
        """Serve `plan` to `token`; its plan_json_api_url."""
        self.state.plans[plan_id] = (token, plan)
        self.state.not_ready[plan_id] = not_ready
        return f"{self.url}/api/v2/plans/{plan_id}/json-output"

    def requests(self, method: str | None = None, part: str = "") -> list[Seen]:
        with self.state.lock:
            return [s for s in self.state.seen if (method in (None, s.method)) and part in s.path]

    def callbacks(self, task_result_id: str) -> list[dict[str, Any]]:
        """The attributes of every callback received for a task result, in order."""
        path = f"/api/v2/task-results/{task_result_id}/callback"
        return [s.body["data"] for s in self.requests("PATCH", path) if s.body is not None]

    def accepted(self, task_result_id: str) -> list[str]:
        """The statuses of the callbacks HCP took (answered 200) for a task result."""
        path = f"/api/v2/task-results/{task_result_id}/callback"
        with self.state.lock:
            return [status for where, status in self.state.accepted if where == path]

    def statuses(self, task_result_id: str) -> list[str]:
        return [c["attributes"]["status"] for c in self.callbacks(task_result_id)]

    def task_payload(
        self,
        *,
        task_result_id: str,
        plan_url: str | None,
        token: str,
        run_created_by: str | None,
        workspace: str = "prod-db",
        organization: str = "acme",
        project: str = "Default Project",
        stage: str = "post_plan",
        vcs_branch: str | None = "main",
    ) -> dict[str, Any]:
        """A run-task request as HCP Terraform sends it (payload version 1)."""
        run = f"run-{task_result_id.removeprefix('taskrs-')}"
        return {
            "payload_version": 1,
            "stage": stage,
            "access_token": token,
            "capabilities": {"outcomes": True},
            "configuration_version_download_url": None,
            "configuration_version_id": "cv-ntv3HbhJqvFzamy7",
            "is_speculative": False,
            "organization_name": organization,
            "project_id": "prj-yuEN6sJVra5t6XVy",
            "project_name": project,
            "project_app_url": f"https://app.terraform.io/app/{organization}/projects/prj-1",
            "plan_json_api_url": plan_url,
            "run_app_url": f"https://app.terraform.io/app/{organization}/{workspace}/runs/{run}",
            "run_created_at": "2026-12-01T10:00:00.000Z",
            "run_created_by": run_created_by,
            "run_id": run,
            "run_message": "Triggered via API",
            "task_result_callback_url": f"{self.url}/api/v2/task-results/{task_result_id}/callback",
            "task_result_enforcement_level": "mandatory",
            "task_result_id": task_result_id,
            "vcs_branch": vcs_branch,
            "vcs_commit_url": None,
            "vcs_pull_request_url": None,
            "vcs_repo_url": None,
            "workspace_app_url": f"https://app.terraform.io/app/{organization}/{workspace}",
            "workspace_id": "ws-2Qhk7LHgbMrm3grV",
            "workspace_name": workspace,
            "workspace_working_directory": "",
        }


def sign(body: bytes, key: bytes) -> str:
    """X-TFC-Task-Signature of `body`."""
    return hmac.new(key, body, hashlib.sha512).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    state: HcpState

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def _serve(self, method: str) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization", "")
        with self.state.lock:
            self.state.seen.append(
                Seen(
                    method,
                    path,
                    auth,
                    self.headers.get("Content-Type", ""),
                    json.loads(raw) if raw else None,
                )
            )
        parts = path.split("/")
        if method == "GET" and path.startswith("/api/v2/plans/") and path.endswith("/json-output"):
            self._plan_api(parts[4], auth)
        elif method == "GET" and path.startswith("/archivist/"):
            self._archive(parts[-1], auth)
        elif method == "PATCH" and path.startswith("/api/v2/task-results/"):
            self._callback(auth, path, json.loads(raw) if raw else None)
        else:
            self._send(404, b'{"errors":[{"status":"404"}]}')

    def _plan_api(self, plan_id: str, auth: str) -> None:
        entry = self.state.plans.get(plan_id)
        if entry is None or auth != f"Bearer {entry[0]}":
            self._send(401, b'{"errors":[{"status":"401","title":"unauthorized"}]}')
            return
        with self.state.lock:
            waiting = self.state.not_ready.get(plan_id, 0)
            if waiting:
                self.state.not_ready[plan_id] = waiting - 1
        if waiting:
            self._send(204, b"")
            return
        location = f"http://{self.headers['Host']}/archivist/v1/object/{plan_id}"
        self._send(307, b"", {"Location": location})

    def _archive(self, plan_id: str, auth: str) -> None:
        entry = self.state.plans.get(plan_id)
        if entry is None or auth:  # the signed URL takes no token
            self._send(403, b"")
            return
        self._send(200, entry[1], {"Content-Type": "application/json"})

    def _callback(self, auth: str, path: str, body: Any) -> None:
        tokens = {token for token, _ in self.state.plans.values()}
        if auth.removeprefix("Bearer ") not in tokens:
            self._send(401, b'{"errors":[{"status":"401"}]}')
            return
        if self.headers.get("Content-Type") != "application/vnd.api+json":
            self._send(422, b'{"errors":[{"status":"422"}]}')
            return
        with self.state.lock:
            failure = self.state.callback_failures.pop(0) if self.state.callback_failures else None
        if failure is not None:
            self._send(failure, b'{"errors":[{"status":"503"}]}')
            return
        with self.state.lock:
            self.state.accepted.append((path, body["data"]["attributes"]["status"]))
        self._send(200, b'{"data":{}}')

    def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        reply(self, status, data, headers)


class RecordingHost(ThreadedServer):
    """Another host (not the configured HCP origin): records whatever reaches it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                seen.append((self.path, self.headers.get("Authorization", "")))
                reply(self, 200, b"{}")

            do_PATCH = do_GET

        super().__init__(Handler)
