"""Core model shared by every stage (ingest → graph → score → gate → report).

Input: nothing (no I/O here). Output: the typed structures the stages pass along:
`Plan` (one normalized plan from Terraform, OpenTofu or Pulumi), its `ResourceChange`s,
the `Resource` instances the plan knows, and the Terraform `Configuration` tree.

Attribute values stay as `msgspec.Raw` (a zero-copy slice of the input document) so
that values of unchanged resources are never materialized; `planrisk.values` decodes
them on demand and knows the sensitivity and unknown masks.

Structs created once per resource, change or score hold only strings, numbers, enums, tuples,
`Raw` values and other such Structs, so they cannot be part of a reference cycle: they are
declared `gc=False` (16 bytes less each, and a 100k-resource plan stays out of the cyclic
collector's scans).
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import Any

import msgspec
from msgspec import Raw

EMPTY_RAW = Raw(b"null")
"""The raw JSON `null`, used where a side of a change is absent."""


class Tool(StrEnum):
    """The program that produced the plan."""

    TERRAFORM = "terraform"
    OPENTOFU = "opentofu"
    PULUMI = "pulumi"


class Action(StrEnum):
    """What applying the plan does to one resource instance (normalized across tools)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"
    FORGET = "forget"
    READ = "read"
    IMPORT = "import"
    NOOP = "no-op"

    @property
    def is_destructive(self) -> bool:
        """True for the actions that destroy an object in the cloud (delete, replace)."""
        return self in (Action.DELETE, Action.REPLACE)

    @property
    def is_change(self) -> bool:
        """True for everything beyond no-op and read."""
        return self not in (Action.NOOP, Action.READ)


ACTION_ORDER: tuple[Action, ...] = (
    Action.CREATE,
    Action.UPDATE,
    Action.DELETE,
    Action.REPLACE,
    Action.FORGET,
    Action.READ,
    Action.IMPORT,
    Action.NOOP,
)
"""The order in which actions are counted and listed in every output."""


class ReplaceOrder(StrEnum):
    """For a replace: which happens first."""

    DELETE_BEFORE_CREATE = "delete-before-create"
    CREATE_BEFORE_DELETE = "create-before-delete"


class Mode(StrEnum):
    """Resource mode: Terraform managed/data/ephemeral; Pulumi custom (managed) or component."""

    MANAGED = "managed"
    DATA = "data"
    EPHEMERAL = "ephemeral"
    COMPONENT = "component"


class Environment(StrEnum):
    """Where a plan applies (unknown: no evidence, treated as prod)."""

    PROD = "prod"
    STAGING = "staging"
    DEV = "dev"
    SANDBOX = "sandbox"
    UNKNOWN = "unknown"


NAMED_ENVIRONMENTS: tuple[Environment, ...] = (
    Environment.PROD,
    Environment.STAGING,
    Environment.DEV,
    Environment.SANDBOX,
)
"""The environments evidence can name, most severe first."""

ENVIRONMENT_VARIABLES = frozenset({"environment", "env", "stage", "environment_name", "env_name"})
"""Root variables (and Pulumi config keys, after the namespace) whose value names the
environment: the classifier reads them and the plan digest binds them."""


class ActorKind(StrEnum):
    """Who initiated a plan (unknown: no identity, treated as agent)."""

    HUMAN = "human"
    AGENT = "agent"
    BOT = "bot"
    UNKNOWN = "unknown"


class RiskClass(StrEnum):
    """What a resource type is, for scoring; most severe first (guard: deleting it weakens a
    protection of another resource)."""

    DATA_BEARING = "data-bearing"
    FOUNDATIONAL = "foundational"
    STANDARD = "standard"
    CHEAP = "cheap"
    GUARD = "guard"


class Outcome(StrEnum):
    """The gate's verdict."""

    ALLOW = "allow"
    PENDING = "pending"
    DENY = "deny"


class RuleEffect(StrEnum):
    """What a policy rule does when it matches."""

    DENY = "deny"
    REQUIRE = "require"


class RequirementKind(StrEnum):
    """Something a decision may need before it allows."""

    SANDBOX_ATTESTATION = "sandbox_attestation"
    APPROVALS = "approvals"


class EvidenceKind(StrEnum):
    """What a piece of evidence is."""

    SANDBOX_ATTESTATION = "sandbox_attestation"
    APPROVAL = "approval"
    UNKNOWN = "unknown"


class PulumiStep(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Pulumi-only facts about one resource's step(s) that later stages read."""

    ops: tuple[str, ...]
    """Every op seen for the URN, in document order (replace sub-steps included)."""
    protect_before: bool = False
    """`protect` in the old state: a delete fails."""
    protect_after: bool = False
    """`protect` in the new state."""
    retain_on_delete: bool = False
    """`retainOnDelete`: the cloud object is kept when the resource is deleted."""
    deleted_with: str | None = None
    """`deletedWith` URN: the delete is skipped because that resource's deletion covers it."""
    diff_reasons: tuple[str, ...] = ()
    """Top-level keys that changed."""
    delete_before_replace: bool = False
    """The step sequence deleted before it created the replacement."""
    stack: str = ""
    """Stack name taken from the URN."""
    project: str = ""
    """Project name taken from the URN."""


class ResourceChange(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One planned change to one resource instance (a Terraform change entry or a Pulumi step)."""

    address: str
    """Absolute Terraform instance address, or the Pulumi URN."""
    type: str
    """Terraform resource type (`aws_db_instance`) or Pulumi type token."""
    name: str
    """Resource name (without module path or instance key)."""
    action: Action
    """The normalized action."""
    module: str = ""
    """Terraform module instance address (`module.a["x"]`); empty in the root and for Pulumi."""
    index: int | str | None = None
    """count index (int) or for_each key (str) of the instance."""
    provider: str = ""
    """Provider source address (`registry.terraform.io/hashicorp/aws`) or Pulumi provider URN."""
    mode: Mode = Mode.MANAGED
    """Resource mode."""
    raw_actions: tuple[str, ...] = ()
    """The actions exactly as the plan wrote them (Terraform `change.actions`, Pulumi ops)."""
    replace_order: ReplaceOrder | None = None
    """Set for replaces only."""
    forgets_old: bool = False
    """A replace whose old object is forgotten, not destroyed (`["create","forget"]`)."""
    action_reason: str | None = None
    """Terraform `action_reason`, verbatim."""
    replace_paths: tuple[tuple[str | int, ...], ...] = ()
    """Paths that forced the replacement (Terraform replace_paths, Pulumi replaceReasons)."""
    previous_address: str | None = None
    """Address before a `moved` block (Terraform)."""
    deposed: str | None = None
    """Deposed object key, when the change concerns a deposed object."""
    importing: bool = False
    """The object is also being imported."""
    deferred_reason: str | None = None
    """Set when the change is deferred (Terraform deferred_changes)."""
    drift: bool = False
    """True for entries from `resource_drift` (changed outside Terraform)."""
    before: Raw = EMPTY_RAW
    """Attribute values before the change, undecoded."""
    after: Raw = EMPTY_RAW
    """Planned attribute values after the change, undecoded (unknown members omitted)."""
    before_sensitive: Raw = EMPTY_RAW
    """Sensitivity mask of `before` (same shape; `true` covers a subtree)."""
    after_sensitive: Raw = EMPTY_RAW
    """Sensitivity mask of `after`."""
    after_unknown: Raw = EMPTY_RAW
    """Unknown-value mask of `after` (`true` at values known only after apply)."""
    pulumi: PulumiStep | None = None
    """Pulumi step facts; None for Terraform and OpenTofu."""

    @property
    def is_destructive(self) -> bool:
        """Whether the change destroys the cloud object (delete, or a replace that destroys)."""
        if self.action is Action.REPLACE:
            return not self.forgets_old
        return self.action is Action.DELETE


class Link(msgspec.Struct, frozen=True, gc=False):
    """A dependency recorded on a resource itself (Pulumi state), pointing at another resource."""

    target: str
    """Address or URN of the dependency."""
    kind: str
    """Edge kind: depends_on, property, parent, provider."""
    detail: str = ""
    """For property links, the input property name."""


class Resource(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One resource instance the plan knows, changed or not (a node of the graph)."""

    address: str
    """Absolute instance address, or URN."""
    type: str
    """Resource type or Pulumi type token."""
    name: str
    """Resource name."""
    mode: Mode = Mode.MANAGED
    """Resource mode."""
    module: str = ""
    """Module instance address; empty in the root and for Pulumi."""
    index: int | str | None = None
    """Instance key."""
    provider: str = ""
    """Provider address or Pulumi provider URN."""
    depends_on: tuple[str, ...] = ()
    """Terraform state `depends_on` (absolute config addresses, transitive)."""
    links: tuple[Link, ...] = ()
    """Pulumi dependencies, property dependencies, parent and provider."""
    tainted: bool = False
    """The state object is tainted."""
    values: Raw = EMPTY_RAW
    """Known values (planned_values, else prior_state; Pulumi inputs), undecoded."""
    sensitive_values: Raw = EMPTY_RAW
    """Sensitivity mask of `values`."""


class Expression(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Leaf configuration expression; nested blocks are kept as decoded dicts/lists of these."""

    references: tuple[str, ...] = ()
    """Traversals the expression references."""
    constant_value: Any = None
    """The literal value, when the expression has no references."""


class Node(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One vertex of the dependency graph: what the plan says about one address."""

    resource: Resource | None = None
    """The instance as the plan's state/planned values know it (None: change-only)."""
    change: ResourceChange | None = None
    """The change that describes the current object (not drift's or a deposed object's)."""
    placeholder: bool = False
    """Named only by an edge (a provider, an unknown URN): no resource and no change."""

    @property
    def source(self) -> ResourceChange | Resource | None:
        """The change when there is one, else the resource: what the node's type and module
        are read from."""
        return self.change if self.change is not None else self.resource


PLACEHOLDER_NODE = Node(placeholder=True)
"""The node of every address only an edge names (frozen, so one is shared)."""


class ConfigResource(msgspec.Struct, frozen=True, kw_only=True):
    """A resource block in the configuration (one per block, not per instance)."""

    address: str
    """Module-relative address (`aws_s3_bucket.this`)."""
    mode: str = "managed"
    """managed, data or ephemeral."""
    type: str = ""
    """Resource type."""
    name: str = ""
    """Resource name."""
    provider_config_key: str = ""
    """Opaque key into `Configuration.provider_config`."""
    expressions: dict[str, Any] = {}
    """Argument → expression (or nested block shapes of expressions)."""
    count_expression: Any = None
    """The `count` expression, if any."""
    for_each_expression: Any = None
    """The `for_each` expression, if any."""
    depends_on: tuple[str, ...] = ()
    """Module-relative `depends_on` addresses."""
    provisioners: tuple[Any, ...] = ()
    """Provisioner blocks (each with `expressions`)."""


class ConfigOutput(msgspec.Struct, frozen=True, kw_only=True):
    """An output block."""

    expression: Any = None
    """The value expression."""
    sensitive: bool = False
    """Declared sensitive."""
    depends_on: tuple[str, ...] = ()
    """Module-relative `depends_on`."""


class ConfigVariable(msgspec.Struct, frozen=True, kw_only=True):
    """A variable block."""

    default: Raw = EMPTY_RAW
    """Declared default, undecoded (may be sensitive)."""
    sensitive: bool = False
    """Declared sensitive."""


class ModuleCall(msgspec.Struct, frozen=True, kw_only=True):
    """A `module` block: its input expressions and the called module's configuration."""

    source: str = ""
    """Module source."""
    expressions: dict[str, Any] = {}
    """Input variable → expression."""
    count_expression: Any = None
    """The call's `count`."""
    for_each_expression: Any = None
    """The call's `for_each`."""
    depends_on: tuple[str, ...] = ()
    """The call's `depends_on`."""
    module: ConfigModule | None = None
    """The called module's configuration."""


class ConfigModule(msgspec.Struct, frozen=True, kw_only=True):
    """One module's configuration (root or called)."""

    resources: tuple[ConfigResource, ...] = ()
    """Resource blocks."""
    module_calls: dict[str, ModuleCall] = {}
    """Module blocks by call name."""
    outputs: dict[str, ConfigOutput] = {}
    """Output blocks by name."""
    variables: dict[str, ConfigVariable] = {}
    """Variable blocks by name."""


class ProviderConfig(msgspec.Struct, frozen=True, kw_only=True):
    """A provider configuration block."""

    name: str = ""
    """Local provider name (`aws`)."""
    full_name: str = ""
    """Source address."""
    alias: str = ""
    """Alias, if any."""
    module_address: str = ""
    """Module the block lives in."""
    expressions: dict[str, Any] = {}
    """Arguments (assume_role, allowed_account_ids, project, subscription_id, features…)."""


class Configuration(msgspec.Struct, frozen=True, kw_only=True):
    """Terraform `configuration`: provider blocks and the module tree."""

    provider_config: dict[str, ProviderConfig] = {}
    """Provider blocks by opaque key."""
    root_module: ConfigModule = ConfigModule()
    """The root module."""


class Variable(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A root input variable value (clear text in plan JSON even when sensitive)."""

    value: Raw = EMPTY_RAW
    """The value, undecoded."""
    sensitive: bool = False
    """Declared sensitive: never print the value."""


class OutputChange(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A root output's planned change (values are never kept)."""

    name: str
    """Output name."""
    action: Action
    """Normalized action."""
    sensitive: bool = False
    """Marked sensitive on either side."""


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    """One normalized plan: what every later stage reads."""

    tool: Tool
    """Producer."""
    format_version: str
    """Terraform `format_version` (or HCP `plan_format_version`); Pulumi: `preview` or `events`."""
    source: str
    """Where the plan was read from (for messages)."""
    digest: str
    """`sha256:<hex>` over a canonical form of the planned changes."""
    changes: tuple[ResourceChange, ...] = ()
    """Every resource change entry (no-ops included), sorted by address then deposed key."""
    resources: tuple[Resource, ...] = ()
    """Every resource instance the plan knows (changed or not, data sources included)."""
    tool_version: str | None = None
    """Version of the binary that wrote the plan, when recorded."""
    configuration: Configuration | None = None
    """Terraform configuration; None when absent (HCP redacted plans, Pulumi)."""
    variables: dict[str, Variable] = {}
    """Root variables."""
    output_changes: tuple[OutputChange, ...] = ()
    """Root output changes."""
    drift: tuple[ResourceChange, ...] = ()
    """`resource_drift` entries (changed outside Terraform)."""
    errored: bool = False
    """The plan stopped with an error: its changes are partial."""
    complete: bool | None = None
    """False when deferred or targeted work remains, or the input was cut off (a Pulumi event
    log without its summary event, read by `analyze`)."""
    warnings: tuple[str, ...] = ()
    """What the reader could not vouch for (each one line for stderr, naming the file)."""
    redacted: bool = False
    """HCP Terraform redacted form (sensitive values already replaced)."""
    pulumi_config: dict[str, str] = {}
    """Pulumi stack config from the preview (secrets blinded); values as text."""

    def counts(self) -> dict[str, int]:
        """Number of changes per action, every action present, in ACTION_ORDER."""
        counted = Counter([change.action for change in self.changes if not change.drift])
        return {action.value: counted[action] for action in ACTION_ORDER}

    @property
    def managed_resource_count(self) -> int:
        """Managed resources known to the plan (data sources and components excluded)."""
        return sum(1 for r in self.resources if r.mode is Mode.MANAGED)


def format_action(change: ResourceChange) -> str:
    """Human form of a change's action, e.g. `replace (delete→create)`."""
    if change.action is Action.REPLACE and change.replace_order is not None:
        order = (
            "delete→create"
            if change.replace_order is ReplaceOrder.DELETE_BEFORE_CREATE
            else "create→delete"
        )
        return f"replace ({order})"
    return change.action.value


# ---------------------------------------------------------------------------------------------
# Classification results (actor, environment) and configuration entries shared across stages.


class EnvironmentResult(msgspec.Struct, frozen=True, kw_only=True):
    """Which environment a plan touches, and why."""

    name: Environment
    """prod, staging, dev, sandbox or unknown."""
    treated_as: Environment
    """The environment used for scoring and policy (unknown is treated as prod)."""
    evidence: tuple[str, ...] = ()
    """Short sentences naming each signal, e.g. `TF_WORKSPACE=prod-eu`."""
    path_lowered: bool = False
    """A path signal made the environment less strict than the rest of the evidence says
    (allowed for humans only: the gate refuses such a result for an agent)."""

    @property
    def label(self) -> str:
        """`prod`, or `unknown (treated as prod)`."""
        if self.name == self.treated_as:
            return self.name
        return f"{self.name} (treated as {self.treated_as})"


class ActorResult(msgspec.Struct, frozen=True, kw_only=True):
    """Who initiated the plan, and why planrisk thinks so."""

    kind: ActorKind
    """human, agent, bot or unknown."""
    treated_as: ActorKind
    """The kind used by the policy (unknown is treated as agent)."""
    identity: str | None = None
    """Login or name of the initiator, when known."""
    evidence: tuple[str, ...] = ()
    """Short sentences naming each signal."""


class TrustedKeyEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A `[[trusted_keys]]` entry of the configuration."""

    name: str
    """Who holds the private key (an approver's name, or the sandbox signer)."""
    purpose: str
    """attestation or approval."""
    public_key_path: str
    """Path of the PEM public key, already resolved against the config file's directory (or
    `REF:path` when it was read from a revision)."""
    public_key_pem: bytes = b""
    """The key file's bytes when they were read from a revision (then nothing is read from
    disk); empty otherwise."""
    origin: str = ""
    """The configuration layer that listed it (system or repository)."""


# ---------------------------------------------------------------------------------------------
# Scoring results (score stage → gate and report).


class RiskLevel(StrEnum):
    """Severity bands of a 0–100 score."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def for_score(cls, score: int) -> RiskLevel:
        """none 0, low < 20, medium < 50, high < 75, critical >= 75."""
        if score <= 0:
            return cls.NONE
        if score < 20:
            return cls.LOW
        if score < 50:
            return cls.MEDIUM
        if score < 75:
            return cls.HIGH
        return cls.CRITICAL

    @property
    def rank(self) -> int:
        """0 (none) … 4 (critical), for threshold comparisons."""
        return list(RiskLevel).index(self)


class Reason(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One explained term of a score: the reasons of a score add up to it."""

    text: str
    """Short reason, e.g. `data-bearing delete` or `no recovery: skip_final_snapshot=true`."""
    points: float
    """Points added (negative lowers); for a multiplier, the factor."""
    kind: str = "add"
    """add (points are added) or multiply (points is a factor applied to the sum so far)."""
    tag: str = ""
    """Machine-readable factor name: base, guard_blocking, guard_recovery, guard_destructive,
    guard_weakening, kept_in_cloud, blast_radius, credential_rotation, environment, breadth,
    mass_destruction, clamp."""

    def render(self) -> str:
        """`text +N`, `text -N` or `text ×F`."""
        if self.kind == "multiply":
            factor = (
                f"{self.points:.1f}" if round(self.points, 1) == self.points else f"{self.points:g}"
            )
            return f"{self.text} ×{factor}"
        sign = "+" if self.points >= 0 else "-"
        return f"{self.text} {sign}{abs(self.points):g}"


class BlastRadius(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What a destroy or replace takes down with it: the transitive dependents."""

    count: int = 0
    """Number of transitive dependents (unchanged ones included)."""
    weighted: float = 0.0
    """Sum of class weights of the dependents."""
    by_class: dict[str, int] = {}
    """Dependents per risk class."""
    top: tuple[str, ...] = ()
    """A capped list of dependents, heaviest first."""


class ChangeScore(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The explained score of one change."""

    change: ResourceChange
    """The change scored."""
    risk_class: RiskClass
    """data-bearing, foundational, standard, cheap or guard."""
    score: int
    """0–100."""
    level: RiskLevel
    """Band of the score."""
    reasons: tuple[Reason, ...] = ()
    """Terms that add up to the score."""
    blast_radius: BlastRadius = BlastRadius()
    """Dependents (for deletes and replaces)."""
    hints: tuple[str, ...] = ()
    """Replace causes and fix hints (moved blocks, aliases…)."""
    irreversible_data_loss: bool = False
    """A data-bearing destroy with no recovery path, or with a destructive flag."""
    guard_weakening: bool = False
    """An update (or guard-resource delete) that removes a protection."""
    apply_will_fail: bool = False
    """A blocking guard makes the destroy fail at apply."""
    kept_in_cloud: bool = False
    """The delete only forgets the object (forget, retainOnDelete, skip_destroy, ABANDON)."""


class PlanRisk(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The plan-level score."""

    score: int
    """0–100."""
    level: RiskLevel
    """Band of the score."""
    teardown: bool = False
    """At least 90% of managed resources are destroyed or replaced."""
    destroyed_ratio: float = 0.0
    """Share of managed resources destroyed or replaced."""
    reasons: tuple[Reason, ...] = ()
    """Terms that add up to the plan score."""


class Assessment(msgspec.Struct, frozen=True, kw_only=True):
    """Everything `analyze` knows about a plan: what the gate and the reports read."""

    plan: Plan
    """The plan."""
    environment: EnvironmentResult
    """The environment classification."""
    risk: PlanRisk
    """Plan-level score."""
    changes: tuple[ChangeScore, ...] = ()
    """Every change except no-op and read, highest score first; ties keep the plan's order
    (by address, then deposed key: see `Plan.changes`)."""


# ---------------------------------------------------------------------------------------------
# Gate results (gate stage → report and audit).


class RuleResult(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A policy rule that fired (documents leave out an empty `way_forward`)."""

    name: str
    """The rule's name (configurable in `[policy.rules.<name>]`)."""
    effect: RuleEffect
    """deny or require."""
    reason: str
    """Why it fired, in one sentence."""
    way_forward: str = ""
    """For a deny: what would let the change through (no approval or attestation does)."""


class Requirement(msgspec.Struct, frozen=True, kw_only=True):
    """Something needed before the plan may be applied."""

    kind: RequirementKind
    """sandbox_attestation or approvals."""
    needed: int
    """How many are needed."""
    have: int
    """How many valid pieces of evidence were found."""
    satisfied: bool
    """have >= needed."""
    detail: str
    """What to do, e.g. the command that produces the evidence."""


class EvidenceResult(msgspec.Struct, frozen=True, kw_only=True):
    """One piece of evidence the gate looked at."""

    file: str
    """Where it came from."""
    kind: EvidenceKind
    """sandbox_attestation, approval or unknown."""
    accepted: bool
    """Whether it counted."""
    reason: str
    """Why it counted or was ignored."""


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    """The gate's verdict."""

    outcome: Outcome
    """allow, pending or deny."""
    summary: str = ""
    """The verdict in one sentence: what allowed it, what it still needs, or which rule denies
    it and that no approval or attestation lifts a deny."""
    rules: tuple[RuleResult, ...] = ()
    """Rules that fired."""
    requirements: tuple[Requirement, ...] = ()
    """What is needed, and whether it is there; empty on deny (nothing listed there could
    change the outcome)."""
    evidence: tuple[EvidenceResult, ...] = ()
    """Every piece of evidence examined."""
