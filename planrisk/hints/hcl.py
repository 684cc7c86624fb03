"""HCL text for hints (score stage helper): quoted instance keys, addresses, `moved` blocks.

Input: instance keys, module addresses and resource changes.
Output: text a user can paste into a `.tf` file or a shell. String keys are quoted with HCL
escapes (the form Terraform >= 1.3 prints): `\\"`, `\\\\`, `\\n`, `\\r`, `\\t`, `\\uXXXX` for other
control characters, and `$${` / `%%{` so that a key is never read as a template sequence.
"""

from __future__ import annotations

import re

from planrisk.model import Mode, ResourceChange

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_SIMPLE_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def hcl_quote(text: str) -> str:
    """`text` as an HCL quoted string literal, quotes included."""
    parts: list[str] = []
    for ch in text:
        escaped = _SIMPLE_ESCAPES.get(ch)
        if escaped is not None:
            parts.append(escaped)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            parts.append(f"\\u{ord(ch):04x}")
        else:
            parts.append(ch)
    body = "".join(parts).replace("${", "$${").replace("%{", "%%{")
    return f'"{body}"'


def instance_key(index: int | str | None) -> str:
    """`[0]`, `["a.b"]`, or empty for a resource without count/for_each."""
    if index is None:
        return ""
    if isinstance(index, int):
        return f"[{index}]"
    return f"[{hcl_quote(index)}]"


def instance_address(change: ResourceChange) -> str:
    """The change's absolute address rebuilt from its parts with HCL key quoting.

    The module path is kept as the plan wrote it (Terraform >= 1.3 already quotes module keys
    the HCL way); the resource's own key comes from `index`, never from re-parsing `address`.
    """
    prefix = f"{change.module}." if change.module else ""
    mode = "data." if change.mode is Mode.DATA else ""
    return f"{prefix}{mode}{change.type}.{change.name}{instance_key(change.index)}"


def moved_block(source: str, target: str) -> str:
    """A Terraform `moved` block, formatted the way `terraform fmt` aligns it."""
    return f"moved {{\n  from = {source}\n  to   = {target}\n}}"


def render_path(path: tuple[str | int, ...]) -> str:
    """An attribute path as HCL-ish text: `ingress[0].cidr_blocks`, `tags["a.b"]`."""
    out: list[str] = []
    for position, step in enumerate(path):
        if isinstance(step, int):
            out.append(f"[{step}]")
        elif position == 0:
            out.append(step)
        elif _IDENT.fullmatch(step):
            out.append(f".{step}")
        else:
            out.append(f"[{hcl_quote(step)}]")
    return "".join(out)
