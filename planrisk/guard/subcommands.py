"""Every subcommand the guard knows, and what running it does (guard stage, tables).

Input: nothing (tables). Output: per tool dialect, a map from the subcommand words
(`("apply",)`, `("state", "rm")`) to a `Spec`: its `Effect`, its flags (`planrisk.guard.flags`),
the switches that change the effect (`destroy --preview-only` is a dry run, `init
-migrate-state` copies state), and whether it is a group whose next word must be one of its
children. A subcommand that is not here is refused: this is an allow-list, classified from the
tools' own documentation, because a guard that passes what it does not know lets `terraform
test`, `init -migrate-state -force-copy` or `pulumi watch` run ungated.

These tables are the single source of truth: `planrisk.guard.commands` parses with them and the
shims (`planrisk.guard.shim`) render their `case` patterns from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from planrisk.guard import flags as f


class ToolKind(StrEnum):
    """The command-line dialect of the wrapped binary."""

    TERRAFORM = "terraform"
    """terraform and tofu (Go `flag` parsing, global flags before the subcommand)."""
    PULUMI = "pulumi"
    """pulumi (cobra/pflag flags, allowed anywhere)."""


class Effect(StrEnum):
    """What running the command does, and so what the guard does with it."""

    READ_ONLY = "read-only"
    """Changes no infrastructure or state: run straight through."""
    PLANNED = "planned"
    """A plan (or preview) of its changes can be computed first and gated."""
    STATE = "state"
    """Changes state or infrastructure with no plan to gate: a human initiator only."""
    REFUSED = "refused"
    """Not on the allow-list (or arguments the guard cannot read): never run by the guard."""


@dataclass(frozen=True)
class Spec:
    """One subcommand."""

    effect: Effect
    flags: f.Flags
    modifiers: Mapping[str, Effect] = field(default_factory=dict)
    """Switches that, when set, give the command another effect."""
    group: bool = False
    """Has children: a word after it that is not a known child is refused (cobra would run
    that child, `pulumi config refresh`, while a guard that saw a positional would not know)."""
    max_positionals: int | None = None
    """How many positional arguments the guard accepts (None: the tool decides)."""


R, P, S = Effect.READ_ONLY, Effect.PLANNED, Effect.STATE

TERRAFORM_COMMANDS: dict[tuple[str, ...], Spec] = {
    ("apply",): Spec(P, f.TF_APPLY),
    ("destroy",): Spec(P, f.TF_APPLY),
    ("plan",): Spec(R, f.TF_PLAN),
    ("validate",): Spec(R, f.TF_VALIDATE),
    ("show",): Spec(R, f.TF_SHOW),
    ("output",): Spec(R, f.TF_OUTPUT),
    ("graph",): Spec(R, f.TF_GRAPH),
    ("fmt",): Spec(R, f.TF_FMT),
    ("version",): Spec(R, f.TF_VERSION),
    ("get",): Spec(R, f.TF_GET),
    ("console",): Spec(R, f.TF_CONSOLE),
    ("modules",): Spec(R, f.TF_JSON_ONLY),
    ("init",): Spec(R, f.TF_INIT, modifiers={"migrate-state": S, "force-copy": S}),
    ("providers",): Spec(R, f.TF_PROVIDERS, group=True),
    ("providers", "schema"): Spec(R, f.TF_PROVIDERS_SCHEMA),
    ("providers", "lock"): Spec(R, f.TF_PROVIDERS_LOCK),
    ("providers", "mirror"): Spec(R, f.TF_PROVIDERS_MIRROR),
    ("metadata",): Spec(R, f.Flags(), group=True),
    ("metadata", "functions"): Spec(R, f.TF_JSON_ONLY),
    ("state",): Spec(R, f.Flags(), group=True),
    ("state", "list"): Spec(R, f.TF_STATE_LIST),
    ("state", "show"): Spec(R, f.TF_STATE_SHOW),
    ("state", "pull"): Spec(R, f.TF_STATE_PULL),
    ("state", "mv"): Spec(S, f.TF_STATE_MV),
    ("state", "rm"): Spec(S, f.TF_STATE_RM),
    ("state", "push"): Spec(S, f.TF_STATE_PUSH),
    ("state", "replace-provider"): Spec(S, f.TF_STATE_REPLACE_PROVIDER),
    ("workspace",): Spec(R, f.Flags(), group=True),
    ("workspace", "list"): Spec(R, f.TF_WORKSPACE_READ),
    ("workspace", "show"): Spec(R, f.TF_WORKSPACE_READ),
    ("workspace", "select"): Spec(R, f.TF_WORKSPACE_SELECT, modifiers={"or-create": S}),
    ("workspace", "new"): Spec(S, f.TF_WORKSPACE_NEW),
    ("workspace", "delete"): Spec(S, f.TF_WORKSPACE_DELETE),
    ("import",): Spec(S, f.TF_IMPORT),
    ("taint",): Spec(S, f.TF_TAINT),
    ("untaint",): Spec(S, f.TF_TAINT),
    ("force-unlock",): Spec(S, f.TF_FORCE_UNLOCK),
    ("refresh",): Spec(S, f.TF_REFRESH),
    # `test` creates and destroys real infrastructure with no plan shown first.
    ("test",): Spec(S, f.TF_TEST),
}
"""Terraform 1.9/1.10 and OpenTofu 1.8/1.9 subcommands. Left out, so refused: login, logout
(credentials), env (deprecated alias of workspace), stacks, rpcapi, 0.13upgrade and the like."""

_PREVIEW_ONLY = {"preview-only": R}

PULUMI_COMMANDS: dict[tuple[str, ...], Spec] = {
    (): Spec(R, f.PULUMI_NONE, group=True, max_positionals=0),
    ("up",): Spec(P, f.PULUMI_UP, max_positionals=0),
    ("update",): Spec(P, f.PULUMI_UP, max_positionals=0),
    ("destroy",): Spec(P, f.PULUMI_DESTROY, modifiers=_PREVIEW_ONLY, max_positionals=0),
    ("down",): Spec(P, f.PULUMI_DESTROY, modifiers=_PREVIEW_ONLY, max_positionals=0),
    ("refresh",): Spec(P, f.PULUMI_REFRESH, modifiers=_PREVIEW_ONLY, max_positionals=0),
    ("preview",): Spec(R, f.PULUMI_PREVIEW),
    ("pre",): Spec(R, f.PULUMI_PREVIEW),
    ("version",): Spec(R, f.PULUMI_NONE),
    ("whoami",): Spec(R, f.PULUMI_JSON),
    ("about",): Spec(R, f.PULUMI_ABOUT, group=True),
    ("about", "env"): Spec(R, f.PULUMI_NONE),
    ("help",): Spec(R, f.PULUMI_NONE),
    ("logs",): Spec(R, f.PULUMI_LOGS),
    ("stack",): Spec(R, f.PULUMI_STACK_SHOW, group=True),
    ("stack", "ls"): Spec(R, f.PULUMI_STACK_LS),
    ("stack", "output"): Spec(R, f.PULUMI_STACK_OUTPUT),
    ("stack", "history"): Spec(R, f.PULUMI_STACK_HISTORY),
    ("stack", "select"): Spec(R, f.PULUMI_STACK_SELECT, modifiers={"create": S}),
    ("stack", "unselect"): Spec(R, f.PULUMI_NONE),
    ("stack", "export"): Spec(R, f.PULUMI_STACK_EXPORT),
    ("stack", "graph"): Spec(R, f.PULUMI_STACK_GRAPH),
    ("stack", "tag"): Spec(R, f.PULUMI_STACK_ONLY, group=True),
    ("stack", "tag", "ls"): Spec(R, f.PULUMI_STACK_ONLY | f.PULUMI_JSON),
    ("stack", "tag", "get"): Spec(R, f.PULUMI_STACK_ONLY),
    ("stack", "tag", "set"): Spec(S, f.PULUMI_STACK_ONLY),
    ("stack", "tag", "rm"): Spec(S, f.PULUMI_STACK_ONLY),
    ("stack", "rm"): Spec(S, f.PULUMI_STACK_RM),
    ("stack", "import"): Spec(S, f.PULUMI_STACK_IMPORT),
    ("stack", "rename"): Spec(S, f.PULUMI_STACK_ONLY),
    ("stack", "init"): Spec(S, f.PULUMI_STACK_INIT),
    ("stack", "change-secrets-provider"): Spec(S, f.PULUMI_STACK_ONLY),
    # config set/rm write Pulumi.<stack>.yaml, a file the agent can write anyway.
    ("config",): Spec(R, f.PULUMI_CONFIG, group=True),
    ("config", "get"): Spec(R, f.PULUMI_CONFIG),
    ("config", "set"): Spec(R, f.PULUMI_CONFIG_SET),
    ("config", "rm"): Spec(R, f.PULUMI_CONFIG_SET),
    ("plugin",): Spec(R, f.PULUMI_NONE, group=True),
    ("plugin", "ls"): Spec(R, f.PULUMI_PLUGIN_LS),
    ("import",): Spec(S, f.PULUMI_IMPORT, modifiers=_PREVIEW_ONLY),
    ("cancel",): Spec(S, f.PULUMI_YES),
    ("state",): Spec(R, f.PULUMI_NONE, group=True),
    ("state", "delete"): Spec(S, f.PULUMI_STATE_DELETE),
    ("state", "move"): Spec(S, f.PULUMI_STATE_MOVE),
    ("state", "rename"): Spec(S, f.PULUMI_YES),
    ("state", "edit"): Spec(S, f.PULUMI_STACK_ONLY),
    ("state", "protect"): Spec(S, f.PULUMI_STATE_PROTECT),
    ("state", "unprotect"): Spec(S, f.PULUMI_STATE_PROTECT),
    ("state", "repair"): Spec(S, f.PULUMI_YES),
    ("state", "taint"): Spec(S, f.PULUMI_YES),
    ("state", "untaint"): Spec(S, f.PULUMI_YES),
    ("state", "upgrade"): Spec(S, f.PULUMI_YES),
}
"""Pulumi 3.1xx commands. Left out, so refused: watch (updates continuously, ungated), new,
deployment (runs remotely), env, org, policy, package, plugin install/rm, install, convert,
console, login, logout, config refresh/env/cp/set-all/rm-all, ai, and anything newer."""

COMMANDS: dict[ToolKind, dict[tuple[str, ...], Spec]] = {
    ToolKind.TERRAFORM: TERRAFORM_COMMANDS,
    ToolKind.PULUMI: PULUMI_COMMANDS,
}


def is_command_prefix(kind: ToolKind, words: tuple[str, ...]) -> bool:
    """Whether `words` names a known subcommand or group."""
    return words in COMMANDS[kind]
