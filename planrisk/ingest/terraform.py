"""Terraform/OpenTofu plan JSON → Plan (ingest stage).

Input: the top-level members of a `terraform show -json` / `tofu show -json` document (or an
HCP Terraform redacted plan, or a trimmed third-party plan) as `msgspec.Raw` slices. Output: one
normalized `Plan`. Each section is decoded once with typed Structs; attribute values stay Raw
(zero-copy) and `prior_state`/`planned_values` values and output values are never decoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
from msgspec import Raw

from planrisk.errors import PlanFormatError
from planrisk.ingest.addresses import ParsedAddress, build_address, parse_address
from planrisk.ingest.digest import PlanDigest, canonical_raw
from planrisk.ingest.terraform_actions import normalize_actions
from planrisk.ingest.terraform_decode import (
    TfDeferredChange,
    TfModule,
    TfOutputChange,
    TfResourceChange,
    TfState,
    TfStateResource,
    TfValues,
    TfVariable,
)
from planrisk.model import (
    Configuration,
    Mode,
    OutputChange,
    Plan,
    Resource,
    ResourceChange,
    Tool,
    Variable,
)

_VERSION = re.compile(r"^(\d+)\.(\d+)")
_OPENTOFU_REGISTRY = "registry.opentofu.org/"
_REGEN_HINT = "re-run `terraform show -json PLANFILE > plan.json`"


def _nothing() -> None:
    """The default `release`: the input is not a mapped file."""


def parse_terraform(
    head: dict[str, Raw], source: str, release: Callable[[], None] = _nothing
) -> Plan:
    """Build a Plan from the top-level members of a Terraform/OpenTofu plan document.

    `release` is called after each pass over a large section: it drops the input file's mapped
    pages from the process (`reader.release_pages`), so they are not all resident at once.
    """
    release()
    redacted = "plan_format_version" in head and "format_version" not in head
    version_key = "plan_format_version" if redacted else "format_version"
    format_version = _section(head, version_key, str | None, source) or ""
    if format_version:
        _check_version(format_version, source)
    tool_version = _section(head, "terraform_version", str | None, source)

    configuration = _section(head, "configuration", Configuration | None, source)
    entries = _section(head, "resource_changes", list[TfResourceChange] | None, source) or []
    release()
    deferred = _section(head, "deferred_changes", list[TfDeferredChange] | None, source) or []
    drift_entries = _section(head, "resource_drift", list[TfResourceChange] | None, source) or []
    release()

    changes = [_change(e, source) for e in entries]
    changes += [_change(d.resource_change, source, deferred_reason=d.reason) for d in deferred]
    changes.sort(key=_change_key)
    drift = sorted((_change(e, source, drift=True) for e in drift_entries), key=_change_key)

    outputs = _section(head, "output_changes", dict[str, TfOutputChange] | None, source) or {}
    output_changes = tuple(_output_change(n, outputs[n], source) for n in sorted(outputs))

    digest = _digest(changes, output_changes)
    release()
    resources = _resources(head, source, release)
    release()
    return Plan(
        tool=_detect_tool(head, tool_version, changes, configuration),
        format_version=format_version,
        source=source,
        digest=digest,
        changes=tuple(changes),
        resources=resources,
        tool_version=tool_version,
        configuration=configuration,
        variables=_variables(head, configuration, source),
        output_changes=output_changes,
        drift=tuple(drift),
        errored=bool(_section(head, "errored", bool | None, source)),
        complete=_section(head, "complete", bool | None, source),
        redacted=redacted,
    )


def _section(head: dict[str, Raw], key: str, type_: Any, source: str) -> Any:
    """Decode one top-level member into `type_`; a shape mismatch is a PlanFormatError."""
    raw = head.get(key)
    if raw is None:
        return None
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as exc:
        message = str(exc)
        if "at `$" in message:
            where = message.replace("at `$", f"at `{key}")
        else:
            where = f"{message} - at `{key}`"
        raise PlanFormatError(
            f"not a valid plan: {where}", source=source, hint=_REGEN_HINT
        ) from None


def _check_version(version: str, source: str) -> None:
    """Accept format_version >= 0.1 and < 2.0 (the range terraform-json accepts)."""
    match = _VERSION.match(version)
    if match is None:
        raise PlanFormatError(
            f"unreadable plan format_version {version!r}", source=source, hint=_REGEN_HINT
        )
    major, minor = int(match.group(1)), int(match.group(2))
    if major >= 2 or (major, minor) < (0, 1):
        raise PlanFormatError(
            f"unsupported plan format_version {version} (planrisk reads 0.1 through 1.x)",
            source=source,
            hint="upgrade planrisk, or render the plan with a Terraform/OpenTofu that writes 1.x",
        )


def _mode(text: str) -> Mode:
    """Resource mode; an unknown future mode is treated as managed (scored, never skipped)."""
    try:
        return Mode(text)
    except ValueError:
        return Mode.MANAGED


def _parsed(address: str) -> ParsedAddress | None:
    """Tokenized address, or None when it is not a resource address."""
    try:
        return parse_address(address)
    except (ValueError, IndexError):
        return None


def _change(
    entry: TfResourceChange,
    source: str,
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
    importing = canonical_raw(change.importing) != b"null"
    normalized = normalize_actions(change.actions, importing)
    if normalized is None:
        raise PlanFormatError(
            f"unknown actions {change.actions!r} for {address}",
            source=source,
            hint="upgrade planrisk to read plans from this Terraform/OpenTofu version",
        )
    return ResourceChange(
        address=address,
        type=type_,
        name=name,
        action=normalized.action,
        module=module or "",
        index=index,
        provider=entry.provider_name,
        mode=_mode(entry.mode),
        raw_actions=tuple(change.actions),
        replace_order=normalized.replace_order,
        forgets_old=normalized.forgets_old,
        action_reason=entry.action_reason,
        replace_paths=tuple(tuple(p) for p in change.replace_paths),
        previous_address=entry.previous_address,
        deposed=entry.deposed,
        importing=importing,
        deferred_reason=deferred_reason,
        drift=drift,
        before=change.before,
        after=change.after,
        before_sensitive=change.before_sensitive,
        after_sensitive=change.after_sensitive,
        after_unknown=change.after_unknown,
    )


def _change_key(change: ResourceChange) -> tuple[str, str]:
    """Sort key: address, then deposed key (current object first)."""
    return change.address, change.deposed or ""


def _output_change(name: str, entry: TfOutputChange, source: str) -> OutputChange:
    """One root output change; sensitive when either side is marked."""
    normalized = normalize_actions(entry.actions, importing=False)
    if normalized is None:
        raise PlanFormatError(
            f"unknown actions {entry.actions!r} for output {name}",
            source=source,
            hint="upgrade planrisk to read plans from this Terraform/OpenTofu version",
        )
    sensitive = any(
        b"true" in canonical_raw(m) for m in (entry.before_sensitive, entry.after_sensitive)
    )
    return OutputChange(name=name, action=normalized.action, sensitive=sensitive)


def _walk(module: TfModule, module_address: str = "") -> Iterator[tuple[str, TfStateResource]]:
    """Every resource of a planned_values/prior_state module tree with its module address."""
    for resource in module.resources:
        yield module_address, resource
    for child in module.child_modules:
        yield from _walk(child, child.address)


def _resources(
    head: dict[str, Raw], source: str, release: Callable[[], None]
) -> tuple[Resource, ...]:
    """Every instance in planned_values or prior_state: planned values win, state depends_on."""
    planned = _section(head, "planned_values", TfValues | None, source)
    release()
    prior = _section(head, "prior_state", TfState | None, source)
    state: dict[str, tuple[str, TfStateResource]] = {}
    if prior is not None:
        for module, res in _walk(prior.values.root_module):
            if res.deposed_key is None and res.address:
                state[res.address] = (module, res)
    known: dict[str, tuple[str, TfStateResource]] = dict(state)
    planned_addresses: set[str] = set()
    if planned is not None:
        for module, res in _walk(planned.root_module):
            if res.address:
                known[res.address] = (module, res)
                planned_addresses.add(res.address)
    resources = []
    for address in sorted(known):
        module, res = known[address]
        prior_entry = state.get(address)
        prior_res = prior_entry[1] if prior_entry is not None else None
        resources.append(
            Resource(
                address=address,
                type=res.type,
                name=res.name,
                mode=_mode(res.mode),
                module=module,
                index=res.index,
                provider=res.provider_name,
                depends_on=tuple(prior_res.depends_on) if prior_res is not None else (),
                tainted=prior_res.tainted if prior_res is not None else False,
                values=res.values,
                sensitive_values=res.sensitive_values,
            )
        )
    return tuple(resources)


def _variables(
    head: dict[str, Raw], configuration: Configuration | None, source: str
) -> dict[str, Variable]:
    """Root variables; `sensitive` comes from the root module's variable declarations."""
    values = _section(head, "variables", dict[str, TfVariable] | None, source) or {}
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


def _digest(changes: list[ResourceChange], outputs: tuple[OutputChange, ...]) -> str:
    """sha256 over every change's identity, actions and canonical values, and output actions."""
    digest = PlanDigest("terraform")
    for change in changes:
        digest.add(change.address)
        digest.add(change.deposed or "")
        digest.add(",".join(change.raw_actions))
        digest.add(change.deferred_reason or "")
        digest.add_raw(change.before)
        digest.add_raw(change.after)
        digest.add_raw(change.after_unknown)
    for output in outputs:
        digest.add(output.name)
        digest.add(output.action.value)
    return digest.result()
