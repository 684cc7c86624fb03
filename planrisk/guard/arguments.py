"""Rewriting a wrapped command into the plan step and the run step (guard stage).

Input: an `Invocation` of a planned command (terraform/tofu apply or destroy; pulumi up,
destroy, refresh) and the guard's private directory. Output: a `Steps` value: the argv that
saves the plan into the private directory (or the user's plan file to copy there), the argv
that prints it as JSON, and the argv that runs on allow, which names the private copy: what
runs is the file that was gated, never a path someone else can write.

Terraform and OpenTofu:
- `apply [flags] PLANFILE`: copy PLANFILE to PRIVATE/plan.tfplan; show `<tool> show -json COPY`;
  run `<tool> apply [flags] COPY`.
- bare `apply [flags]` or `destroy [flags]`: save `<tool> plan -out=PRIVATE/plan.tfplan
  [-destroy] <plan flags>`, show it, run `<tool> apply <apply flags> PRIVATE/plan.tfplan`. Flags
  that only a plan takes (-var, -var-file, -target, -replace, -exclude, -refresh, -refresh-only,
  -destroy…) move to the plan step, because a saved plan refuses them; flags both take (-lock,
  -lock-timeout, -input, -parallelism, -no-color…) go to both; everything else (-auto-approve,
  -json, -backup…) stays with the apply.

Pulumi `up`: show `pulumi preview --json --save-plan=PRIVATE/update-plan.json <args>`, run
`pulumi up --plan=PRIVATE/update-plan.json <args>`: an update plan constrains `up` to the
previewed operations and fails on any discrepancy. `destroy` and `refresh` take no plan file:
show `<verb> --preview-only --json <args>`, then run the original argv (what they do can still
differ from the preview if the stack changes in between). The preview leaves out the
confirmation and up-only flags (-y, --yes, -f, --skip-preview, --continue-on-error, --strict).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from planrisk.errors import PlanriskError
from planrisk.guard.commands import Flag, Invocation, ToolKind

PLAN_ONLY = frozenset(
    {
        "var",
        "var-file",
        "target",
        "replace",
        "exclude",
        "include",
        "invoke",
        "target-file",
        "exclude-file",
        "destroy",
        "refresh-only",
        "refresh",
        "allow-deferral",
        "generate-config-out",
    }
)
"""Terraform plan flags that a saved plan refuses."""
SHARED = frozenset(
    {
        "lock-timeout",
        "parallelism",
        "state",
        "lock",
        "input",
        "no-color",
        "compact-warnings",
        "concise",
        "consolidate-warnings",
        "consolidate-errors",
    }
)
"""Terraform flags that both plan and apply take."""

PULUMI_PREVIEW_DROPPED = frozenset(
    {"yes", "skip-preview", "json", "continue-on-error", "preview-only", "strict", "plan"}
)
"""Pulumi flags left out of the preview (confirmation, output form, up-only flags)."""

PLAN_FILE = "plan.tfplan"
UPDATE_PLAN_FILE = "update-plan.json"
"""Names of the plan files inside the guard's private directory."""


@dataclass(frozen=True)
class Steps:
    """The commands the guard runs for one planned command."""

    save: tuple[str, ...] | None
    """Writes the plan file into the private directory first (`terraform plan -out=…`), or None."""
    copy_from: Path | None
    """The user's saved plan, copied into the private directory before anything reads it."""
    plan_file: Path | None
    """The private plan file that is shown, gated and run; None when the tool takes none."""
    show: tuple[str, ...]
    """Prints the plan as JSON on stdout."""
    run: tuple[str, ...]
    """Runs on allow."""


def plan_steps(invocation: Invocation, work: Path) -> Steps:
    """The steps for `invocation`; `work` is the guard's private directory."""
    if invocation.kind is ToolKind.PULUMI:
        return _pulumi_steps(invocation, work)
    return _terraform_steps(invocation, work / PLAN_FILE)


def _terraform_steps(invocation: Invocation, plan_file: Path) -> Steps:
    prefix = (invocation.binary, *invocation.global_args)
    positionals = invocation.positionals
    target = str(plan_file)
    flag_words = [word for flag in invocation.flags for word in flag.words]
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
            copy_from=saved,
            plan_file=plan_file,
            show=(*prefix, "show", "-json", target),
            run=(*prefix, "apply", *flag_words, target),
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
    for flag in invocation.flags:
        if flag.name in PLAN_ONLY:
            plan_args.extend(flag.words)
        elif flag.name in SHARED:
            plan_args.extend(flag.words)
            apply_args.extend(flag.words)
        else:
            apply_args.extend(flag.words)
    return Steps(
        save=(*prefix, "plan", f"-out={target}", *plan_args),
        copy_from=None,
        plan_file=plan_file,
        show=(*prefix, "show", "-json", target),
        run=(*prefix, "apply", *apply_args, target),
    )


def _canonical(flag: Flag) -> str:
    """A flag in one unambiguous word (`--name` or `--name=value`)."""
    return f"--{flag.name}" if flag.value is None else f"--{flag.name}={flag.value}"


def _pulumi_steps(invocation: Invocation, work: Path) -> Steps:
    verb = invocation.verb[0]
    if invocation.flag("plan") is not None:
        raise PlanriskError(
            f"`{invocation.label} --plan` is not supported by the guard: it makes its own "
            "update plan from the preview it gates",
            hint=f"run `planrisk guard -- {invocation.label}` without --plan",
        )
    kept = [_canonical(f) for f in invocation.flags if f.name not in PULUMI_PREVIEW_DROPPED]
    binary = invocation.binary
    if verb in ("up", "update"):
        plan_file = work / UPDATE_PLAN_FILE
        return Steps(
            save=None,
            copy_from=None,
            plan_file=plan_file,
            show=(binary, "preview", "--json", f"--save-plan={plan_file}", *kept),
            run=(binary, *invocation.verb, f"--plan={plan_file}", *invocation.args),
        )
    return Steps(
        save=None,
        copy_from=None,
        plan_file=None,
        show=(binary, verb, "--preview-only", "--json", *kept),
        run=invocation.argv,
    )
