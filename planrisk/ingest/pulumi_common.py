"""Pulumi steps → model (ingest stage), shared by the preview-digest and engine-event readers.

Input: the steps of a preview or event stream, one call per step, in document order (op, URN,
old and new state, provider reference, changed keys, replace keys). Output: one `Plan` with one
`ResourceChange` per URN (a URN's several steps merged, e.g. create-replacement + replace +
delete-replaced → one replace), one `Resource` per URN with its links, and the plan digest.

Op → action: same/refresh → no-op, create, update, delete, replace family → replace (order from
the sequence of sub-steps), read/read-replacement → read, import/import-replacement → import,
discard/discard-replaced → forget; any import op also sets `importing` (import then update is
an update of an imported object). remove-pending-replace, extend-parameterize and diff are not
changes and are skipped. An op this version does not know, or one that is not a string, is a
PlanFormatError naming the step's URN: a step that cannot be read is never dropped (the gate
fails closed). The root stack and provider steps stay graph nodes only, unless they really
change. The steps of each op are counted, so that the reader can hold them against the
producer's own summary (`check_summary`).

The digest binds, per URN, everything the later stages read of it: the ops, both sides'
inputs, the mode, the provider reference, the Pulumi options (`protect`, `retainOnDelete`,
`deletedWith`, `deleteBeforeReplace`), the changed and replace keys and the resource's links;
and the stack config (environment detection reads it).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

import msgspec
from msgspec import UNSET

from planrisk.errors import PlanFormatError
from planrisk.ingest.digest import PlanDigest
from planrisk.ingest.locations import quote_location
from planrisk.ingest.pulumi_values import (
    PROVIDER_TYPE_PREFIX,
    STACK_TYPE,
    Urn,
    config_text,
    is_default_provider,
    parse_property_path,
    parse_urn,
    provider_urn,
    scrub_json,
    scrub_raw,
)
from planrisk.model import (
    EMPTY_RAW,
    Action,
    Link,
    Mode,
    Plan,
    PulumiStep,
    ReplaceOrder,
    Resource,
    ResourceChange,
    Tool,
)
from planrisk.values import canonical_value

OP_ACTIONS: dict[str, Action] = {
    "same": Action.NOOP,
    "refresh": Action.NOOP,
    "create": Action.CREATE,
    "update": Action.UPDATE,
    "delete": Action.DELETE,
    "replace": Action.REPLACE,
    "create-replacement": Action.REPLACE,
    "delete-replaced": Action.REPLACE,
    "read": Action.READ,
    "read-replacement": Action.READ,
    "import": Action.IMPORT,
    "import-replacement": Action.IMPORT,
    "discard": Action.FORGET,
    "discard-replaced": Action.FORGET,
}
"""Every op that describes a change (or a no-op) of a resource."""
SKIPPED_OPS = frozenset({"remove-pending-replace", "extend-parameterize", "diff"})
"""Ops Pulumi writes that change nothing planrisk judges (internal or display-only steps)."""
UNCHECKED_SUMMARY_OPS = frozenset({"same"})
"""Ops whose summary count is not held against the steps: a preview digest lists `same`
steps only with `--show-sames`."""

_PRECEDENCE: tuple[Action, ...] = (
    Action.REPLACE,
    Action.DELETE,
    Action.FORGET,
    Action.UPDATE,
    Action.CREATE,
    Action.IMPORT,
    Action.READ,
    Action.NOOP,
)
"""When a URN's steps map to different actions, the first of these wins."""

_QUIET_ACTIONS = frozenset({Action.NOOP, Action.READ})
_INTERNAL_ACTIONS = frozenset({Action.NOOP, Action.READ, Action.CREATE})
_IMPORT_OPS = ("import", "import-replacement")
_DIGEST_KIND = "pulumi"


class State(msgspec.Struct, gc=False):
    """The members of a resource state (a digest step's `oldState`/`newState`, an event's
    `old`/`new`) that the collector reads; `outputs` and the rest are never kept. `inputs` is
    raw JSON when the reader decoded it so (`RawState`), else the decoded value."""

    inputs: Any = None
    custom: Any = UNSET
    provider: Any = None
    parent: Any = None
    dependencies: Any = None
    propertyDependencies: Any = None
    deletedWith: Any = None
    replaceWith: Any = None
    protect: Any = None
    retainOnDelete: Any = None


class RawState(State):
    """A `State` decoded straight from JSON, its inputs kept as written (most are never
    walked: see `scrub_raw`)."""

    inputs: msgspec.Raw = msgspec.Raw(b"null")
    """Absent inputs read as `null`, which `scrub_raw` takes for `{}` (no inputs)."""


def as_state(value: Any) -> State | None:
    """`value` as a State: itself, the members of an object, or None for anything else."""
    if isinstance(value, State):
        return value
    if isinstance(value, dict):
        return msgspec.convert(value, State)
    return None


class _UrnSteps(msgspec.Struct):
    """Everything the steps of one URN said, merged in document order."""

    urn: str
    parts: Urn
    ops: list[str] = msgspec.field(default_factory=list)
    old: State | None = None
    new: State | None = None
    provider_ref: str = ""
    diff_reasons: list[str] = msgspec.field(default_factory=list)
    replace_keys: list[str] = msgspec.field(default_factory=list)
    delete_before_replace: bool = False


class _Merged(msgspec.Struct, frozen=True):
    """The normalized action of a URN's ops."""

    action: Action
    replace_order: ReplaceOrder | None = None
    forgets_old: bool = False
    importing: bool = False


class StepCollector:
    """Collects steps per URN; `plan()` turns them into the model."""

    def __init__(self, source: str, *, custom_by_default: bool) -> None:
        """`custom_by_default`: what a state without `custom` means (preview True, events False)."""
        self.source = source
        self._custom_by_default = custom_by_default
        self._urns: dict[str, _UrnSteps] = {}
        self._drift: dict[str, _UrnSteps] = {}
        self._merges: dict[tuple[tuple[str, ...], bool], _Merged] = {}
        self._op_counts: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._urns)

    def add(
        self,
        *,
        op: Any,
        urn: Any,
        old: Any = None,
        new: Any = None,
        provider: Any = "",
        diff_reasons: Any = (),
        replace_keys: Any = (),
        delete_before_replace: Any = False,
    ) -> None:
        """Record one step (a skipped op is only counted). An op that is unknown or not a
        string, and a URN that is not one, are a PlanFormatError."""
        parts = self.check_step(op, urn)
        self._op_counts[op] += 1
        if op in SKIPPED_OPS:
            return
        entry = self._urns.get(urn)
        if entry is None:
            entry = self._urns[urn] = _UrnSteps(urn, parts)
        entry.ops.append(op)
        if entry.old is None:
            entry.old = as_state(old)
        new_state = as_state(new)
        if new_state is not None:
            entry.new = new_state
        if isinstance(provider, str) and provider:
            entry.provider_ref = provider
        _extend_unique(entry.diff_reasons, diff_reasons)
        _extend_unique(entry.replace_keys, replace_keys)
        if delete_before_replace is True:
            entry.delete_before_replace = True

    def add_refresh_result(self, *, op: Any, urn: Any, old: Any, new: Any) -> None:
        """Record what a refresh step found (same, update, delete) as drift of `urn`."""
        parts = self.check_step(op, urn)
        self._op_counts[op] += 1
        if op in SKIPPED_OPS:
            return
        self._drift[urn] = _UrnSteps(urn, parts, ops=[op], old=as_state(old), new=as_state(new))

    def check_step(self, op: Any, urn: Any) -> Urn:
        """The parts of `urn`; PlanFormatError when the URN or the op cannot be read (the
        message names the step by its URN, never by the op's value)."""
        parts = parse_urn(urn) if isinstance(urn, str) else None
        if parts is None:
            raise PlanFormatError(
                "a step has no Pulumi URN", source=self.source, hint=UNMODIFIED_HINT
            )
        if not isinstance(op, str):
            raise PlanFormatError(
                f"the step of {quote_location(urn)} has an op that is "
                f"{type(op).__name__}, not a string",
                source=self.source,
                hint=UNMODIFIED_HINT,
            )
        if op not in OP_ACTIONS and op not in SKIPPED_OPS:
            raise PlanFormatError(
                f"the step of {quote_location(urn)} has an op planrisk does not know",
                source=self.source,
                hint="upgrade planrisk to read previews of this Pulumi version; " + UNMODIFIED_HINT,
            )
        return parts

    def check_summary(self, summaries: Iterable[Any], what: str) -> None:
        """Hold the producer's counts of steps per op (`changeSummary`, the summary events'
        `resourceChanges`, added up) against the steps read. A summary that counts more steps
        of an op than the input holds means steps were removed or the input was cut; fewer
        is expected (the summary counts only logical steps that succeeded)."""
        total: Counter[str] = Counter()
        for summary in summaries:
            if not isinstance(summary, dict):
                raise PlanFormatError(
                    f"{what} is {type(summary).__name__}, expected an object of step counts",
                    source=self.source,
                    hint=UNMODIFIED_HINT,
                )
            for op, count in summary.items():
                if type(count) is not int or count < 0:
                    raise PlanFormatError(
                        f"{what} has a count that is not a whole number",
                        source=self.source,
                        hint=UNMODIFIED_HINT,
                    )
                total[op] += count
        for op in sorted(total):
            seen = self._op_counts[op]
            if op not in UNCHECKED_SUMMARY_OPS and seen < total[op]:
                raise PlanFormatError(
                    f"{what} counts {total[op]} {quote_location(op)} step(s) but the input "
                    f"holds {seen}: steps are missing",
                    source=self.source,
                    hint=UNMODIFIED_HINT,
                )

    def plan(
        self,
        *,
        format_version: str,
        config: dict[str, Any],
        errored: bool,
        complete: bool | None = None,
        warnings: tuple[str, ...] = (),
    ) -> Plan:
        """The normalized plan of every collected URN (refresh results as drift)."""
        digest = PlanDigest(_DIGEST_KIND)
        resources, changes = self._results(digest)
        drift: list[ResourceChange] = []
        for urn in sorted(self._drift):
            entry = self._drift[urn]
            sides = self._sides(entry)
            change = msgspec.structs.replace(self._change(entry, sides), drift=True)
            digest.add("drift")
            digest.add_parts(
                _digest_parts(entry, change, _links(entry.new or entry.old, sides.provider))
            )
            if change.action is not Action.NOOP:
                drift.append(change)
        pulumi_config = {key: config_text(config[key]) for key in sorted(config)}
        digest.add("config")
        digest.add_value(pulumi_config)
        return Plan(
            tool=Tool.PULUMI,
            format_version=format_version,
            source=self.source,
            digest=digest.result(),
            changes=tuple(changes),
            resources=tuple(resources),
            drift=tuple(drift),
            errored=errored,
            complete=complete,
            warnings=warnings,
            pulumi_config=pulumi_config,
        )

    def _results(self, digest: PlanDigest) -> tuple[list[Resource], list[ResourceChange]]:
        """The resource of every collected URN (in URN order) and the changes among them;
        their digest parts go to `digest` a batch of URNs at a time (one hash update per
        batch, not per URN, and never a copy of all values at once)."""
        resources: list[Resource] = []
        changes: list[ResourceChange] = []
        digest_parts: list[bytes | msgspec.Raw] = []
        by_urn = self._urns
        for urn in sorted(by_urn):
            entry = by_urn[urn]
            sides = self._sides(entry)
            change = self._change(entry, sides)
            state = entry.new or entry.old
            links = _links(state, sides.provider)
            digest_parts += _digest_parts(entry, change, links)
            if len(digest_parts) >= _DIGEST_BATCH:
                digest.add_parts(digest_parts)
                digest_parts.clear()
            current = sides.after if entry.new is not None else sides.before
            resources.append(
                Resource(
                    address=urn,
                    type=entry.parts.type,
                    name=entry.parts.name,
                    mode=sides.mode,
                    provider=sides.provider,
                    links=links,
                    values=current.value,
                    sensitive_values=current.sensitive,
                )
            )
            if _is_change(entry.parts, change.action):
                changes.append(change)
        digest.add_parts(digest_parts)
        return resources, changes

    def _merged(self, entry: _UrnSteps) -> _Merged:
        """`_merge_ops`, once per distinct sequence of ops (a plan has a handful)."""
        key = (tuple(entry.ops), entry.delete_before_replace)
        found = self._merges.get(key)
        if found is None:
            found = self._merges[key] = _merge_ops(entry)
        return found

    def _sides(self, entry: _UrnSteps) -> _Sides:
        """A URN's provider, mode and inputs (each side scrubbed once)."""
        old, new = entry.old, entry.new
        state = new or old
        before = _inputs(old)
        if new is None:
            after = _NO_STATE
        elif old is not None and _same_raw(old.inputs, new.inputs):
            after = before  # a `same` step's states usually have equal inputs
        else:
            after = _inputs(new)
        return _Sides(
            provider=self._provider(entry, state),
            mode=self._mode(entry.parts, state),
            before=before,
            after=after,
        )

    def _mode(self, parts: Urn, state: State | None) -> Mode:
        """Component for the stack and for custom=false; providers are always custom."""
        if parts.type == STACK_TYPE:
            return Mode.COMPONENT
        if parts.type.startswith(PROVIDER_TYPE_PREFIX):
            return Mode.MANAGED
        custom = UNSET if state is None else state.custom
        if custom is UNSET:
            custom = self._custom_by_default
        return Mode.MANAGED if custom is not False else Mode.COMPONENT

    def _provider(self, entry: _UrnSteps, state: State | None) -> str:
        """Provider URN from the step, else from the state."""
        reference = entry.provider_ref or (state.provider if state is not None else "") or ""
        return provider_urn(reference) if isinstance(reference, str) else ""

    def _change(self, entry: _UrnSteps, sides: _Sides) -> ResourceChange:
        """One ResourceChange for all steps of a URN."""
        merged = self._merged(entry)
        before = sides.before
        after = _NO_STATE if merged.action in _GONE_ACTIONS else sides.after
        return ResourceChange(
            address=entry.urn,
            type=entry.parts.type,
            name=entry.parts.name,
            action=merged.action,
            provider=sides.provider,
            mode=sides.mode,
            raw_actions=tuple(entry.ops),
            replace_order=merged.replace_order,
            forgets_old=merged.forgets_old,
            importing=merged.importing,
            replace_paths=(
                tuple(parse_property_path(key) for key in entry.replace_keys)
                if entry.replace_keys
                else ()
            ),
            before=before.value,
            after=after.value,
            before_sensitive=before.sensitive,
            after_sensitive=after.sensitive,
            after_unknown=after.unknown,
            pulumi=_pulumi_step(entry, merged),
        )


_DIGEST_BATCH = 6 * 256
"""Digest parts hashed in one update (six per URN)."""


class _Sides(NamedTuple):
    """What a URN's change, resource and digest parts share: its provider and mode, and the
    inputs of its old and new state, scrubbed."""

    provider: str
    mode: Mode
    before: _Inputs
    after: _Inputs


_GONE_ACTIONS = frozenset({Action.DELETE, Action.FORGET})
"""Actions after which nothing of the resource is managed (no `after` side)."""


def _same_raw(before: Any, after: Any) -> bool:
    """Both inputs are raw JSON, byte for byte the same."""
    # (Raw's own comparison is a memcmp; comparing memoryviews goes byte by byte, far
    # slower on a few KB of inputs.)
    return isinstance(before, msgspec.Raw) and isinstance(after, msgspec.Raw) and before == after


def _extend_unique(target: list[str], values: Any) -> None:
    """Append the strings of `values` not yet in `target` (order kept)."""
    if not isinstance(values, list | tuple):
        return
    for value in values:
        if isinstance(value, str) and value not in target:
            target.append(value)


def _merge_ops(entry: _UrnSteps) -> _Merged:
    """The normalized action of a URN's ops (see the module docstring)."""
    ops = entry.ops
    if "read-replacement" in ops:
        return _Merged(Action.READ)
    if "import-replacement" in ops:
        return _Merged(Action.IMPORT, importing=True)
    actions = {OP_ACTIONS[op] for op in ops}
    action = next(a for a in _PRECEDENCE if a in actions)
    if action is Action.REPLACE:
        forgets_old = "discard-replaced" in ops and "delete-replaced" not in ops
        return _Merged(
            action,
            replace_order=_replace_order(entry),
            forgets_old=forgets_old,
            importing=any(op in _IMPORT_OPS for op in ops),
        )
    return _Merged(action, importing=any(op in _IMPORT_OPS for op in ops))


def _replace_order(entry: _UrnSteps) -> ReplaceOrder:
    """Delete-before-create when the old object goes first or the step says so."""
    if entry.delete_before_replace:
        return ReplaceOrder.DELETE_BEFORE_CREATE
    ops = entry.ops
    if "delete-replaced" in ops:
        deleted_at = ops.index("delete-replaced")
        created_at = min(
            (ops.index(op) for op in ("create-replacement", "replace") if op in ops),
            default=len(ops),
        )
        if deleted_at < created_at:
            return ReplaceOrder.DELETE_BEFORE_CREATE
    return ReplaceOrder.CREATE_BEFORE_DELETE


def _pulumi_step(entry: _UrnSteps, merged: _Merged) -> PulumiStep:
    """Pulumi-only facts of a URN's steps."""
    old = entry.old or _NO_MEMBERS
    new = entry.new or _NO_MEMBERS
    deleted_with = new.deletedWith or old.deletedWith
    return PulumiStep(
        ops=tuple(entry.ops),
        protect_before=old.protect is True,
        protect_after=new.protect is True,
        retain_on_delete=old.retainOnDelete is True or new.retainOnDelete is True,
        deleted_with=deleted_with if isinstance(deleted_with, str) and deleted_with else None,
        diff_reasons=tuple(entry.diff_reasons),
        delete_before_replace=merged.replace_order is ReplaceOrder.DELETE_BEFORE_CREATE,
        stack=entry.parts.stack,
        project=entry.parts.project,
    )


_NO_MEMBERS = State()
"""An absent state read like an empty one."""


class _Inputs(NamedTuple):
    """A state's inputs (secrets blinded, unknowns removed) and masks, as raw JSON."""

    value: msgspec.Raw
    sensitive: msgspec.Raw
    unknown: msgspec.Raw


_NO_STATE = _Inputs(EMPTY_RAW, EMPTY_RAW, EMPTY_RAW)
"""The inputs of an absent state: null (what `EMPTY_RAW` stands for) on every side."""


def _inputs(state: State | None) -> _Inputs:
    """The state's inputs (decoded, or raw JSON), secrets blinded and unknowns removed, as
    compact JSON."""
    if state is None:
        return _NO_STATE
    inputs = state.inputs
    if isinstance(inputs, msgspec.Raw):
        value, sensitive, unknown = scrub_raw(inputs)
    else:
        value, sensitive, unknown = scrub_json(inputs if inputs is not None else {})
    return _Inputs(_raw(value), _raw(sensitive), _raw(unknown))


_SHARED_RAW = {text: msgspec.Raw(text) for text in (b"{}", b"[]", b"false", b"null")}
"""One Raw for each empty mask (most masks are empty), shared by every state."""


def _raw(text: bytes) -> msgspec.Raw:
    return _SHARED_RAW.get(text) or msgspec.Raw(text)


def _links(state: State | None, provider: str) -> tuple[Link, ...]:
    """Dependencies, property dependencies, deletedWith/replaceWith, parent and provider,
    once each, ordered by kind (`depends_on`, `parent`, `property`, `provider`), target and
    detail."""
    links: list[Link] = []
    if state is not None:
        depends = _depends_on(state)
        if depends:
            links += [Link(target, "depends_on") for target in sorted(depends)]
        parent = state.parent
        if parent and isinstance(parent, str):  # (a URN: nearly always)
            links.append(Link(parent, "parent"))
        elif parent:
            links += [Link(target, "parent") for target in sorted(set(_urn_list(parent)))]
        property_dependencies = state.propertyDependencies
        if property_dependencies and isinstance(property_dependencies, dict):
            pairs = {
                (target, name)
                for name, targets in property_dependencies.items()
                for target in _urn_list(targets)
            }
            links += [Link(target, "property", name) for target, name in sorted(pairs)]
    if provider:
        links.append(Link(provider, "provider"))
    return tuple(links)


def _depends_on(state: State) -> set[str]:
    """The URNs of `dependencies`, `deletedWith` and `replaceWith` (most states have only a
    list of URN strings in `dependencies`: read without the general `_urn_list` calls)."""
    dependencies = state.dependencies
    if state.deletedWith or state.replaceWith or not isinstance(dependencies, list):
        return {
            *_urn_list(dependencies),
            *_urn_list(state.deletedWith),
            *_urn_list(state.replaceWith),
        }
    return {target for target in dependencies if isinstance(target, str) and target}


def _urn_list(value: Any) -> list[str]:
    """The non-empty URN strings of a string or list value."""
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str) and item]


def _is_change(parts: Urn, action: Action) -> bool:
    """Stack and provider steps are graph nodes only, unless they really change."""
    if parts.type == STACK_TYPE or parts.type.startswith(PROVIDER_TYPE_PREFIX):
        quiet = _INTERNAL_ACTIONS if is_default_provider(parts) else _QUIET_ACTIONS
        return action not in quiet
    return True


def _digest_parts(
    entry: _UrnSteps, change: ResourceChange, links: tuple[Link, ...]
) -> tuple[bytes | msgspec.Raw, ...]:
    """URN, ops, both sides' inputs (secrets blinded; unknowns via their mask) and the facts
    the later stages read beside them (`_FACTS`)."""
    # The values are compact JSON already (`_inputs`), their own canonical form (keys in
    # document order, as for Terraform); an absent side is null.
    return (
        change.address.encode(),
        _ops_json(change.raw_actions),
        change.before or b"null",
        change.after or b"null",
        change.after_unknown or b"null",
        _FACTS.encode(
            (
                change.mode,
                change.provider,
                entry.provider_ref,
                change.replace_paths,
                change.pulumi,
                links,
            )
        ),
    )


_FACTS = msgspec.json.Encoder()
"""Encodes a URN's facts beside its inputs: mode, provider (URN and the step's reference),
replace keys, the `PulumiStep` (protect, retainOnDelete, deletedWith, deleteBeforeReplace,
changed keys, stack, project) and the links (dependencies, parent, property dependencies,
provider). Structs encode their fields in declaration order: a field added to one is bound
from then on."""


@functools.lru_cache(maxsize=256)
def _ops_json(ops: tuple[str, ...]) -> bytes:
    """A URN's ops as canonical JSON (a plan repeats a handful of sequences)."""
    return canonical_value(list(ops))


UNMODIFIED_HINT = "pass the file `pulumi preview --json` (or `--event-log FILE`) wrote, unmodified"


def require_list(value: Any, what: str, source: str, hint: str) -> list[Any]:
    """`value` when it is a list; PlanFormatError naming `what` otherwise."""
    if not isinstance(value, list):
        raise PlanFormatError(
            f"{what} is {type(value).__name__}, expected a list", source=source, hint=hint
        )
    return value
