"""Rewriting a wrapped command's arguments into the plan step and the run step (guard stage).

Input: an `Invocation` of a planned command (terraform/tofu apply or destroy; pulumi up,
destroy, refresh). Output: a `Steps` value: the argv that shows the plan as JSON (after an
optional argv that saves it first) and the argv that runs on allow.

Terraform and OpenTofu:
- `apply [flags] PLANFILE`: show `<tool> show -json PLANFILE`; run the original argv unchanged.
- bare `apply [flags]` or `destroy [flags]`: save `<tool> plan -out=TMP [-destroy] <plan flags>`,
  show `show -json TMP`, run `<tool> apply <apply flags> TMP`. Flags that only a plan takes
  (-var, -var-file, -target, -replace, -exclude, -refresh, -refresh-only, -destroy) move to the
  plan step, because a saved plan refuses them; flags both take (-lock, -lock-timeout, -input,
  -parallelism, -no-color…) go to both; everything else (-auto-approve, -json, -backup…) stays
  with the apply. What runs is exactly the plan that was gated.

Pulumi: show `pulumi preview --json <args>` for up (`destroy --preview-only --json`,
`refresh --preview-only --json` for those), without the confirmation flags (-y, --yes,
-f, --skip-preview) and the up-only flags (--plan, --continue-on-error); run the original argv.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from planrisk.errors import PlanriskError
from planrisk.guard.commands import Invocation, ToolKind

PLAN_ONLY_VALUED = frozenset(
    {"var", "var-file", "target", "replace", "exclude", "target-file", "exclude-file"}
)
"""Terraform plan flags with a value that a saved plan refuses."""
PLAN_ONLY_SWITCHES = frozenset({"destroy", "refresh-only", "refresh"})
"""Terraform plan switches (`-refresh=false`) that a saved plan refuses."""
SHARED_VALUED = frozenset({"lock-timeout", "parallelism", "state"})
"""Terraform flags with a value that both plan and apply take."""
SHARED_SWITCHES = frozenset({"lock", "input", "no-color", "compact-warnings", "concise"})
"""Terraform switches that both plan and apply take."""
APPLY_VALUED = frozenset({"state-out", "backup"})
"""Terraform apply flags with a value."""

PULUMI_DROPPED_SWITCHES = frozenset(
    {"-y", "--yes", "-f", "--skip-preview", "--json", "-j", "--continue-on-error", "--preview-only"}
)
"""Pulumi flags left out of the preview (confirmation, output form, up-only switches)."""
PULUMI_DROPPED_VALUED = frozenset({"--plan"})
"""Pulumi up-only flags with a value, left out of the preview."""


@dataclass(frozen=True)
class Steps:
    """The commands the guard runs for one planned command."""

    save: tuple[str, ...] | None
    """Writes the plan file first (`terraform plan -out=TMP`), or None."""
    show: tuple[str, ...]
    """Prints the plan as JSON on stdout."""
    run: tuple[str, ...]
    """Runs on allow."""
    saved_plan: Path | None
    """The user's saved plan file (checked unchanged before it is applied), or None."""


@dataclass(frozen=True)
class _Flag:
    name: str
    words: tuple[str, ...]


def plan_steps(invocation: Invocation, plan_file: Path) -> Steps:
    """The steps for `invocation`; `plan_file` is where a plan the guard makes is saved."""
    if invocation.kind is ToolKind.PULUMI:
        return _pulumi_steps(invocation)
    return _terraform_steps(invocation, plan_file)


def _terraform_steps(invocation: Invocation, plan_file: Path) -> Steps:
    prefix = (invocation.binary, *invocation.global_args)
    flags, positionals = _split_go_flags(invocation.args)
    if positionals and invocation.verb == ("apply",):
        if len(positionals) > 1:
            raise PlanriskError(
                f"`{invocation.label}` takes one saved plan file, got {len(positionals)} arguments",
                hint="run `terraform apply [flags] PLANFILE`",
            )
        saved = invocation.workdir / positionals[0]
        if saved.is_dir():
            raise PlanriskError(
                "applying a configuration directory is not supported by the guard",
                source=str(saved),
                hint="use -chdir=DIR, or save a plan with `plan -out=FILE` and apply the file",
            )
        return Steps(
            save=None,
            show=(*prefix, "show", "-json", positionals[0]),
            run=invocation.argv,
            saved_plan=saved,
        )
    if positionals:
        raise PlanriskError(
            f"`{invocation.label}` does not take a plan file ({positionals[0]!r})",
            hint="run `terraform destroy [flags]`, or apply a saved destroy plan",
        )
    plan_args: list[str] = []
    apply_args: list[str] = []
    if invocation.verb == ("destroy",):
        plan_args.append("-destroy")
    for flag in flags:
        if flag.name in PLAN_ONLY_VALUED or flag.name in PLAN_ONLY_SWITCHES:
            plan_args.extend(flag.words)
        elif flag.name in SHARED_VALUED or flag.name in SHARED_SWITCHES:
            plan_args.extend(flag.words)
            apply_args.extend(flag.words)
        else:
            apply_args.extend(flag.words)
    target = str(plan_file)
    return Steps(
        save=(*prefix, "plan", f"-out={target}", *plan_args),
        show=(*prefix, "show", "-json", target),
        run=(*prefix, "apply", *apply_args, target),
        saved_plan=None,
    )


def _split_go_flags(args: tuple[str, ...]) -> tuple[list[_Flag], list[str]]:
    """Go `flag` parsing: flags until the first non-flag word or `--`."""
    flags: list[_Flag] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            return flags, list(args[i + 1 :])
        if not word.startswith("-") or word == "-":
            break
        name, eq, _ = word.lstrip("-").partition("=")
        valued = name in PLAN_ONLY_VALUED | SHARED_VALUED | APPLY_VALUED
        if valued and not eq:
            if i + 1 >= len(args):
                raise PlanriskError(
                    f"flag {word} needs a value", hint=f"write {word}=VALUE or {word} VALUE"
                )
            flags.append(_Flag(name, (word, args[i + 1])))
            i += 2
            continue
        flags.append(_Flag(name, (word,)))
        i += 1
    return flags, list(args[i:])


def _pulumi_steps(invocation: Invocation) -> Steps:
    verb = invocation.verb[0]
    kept: list[str] = []
    args = invocation.args
    i = 0
    while i < len(args):
        word = args[i]
        name, eq, _ = word.partition("=")
        if name in PULUMI_DROPPED_SWITCHES:
            i += 1
            continue
        if name in PULUMI_DROPPED_VALUED:
            i += 1 if eq else 2
            continue
        kept.append(word)
        i += 1
    if verb in ("up", "update"):
        show = (invocation.binary, "preview", "--json", *kept)
    else:
        show = (invocation.binary, verb, "--preview-only", "--json", *kept)
    return Steps(
        save=None,
        show=show,
        run=invocation.argv,
        saved_plan=None,
    )
