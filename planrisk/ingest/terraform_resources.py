"""Terraform/OpenTofu `planned_values` + `prior_state` → the plan's Resources (ingest stage).

Input: the top-level members of a plan document as `msgspec.Raw`. Output: every resource
instance either section knows, sorted by address: planned values win, `depends_on` and `tainted`
come from the prior state. Each section is decoded as an outline of its module tree and its
resources one at a time, their repeated strings shared (`Sharer`), so a 100k-instance plan never
holds two decoded trees; `release` drops the input file's pages after each section. A shape
error is reported exactly as a decode of the whole section reports it.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
from msgspec import Raw

from planrisk.ingest.buffer import PlanBuffer
from planrisk.ingest.sharing import Sharer
from planrisk.ingest.terraform_decode import (
    BATCH,
    STATE_RESOURCE,
    TfModuleOutline,
    TfStateOutline,
    TfStateResource,
    TfValuesOutline,
    mode_of,
    shape_error,
)
from planrisk.model import Resource


def plan_resources(head: dict[str, Raw], buffer: PlanBuffer) -> tuple[Resource, ...]:
    """Every instance in planned_values or prior_state (see the module docstring)."""
    share, release = buffer.share, buffer.release
    planned: dict[str, Resource] = {}
    for module, res in _instances(head, "planned_values", buffer):
        if res.address:
            planned[res.address] = _resource(res, module, share)
    release()
    prior: dict[str, Resource] = {}
    state_facts: dict[str, tuple[tuple[str, ...], bool]] = {}
    for module, res in _instances(head, "prior_state", buffer):
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


def _instances(
    head: dict[str, Raw], key: str, buffer: PlanBuffer
) -> Iterator[tuple[str, TfStateResource]]:
    """Every resource of section `key`'s module tree with its module address, decoded singly."""
    try:
        root = _root(head, key)
    except msgspec.ValidationError as exc:
        raise shape_error(exc, key, buffer.source) from None
    if root is None:
        return
    buffer.release()
    for number, (module, raw) in enumerate(_walk(root), 1):
        try:
            resource = STATE_RESOURCE.decode(raw)
        except msgspec.ValidationError as exc:
            raise shape_error(exc, _resource_path(key, root, number), buffer.source) from None
        yield module, resource
        if number % BATCH == 0:
            buffer.release()


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


def _resource_path(key: str, root: TfModuleOutline, number: int) -> str:
    """Where the `number`th resource of `_walk(root)` is in the document, as a shape error
    names it (`planned_values.root_module.child_modules[0].resources[3]`): worked out again
    only for the one resource that is wrong, so the walk itself carries no paths."""
    prefix = f"{key}.values.root_module" if key == "prior_state" else f"{key}.root_module"
    for count, path in enumerate(_resource_paths(root, prefix), 1):
        if count == number:
            return path
    return key


def _resource_paths(module: TfModuleOutline, path: str) -> Iterator[str]:
    """The document path of every resource of an outline module tree, in `_walk` order."""
    for i in range(len(module.resources)):
        yield f"{path}.resources[{i}]"
    for i, child in enumerate(module.child_modules):
        yield from _resource_paths(child, f"{path}.child_modules[{i}]")
