"""Decode shapes of Terraform/OpenTofu plan JSON (ingest stage), for msgspec typed decoding.

Input: the raw JSON sections of a `terraform show -json` document. Output: these Structs, with
every attribute value (`before`, `after`, masks, `values`, `sensitive_values`, variable
values) kept as `msgspec.Raw`, a zero-copy slice of the input. Unknown keys are ignored (fields
get added without a `format_version` bump); output values are never decoded.
`configuration` decodes straight into `planrisk.model.Configuration`. The module trees of
`planned_values` and `prior_state` decode as outlines (`TfModuleOutline`: resources left raw)
and the `RESOURCE_CHANGE`/`STATE_RESOURCE` decoders let large lists be decoded one entry at a
time; `shape_error` turns a shape mismatch into a PlanFormatError naming the JSON path, the one
a decode of the whole section would name.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import Raw

from planrisk.errors import PlanFormatError
from planrisk.model import EMPTY_RAW, Mode

REGEN_HINT = "re-run `terraform show -json PLANFILE > plan.json`"
BATCH = 1024
"""Entries decoded between two releases of the mapped input pages (and per digest update)."""

Index = int | str | None
"""count index, for_each key, or absent."""


class TfChange(msgspec.Struct, kw_only=True):
    """`change` of a resource change entry."""

    actions: list[str] = []
    before: Raw = EMPTY_RAW
    after: Raw = EMPTY_RAW
    after_unknown: Raw = EMPTY_RAW
    before_sensitive: Raw = EMPTY_RAW
    after_sensitive: Raw = EMPTY_RAW
    replace_paths: list[list[str | int]] = []
    importing: Raw = EMPTY_RAW
    """Non-null means "also imported" (`{"id"}`, `{"identity"}` or `{"unknown": true}`)."""


class TfResourceChange(msgspec.Struct, kw_only=True):
    """One entry of `resource_changes`, `resource_drift` or a deferred change."""

    address: str | None = None
    """Absent in TF 0.15.4–1.0.0 drift entries."""
    previous_address: str | None = None
    module_address: str | None = None
    mode: str = "managed"
    type: str = ""
    name: str = ""
    index: Index = None
    provider_name: str = ""
    deposed: str | None = None
    action_reason: str | None = None
    change: TfChange = msgspec.field(default_factory=TfChange)


class TfDeferredChange(msgspec.Struct, kw_only=True):
    """An entry of `deferred_changes` (TF 1.9)."""

    reason: str = "unknown"
    resource_change: TfResourceChange = msgspec.field(default_factory=TfResourceChange)


class TfOutputChange(msgspec.Struct, kw_only=True):
    """An entry of `output_changes`; values are skipped, only actions and sensitivity kept."""

    actions: list[str] = []
    before_sensitive: Raw = EMPTY_RAW
    after_sensitive: Raw = EMPTY_RAW


class TfStateResource(msgspec.Struct, kw_only=True):
    """A resource instance in `planned_values` or `prior_state`."""

    address: str = ""
    mode: str = "managed"
    type: str = ""
    name: str = ""
    index: Index = None
    provider_name: str = ""
    values: Raw = EMPTY_RAW
    sensitive_values: Raw = EMPTY_RAW
    depends_on: list[str] = []
    tainted: bool = False
    deposed_key: str | None = None


class TfVariable(msgspec.Struct, kw_only=True):
    """An entry of `variables`."""

    value: Raw = EMPTY_RAW


class TfModuleOutline(msgspec.Struct, kw_only=True):
    """A module of `planned_values`/`prior_state` with its resources left raw (one decoded at a
    time with `STATE_RESOURCE`, so a 100k-instance tree is never decoded all at once)."""

    address: str = ""
    resources: list[Raw] = []
    child_modules: list[TfModuleOutline] = []


class TfValuesOutline(msgspec.Struct, kw_only=True):
    """`planned_values` (or `prior_state.values`) as an outline."""

    root_module: TfModuleOutline = msgspec.field(default_factory=TfModuleOutline)


class TfStateOutline(msgspec.Struct, kw_only=True):
    """`prior_state` as an outline."""

    values: TfValuesOutline = msgspec.field(default_factory=TfValuesOutline)


RESOURCE_CHANGE = msgspec.json.Decoder(TfResourceChange)
"""Decodes one `resource_changes` entry."""
STATE_RESOURCE = msgspec.json.Decoder(TfStateResource)
"""Decodes one resource of a `planned_values`/`prior_state` module."""


def decode_section(head: dict[str, Raw], key: str, type_: Any, source: str) -> Any:
    """Decode one top-level member into `type_`; a shape mismatch is a PlanFormatError."""
    raw = head.get(key)
    if raw is None:
        return None
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as exc:
        raise shape_error(exc, key, source) from None


def shape_error(exc: msgspec.ValidationError, where: str, source: str) -> PlanFormatError:
    """The input error of a value at `where` (a key path) that does not have its shape."""
    message = str(exc)
    if "at `$" in message:
        located = message.replace("at `$", f"at `{where}")
    else:
        located = f"{message} - at `{where}`"
    return PlanFormatError(f"not a valid plan: {located}", source=source, hint=REGEN_HINT)


_MODES = {mode.value: mode for mode in Mode}


def mode_of(text: str) -> Mode:
    """Resource mode; an unknown future mode is treated as managed (scored, never skipped)."""
    return _MODES.get(text, Mode.MANAGED)
