"""Run-task results (serve layer): a decision → the JSON:API document HCP Terraform accepts.

Input: a status (`running`, `passed`, `failed`), a one-line message, a link to the decision and
the decision's findings. Output: the body of `PATCH task_result_callback_url`
(`application/vnd.api+json`): `data.attributes` {status, message, url} and, for a final status,
one `task-result-outcomes` entry per finding under `relationships.outcomes.data`, tagged
`Severity` and `Status` (the tag names HCP renders specially), levels none|info|warning|error.
"""

from __future__ import annotations

from typing import Any

from planrisk.report.findings import Finding

MAX_OUTCOMES = 50
"""Outcomes sent per result; the message says how many more there were."""
MAX_MESSAGE = 500
_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "info"}
_STATUS = {
    "allow": ("Allowed", "info"),
    "pending": ("Needs approval", "warning"),
    "deny": ("Denied", "error"),
}


def result_document(
    status: str,
    message: str,
    url: str | None,
    findings: list[Finding] | None = None,
    outcome: str = "deny",
) -> dict[str, Any]:
    """The callback body for `status`."""
    attributes: dict[str, Any] = {"status": status, "message": _one_line(message)}
    if url:
        attributes["url"] = url
    data: dict[str, Any] = {"type": "task-results", "attributes": attributes}
    if findings:
        label, level = _STATUS.get(outcome, _STATUS["deny"])
        outcomes = [
            _outcome(index, finding, label, level, url)
            for index, finding in enumerate(findings[:MAX_OUTCOMES], start=1)
        ]
        data["relationships"] = {"outcomes": {"data": outcomes}}
    return {"data": data}


def final_message(outcome: str, summary: str, findings: list[Finding]) -> str:
    """The one-line message of a final result."""
    more = len(findings) - MAX_OUTCOMES
    extra = f" ({more} more findings in the report)" if more > 0 else ""
    return f"planrisk {outcome}: {summary}{extra}"


def _outcome(
    index: int, finding: Finding, label: str, level: str, url: str | None
) -> dict[str, Any]:
    where = f" {finding.address}" if finding.address else ""
    attributes: dict[str, Any] = {
        "outcome-id": f"PLANRISK-{index:03d}",
        "description": _one_line(f"{finding.kind}{where}: {finding.message}")[:255],
        "body": f"**{finding.kind}**{where}\n\n{finding.message}\n\nscore {finding.score} "
        f"({finding.level}); tags: {', '.join(finding.tags) or 'none'}",
        "tags": {
            "Severity": [
                {"label": finding.level.title(), "level": _LEVELS.get(finding.level, "none")}
            ],
            "Status": [{"label": label, "level": level}],
        },
    }
    if url:
        attributes["url"] = url
    return {"type": "task-result-outcomes", "attributes": attributes}


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"
