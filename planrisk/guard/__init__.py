"""The deploy gate at apply time (guard stage): gate the real command, then run it.

Input: a wrapped `terraform`/`tofu`/`pulumi` command line and the gate's options. Output: the
command's own exit code when the gate allows it, 1 when it does not or the command is refused
(the tool never runs), and audit records of the decision and the command's exit code.
`subcommands` and `flags` are the allow-list tables, `flag_parsing` reads arguments by each
tool's rules, `commands` turns an argv into an `Invocation` and its effect, `arguments` rewrites
it into its plan and run steps, `bound` seals the private plan file that runs, `kept` keeps the
gated plan for approvers, `refusal` refuses, `runner` runs processes with signal pass-through,
`flow` ties them to the pipeline and the gate.
"""

from __future__ import annotations

from planrisk.guard.commands import Effect, Invocation, ToolKind, effect_of, parse_invocation
from planrisk.guard.flow import GuardSettings, guard

__all__ = [
    "Effect",
    "GuardSettings",
    "Invocation",
    "ToolKind",
    "effect_of",
    "guard",
    "parse_invocation",
]
