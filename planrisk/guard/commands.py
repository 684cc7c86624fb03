"""Which Terraform, OpenTofu and Pulumi commands mutate infrastructure (guard stage, tables).

Input: the argv of a wrapped command (`terraform -chdir=infra apply -auto-approve`). Output: an
`Invocation` (tool, global flags, subcommand words, the rest, working directory) and its
`Effect`: read-only (passed straight through), planned (a plan can be computed first and gated:
terraform/tofu apply and destroy, pulumi up, destroy, refresh) or state (changes state with no
plan to gate: import, state rm/mv/push, taint, untaint, force-unlock, workspace delete; pulumi
import, state delete/move/rename/edit/unprotect/repair, stack rm, cancel).

These tables are the single source of truth: the shims (`planrisk.shim`) render them into their
shell `case` patterns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from planrisk.errors import PlanriskError


class ToolKind(StrEnum):
    """The command-line dialect of the wrapped binary."""

    TERRAFORM = "terraform"
    """terraform and tofu (Go `flag` parsing, global flags before the subcommand)."""
    PULUMI = "pulumi"
    """pulumi (cobra flags, allowed anywhere)."""


class Effect(StrEnum):
    """What running the command does."""

    READ_ONLY = "read-only"
    PLANNED = "planned"
    STATE = "state"


TOOL_NAMES: dict[str, ToolKind] = {
    "terraform": ToolKind.TERRAFORM,
    "tofu": ToolKind.TERRAFORM,
    "opentofu": ToolKind.TERRAFORM,
    "pulumi": ToolKind.PULUMI,
}
"""Binary base names the guard understands."""

SHIM_TOOLS: tuple[str, ...] = ("terraform", "tofu", "pulumi")
"""The wrappers `planrisk shim install` writes."""

PLANNED_VERBS: dict[ToolKind, frozenset[str]] = {
    ToolKind.TERRAFORM: frozenset({"apply", "destroy"}),
    ToolKind.PULUMI: frozenset({"up", "update", "destroy", "down", "refresh"}),
}
"""Subcommands whose changes a plan (or preview) shows before they run."""

STATE_VERBS: dict[ToolKind, frozenset[tuple[str, ...]]] = {
    ToolKind.TERRAFORM: frozenset(
        {
            ("import",),
            ("taint",),
            ("untaint",),
            ("force-unlock",),
            ("state", "rm"),
            ("state", "mv"),
            ("state", "push"),
            ("state", "replace-provider"),
            ("workspace", "delete"),
        }
    ),
    ToolKind.PULUMI: frozenset(
        {
            ("import",),
            ("cancel",),
            ("state", "delete"),
            ("state", "move"),
            ("state", "rename"),
            ("state", "edit"),
            ("state", "unprotect"),
            ("state", "repair"),
            ("stack", "rm"),
        }
    ),
}
"""Subcommands that change state (or a lock) without a plan that could be gated."""

GROUP_VERBS: frozenset[str] = frozenset({"state", "workspace", "stack"})
"""Subcommands whose second word is the real subcommand."""

PREVIEW_ONLY_FLAGS: frozenset[str] = frozenset({"--preview-only"})
"""Pulumi flags that turn destroy/refresh into a dry run."""

HELP_FLAGS: frozenset[str] = frozenset({"-h", "-help", "--help"})
"""Asking for help never changes anything."""

PULUMI_VALUED_FLAGS: frozenset[str] = frozenset(
    {
        "-C",
        "--cwd",
        "--color",
        "-v",
        "--verbose",
        "--tracing",
        "--tracing-header",
        "--profiling",
        "--memprofilerate",
        "--otel-traces",
        "-s",
        "--stack",
        "-m",
        "--message",
        "-c",
        "--config",
        "--config-file",
        "-p",
        "--parallel",
        "-t",
        "--target",
        "--replace",
        "--exclude",
        "--policy-pack",
        "--policy-pack-config",
        "--plan",
        "--save-plan",
        "--exec-kind",
        "--exec-agent",
        "--secrets-provider",
        "--import-file",
        "--client",
        "--event-log",
        "--attach-debugger",
        "--file",
        "--from",
        "--out",
        "--parent",
        "--provider",
        "--properties",
        "--generate-code",
    }
)
"""Pulumi flags whose value may follow as the next word (`--stack prod`)."""

TERRAFORM_GLOBAL_PREFIX = "-"
"""Terraform global options (`-chdir=DIR`, `-help`, `-version`) come before the subcommand."""


@dataclass(frozen=True)
class Invocation:
    """One wrapped command, split into its parts."""

    binary: str
    """argv[0] as given (a path or a name found on PATH)."""
    kind: ToolKind
    """Command-line dialect."""
    global_args: tuple[str, ...]
    """Terraform: the options before the subcommand. Pulumi: empty (flags stay in place)."""
    verb: tuple[str, ...]
    """The subcommand words (`("apply",)`, `("state", "rm")`); empty when there is none."""
    args: tuple[str, ...]
    """Terraform: everything after the verb. Pulumi: every argument except the verb words."""
    workdir: Path
    """Where the tool works: `-chdir=DIR`, `--cwd DIR` / `-C DIR`, else the current directory."""
    argv: tuple[str, ...]
    """The whole command exactly as given."""

    @property
    def tool(self) -> str:
        """The binary's base name (`terraform`, `tofu`, `pulumi`)."""
        return _base_name(self.binary)

    @property
    def label(self) -> str:
        """`terraform apply`, `pulumi state delete`: for messages and the audit log."""
        return " ".join((self.tool, *self.verb))


def _base_name(binary: str) -> str:
    name = os.path.basename(binary)
    return name[:-4] if name.lower().endswith(".exe") else name


def tool_kind(binary: str) -> ToolKind:
    """The dialect of `binary` by its base name; an unknown tool is bad input."""
    kind = TOOL_NAMES.get(_base_name(binary))
    if kind is None:
        raise PlanriskError(
            f"cannot guard {binary!r}: not terraform, tofu or pulumi",
            hint="run `planrisk guard [OPTIONS] -- terraform apply …` (or tofu, pulumi)",
        )
    return kind


def parse_invocation(argv: list[str] | tuple[str, ...], cwd: Path | None = None) -> Invocation:
    """Split `argv` (binary first) into an `Invocation`."""
    if not argv:
        raise PlanriskError(
            "no command to guard",
            hint="run `planrisk guard [OPTIONS] -- terraform apply …` (the command after --)",
        )
    binary, rest = argv[0], list(argv[1:])
    kind = tool_kind(binary)
    base = cwd if cwd is not None else Path.cwd()
    if kind is ToolKind.TERRAFORM:
        return _parse_terraform(binary, rest, base)
    return _parse_pulumi(binary, rest, base)


def _parse_terraform(binary: str, rest: list[str], base: Path) -> Invocation:
    i = 0
    workdir = base
    while i < len(rest) and rest[i].startswith(TERRAFORM_GLOBAL_PREFIX):
        name, _, value = rest[i].lstrip("-").partition("=")
        if name == "chdir" and value:
            workdir = base / value
        i += 1
    global_args = tuple(rest[:i])
    verb: list[str] = []
    if i < len(rest):
        verb.append(rest[i])
        i += 1
        if verb[0] in GROUP_VERBS and i < len(rest) and not rest[i].startswith("-"):
            verb.append(rest[i])
            i += 1
    return Invocation(
        binary=binary,
        kind=ToolKind.TERRAFORM,
        global_args=global_args,
        verb=tuple(verb),
        args=tuple(rest[i:]),
        workdir=workdir,
        argv=(binary, *rest),
    )


def _parse_pulumi(binary: str, rest: list[str], base: Path) -> Invocation:
    verb: list[str] = []
    verb_positions: list[int] = []
    workdir = base
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--":
            break
        name, eq, value = word.partition("=")
        if name in ("-C", "--cwd"):
            target = value if eq else (rest[i + 1] if i + 1 < len(rest) else "")
            if target:
                workdir = base / target
        if word.startswith("-"):
            i += 2 if (not eq and name in PULUMI_VALUED_FLAGS) else 1
            continue
        if not verb or (len(verb) == 1 and verb[0] in GROUP_VERBS):
            verb.append(word)
            verb_positions.append(i)
        i += 1
    args = tuple(w for n, w in enumerate(rest) if n not in verb_positions)
    return Invocation(
        binary=binary,
        kind=ToolKind.PULUMI,
        global_args=(),
        verb=tuple(verb),
        args=args,
        workdir=workdir,
        argv=(binary, *rest),
    )


def effect_of(invocation: Invocation) -> Effect:
    """Read-only, planned or state, from the tables above."""
    words = set(invocation.args) | set(invocation.global_args)
    if words & HELP_FLAGS or not invocation.verb:
        return Effect.READ_ONLY
    kind = invocation.kind
    if invocation.verb[0] in PLANNED_VERBS[kind]:
        if kind is ToolKind.PULUMI and words & PREVIEW_ONLY_FLAGS:
            return Effect.READ_ONLY
        return Effect.PLANNED
    if invocation.verb in STATE_VERBS[kind]:
        return Effect.STATE
    return Effect.READ_ONLY
