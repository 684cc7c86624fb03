"""Configuration references and instance addresses as the graph stage needs them.

Input: instance addresses (tokenized by `planrisk.ingest.addresses`) and configuration
`references` entries (`module.c["k"].out`, `var.v`, `aws_s3_bucket.this[0].id`, plan-formats
§1.5/§1.6). Output: module instance paths, module-relative resource keys, config addresses, and
`Reference`s classified by what they name.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from planrisk.ingest.addresses import Key, ParsedAddress, parse_address

ModuleInstance = tuple[tuple[str, Key], ...]
"""A module instance path: one (call name, key) pair per level; the root is ()."""

NON_RESOURCE_ROOTS = frozenset({"count", "each", "path", "terraform", "self", "action"})
"""First identifiers of references that name no resource, variable, local or module."""

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class Reference(NamedTuple):
    """A configuration reference, classified by what it names."""

    kind: str
    """resource, var, local, module, or ignored."""
    name: str
    """Variable/local name, module call name, or the resource's module-relative key."""
    key: Key = None
    """Module call key, when the reference names one module instance literally."""
    output: str | None = None
    """Module output name (None for a bare `module.C`)."""


def module_instance(parsed: ParsedAddress) -> ModuleInstance:
    """The (call, key) path of a parsed address."""
    return tuple((part.name, part.key) for part in parsed.modules)


def module_path(parsed: ParsedAddress) -> tuple[str, ...]:
    """The module call names of a parsed address (its config module path)."""
    return tuple(part.name for part in parsed.modules)


def resource_key(parsed: ParsedAddress) -> str:
    """Module-relative config address: `aws_x.y`, `data.aws_x.y`, `ephemeral.aws_x.y`."""
    mode = parsed.resource.kind
    return parsed.resource.name if mode == "managed" else f"{mode}.{parsed.resource.name}"


def config_address_of(path: tuple[str, ...], key: str) -> str:
    """`module.a.module.b.aws_x.y` from (`a`, `b`) and `aws_x.y`."""
    return "".join(f"module.{m}." for m in path) + key


def config_address(address: str) -> str:
    """`module.a["x"].aws_y.z[0]` → `module.a.aws_y.z`; anything else (URNs…) unchanged."""
    if address.startswith("urn:"):
        return address
    try:
        parsed = parse_address(address)
    except ValueError:
        return address
    if parsed.rest:
        return address
    return config_address_of(module_path(parsed), resource_key(parsed))


def parse_reference(reference: str) -> Reference:
    """Classify one `references` entry; ValueError when it is not a traversal."""
    head, _, tail = reference.partition(".")
    if head in ("var", "local"):
        return Reference(head, _ident(tail))
    if head == "module":
        call = _ident(tail)
        after = tail[len(call) :]
        key: Key = None
        if after.startswith("["):
            end = _key_end(after)
            key = parse_address(f"module.{call}{after[:end]}.t.n").modules[0].key
            after = after[end:]
        output = _ident(after[1:]) if after.startswith(".") else None
        return Reference("module", call, key, output)
    if head in NON_RESOURCE_ROOTS:
        return Reference("ignored", head)
    parsed = parse_address(reference)
    if parsed.modules:
        raise ValueError(f"module path inside a reference: {reference!r}")
    return Reference("resource", resource_key(parsed))


def is_traversal_prefix(shorter: str, longer: str) -> bool:
    """True when `shorter` is a proper traversal prefix of `longer` (`a.b` of `a.b[0].c`)."""
    return (
        len(longer) > len(shorter) and longer.startswith(shorter) and longer[len(shorter)] in ".["
    )


def _ident(text: str) -> str:
    match = _IDENT.match(text)
    if match is None:
        raise ValueError(f"expected a name in reference at {text[:20]!r}")
    return match.group(0)


def _key_end(text: str) -> int:
    """Index just past the `[...]` key at the start of `text` (quotes and escapes honoured)."""
    if text.startswith('["'):
        index = 2
        while index < len(text):
            if text[index] == "\\":
                index += 2
            elif text[index] == '"':
                return index + 2
            else:
                index += 1
        raise ValueError(f"unterminated key in reference {text!r}")
    end = text.find("]")
    if end < 0:
        raise ValueError(f"unterminated key in reference {text!r}")
    return end + 1
