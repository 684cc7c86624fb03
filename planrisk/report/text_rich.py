"""Report stage: the terminal view drawn with rich (used only when writing to a colour TTY).

Input: an `Analysis` or, for `gate`, the `GateResult` (`planrisk.report.subject`). Output: ANSI
text — a verdict panel, the plan header and a table of changes with their reasons, dependents
and hints. Every plan string goes in as a rich `Text` (never markup), so `[bold]` in an address
prints literally.
"""

from __future__ import annotations

import io
import shutil
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText

from planrisk.model import Assessment, RiskLevel, format_action
from planrisk.report.hygiene import clean_controls
from planrisk.report.labels import actor_label, header_line
from planrisk.report.subject import unpack

if TYPE_CHECKING:
    from planrisk.gate.decide import GateResult
    from planrisk.report.subject import Reported

LEVEL_STYLES = {
    RiskLevel.CRITICAL: "bold red",
    RiskLevel.HIGH: "red",
    RiskLevel.MEDIUM: "yellow",
    RiskLevel.LOW: "cyan",
    RiskLevel.NONE: "dim",
}
OUTCOME_STYLES = {"allow": "bold green", "pending": "bold yellow", "deny": "bold red"}


class Text(RichText):
    """A rich `Text` whose plain text, and every piece appended, has no control character
    (rich would pass ESC through to the terminal)."""

    def __init__(self, text: str = "", style: str = "", **kwargs: Any) -> None:
        super().__init__(clean_controls(text), style, **kwargs)

    def append(self, text: str | RichText, style: str | None = None) -> Text:  # type: ignore[override]
        if isinstance(text, str):
            text = clean_controls(text)
        super().append(text, style)
        return self


def render_rich(subject: Reported, width: int = 0) -> str:
    """ANSI text for a terminal `width` columns wide (default: the terminal's)."""
    analysis, gate = unpack(subject)
    assessment = analysis.assessment
    console = Console(
        file=io.StringIO(),
        force_terminal=True,
        color_system="standard",
        width=width or shutil.get_terminal_size((120, 40)).columns,
        highlight=False,
        emoji=False,
    )
    if gate is not None:
        console.print(_verdict(gate))
    header = Text(header_line(assessment), style=LEVEL_STYLES[assessment.risk.level])
    console.print(header)
    if assessment.environment.evidence:
        console.print(Text("environment: " + "; ".join(assessment.environment.evidence), "dim"))
    if assessment.risk.reasons:
        reasons = " · ".join(r.render() for r in assessment.risk.reasons)
        console.print(Text("plan score: " + reasons, "dim"))
    if assessment.changes:
        console.print(_changes(assessment))
    else:
        console.print(Text("No changes beyond no-op and read."))
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def _verdict(gate: GateResult) -> Panel:
    decision = gate.decision
    actor = gate.actor
    title = Text(decision.outcome.upper(), OUTCOME_STYLES[decision.outcome])
    title.append(f" · actor {actor_label(gate)}", "bold")
    lines: list[Text] = [Text(gate.analysis.plan.digest, "dim")]
    if decision.summary:
        lines.append(Text(decision.summary, OUTCOME_STYLES[decision.outcome]))
    if actor.evidence:
        lines.append(Text("actor: " + "; ".join(actor.evidence)))
    deny = decision.outcome == "deny"
    for rule in decision.rules:
        if deny and rule.effect != "deny":
            continue  # nothing but the deny rules can change a deny
        style = "red" if rule.effect == "deny" else "yellow"
        line = Text(f"{rule.name} ({rule.effect}): ", style)
        line.append(rule.reason)
        lines.append(line)
        if rule.way_forward:
            lines.append(Text(f"  way forward: {rule.way_forward}", "cyan"))
    for req in decision.requirements:
        mark = Text("ok", "green") if req.satisfied else Text("MISSING", "bold red")
        line = Text(f"needs {req.kind} {req.have}/{req.needed} ")
        line.append_text(mark)
        line.append(f" · {req.detail}")
        lines.append(line)
    for item in decision.evidence:
        mark = Text("accepted", "green") if item.accepted else Text("ignored", "red")
        line = Text(f"evidence {item.file} ({item.kind}) ")
        line.append_text(mark)
        line.append(f": {item.reason}")
        lines.append(line)
    return Panel(Group(*lines), title=title, title_align="left")


def _changes(assessment: Assessment) -> Table:
    table = Table(show_lines=False, expand=True, header_style="bold")
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("change", overflow="fold", ratio=2)
    table.add_column("why", overflow="fold", ratio=3)
    for scored in assessment.changes:
        style = LEVEL_STYLES[scored.level]
        change = Text(scored.change.address)
        change.append(f"\n{format_action(scored.change)}", "dim")
        why = Text(" · ".join(r.render() for r in scored.reasons))
        if scored.blast_radius.top:
            more = scored.blast_radius.count - len(scored.blast_radius.top)
            tail = f" (+{more} more)" if more > 0 else ""
            why.append("\ntakes down: " + ", ".join(scored.blast_radius.top) + tail, "magenta")
        for hint in scored.hints:
            why.append("\nhint: " + hint, "cyan")
        table.add_row(Text(str(scored.score), style), Text(scored.level.value, style), change, why)
    return table
