"""Benchmark estate, building blocks: the instance record and the address helpers.

Input: a module instance address, resource type, name, key and values. Output: `Instance`
(absolute address, config address, values, sensitive attributes, referenced addresses) and the
`Service` and `Shared` records the estate builders pass around.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AWS = "registry.terraform.io/hashicorp/aws"
RANDOM = "registry.terraform.io/hashicorp/random"
AZ_COUNT = 3


@dataclass(slots=True)
class Instance:
    """One resource instance of the estate."""

    address: str
    module: str
    config: str
    type: str
    name: str
    index: int | str | None
    values: dict[str, Any]
    mode: str = "managed"
    provider: str = AWS
    sensitive: frozenset[str] = frozenset()
    refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    schema_version: int = 0


@dataclass(frozen=True, slots=True)
class Service:
    """One `module.service` instance."""

    name: str
    team: str
    instances: int
    database: bool


@dataclass(slots=True)
class Shared:
    """Addresses and ids later groups reference (network outputs, root resources)."""

    ids: dict[str, str] = field(default_factory=dict)


def make_instance(
    module: str,
    type_: str,
    name: str,
    index: int | str | None,
    values: dict[str, Any],
    **kwargs: Any,
) -> Instance:
    """An instance of resource `type_.name` with key `index` in module instance `module`."""
    key = "" if index is None else f"[{index}]" if isinstance(index, int) else f'["{index}"]'
    local = f"{type_}.{name}"
    if kwargs.get("mode") == "data":
        local = "data." + local
    prefix = f"{module}." if module else ""
    config_module = "".join(part.split("[", 1)[0] + "." for part in split_module(module))
    return Instance(
        address=f"{prefix}{local}{key}",
        module=module,
        config=config_module + local,
        type=type_,
        name=name,
        index=index,
        values=values,
        **kwargs,
    )


def split_module(module: str) -> list[str]:
    """`module.a["x"].module.b` → [`module.a["x"]`, `module.b`] (keys hold no dots here)."""
    if not module:
        return []
    parts = module.split(".module.")
    return [parts[0], *("module." + p for p in parts[1:])]
