"""Report stage: SARIF 2.1.0 (code scanning) from the findings.

Input: an `Analysis` or a `GateResult`, the plan path and the source prefix. Output: a
SARIF log with one run (tool.driver `planrisk`), one rule per finding kind, one result per
finding (level from the score level, `score` in properties) located at the `.tf` file and
line of the resource when `--source-dir` was given, else at a logical location (the address).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planrisk.report.findings import KINDS, Finding, collect_findings
from planrisk.report.json_format import render_json
from planrisk.report.subject import unpack

if TYPE_CHECKING:
    from planrisk.report.subject import Reported

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_document(
    subject: Reported,
    *,
    plan_path: str = "",
    source_prefix: str | None = None,
) -> dict[str, Any]:
    """The SARIF log as plain data."""
    from planrisk import __version__

    analysis, gate = unpack(subject)
    findings = collect_findings(subject, source_prefix)
    rule_index = {kind.id: i for i, kind in enumerate(KINDS)}
    rules = [
        {
            "id": kind.id,
            "name": kind.title.replace(" ", "").replace(":", ""),
            "shortDescription": {"text": kind.title},
            "fullDescription": {"text": kind.description},
        }
        for kind in KINDS
    ]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "planrisk", "version": __version__, "rules": rules}},
        "results": [_result(f, rule_index[f.kind], plan_path) for f in findings],
        "properties": {
            "planDigest": analysis.plan.digest,
            "score": analysis.assessment.risk.score,
            "level": analysis.assessment.risk.level.value,
            "environment": analysis.assessment.environment.name,
        },
    }
    if gate is not None:
        run["properties"]["outcome"] = gate.decision.outcome
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(
    subject: Reported,
    *,
    plan_path: str = "",
    source_prefix: str | None = None,
) -> str:
    """SARIF as deterministic JSON text."""
    return render_json(sarif_document(subject, plan_path=plan_path, source_prefix=source_prefix))


def _result(finding: Finding, index: int, plan_path: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.kind,
        "ruleIndex": index,
        "level": finding.severity,
        "message": {"text": finding.message},
        "properties": {"score": finding.score, "level": finding.level, "tags": list(finding.tags)},
    }
    location: dict[str, Any] = {}
    if finding.file is not None:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": _uri(finding.file)},
            "region": {"startLine": finding.line or 1},
        }
    elif finding.address is None and plan_path:
        location["physicalLocation"] = {"artifactLocation": {"uri": _uri(plan_path)}}
    if finding.address is not None:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.address, "kind": "resource"}]
    if location:
        result["locations"] = [location]
    if finding.address is not None:
        result["partialFingerprints"] = {"planriskAddress/v1": f"{finding.kind}:{finding.address}"}
    return result


def _uri(path: str) -> str:
    """A URI reference for a path: relative paths stay relative (percent-encoded)."""
    from pathlib import PurePosixPath
    from urllib.parse import quote

    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return "file://" + quote(posix)
    return quote(posix.removeprefix("./"))
