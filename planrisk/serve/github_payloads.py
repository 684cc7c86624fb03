"""GitHub webhook payloads (serve layer): a delivery's JSON → the fields the server acts on.

Input: the decoded payload of a verified delivery. Output: its repository, the pull request
an approval is on, and the protection `Rule` a `deployment_protection_rule` event asks about
(repository, environment, run id from `deployment_callback_url`, installation, commit);
`BadRequest(400)` when a field the server needs is missing or malformed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from planrisk.serve.limits import BadRequest

_RUN = re.compile(r"/repos/[^/]+/[^/]+/actions/runs/(\d+)/deployment_protection_rule$")


@dataclass(frozen=True)
class Rule:
    """One protection rule to answer."""

    repository: str
    environment: str
    run_id: int
    installation: int
    sha: str
    ref: str
    event: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.repository}:{self.run_id}:{self.environment}"


def rule_of(event: dict[str, Any]) -> Rule:
    """The rule a `deployment_protection_rule` event asks about, or BadRequest(400)."""
    repository = repository_of(event)
    environment = event.get("environment")
    installation = dict_of(event.get("installation")).get("id")
    deployment = dict_of(event.get("deployment"))
    sha = deployment.get("sha") or event.get("sha")
    callback = event.get("deployment_callback_url")
    found = _RUN.search(callback) if isinstance(callback, str) else None
    if not isinstance(environment, str) or not environment:
        raise BadRequest(400, "environment is missing")
    if not isinstance(installation, int) or found is None:
        raise BadRequest(400, "installation.id or deployment_callback_url is missing")
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise BadRequest(400, "deployment.sha is not a commit")
    ref = deployment.get("ref") or event.get("ref") or ""
    return Rule(repository, environment, int(found.group(1)), installation, sha, str(ref), event)


def pull_number(payload: dict[str, Any]) -> int | None:
    """The pull request an approval comment or review is on."""
    for field in ("issue", "pull_request"):
        item = payload.get(field)
        number = item.get("number") if isinstance(item, dict) else None
        if isinstance(number, int) and not isinstance(number, bool):
            return number
    return None


def repository_of(payload: dict[str, Any]) -> str:
    """`owner/name` of the delivery's repository, or BadRequest(400)."""
    repository = payload.get("repository")
    name = repository.get("full_name") if isinstance(repository, dict) else None
    if not isinstance(name, str) or name.count("/") != 1:
        raise BadRequest(400, "repository.full_name is missing")
    return name


def dict_of(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}
