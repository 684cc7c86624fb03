#!/usr/bin/env python3
"""Claude Code PreToolUse hook: route mutating terraform/tofu/pulumi commands through planrisk.

Input: the hook event JSON on stdin (`tool_input.command` of the Bash tool). Output: exit 0 to
let the command run; exit 2 with the reason on stderr to block it and tell the agent to run
`planrisk guard -- <command>` instead (or, for a command the guard refuses, to ask a human).
Which subcommands mutate comes from planrisk itself.
"""

from __future__ import annotations

import json
import shlex
import sys


def main() -> int:
    try:
        event = json.load(sys.stdin)
        command = str(event.get("tool_input", {}).get("command", ""))
    except (ValueError, AttributeError):
        return 0
    try:
        from planrisk.guard.commands import TOOL_NAMES, Effect, effect_of, parse_invocation
    except ImportError:
        if any(tool in command for tool in ("terraform", "tofu", "pulumi")):
            sys.stderr.write("planrisk is not installed here; see examples/agent-sandbox\n")
            return 2
        return 0

    for segment in _segments(command):
        if segment[:2] == ["planrisk", "guard"]:
            continue
        start = next((i for i, word in enumerate(segment) if "=" not in word), len(segment))
        words = segment[start:]
        if not words or words[0].rsplit("/", 1)[-1] not in TOOL_NAMES:
            continue
        effect = effect_of(parse_invocation(words))
        if effect is Effect.REFUSED:
            sys.stderr.write(
                "The deploy gate cannot gate this command, so it will not run it; "
                "ask a human to run it outside the agent sandbox\n"
            )
            return 2
        if effect is not Effect.READ_ONLY:
            sys.stderr.write(
                "This command changes infrastructure or state; run it through the deploy gate: "
                f"planrisk guard -- {shlex.join(words)}\n"
            )
            return 2
    return 0


def _segments(command: str) -> list[list[str]]:
    """The simple commands of a shell line (split on ;, &&, ||, | and newlines)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|\n")
    lexer.whitespace_split = True
    segments: list[list[str]] = [[]]
    try:
        for token in lexer:
            if token and set(token) <= set(";&|\n"):
                segments.append([])
            else:
                segments[-1].append(token)
    except ValueError:
        return [command.split()]
    return [s for s in segments if s]


if __name__ == "__main__":
    sys.exit(main())
