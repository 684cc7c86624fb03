"""Which Terraform, OpenTofu and Pulumi commands the guard runs, gates or refuses (guard stage).

Input: the argv of a wrapped command (`terraform -chdir=infra apply -auto-approve`). Output: an
`Invocation` (tool, global flags, subcommand words, the rest, working directory, the flags as
the tool reads them) and its `Effect`: read-only (run straight through), planned (a plan can be
computed first and gated), state (no plan to gate: a human initiator only) or refused (not on
the allow-list, or arguments the guard cannot read the way the tool would).

The subcommand words are found the way each tool finds them: terraform/tofu take the first word
after the global options (`-chdir=DIR`, `-help`, `-version`), and a second word for a group
(`state rm`); pulumi follows cobra, where a flag before the subcommand that the current command
does not know as a switch takes the next word as its value. The tables are in
`planrisk.guard.subcommands` and `planrisk.guard.flags`; the shims render them too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from planrisk.errors import PlanriskError
from planrisk.guard.flag_parsing import Flag, Parsed, parse_go_flags, parse_pflags
from planrisk.guard.flags import PULUMI_ROOT, Flags
from planrisk.guard.subcommands import COMMANDS, Effect, Spec, ToolKind

__all__ = [
    "SHIM_TOOLS",
    "TOOL_NAMES",
    "Effect",
    "Flag",
    "Invocation",
    "ToolKind",
    "effect_of",
    "parse_invocation",
    "tool_kind",
]

TOOL_NAMES: dict[str, ToolKind] = {
    "terraform": ToolKind.TERRAFORM,
    "tofu": ToolKind.TERRAFORM,
    "opentofu": ToolKind.TERRAFORM,
    "pulumi": ToolKind.PULUMI,
}
"""Binary base names the guard understands."""

SHIM_TOOLS: tuple[str, ...] = ("terraform", "tofu", "pulumi")
"""The wrappers `planrisk shim install` writes."""

TERRAFORM_HELP_WORDS = frozenset({"-h", "-help", "--help"})
TERRAFORM_VERSION_WORDS = frozenset({"-v", "-version", "--version"})
"""Global options mitchellh/cli reads before the subcommand (besides `-chdir=DIR`)."""


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
    flags: tuple[Flag, ...] = ()
    """The subcommand's flags as the tool reads them (Pulumi: the root flags too)."""
    positionals: tuple[str, ...] = ()
    """Its positional arguments."""
    help: bool = False
    """Help was asked for where a flag can stand: the tool prints help and runs nothing."""
    problem: str | None = None
    """Why the guard refuses it (unknown subcommand or flag, a value missing), or None."""

    @property
    def tool(self) -> str:
        """The binary's base name (`terraform`, `tofu`, `pulumi`)."""
        return _base_name(self.binary)

    @property
    def label(self) -> str:
        """`terraform apply`, `pulumi state delete`: for messages and the audit log."""
        return " ".join((self.tool, *self.verb))

    def flag(self, name: str) -> Flag | None:
        """The last occurrence of flag `name` (the one the tool keeps), or None."""
        found = [flag for flag in self.flags if flag.name == name]
        return found[-1] if found else None


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
    binary, rest = argv[0], tuple(argv[1:])
    kind = tool_kind(binary)
    base = cwd if cwd is not None else Path.cwd()
    if kind is ToolKind.TERRAFORM:
        return _parse_terraform(binary, rest, base)
    return _parse_pulumi(binary, rest, base)


def _parse_terraform(binary: str, rest: tuple[str, ...], base: Path) -> Invocation:
    workdir = base
    prints_only = False  # -help or -version: terraform prints and runs nothing
    problem: str | None = None
    i = 0
    while i < len(rest) and rest[i].startswith("-"):
        word = rest[i]
        if word.startswith("-chdir="):
            workdir = base / word.removeprefix("-chdir=")
        elif word in TERRAFORM_HELP_WORDS or word in TERRAFORM_VERSION_WORDS:
            prints_only = True
        else:
            problem = problem or (
                f"the guard does not know the global option {word.split('=', 1)[0][:40]!r} "
                f"of `{_base_name(binary)}` (only -chdir=DIR, -help and -version)"
            )
        i += 1
    verb: list[str] = []
    table = COMMANDS[ToolKind.TERRAFORM]
    if i < len(rest):
        verb.append(rest[i])
        i += 1
        spec = table.get(tuple(verb))
        if spec is not None and spec.group and i < len(rest) and _is_word(rest[i]):
            verb.append(rest[i])
            i += 1
    label = " ".join((_base_name(binary), *verb))
    # No subcommand: terraform prints its usage (or version) and runs nothing.
    parsed = _parse_args(ToolKind.TERRAFORM, tuple(verb), rest[i:], label) if verb else Parsed()
    if problem is not None:
        parsed.fail(problem)
    return Invocation(
        binary=binary,
        kind=ToolKind.TERRAFORM,
        global_args=rest[: i - len(verb)] if verb else rest,
        verb=tuple(verb),
        args=rest[i:],
        workdir=workdir,
        argv=(binary, *rest),
        flags=tuple(parsed.flags),
        positionals=tuple(parsed.positionals),
        help=parsed.help or prints_only or not verb,
        problem=parsed.problem,
    )


def _is_word(word: str) -> bool:
    """A word mitchellh/cli takes as part of a nested subcommand."""
    return bool(word) and not word.startswith("-") and " " not in word


def _parse_pulumi(binary: str, rest: tuple[str, ...], base: Path) -> Invocation:
    verb, positions = _pulumi_verb(rest)
    args = tuple(w for n, w in enumerate(rest) if n not in positions)
    label = " ".join((_base_name(binary), *verb))
    parsed = _parse_args(ToolKind.PULUMI, verb, args, label)
    workdir = base
    cwd = next((flag for flag in reversed(parsed.flags) if flag.name == "cwd"), None)
    if cwd is not None and cwd.value:
        workdir = base / cwd.value
    return Invocation(
        binary=binary,
        kind=ToolKind.PULUMI,
        global_args=(),
        verb=verb,
        args=args,
        workdir=workdir,
        argv=(binary, *rest),
        flags=tuple(parsed.flags),
        positionals=tuple(parsed.positionals),
        help=parsed.help,
        problem=parsed.problem,
    )


def _pulumi_verb(rest: tuple[str, ...]) -> tuple[tuple[str, ...], set[int]]:
    """The command path as cobra's `Find` sees it, and the positions of its words.

    At each level the first word that is not a flag (or a flag's value) is the next child; a
    flag that the level does not know as a switch takes the next word (cobra's `stripFlags`).
    """
    table = COMMANDS[ToolKind.PULUMI]
    verb: tuple[str, ...] = ()
    positions: set[int] = set()
    level = PULUMI_ROOT
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--":
            break
        if word.startswith("-"):
            i += 2 if _cobra_consumes(word, level) else 1
            continue
        if not word:
            i += 1
            continue
        child = (*verb, word)
        spec = table.get(verb)
        if child not in table or spec is None or not spec.group:
            break
        verb = child
        positions.add(i)
        level = PULUMI_ROOT | table[verb].flags
        i += 1
    return verb, positions


def _cobra_consumes(word: str, level: Flags) -> bool:
    """cobra `stripFlags`: whether this flag word takes the next word while finding commands."""
    bare = level.switches | level.optional
    if word.startswith("--"):
        return "=" not in word and word[2:] not in bare
    if len(word) == 2:
        name = level.short.get(word[1])
        return name is None or name not in bare
    return False


def _parse_args(kind: ToolKind, verb: tuple[str, ...], args: tuple[str, ...], label: str) -> Parsed:
    spec = COMMANDS[kind].get(verb)
    if spec is None:
        return Parsed().fail(f"the guard does not know `{label}`")
    if kind is ToolKind.TERRAFORM:
        parsed = parse_go_flags(args, spec.flags, label)
    else:
        parsed = parse_pflags(args, PULUMI_ROOT | spec.flags, label)
    if parsed.problem is None and not parsed.help and spec.group and parsed.positionals:
        child = parsed.positionals[0]
        parsed.fail(f"the guard does not know `{label} {child[:40]}`")
    limit = spec.max_positionals
    unread = parsed.problem is None and not parsed.help
    if unread and limit is not None and len(parsed.positionals) > limit:
        parsed.fail(f"`{label}` takes no arguments here (got {len(parsed.positionals)})")
    return parsed


def spec_of(invocation: Invocation) -> Spec | None:
    """The table entry of the invocation's subcommand."""
    return COMMANDS[invocation.kind].get(invocation.verb)


def effect_of(invocation: Invocation) -> Effect:
    """Refused, read-only, planned or state, from the tables."""
    if invocation.problem is not None:
        return Effect.REFUSED
    if invocation.help:
        return Effect.READ_ONLY
    spec = spec_of(invocation)
    if spec is None:
        return Effect.REFUSED
    for name, effect in spec.modifiers.items():
        flag = invocation.flag(name)
        if flag is not None and flag.is_set:
            return effect
    return spec.effect
