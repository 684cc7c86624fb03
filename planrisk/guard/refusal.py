"""Refusing a command the guard cannot gate (guard stage).

Input: a refused `Invocation` (a subcommand off the allow-list, an unknown flag, a value the
guard cannot read). Output: a `refused_command` audit record (the subcommand and the reason,
never argument values) and one line on stderr naming the subcommand and how to get it run: by a
human, outside the agent sandbox. Exit 1: a refusal is a decision not to run, like a deny.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from planrisk.errors import ExitCode
from planrisk.guard.commands import Invocation

if TYPE_CHECKING:
    from planrisk.gate.audit.locations import StoreSpec

REFUSED_KIND = "refused_command"
"""`kind` of the audit record of a refusal."""


def refuse(invocation: Invocation, log: StoreSpec) -> int:
    """Audit and explain the refusal; the tool never runs."""
    from planrisk.gate.audit import append_decision

    label = refused_label(invocation)
    reason = invocation.problem or f"the guard does not know `{label}`"
    append_decision(
        log,
        {"kind": REFUSED_KIND, "command": label, "outcome": "refused", "reason": reason},
    )
    sys.stderr.write(
        f"planrisk guard: refused: {reason}, so `{label}` was not run; "
        "the guard runs only commands it can gate: ask a human to run it outside the agent "
        "sandbox (or run it yourself there)\n"
    )
    sys.stderr.flush()
    return int(ExitCode.BLOCKED)


def refused_label(invocation: Invocation) -> str:
    """The subcommand as the user wrote it: with no known verb, the first word that stood there."""
    if invocation.verb or not invocation.positionals:
        return invocation.label
    return f"{invocation.tool} {invocation.positionals[0][:40]}"
