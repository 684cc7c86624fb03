"""Shims for agent sandboxes (guard stage): `terraform`, `tofu` and `pulumi` wrappers on PATH.

Input: a directory, the planrisk command the shims should run, and optionally the actor and the
config every gated command is judged with. Output: one small POSIX sh script per tool in that
directory, or their removal. A shim finds the real binary by walking PATH, skipping its own
directory (compared by resolved path) and any other planrisk shim. It `exec`s the real binary
directly only for a command the guard's tables say is read-only and that it can recognise from
its first words alone (`terraform plan …`, `pulumi stack ls …`); everything else, including
anything it is unsure of, goes through `planrisk guard -- REAL_BINARY ARGS…`, which decides.
The `case` patterns are rendered from `planrisk.guard.subcommands`, so the shim is never a
second, looser parser.

Installed with `--actor A [--config FILE] [--store URL [--stream NAME]]`, a shim passes
`--actor A --config /abs/FILE --store URL` to the guard and unsets PLANRISK_SYSTEM_CONFIG and
PLANRISK_BASE_REF first: the agent controls its own environment, so nothing in it may choose the
policy, loosen who it is judged as, or send the audit record to a store of its choosing (an
explicit `--store` outranks PLANRISK_STORE). A store URL holding a password is refused: the shim
is a file the agent can read; the password belongs in PGPASSWORD or ~/.pgpass.

Uninstall removes only files that carry the shim marker.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from planrisk.errors import InputError
from planrisk.guard.commands import SHIM_TOOLS, TOOL_NAMES
from planrisk.guard.subcommands import COMMANDS, Effect, ToolKind

SHIM_ACTORS = ("human", "bot", "agent")
"""Values `shim install --actor` accepts (the guard's --actor can only make it stricter)."""
DROPPED_ENV = ("PLANRISK_SYSTEM_CONFIG", "PLANRISK_BASE_REF")
"""Variables a shim installed with --actor removes before running the guard."""


@dataclass(frozen=True)
class ShimGate:
    """What a shim adds to every `planrisk guard` it runs."""

    actor: str | None = None
    config: Path | None = None
    """Absolute path of the config file."""
    store: str | None = None
    """The store every guarded command records to (a URL without a password, or an absolute
    SQLite path)."""
    stream: str | None = None
    """The stream of that store."""

    def guard_options(self) -> tuple[str, ...]:
        """`--actor A --config FILE --store URL --stream NAME`, as far as given."""
        options: tuple[str, ...] = ()
        if self.actor is not None:
            options += ("--actor", self.actor)
        if self.config is not None:
            options += ("--config", str(self.config))
        if self.store is not None:
            options += ("--store", self.store)
        if self.stream is not None:
            options += ("--stream", self.stream)
        return options


MARKER = "planrisk-shim v1"
"""Second line of every shim; `uninstall` removes only files that carry it."""


def default_planrisk_command() -> tuple[str, ...]:
    """How the shims run planrisk: this interpreter with `-m planrisk` (no PATH lookup)."""
    return (os.path.abspath(sys.executable), "-m", "planrisk")


def install_shims(
    directory: Path,
    planrisk_command: tuple[str, ...] | None = None,
    gate: ShimGate | None = None,
) -> list[Path]:
    """Write the shims into `directory` (created when missing); returns the files written.

    A file of the same name that is not a planrisk shim is never overwritten.
    """
    command = planrisk_command or default_planrisk_command()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the shim directory ({exc.strerror or exc})",
            source=str(directory),
            hint="choose a writable directory",
        ) from None
    resolved = directory.resolve()
    written = []
    for tool in SHIM_TOOLS:
        path = directory / tool
        if path.exists() and not is_shim(path):
            raise InputError(
                f"{tool} exists and is not a planrisk shim; not overwritten",
                source=str(path),
                hint="install the shims into an empty directory of their own",
            )
        try:
            path.write_text(shim_script(tool, resolved, command, gate), encoding="utf-8")
            path.chmod(0o755)
        except OSError as exc:
            raise InputError(
                f"cannot write the shim ({exc.strerror or exc})",
                source=str(path),
                hint="choose a writable directory",
            ) from None
        written.append(path)
    return written


def uninstall_shims(directory: Path) -> list[Path]:
    """Remove the planrisk shims from `directory`; returns the files removed."""
    removed = []
    for tool in SHIM_TOOLS:
        path = directory / tool
        if path.is_file() and is_shim(path):
            path.unlink()
            removed.append(path)
    return removed


def is_shim(path: Path) -> bool:
    """Whether `path` starts with the shim header (the marker on its second line)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(256)
    except OSError:
        return False
    return MARKER.encode() in head


def shim_script(
    tool: str,
    shim_dir: Path,
    planrisk_command: tuple[str, ...],
    gate: ShimGate | None = None,
) -> str:
    """The POSIX sh text of the shim for `tool`."""
    gate = gate or ShimGate()
    planrisk = " ".join(shlex.quote(part) for part in planrisk_command)
    options = "".join(f" {shlex.quote(o)}" for o in gate.guard_options())
    unset = f"unset {' '.join(DROPPED_ENV)}\n" if gate.actor is not None else ""
    return _TEMPLATE.format(
        marker=MARKER,
        tool=tool,
        shim_dir=shlex.quote(str(shim_dir)),
        planrisk=planrisk,
        options=options,
        unset=unset,
        direct_cases=direct_cases(TOOL_NAMES[tool]),
    )


def direct_cases(kind: ToolKind) -> str:
    """Nested `case "$1"`, `case "$2"`… that set `direct=1` for the read-only commands.

    A command counts only when its words are the first arguments (no flag before them), it has
    no switch that changes its effect, and, for a group (`state`, `stack`), when it is the group
    itself only with no further argument: a later word could still name a child.
    """
    table = COMMANDS[kind]
    paths = [verb for verb in table if verb]
    return _cases(kind, (), paths, 1, "")


def _cases(
    kind: ToolKind, prefix: tuple[str, ...], paths: list[tuple[str, ...]], n: int, pad: str
) -> str:
    table = COMMANDS[kind]
    children = sorted(
        {p[len(prefix)] for p in paths if len(p) > len(prefix) and p[: len(prefix)] == prefix}
    )
    lines = [f'{pad}case "${n}" in']
    direct: list[str] = []
    for word in children:
        path = (*prefix, word)
        spec = table[path]
        grand = [p for p in paths if len(p) > len(path) and p[: len(path)] == path]
        plain = spec.effect is Effect.READ_ONLY and not spec.modifiers
        if not spec.group and not grand:
            if plain:
                direct.append(word)
            continue
        inner = _cases(kind, path, paths, n + 1, pad + "    ") if grand else ""
        bare = f'[ "$#" -eq {n} ] && direct=1' if plain else ":"
        lines.append(f"{pad}  {shlex.quote(word)})")
        if inner:
            lines.append(inner)
        lines.append(f"{pad}    {bare} ;;")
    if direct:
        lines.insert(1, f"{pad}  {'|'.join(shlex.quote(w) for w in direct)}) direct=1 ;;")
    if len(lines) == 1:
        return ""
    lines.append(f"{pad}esac")
    return "\n".join(lines)


_TEMPLATE = """#!/bin/sh
# {marker}: {tool}
# Written by `planrisk shim install`; removed by `planrisk shim uninstall`. Read-only commands
# run the real {tool} directly; everything else goes through `planrisk guard`, which decides.
shim_dir={shim_dir}
tool={tool}

real=
set -f
saved_ifs=$IFS
IFS=:
for d in $PATH; do
  [ -n "$d" ] || d=.
  [ -f "$d/$tool" ] && [ -x "$d/$tool" ] || continue
  resolved=$(cd "$d" 2>/dev/null && pwd -P) || continue
  [ "$resolved" = "$shim_dir" ] && continue
  if head -c 256 "$d/$tool" 2>/dev/null | grep -q 'planrisk-shim'; then continue; fi
  real=$d/$tool
  break
done
IFS=$saved_ifs
set +f
if [ -z "$real" ]; then
  echo "planrisk shim: no $tool on PATH outside $shim_dir" >&2
  exit 127
fi

direct=
{direct_cases}

if [ -n "$direct" ]; then
  exec "$real" "$@"
fi
{unset}exec {planrisk} guard{options} -- "$real" "$@"
"""


def shim_gate(
    actor: str | None,
    config: Path | None,
    store: str | None = None,
    stream: str | None = None,
) -> ShimGate:
    """The shims' gate options: `config` made absolute and checked (a warning when the agent
    may be able to write it, inside a git working tree); `store` checked and pinned."""
    if actor is not None and actor not in SHIM_ACTORS:
        raise InputError(f"unknown --actor {actor!r}", hint=f"use one of {', '.join(SHIM_ACTORS)}")
    pinned = _pinned_store(store, stream)
    if config is None:
        return ShimGate(actor=actor, store=pinned, stream=stream)
    absolute = Path(os.path.abspath(config))
    if not absolute.is_file():
        raise InputError(
            "the config file does not exist",
            source=str(absolute),
            hint="pass an existing .planrisk.toml, e.g. --config /etc/planrisk/agent.toml",
        )
    tree = git_work_tree(absolute.parent)
    if tree is not None:
        sys.stderr.write(
            f"planrisk shim: warning: {absolute} is inside the git working tree {tree}: an agent "
            "working there may be able to change the policy; keep it outside, e.g. "
            "/etc/planrisk/agent.toml, owned by another user\n"
        )
    return ShimGate(actor=actor, config=absolute, store=pinned, stream=stream)


def _pinned_store(store: str | None, stream: str | None) -> str | None:
    """The store text a shim may hold: a PostgreSQL URL without a password, or a SQLite path
    made absolute (the shims run in any directory); InputError otherwise."""
    from planrisk.gate.audit.locations import (
        POSTGRESQL,
        check_stream,
        parse_store,
        postgres_has_password,
    )

    if stream is not None:
        check_stream(stream, "--stream")
    if store is None:
        if stream is not None:
            raise InputError("--stream needs --store", hint="pin the store the stream is in")
        return None
    spec = parse_store(store, stream or "default", Path.cwd(), "--store")
    if spec.engine != POSTGRESQL:
        return str(spec.location)
    if postgres_has_password(spec.location):
        raise InputError(
            f"--store {spec.label} holds a password, which the shim (a file the agent can read) "
            "would keep",
            hint="pass the URL without the password and give it in PGPASSWORD or ~/.pgpass",
        )
    return spec.location


def git_work_tree(directory: Path) -> Path | None:
    """The enclosing git working tree (a parent holding `.git`), or None."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None
