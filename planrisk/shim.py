"""Shims for agent sandboxes (guard stage): `terraform`, `tofu` and `pulumi` wrappers on PATH.

Input: a directory (and the planrisk command the shims should run). Output: one small POSIX sh
script per tool in that directory, or their removal. A shim finds the real binary by walking
PATH, skipping its own directory (compared by resolved path) and any other planrisk shim, then
sends mutating subcommands through `planrisk guard -- REAL_BINARY ARGS…` and runs read-only ones
directly with `exec`. Which subcommands mutate comes from `planrisk.guard.commands` (the same
tables the guard uses), rendered into `case` patterns when the shim is written.

Uninstall removes only files that carry the shim marker.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from planrisk.errors import InputError
from planrisk.guard.commands import (
    GROUP_VERBS,
    HELP_FLAGS,
    PLANNED_VERBS,
    PREVIEW_ONLY_FLAGS,
    PULUMI_VALUED_FLAGS,
    SHIM_TOOLS,
    STATE_VERBS,
    TOOL_NAMES,
    ToolKind,
)

MARKER = "planrisk-shim v1"
"""Second line of every shim; `uninstall` removes only files that carry it."""


def default_planrisk_command() -> tuple[str, ...]:
    """How the shims run planrisk: this interpreter with `-m planrisk` (no PATH lookup)."""
    return (os.path.abspath(sys.executable), "-m", "planrisk")


def install_shims(directory: Path, planrisk_command: tuple[str, ...] | None = None) -> list[Path]:
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
            path.write_text(shim_script(tool, resolved, command), encoding="utf-8")
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


def shim_script(tool: str, shim_dir: Path, planrisk_command: tuple[str, ...]) -> str:
    """The POSIX sh text of the shim for `tool`."""
    kind = TOOL_NAMES[tool]
    planrisk = " ".join(shlex.quote(part) for part in planrisk_command)
    valued = _alternatives(PULUMI_VALUED_FLAGS) if kind is ToolKind.PULUMI else ""
    valued_case = f"    {valued}) skip=1 ;;\n" if valued else ""
    return _TEMPLATE.format(
        marker=MARKER,
        tool=tool,
        shim_dir=shlex.quote(str(shim_dir)),
        planrisk=planrisk,
        help_flags=_alternatives(HELP_FLAGS),
        preview_only=_alternatives(PREVIEW_ONLY_FLAGS),
        valued_case=valued_case,
        verb_cases=_verb_cases(kind),
    )


def _alternatives(words: frozenset[str] | set[str]) -> str:
    return "|".join(shlex.quote(w) for w in sorted(words))


def _verb_cases(kind: ToolKind) -> str:
    """`case "$sub"` branches that set `mutating=1`, from the guard's tables."""
    planned = sorted(PLANNED_VERBS[kind])
    single = sorted(v[0] for v in STATE_VERBS[kind] if len(v) == 1)
    groups: dict[str, list[str]] = {}
    for verb in STATE_VERBS[kind]:
        if len(verb) == 2 and verb[0] in GROUP_VERBS:
            groups.setdefault(verb[0], []).append(verb[1])
    planned_action = (
        '[ -n "$preview_only" ] || mutating=1' if kind is ToolKind.PULUMI else "mutating=1"
    )
    lines = [f"  {_alternatives(set(planned))}) {planned_action} ;;"]
    if single:
        lines.append(f"  {_alternatives(set(single))}) mutating=1 ;;")
    for group, subs in sorted(groups.items()):
        lines.append(
            f'  {shlex.quote(group)}) case "$sub2" in {_alternatives(set(subs))}) '
            "mutating=1 ;; esac ;;"
        )
    return "\n".join(lines)


_TEMPLATE = """#!/bin/sh
# {marker}: {tool}
# Written by `planrisk shim install`; removed by `planrisk shim uninstall`. Mutating
# subcommands go through `planrisk guard`; read-only ones run the real {tool} directly.
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

sub=
sub2=
skip=
help=
preview_only=
for a in "$@"; do
  if [ -n "$skip" ]; then skip=; continue; fi
  case $a in
    --) break ;;
    {help_flags}) help=1 ;;
    {preview_only}) preview_only=1 ;;
{valued_case}    -*) ;;
    *) if [ -z "$sub" ]; then sub=$a; elif [ -z "$sub2" ]; then sub2=$a; fi ;;
  esac
done

mutating=
case $sub in
{verb_cases}
esac
[ -n "$help" ] && mutating=

if [ -n "$mutating" ]; then
  exec {planrisk} guard -- "$real" "$@"
fi
exec "$real" "$@"
"""
