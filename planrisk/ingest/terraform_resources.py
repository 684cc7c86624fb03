"""Terraform/OpenTofu `planned_values` + `prior_state` → the plan's Resources (ingest stage).

Input: the top-level members of a plan document as `msgspec.Raw`. Output: every resource
instance either section knows, sorted by address: planned values win, `depends_on` and `tainted`
come from the prior state. Each section is decoded as an outline of its module tree and its
resources one at a time, their repeated strings shared (`Sharer`), so a 100k-instance plan never
holds two decoded trees; `release` drops the input file's pages after each section. A shape
error is reported exactly as a decode of the whole section reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import msgspec
from msgspec import Raw

from planrisk.errors import PlanFormatError
from planrisk.ingest.sharing import Sharer
from planrisk.ingest.terraform_decode import (
    BATCH,
    REGEN_HINT,
    STATE_RESOURCE,
    TfModuleOutline,
    TfState,
    TfStateOutline,
    TfStateResource,
    TfValues,
    TfValuesOutline,
    decode_section,
    mode_of,
)
from planrisk.model import Resource


def plan_resources(
    head: dict[str, Raw], source: str, share: Sharer, release: Callable[[], None]
) -> tuple[Resource, ...]:
    """Every instance in planned_values or prior_state (see the module docstring)."""
    planned: dict[str, Resource] = {}
    for module, res in _instances(head, "planned_values", source, release):
        if res.address:
            planned[res.address] = _resource(res, module, share)
    release()
    prior: dict[str, Resource] = {}
    state_facts: dict[str, tuple[tuple[str, ...], bool]] = {}
    for module, res in _instances(head, "prior_state", source, release):
        if res.deposed_key is not None or not res.address:
            continue
        depends_on = share.texts(res.depends_on)
        if res.address in planned:
            state_facts[res.address] = (depends_on, res.tainted)
        else:
            prior[res.address] = _resource(res, module, share, depends_on, res.tainted)
    release()
    for address, (depends_on, tainted) in state_facts.items():
        if depends_on or tainted:
            planned[address] = msgspec.structs.replace(
                planned[address], depends_on=depends_on, tainted=tainted
            )
    planned.update(prior)
    return tuple(planned[address] for address in sorted(planned))


def _resource(
    res: TfStateResource,
    module: str,
    share: Sharer,
    depends_on: tuple[str, ...] = (),
    tainted: bool = False,
) -> Resource:
    """One decoded instance → Resource, its strings and tiny values shared."""
    return Resource(
        address=share.text(res.address),
        type=share.text(res.type),
        name=share.text(res.name),
        mode=mode_of(res.mode),
        module=share.text(module),
        index=res.index,
        provider=share.text(res.provider_name),
        depends_on=depends_on,
        tainted=tainted,
        values=share.raw(res.values),
        sensitive_values=share.mask(res.sensitive_values),
    )


_WHOLE: dict[str, Any] = {"planned_values": TfValues | None, "prior_state": TfState | None}
"""The type a whole section decodes into: decoding it reproduces the exact shape error."""


def _instances(
    head: dict[str, Raw], key: str, source: str, release: Callable[[], None]
) -> Iterator[tuple[str, TfStateResource]]:
    """Every resource of section `key`'s module tree with its module address, decoded singly."""
    try:
        root = _root(head, key)
        if root is None:
            return
        release()
        for number, (module, raw) in enumerate(_walk(root), 1):
            yield module, STATE_RESOURCE.decode(raw)
            if number % BATCH == 0:
                release()
    except msgspec.ValidationError:
        raise _section_error(head, key, source) from None


def raw_instances(head: dict[str, Raw], key: str) -> Iterator[tuple[str, Raw]]:
    """Every resource of section `key`'s module tree with its module address, still raw (what
    the digest binds of the resources: nothing else of the section is read)."""
    root = _root(head, key)
    if root is not None:
        yield from _walk(root)


def _root(head: dict[str, Raw], key: str) -> TfModuleOutline | None:
    """The root module outline of `planned_values` or `prior_state`, if present."""
    raw = head.get(key)
    if raw is None:
        return None
    if key == "prior_state":
        state = msgspec.json.decode(raw, type=TfStateOutline | None)
        return None if state is None else state.values.root_module
    values = msgspec.json.decode(raw, type=TfValuesOutline | None)
    return None if values is None else values.root_module


def _walk(module: TfModuleOutline, module_address: str = "") -> Iterator[tuple[str, Raw]]:
    """Every raw resource of an outline module tree with its module address."""
    for resource in module.resources:
        yield module_address, resource
    for child in module.child_modules:
        yield from _walk(child, child.address)


def _section_error(head: dict[str, Raw], key: str, source: str) -> PlanFormatError:
    """The error a decode of the whole section `key` raises (it is known to be invalid)."""
    decode_section(head, key, _WHOLE[key], source)
    return PlanFormatError(f"not a valid plan: `{key}`", source=source, hint=REGEN_HINT)
