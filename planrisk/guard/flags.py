"""The flags each guarded subcommand accepts, read from the tools' sources (guard stage, tables).

Input: nothing (tables). Output: a `Flags` value per subcommand: which long names take a value,
which are switches, which take a value only as `--name=value` (pflag `NoOptDefVal`), and the
shorthand letters (Pulumi). `planrisk.guard.commands` parses with them; a flag that is not here
makes the command refused, never guessed, because guessing wrong about whether a flag takes a
value moves every later word (`-json-into FILE` turning FILE into "the saved plan").

Where each table was read (record a new release here when a table changes):
- Terraform: hashicorp/terraform `internal/command/arguments/{extended,apply,plan,refresh,
  validate,show,output,…}.go` and `internal/command/*.go`, the v1.9/v1.10 line (flag sets
  `extendedFlagSet`: -lock, -lock-timeout, -state, -state-out, -backup, -parallelism,
  -refresh, -destroy, -refresh-only, -target, -replace, -var, -var-file; 1.9 adds
  -allow-deferral, later releases -exclude, -include, -invoke, -policies).
- OpenTofu: opentofu/opentofu `internal/command/arguments/*.go`, the v1.8/v1.9 line and main
  (`-exclude`, `-target-file`, `-exclude-file` from 1.9; `ViewOptions` adds `-json-into FILE`
  next to every `-json`; `-var`/`-var-file` on nearly every command since 1.8; `ParseView` strips
  `-no-color`, `-compact-warnings`, `-consolidate-warnings`, `-consolidate-errors`, `-concise`
  wherever they appear). Terraform and OpenTofu share one table: a name only one of them knows
  makes the other exit with "flag provided but not defined", which runs nothing.
- Pulumi: pulumi/pulumi `pkg/cmd/pulumi/pulumi.go` (root persistent flags) and
  `pkg/cmd/pulumi/operations/{up,preview,destroy,refresh}.go`, the v3.1xx line (3.190+):
  `--refresh/-r`, `--suppress-permalink` and `--attach-debugger` carry `NoOptDefVal`, so they
  take a value only after `=`; `--remote*`, `destroy --remove`, `refresh --clear-pending-creates`
  and `--import-pending-creates` are left out on purpose (refused). Other read-only commands:
  the CLI reference pages (`pulumi stack ls --help` …) of the same line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Flags:
    """The flags one subcommand accepts (long names without dashes)."""

    valued: frozenset[str] = frozenset()
    """Take a value: `-name=v` or `-name v` (Pulumi: `--name=v`, `--name v`, `-x v`, `-xv`)."""
    switches: frozenset[str] = frozenset()
    """Booleans: `-name` or `-name=true|false`; never take the next word."""
    optional: frozenset[str] = frozenset()
    """Pulumi flags with a default value when bare: a value only as `--name=v`."""
    short: Mapping[str, str] = field(default_factory=dict)
    """Pulumi shorthand letter → long name."""

    def __or__(self, other: Flags) -> Flags:
        return Flags(
            valued=self.valued | other.valued,
            switches=self.switches | other.switches,
            optional=self.optional | other.optional,
            short={**self.short, **other.short},
        )

    def takes_value(self, name: str) -> bool:
        """Whether `--name` (no `=`) consumes the next word."""
        return name in self.valued

    def knows(self, name: str) -> bool:
        """Whether `name` is a flag of this subcommand."""
        return name in self.valued or name in self.switches or name in self.optional


def flags(valued: str = "", switches: str = "", optional: str = "", short: str = "") -> Flags:
    """A `Flags` from space-separated names; `short` is `x=name` pairs."""
    pairs = dict(pair.split("=", 1) for pair in short.split())
    return Flags(
        valued=frozenset(valued.split()),
        switches=frozenset(switches.split()),
        optional=frozenset(optional.split()),
        short=pairs,
    )


# --- Terraform and OpenTofu ------------------------------------------------------------------

TERRAFORM_VIEW_WORDS: frozenset[str] = frozenset(
    {
        "-no-color",
        "-compact-warnings",
        "-consolidate-warnings",
        "-consolidate-warnings=true",
        "-consolidate-warnings=false",
        "-consolidate-errors",
        "-consolidate-errors=true",
        "-consolidate-errors=false",
        "-concise",
    }
)
"""Words `ParseView` / `Meta.process` remove from anywhere in a subcommand's arguments before the
flags are parsed (even after `--`, even where a flag's value would be)."""

TERRAFORM_HELP: frozenset[str] = frozenset({"h", "help"})
"""`-h`, `-help`, `--help`: help, when they stand where a flag can."""

_VARS = flags(valued="var var-file")
_JSON = flags(valued="json-into", switches="json")
_LOCK = flags(valued="lock-timeout", switches="lock")
_STATE_FILES = flags(valued="state state-out backup")
_OPERATION = flags(
    valued="parallelism target exclude include invoke replace target-file exclude-file",
    switches="refresh destroy refresh-only allow-deferral",
)

TF_APPLY = (
    _VARS
    | _JSON
    | _LOCK
    | _STATE_FILES
    | _OPERATION
    | flags(valued="policies", switches="auto-approve input show-sensitive")
)
TF_PLAN = (
    _VARS
    | _JSON
    | _LOCK
    | _STATE_FILES
    | _OPERATION
    | flags(
        valued="out generate-config-out policies",
        switches="input detailed-exitcode show-sensitive",
    )
)
TF_REFRESH = (
    _VARS
    | _JSON
    | _LOCK
    | _STATE_FILES
    | flags(valued="parallelism target exclude target-file exclude-file", switches="input")
)
TF_IMPORT = (
    _VARS
    | _JSON
    | _LOCK
    | _STATE_FILES
    | flags(
        valued="config parallelism provider",
        switches="input allow-missing-config ignore-remote-version",
    )
)
TF_TAINT = (
    _VARS
    | _JSON
    | _LOCK
    | flags(valued="backup state state-out", switches="allow-missing ignore-remote-version")
)
TF_FORCE_UNLOCK = _VARS | flags(switches="force")
TF_TEST = (
    _VARS
    | _JSON
    | flags(
        valued="filter test-directory cloud-run junit-xml parallelism",
        switches="verbose no-cleanup",
    )
)
TF_STATE_LIST = _VARS | flags(valued="state id")
TF_STATE_SHOW = _VARS | flags(valued="state", switches="show-sensitive")
TF_STATE_PULL = _VARS
TF_STATE_MV = (
    _VARS
    | _LOCK
    | flags(valued="backup backup-out state state-out", switches="dry-run ignore-remote-version")
)
TF_STATE_RM = (
    _VARS | _LOCK | flags(valued="backup state state-out", switches="dry-run ignore-remote-version")
)
TF_STATE_PUSH = _VARS | _LOCK | flags(switches="force ignore-remote-version")
TF_STATE_REPLACE_PROVIDER = (
    _VARS | _LOCK | flags(valued="backup state", switches="auto-approve ignore-remote-version")
)
TF_WORKSPACE_READ = _VARS | _JSON
TF_WORKSPACE_SELECT = _VARS | flags(switches="or-create")
TF_WORKSPACE_NEW = _VARS | _LOCK | flags(valued="state")
TF_WORKSPACE_DELETE = _VARS | _LOCK | flags(switches="force")
TF_VALIDATE = _VARS | _JSON | flags(valued="test-directory", switches="no-tests")
TF_SHOW = _VARS | _JSON | flags(valued="plan module", switches="show-sensitive config state")
TF_OUTPUT = _VARS | _JSON | flags(valued="state", switches="raw show-sensitive")
TF_GRAPH = _VARS | flags(valued="type plan module-depth", switches="draw-cycles")
TF_FMT = _VARS | flags(switches="list write diff check recursive")
TF_VERSION = flags(switches="json")
TF_PROVIDERS = _VARS | flags(valued="test-directory")
TF_PROVIDERS_SCHEMA = _VARS | flags(switches="json")
TF_PROVIDERS_LOCK = _VARS | flags(
    valued="platform fs-mirror net-mirror", switches="enable-plugin-cache"
)
TF_PROVIDERS_MIRROR = _VARS | _JSON | flags(valued="platform", switches="lock-file")
TF_GET = _VARS | _JSON | flags(valued="test-directory", switches="update")
TF_CONSOLE = _VARS | flags(valued="state", switches="plan")
TF_INIT = (
    _VARS
    | _JSON
    | _LOCK
    | flags(
        valued="backend-config from-module plugin-dir lockfile test-directory",
        switches=(
            "backend cloud get input reconfigure migrate-state force-copy upgrade "
            "ignore-remote-version"
        ),
    )
)
TF_JSON_ONLY = flags(switches="json")


# --- Pulumi ----------------------------------------------------------------------------------

PULUMI_ROOT = flags(
    valued="cwd color tracing tracing-header otel-traces profiling memprofilerate verbose",
    switches=(
        "emoji fully-qualify-stack-names disable-integrity-checking logflow logtostderr "
        "non-interactive help version"
    ),
    short="C=cwd e=emoji Q=fully-qualify-stack-names v=verbose h=help",
)
"""Persistent flags of the root command: every subcommand takes them."""

PULUMI_HELP = "help"
"""`--help` / `-h` (a switch): help, when it is set where a flag can be."""

_PULUMI_STACK = flags(valued="stack", short="s=stack")
_PULUMI_OPERATION = flags(
    valued="config-file message parallel exec-kind exec-agent client",
    switches="debug diff json show-replacement-steps show-sames suppress-outputs suppress-progress",
    optional="suppress-permalink",
    short="d=debug m=message j=json p=parallel",
)

PULUMI_UP = (
    _PULUMI_STACK
    | _PULUMI_OPERATION
    | flags(
        valued=(
            "config secrets-provider target exclude replace target-replace policy-pack "
            "policy-pack-config plan"
        ),
        switches=(
            "expect-no-changes config-path target-dependents exclude-dependents run-program "
            "show-config show-policy-remediations show-secrets show-reads skip-preview "
            "show-full-output yes continue-on-error strict neo copilot"
        ),
        optional="refresh attach-debugger",
        short="c=config t=target r=refresh f=skip-preview y=yes",
    )
)
PULUMI_PREVIEW = (
    _PULUMI_STACK
    | _PULUMI_OPERATION
    | flags(
        valued=(
            "config save-plan import-file target exclude replace target-replace policy-pack "
            "policy-pack-config"
        ),
        switches=(
            "expect-no-changes config-path show-secrets target-dependents exclude-dependents "
            "show-config show-policy-remediations show-reads run-program neo copilot"
        ),
        optional="refresh attach-debugger",
        short="c=config t=target x=exclude r=refresh",
    )
)
PULUMI_DESTROY = (
    _PULUMI_STACK
    | _PULUMI_OPERATION
    | flags(
        valued="config target exclude",
        switches=(
            "run-program config-path target-dependents exclude-protected preview-only "
            "show-config skip-preview show-full-output continue-on-error yes neo copilot"
        ),
        optional="refresh",
        short="c=config t=target x=exclude r=refresh f=skip-preview y=yes",
    )
)
PULUMI_REFRESH = (
    _PULUMI_STACK
    | _PULUMI_OPERATION
    | flags(
        valued="target exclude-target",
        switches=(
            "expect-no-changes exclude-target-dependents preview-only skip-preview yes "
            "skip-pending-creates run-program show-secrets"
        ),
        short="t=target f=skip-preview y=yes",
    )
)
PULUMI_IMPORT = _PULUMI_STACK | flags(
    valued="file from out parent provider properties message parallel config-file",
    switches="yes skip-preview protect generate-code json diff debug suppress-outputs preview-only",
    optional="suppress-permalink",
    short="f=file o=out m=message p=parallel y=yes j=json d=debug",
)
PULUMI_YES = _PULUMI_STACK | flags(switches="yes", short="y=yes")
PULUMI_STATE_DELETE = PULUMI_YES | flags(switches="force target-dependents all")
PULUMI_STATE_MOVE = PULUMI_YES | flags(valued="source dest", switches="include-parents")
PULUMI_STATE_PROTECT = PULUMI_YES | flags(switches="all")
PULUMI_STACK_RM = PULUMI_YES | flags(
    switches="force preserve-config remove-backups", short="f=force"
)
PULUMI_STACK_IMPORT = _PULUMI_STACK | flags(valued="file", switches="force")
PULUMI_STACK_INIT = _PULUMI_STACK | flags(
    valued="secrets-provider copy-config-from teams", switches="no-select remote-config"
)
PULUMI_JSON = flags(switches="json", short="j=json")
PULUMI_STACK_ONLY = _PULUMI_STACK
PULUMI_STACK_SHOW = (
    _PULUMI_STACK
    | PULUMI_JSON
    | flags(switches="show-ids show-urns show-secrets show-name", short="i=show-ids u=show-urns")
)
PULUMI_STACK_LS = PULUMI_JSON | flags(
    valued="organization project tag",
    switches="all",
    short="o=organization p=project t=tag a=all",
)
PULUMI_STACK_OUTPUT = _PULUMI_STACK | PULUMI_JSON | flags(switches="shell show-secrets")
PULUMI_STACK_HISTORY = (
    _PULUMI_STACK | PULUMI_JSON | flags(valued="page-size page", switches="show-secrets full-dates")
)
PULUMI_STACK_SELECT = _PULUMI_STACK | flags(
    valued="secrets-provider", switches="create", short="c=create"
)
PULUMI_STACK_EXPORT = _PULUMI_STACK | flags(valued="file version", switches="show-secrets")
PULUMI_STACK_GRAPH = _PULUMI_STACK | flags(
    valued="dependency-edge-color parent-edge-color",
    switches="ignore-dependency-edges ignore-parent-edges short-node-name",
)
PULUMI_CONFIG = (
    _PULUMI_STACK | PULUMI_JSON | flags(valued="config-file", switches="show-secrets open path")
)
PULUMI_CONFIG_SET = _PULUMI_STACK | flags(valued="config-file", switches="path plaintext secret")
PULUMI_ABOUT = _PULUMI_STACK | PULUMI_JSON | flags(switches="transitive", short="t=transitive")
PULUMI_PLUGIN_LS = PULUMI_JSON | flags(switches="project", short="p=project")
PULUMI_LOGS = (
    _PULUMI_STACK
    | PULUMI_JSON
    | flags(valued="config-file resource since", switches="follow", short="r=resource f=follow")
)
PULUMI_NONE = Flags()
