"""Report stage: GitHub Actions workflow commands (annotations) from the findings.

Input: an `Analysis`, an optional `GateResult`, the source prefix. Output: one line per finding,
`::error` for critical and deny, `::warning` for high and pending, `::notice` otherwise, with
`file=`/`line=` when the `.tf` location is known; data and properties escaped per the
workflow-command rules so that no plan string can end a command or start another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planrisk.report.findings import KIND_BY_ID, Finding, collect_findings
from planrisk.report.hygiene import clean_controls, no_workflow_commands
from planrisk.report.subject import unpack

if TYPE_CHECKING:
    from planrisk.report.subject import Reported

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message: `%`, CR and LF as the runner reads them back; every other
    control character shown as an escape, and no legacy `##[` command inside."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return no_workflow_commands(clean_controls(escaped, keep_newlines=False))


def escape_property(text: str) -> str:
    """Escape a property value: the data escapes plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """One workflow command for one finding."""
    props: list[str] = []
    if finding.file is not None:
        props.append(f"file={escape_property(finding.file)}")
        if finding.line is not None:
            props.append(f"line={finding.line}")
    title = f"planrisk {KIND_BY_ID[finding.kind].title} ({finding.score}/100 {finding.level})"
    props.append(f"title={escape_property(title)}")
    return f"::{_COMMANDS[finding.severity]} {','.join(props)}::{escape_data(finding.message)}"


def render_github(subject: Reported, *, source_prefix: str | None = None) -> str:
    """Every finding as a workflow command, then a one-line summary notice."""
    analysis, gate = unpack(subject)
    findings = collect_findings(subject, source_prefix)
    lines = [annotation(f) for f in findings]
    assessment = analysis.assessment
    summary = (
        f"planrisk {assessment.risk.score}/100 {assessment.risk.level.value} · "
        f"{assessment.environment.label} · {len(assessment.changes)} changes · "
        f"{assessment.plan.digest}"
    )
    if gate is not None:
        summary = f"gate {gate.decision.outcome} · " + summary
    lines.append(f"::notice title=planrisk::{escape_data(summary)}")
    return "\n".join(lines) + "\n"
