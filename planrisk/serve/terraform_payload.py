"""Run-task requests (serve layer): HCP Terraform's JSON payload → a checked `RunTask`.

Input: the decoded body of `POST /hooks/terraform/run-task` (payload version 1: the fields of
HashiCorp's run-task integration API) and the `[serve.terraform]` settings. Output: a
`RunTask` with what the gate needs; `BadRequest(400)` for a payload that is not one, or whose
callback URL is not on the configured HCP/TFE origin (the token would go there).

The endpoint-validation ping HCP sends when a task is created carries `access_token` =
`test-token`: it is answered 200 and nothing is queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planrisk.serve.limits import BadRequest
from planrisk.serve.outbound import on_origin

VALIDATION_TOKEN = "test-token"
PLAN_STAGES = frozenset({"post_plan", "pre_apply", "post_apply"})
"""Stages whose payload has `plan_json_api_url`."""
_REQUIRED = (
    "access_token",
    "organization_name",
    "run_id",
    "stage",
    "task_result_callback_url",
    "task_result_id",
    "workspace_name",
)


@dataclass(frozen=True)
class RunTask:
    """One run task request, checked."""

    payload: dict[str, Any]

    @property
    def result_id(self) -> str:
        return str(self.payload["task_result_id"])

    @property
    def organization(self) -> str:
        return str(self.payload["organization_name"])

    @property
    def workspace(self) -> str:
        return str(self.payload["workspace_name"])

    @property
    def stream(self) -> str:
        return f"{self.organization}/{self.workspace}"

    def text(self, name: str) -> str | None:
        value = self.payload.get(name)
        return value if isinstance(value, str) and value else None


def is_validation(payload: dict[str, Any]) -> bool:
    """Whether this is the endpoint-validation ping of a new task."""
    return payload.get("access_token") == VALIDATION_TOKEN or payload.get("stage") == "test"


def parse_run_task(payload: dict[str, Any], api_url: str) -> RunTask:
    """Check a run task payload; BadRequest(400) with the reason otherwise."""
    if payload.get("payload_version") != 1:
        raise BadRequest(400, "payload_version is not 1")
    for name in _REQUIRED:
        value = payload.get(name)
        if not isinstance(value, str) or not value:
            raise BadRequest(400, f"{name} is missing")
    if not on_origin(payload["task_result_callback_url"], api_url):
        raise BadRequest(400, "task_result_callback_url is not on the configured HCP origin")
    plan_url = payload.get("plan_json_api_url")
    if plan_url is not None and not isinstance(plan_url, str):
        raise BadRequest(400, "plan_json_api_url is not a string")
    return RunTask(payload)
