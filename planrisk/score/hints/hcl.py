"""HCL text for hints (score stage helper): quoted instance keys, addresses, `moved` blocks.

Input: instance keys, module addresses and resource changes.
Output: text a user can paste into a `.tf` file or a shell. String keys are quoted with HCL
escapes, exactly as Terraform >= 1.3 prints instance keys (`addrs.StringKey.String`): `\\"`,
`\\\\`, `\\n`, `\\r`, `\\t`, `\\u` with 4 or `\\U` with 8 hex digits for other
non-printable characters, and `$${` / `%%{` so that a key is never read as a template sequence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from planrisk.ingest.addresses import format_key, hcl_quote, parse_address
from planrisk.model import Mode, ResourceChange

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@lru_cache(maxsize=4096)
def module_address(module: str) -> str:
    """A module instance address re-quoted with HCL escapes (`module.a["x"].module.b`).

    Older Terraform wrote module keys with Go `%q` escapes; the shared tokenizer reads both.
    Text that is not a module address is returned unchanged.
    """
    if not module:
        return ""
    try:
        parsed = parse_address(f"{module}.t.n")
    except ValueError:
        return module
    return ".".join(f"module.{part.name}{format_key(part.key)}" for part in parsed.modules)


def instance_address(change: ResourceChange) -> str:
    """The change's absolute address rebuilt from its parts with HCL key quoting.

    The resource's own key comes from `index`, never from re-parsing `address`.
    """
    module = module_address(change.module)
    prefix = f"{module}." if module else ""
    mode = "data." if change.mode is Mode.DATA else ""
    return f"{prefix}{mode}{change.type}.{change.name}{format_key(change.index)}"


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
