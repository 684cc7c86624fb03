"""Terraform/OpenTofu plan JSON → Plan (ingest stage).

Input: the top-level members of a `terraform show -json` / `tofu show -json` document (or an
HCP Terraform redacted plan, or a trimmed third-party plan) as `msgspec.Raw` slices. Output: one
normalized `Plan`. Each section is decoded once with typed Structs, large lists one entry at a
time; attribute values stay Raw (zero-copy) and `prior_state`/`planned_values` values and output
values are never decoded. Repeated strings and tuples are stored once (`Sharer`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

import msgspec
from msgspec import Raw

from planrisk._runtime.progress import counted
from planrisk.errors import PlanFormatError
from planrisk.ingest.addresses import ParsedAddress, build_address, parse_address
from planrisk.ingest.buffer import PlanBuffer
from planrisk.ingest.digest import PendingDigest, PlanDigest, PlanReading, canonical_raw
from planrisk.ingest.locations import quote_location
from planrisk.ingest.sharing import Sharer
from planrisk.ingest.terraform_actions import Normalized, normalize_actions
from planrisk.ingest.terraform_decode import (
    BATCH,
    REGEN_HINT,
    RESOURCE_CHANGE,
    TfDeferredChange,
    TfOutputChange,
    TfResourceChange,
    TfVariable,
    decode_section,
    mode_of,
)
from planrisk.ingest.terraform_resources import plan_resources, raw_instances
from planrisk.ingest.text_check import invalid_utf8_at
from planrisk.model import (
    EMPTY_RAW,
    ENVIRONMENT_VARIABLES,
    Configuration,
    Mode,
    OutputChange,
    Plan,
    Resource,
    ResourceChange,
    Tool,
    Variable,
)

_VERSION = re.compile(r"^(\d{1,9})\.(\d{1,9})(?!\d)")
"""major.minor (a longer run of digits is no version: `int` of thousands of digits fails)."""
_OPENTOFU_REGISTRY = "registry.opentofu.org/"
_CHANGES = list[TfResourceChange] | None
FORK_MIN_CHANGES = 2048
"""From this many changes the digest is worth a forked process (`planrisk._runtime.forked`)."""


def read_terraform(head: dict[str, Raw], buffer: PlanBuffer) -> PlanReading:
    """Read a Terraform/OpenTofu plan document from its top-level members, in two steps.

    This call reads the changes, outputs and variables: what the digest needs. Its result names
    the digest still to compute (with the UTF-8 check of every value kept undecoded), which the
    caller runs beside what follows (on the other core when there is one to spare), and
    `finish()` reads the resources and builds the Plan (its digest set later from the pending
    one). The buffer's pages are released after each pass over a large section, so they are not
    all resident at once.
    """
    source, share, release = buffer.source, buffer.share, buffer.release
    release()
    redacted = "plan_format_version" in head and "format_version" not in head
    version_key = "plan_format_version" if redacted else "format_version"
    format_version = decode_section(head, version_key, str | None, source) or ""
    if format_version:
        _check_version(format_version, source)
    tool_version = decode_section(head, "terraform_version", str | None, source)

    configuration = decode_section(head, "configuration", Configuration | None, source)
    changes = _changes(head, buffer)
    release()
    deferred = decode_section(head, "deferred_changes", list[TfDeferredChange] | None, source) or []
    drift_entries = decode_section(head, "resource_drift", _CHANGES, source) or []
    release()

    changes += [
        _change(d.resource_change, source, share, deferred_reason=d.reason) for d in deferred
    ]
    changes.sort(key=_change_key)
    drift = sorted((_change(e, source, share, drift=True) for e in drift_entries), key=_change_key)

    outputs = decode_section(head, "output_changes", dict[str, TfOutputChange] | None, source) or {}
    output_changes = tuple(_output_change(n, outputs[n], source) for n in sorted(outputs))
    variables = _variables(head, configuration, source)
    bound = _PlanFacts(
        changes=changes,
        drift=drift,
        outputs=output_changes,
        variables=variables,
        configuration=head.get("configuration"),
        head=head,
    )

    pending = PendingDigest(
        compute=lambda: _checked_digest(head, bound, buffer),
        finish=lambda result: _digest_or_error(result, source),
        worth_a_process=len(changes) >= FORK_MIN_CHANGES,
    )

    def finish() -> Plan:
        resources = plan_resources(head, buffer)
        release()
        return _plan(resources)

    def _plan(resources: tuple[Resource, ...]) -> Plan:
        return Plan(
            tool=_detect_tool(head, tool_version, changes, configuration),
            format_version=format_version,
            source=source,
            digest="",  # set from `pending` (see `planrisk.ingest.finish_digest`)
            changes=tuple(changes),
            resources=resources,
            tool_version=tool_version,
            configuration=configuration,
            variables=variables,
            output_changes=output_changes,
            drift=tuple(drift),
            errored=bool(decode_section(head, "errored", bool | None, source)),
            complete=decode_section(head, "complete", bool | None, source),
            redacted=redacted,
        )

    return PlanReading(pending=pending, finish=finish)


def _digest_or_error(result: bytes | memoryview, source: str) -> str:
    """The digest `_checked_digest` computed, or the input error it found."""
    digest = bytes(result).decode()
    if digest.startswith(_NOT_UTF8):
        raise PlanFormatError(
            f"the JSON text is not valid UTF-8 in `{quote_location(digest[1:])}` "
            "(binary data or a damaged file)",
            source=source,
            hint=REGEN_HINT,
        )
    return digest


def _check_version(version: str, source: str) -> None:
    """Accept format_version >= 0.1 and < 2.0 (the range terraform-json accepts)."""
    match = _VERSION.match(version)
    if match is None:
        raise PlanFormatError(
            f"unreadable plan format_version {quote_location(version)}",
            source=source,
            hint=REGEN_HINT,
        )
    major, minor = int(match.group(1)), int(match.group(2))
    if major >= 2 or (major, minor) < (0, 1):
        raise PlanFormatError(
            f"unsupported plan format_version {quote_location(version)} "
            "(planrisk reads 0.1 through 1.x)",
            source=source,
            hint="upgrade planrisk, or render the plan with a Terraform/OpenTofu that writes 1.x",
        )


def _parsed(address: str) -> ParsedAddress | None:
    """Tokenized address, or None when it is not a resource address."""
    try:
        return parse_address(address)
    except (ValueError, IndexError):
        return None


def _changes(head: dict[str, Raw], buffer: PlanBuffer) -> list[ResourceChange]:
    """`resource_changes`, decoded one entry at a time (no second copy of 100k entries).

    Errors come in the order a whole-section decode gives them: a shape error anywhere in
    `resource_changes`, `deferred_changes` or `resource_drift` before an unknown actions list.
    """
    source, share, release = buffer.source, buffer.share, buffer.release
    raws = decode_section(head, "resource_changes", list[Raw] | None, source) or []
    release()
    changes = []
    total = len(raws)
    try:
        for number, raw in enumerate(raws, 1):
            changes.append(_change(RESOURCE_CHANGE.decode(raw), source, share))
            if number % BATCH == 0:
                release()
                counted(number, total, "changes")
    except msgspec.ValidationError:
        decode_section(head, "resource_changes", _CHANGES, source)
        raise
    except PlanFormatError:
        decode_section(head, "resource_changes", _CHANGES, source)
        decode_section(head, "deferred_changes", list[TfDeferredChange] | None, source)
        decode_section(head, "resource_drift", _CHANGES, source)
        raise
    return changes


def _change(
    entry: TfResourceChange,
    source: str,
    share: Sharer,
    *,
    drift: bool = False,
    deferred_reason: str | None = None,
) -> ResourceChange:
    """One resource change entry → ResourceChange."""
    module = entry.module_address
    index = entry.index
    type_, name = entry.type, entry.name
    address = entry.address
    if address is None:
        # TF 0.15.4–1.0.0 drift entries have no address: rebuild it from its parts.
        address = build_address(module or "", entry.mode, type_, name, index)
    elif module is None or not type_ or not name or (index is None and address.endswith("]")):
        parsed = _parsed(address)
        if parsed is not None:
            module = parsed.module if module is None else module
            if not type_ or not name:
                type_, _, name = parsed.resource.name.partition(".")
            index = parsed.resource.key if index is None else index
    change = entry.change
    importing = change.importing is not EMPTY_RAW and canonical_raw(change.importing) != b"null"
    normalized = normalize_actions(change.actions, importing)
    if normalized is None:
        raise PlanFormatError(
            f"unknown actions for {quote_location(address)}",
            source=source,
            hint="upgrade planrisk to read plans from this Terraform/OpenTofu version",
        )
    text = share.text
    mask = share.mask
    resource_change = ResourceChange(
        address=text(address),
        type=text(type_),
        name=text(name),
        action=normalized.action,
        module=text(module or ""),
        index=index,
        provider=text(entry.provider_name),
        mode=mode_of(entry.mode),
        raw_actions=share.texts(change.actions),
        before=share.raw(change.before),
        after=share.raw(change.after),
        before_sensitive=mask(change.before_sensitive),
        after_sensitive=mask(change.after_sensitive),
        after_unknown=mask(change.after_unknown),
    )
    # The rarely set fields are passed only when set: a Struct built from more than 15
    # keywords takes a slower path, several times the cost per change.
    rare = _rare_fields(entry, normalized, importing, drift, deferred_reason, share)
    return msgspec.structs.replace(resource_change, **rare) if rare else resource_change


def _rare_fields(
    entry: TfResourceChange,
    normalized: Normalized,
    importing: bool,
    drift: bool,
    deferred_reason: str | None,
    share: Sharer,
) -> dict[str, object]:
    """The fields of a change that most changes leave at their defaults, when set."""
    rare: dict[str, object] = {}
    if normalized.replace_order is not None:
        rare["replace_order"] = normalized.replace_order
    if normalized.forgets_old:
        rare["forgets_old"] = True
    if entry.action_reason is not None:
        rare["action_reason"] = share.text(entry.action_reason)
    if entry.change.replace_paths:
        rare["replace_paths"] = tuple(tuple(p) for p in entry.change.replace_paths)
    if entry.previous_address is not None:
        rare["previous_address"] = entry.previous_address
    if entry.deposed is not None:
        rare["deposed"] = entry.deposed
    if importing:
        rare["importing"] = True
    if deferred_reason is not None:
        rare["deferred_reason"] = deferred_reason
    if drift:
        rare["drift"] = True
    return rare


def _change_key(change: ResourceChange) -> tuple[str, str]:
    """Sort key: address, then deposed key (current object first)."""
    return change.address, change.deposed or ""


def _output_change(name: str, entry: TfOutputChange, source: str) -> OutputChange:
    """One root output change; sensitive when either side is marked."""
    normalized = normalize_actions(entry.actions, importing=False)
    if normalized is None:
        raise PlanFormatError(
            f"unknown actions for output {quote_location(name)}",
            source=source,
            hint="upgrade planrisk to read plans from this Terraform/OpenTofu version",
        )
    sensitive = any(
        b"true" in canonical_raw(m) for m in (entry.before_sensitive, entry.after_sensitive)
    )
    return OutputChange(name=name, action=normalized.action, sensitive=sensitive)


def _variables(
    head: dict[str, Raw], configuration: Configuration | None, source: str
) -> dict[str, Variable]:
    """Root variables; `sensitive` comes from the root module's variable declarations."""
    values = decode_section(head, "variables", dict[str, TfVariable] | None, source) or {}
    declared = configuration.root_module.variables if configuration is not None else {}
    result = {}
    for name in sorted(values):
        declaration = declared.get(name)
        sensitive = declaration.sensitive if declaration is not None else False
        result[name] = Variable(value=values[name].value, sensitive=sensitive)
    return result


def _detect_tool(
    head: dict[str, Raw],
    tool_version: str | None,
    changes: list[ResourceChange],
    configuration: Configuration | None,
) -> Tool:
    """OpenTofu or Terraform.

    OpenTofu writes its own version into `terraform_version`, so the version alone proves
    nothing. OpenTofu is recognized by (1) provider source addresses on registry.opentofu.org
    (resource changes or provider configuration), (2) shapes only OpenTofu writes: the `open`
    action, ephemeral resources in resource_changes, the `["forget","create"]` spelling, and
    (3) a version >= 1.8 with `errored` but without `applyable`/`complete` (Terraform >= 1.8
    always writes those three together; OpenTofu writes only `errored`).
    """
    for change in changes:
        if change.provider.startswith(_OPENTOFU_REGISTRY):
            return Tool.OPENTOFU
        if change.mode is Mode.EPHEMERAL or change.raw_actions in (("open",), ("forget", "create")):
            return Tool.OPENTOFU
    if configuration is not None:
        for provider in configuration.provider_config.values():
            if provider.full_name.startswith(_OPENTOFU_REGISTRY):
                return Tool.OPENTOFU
    if tool_version and "errored" in head and "applyable" not in head:
        match = _VERSION.match(tool_version)
        if match is not None and (int(match.group(1)), int(match.group(2))) >= (1, 8):
            return Tool.OPENTOFU
    return Tool.TERRAFORM


class _PlanFacts(NamedTuple):
    """What the digest binds of a plan besides its name (see `_digest`)."""

    changes: list[ResourceChange]
    drift: list[ResourceChange]
    outputs: tuple[OutputChange, ...]
    variables: dict[str, Variable]
    configuration: Raw | None
    head: dict[str, Raw]
    """The document's top-level members (the resources of `_STATE_SECTIONS` are bound)."""


_FACTS = msgspec.json.Encoder()
"""Encodes a change's facts beside its values (`_change_facts`)."""


def _change_facts(change: ResourceChange) -> bytes:
    """What the later stages read of a change besides its address, actions and values: the
    type, name, module and key the plan wrote (they need not agree with the address), the
    provider, the mode and the rarely set fields."""
    return _FACTS.encode(
        (
            change.type,
            change.name,
            change.module,
            change.index,
            change.provider,
            change.mode,
            change.action_reason,
            change.replace_paths,
            change.previous_address,
            change.importing,
            change.drift,
        )
    )


def _checked_digest(head: dict[str, Raw], facts: _PlanFacts, buffer: PlanBuffer) -> bytes:
    """The digest (`_digest`), or `_NOT_UTF8` and the name of the first top-level member whose
    text is not valid UTF-8 (values stay undecoded, so no decoder has checked them)."""
    for key, raw in head.items():
        if invalid_utf8_at(raw, buffer.release) is not None:
            return (_NOT_UTF8 + key).encode()
        buffer.release()
    return _digest(facts, buffer).encode()


_NOT_UTF8 = "!"
"""How `_checked_digest` starts a member name instead of a digest (`sha256:…` never does)."""


def _digest(facts: _PlanFacts, buffer: PlanBuffer) -> str:
    """sha256 over every change's identity, actions, canonical values and masks and facts
    (`_change_facts`), the drift entries, the output actions, the environment variables, the
    configuration, and the resources of the planned values and prior state.

    Parts go to the hash a batch of changes at a time (the byte stream is the same as adding
    them one by one); the mapped pages the batch read are released after it. Each value's
    canonical form is `canonical_raw`'s (`canonical_spaced` gives it for a document whose
    values hold no line break or tab).
    """
    digest = PlanDigest("terraform")
    parts: list[bytes | str | Raw] = []
    canonical, release = buffer.canonical, buffer.release
    for number, change in enumerate((*facts.changes, *facts.drift), 1):
        parts += (
            change.address,
            change.deposed or "",
            ",".join(change.raw_actions),
            change.deferred_reason or "",
            canonical(change.before),
            canonical(change.after),
            canonical(change.after_unknown),
            canonical(change.before_sensitive),
            canonical(change.after_sensitive),
            _change_facts(change),
        )
        if number % BATCH == 0:
            digest.add_parts(parts)
            parts.clear()
            release()
    for output in facts.outputs:
        parts += (output.name, output.action.value, "sensitive" if output.sensitive else "")
    parts += _variable_parts(facts.variables)
    parts += ("configuration", canonical_raw(facts.configuration or b"null"))
    for key in _STATE_SECTIONS:
        parts.append(key)
        for number, (module, raw) in enumerate(raw_instances(facts.head, key), 1):
            parts += (module, canonical(raw))
            if number % BATCH == 0:
                digest.add_parts(parts)
                parts.clear()
                release()
    digest.add_parts(parts)
    return digest.result()


_STATE_SECTIONS = ("planned_values", "prior_state")
"""Where the resources the plan knows are (their tags name the environment, the state's
`depends_on` are edges of the graph): each resource is bound as written, in document order,
one at a time (a section is never reformatted whole: that would copy it)."""


def _variable_parts(variables: dict[str, Variable]) -> list[bytes | str]:
    """The root variables that name an environment (`ENVIRONMENT_VARIABLES`), in name order; a
    sensitive one by name only (its value is never read, and never hashed)."""
    parts: list[bytes | str] = []
    for name in sorted(variables):
        if name.lower() not in ENVIRONMENT_VARIABLES:
            continue
        variable = variables[name]
        value = b"sensitive" if variable.sensitive else canonical_raw(variable.value)
        parts += ("variable", name, value)
    return parts
