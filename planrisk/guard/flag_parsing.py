"""Reading a subcommand's arguments by the wrapped tool's own rules (guard stage).

Input: the words after the subcommand and its `Flags` table. Output: `Parsed`: each flag with
its value and the words it took, the positional arguments, whether help was asked for where a
flag can stand, and a problem (an unknown flag, a missing value) that makes the command refused.

Two dialects, because they read the same words differently:
- Go `flag` (terraform, tofu): the `ParseView` words are removed from anywhere first; then flags
  until `--` or the first word that is not a flag; `-name` and `--name` are the same; a valued
  flag takes `=v` or the next word, whatever it looks like; a switch takes only `=bool`.
- pflag (pulumi): flags anywhere (interspersed), `--` ends them; `--name v`, `--name=v`;
  shorthand clusters `-yf`, `-sprod`, `-s=prod`, `-s prod`; a flag with a bare default
  (`NoOptDefVal`) takes a value only after `=`.
A help flag counts only where it is parsed as a flag: never after `--`, never as a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planrisk.guard.flags import TERRAFORM_HELP, TERRAFORM_VIEW_WORDS, Flags

_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
"""strconv.ParseBool, which both Go `flag` and pflag use for switches."""


@dataclass(frozen=True)
class Flag:
    """One flag as the tool reads it."""

    name: str
    """Long name without dashes (Pulumi shorthand resolved)."""
    value: str | None
    """The value (after `=`, glued to a shorthand, or the next word); None for a bare flag."""
    words: tuple[str, ...]
    """The argv words it took."""

    @property
    def is_set(self) -> bool:
        """For a switch: true when bare or `=true`."""
        return self.value is None or self.value in _TRUE


@dataclass
class Parsed:
    """A subcommand's arguments, read."""

    flags: list[Flag] = field(default_factory=list)
    positionals: list[str] = field(default_factory=list)
    help: bool = False
    problem: str | None = None

    def fail(self, problem: str) -> Parsed:
        """Record the first problem (the one the message names)."""
        if self.problem is None:
            self.problem = problem
        return self


def parse_go_flags(words: tuple[str, ...], table: Flags, label: str) -> Parsed:
    """Terraform/OpenTofu: `ParseView`, then Go `flag` parsing of what is left."""
    parsed = Parsed()
    rest: list[str] = []
    for word in words:
        if word in TERRAFORM_VIEW_WORDS:
            name, _, value = word.lstrip("-").partition("=")
            parsed.flags.append(Flag(name, value or None, (word,)))
        else:
            rest.append(word)
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--":
            parsed.positionals.extend(rest[i + 1 :])
            break
        if not word.startswith("-") or word == "-":
            parsed.positionals.extend(rest[i:])
            break
        body = word[2:] if word.startswith("--") else word[1:]
        name, eq, value = body.partition("=")
        if not name or name.startswith("-"):
            return parsed.fail(f"`{label}` cannot read the argument {_shown(word)}")
        if name in TERRAFORM_HELP:
            parsed.flags.append(Flag(name, value if eq else None, (word,)))
            parsed.help = parsed.help or (not eq or value in _TRUE)
            i += 1
            continue
        if name in table.valued:
            if eq:
                parsed.flags.append(Flag(name, value, (word,)))
                i += 1
                continue
            if i + 1 >= len(rest):
                return parsed.fail(f"flag -{name} of `{label}` needs a value")
            parsed.flags.append(Flag(name, rest[i + 1], (word, rest[i + 1])))
            i += 2
            continue
        if name in table.switches:
            if eq and value not in _TRUE | _FALSE:
                return parsed.fail(f"flag -{name} of `{label}` takes true or false")
            parsed.flags.append(Flag(name, value if eq else None, (word,)))
            i += 1
            continue
        return parsed.fail(_unknown(f"-{name}", label))
    return parsed


def parse_pflags(words: tuple[str, ...], table: Flags, label: str) -> Parsed:
    """Pulumi: pflag parsing (interspersed flags, shorthand clusters, `--` ends flags)."""
    parsed = Parsed()
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            parsed.positionals.extend(words[i + 1 :])
            break
        if not word.startswith("-") or word == "-":
            parsed.positionals.append(word)
            i += 1
            continue
        if word.startswith("--"):
            i = _long_flag(words, i, table, label, parsed)
        else:
            i = _short_flags(words, i, table, label, parsed)
        if parsed.problem is not None:
            return parsed
    parsed.help = any(flag.name == "help" and flag.is_set for flag in parsed.flags)
    return parsed


def _long_flag(words: tuple[str, ...], i: int, table: Flags, label: str, parsed: Parsed) -> int:
    word = words[i]
    name, eq, value = word[2:].partition("=")
    if not name or name.startswith("-"):
        parsed.fail(f"`{label}` cannot read the argument {_shown(word)}")
        return i + 1
    if not table.knows(name):
        parsed.fail(_unknown(f"--{name}", label))
        return i + 1
    if eq:
        return _add(parsed, table, label, Flag(name, value, (word,)), i + 1)
    if name in table.valued:
        if i + 1 >= len(words):
            parsed.fail(f"flag --{name} of `{label}` needs a value")
            return i + 1
        return _add(parsed, table, label, Flag(name, words[i + 1], (word, words[i + 1])), i + 2)
    return _add(parsed, table, label, Flag(name, None, (word,)), i + 1)


def _short_flags(words: tuple[str, ...], i: int, table: Flags, label: str, parsed: Parsed) -> int:
    word = words[i]
    letters = word[1:]
    j = 0
    while j < len(letters):
        letter = letters[j]
        name = table.short.get(letter)
        if name is None or not table.knows(name):
            parsed.fail(_unknown(f"-{letter}", label))
            return i + 1
        rest = letters[j + 1 :]
        if rest.startswith("="):
            return _add(parsed, table, label, Flag(name, rest[1:], (word,)), i + 1)
        if name not in table.valued:
            _add(parsed, table, label, Flag(name, None, (word,)), i + 1)
            j += 1
            continue
        if rest:
            return _add(parsed, table, label, Flag(name, rest, (word,)), i + 1)
        if i + 1 >= len(words):
            parsed.fail(f"flag -{letter} of `{label}` needs a value")
            return i + 1
        return _add(parsed, table, label, Flag(name, words[i + 1], (word, words[i + 1])), i + 2)
    return i + 1


def _add(parsed: Parsed, table: Flags, label: str, flag: Flag, after: int) -> int:
    """Record `flag`; a switch's value must be a bool (pflag refuses anything else)."""
    if flag.name in table.switches and flag.value is not None and flag.value not in _TRUE | _FALSE:
        parsed.fail(f"flag --{flag.name} of `{label}` takes true or false")
    parsed.flags.append(flag)
    return after


def _unknown(flag: str, label: str) -> str:
    return f"the guard does not know flag {flag} of `{label}`"


def _shown(word: str) -> str:
    """An argument named in a message: its flag part only (values may be secrets)."""
    return repr(word.split("=", 1)[0][:40])
