"""Reading the .tf sources given with `--source-dir` (graph stage helper, python-hcl2).

Input: a directory of Terraform `.tf` files. Output: a `SourceIndex`: where every resource,
data source and module call is declared (file, 1-based line, lifecycle arguments), and the
references of every `local` value per module path, which plan JSON does not carry
(plan-formats §1.5). Local module calls (`source = "./modules/x"`) are followed into their
directories, so nested blocks are keyed by their absolute config address
(`module.x.aws_s3_bucket.y`). Registry and git sources are not fetched.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec

from planrisk.errors import InputError

_HINT = "fix the file or run without --source-dir"
_TRAVERSAL = re.compile(
    r"(?<![\w.\-\]])[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[(?:\"(?:[^\"\\]|\\.)*\"|\d+|\*)\])+"
)
_INTERPOLATION = re.compile(r"(?<![$%])\$\{")


class SourceBlock(msgspec.Struct, frozen=True, kw_only=True):
    """Where one resource, data source or module call is declared, and its lifecycle."""

    address: str
    """Absolute config address (`module.a.aws_x.y`, `module.a` for a call), no instance keys."""
    file: str
    """Path of the .tf file, relative to the source directory (forward slashes)."""
    line: int
    """1-based line of the block header."""
    prevent_destroy: bool | None = None
    """`lifecycle.prevent_destroy` when a literal boolean; None when absent or computed."""
    create_before_destroy: bool | None = None
    """`lifecycle.create_before_destroy` when a literal boolean; None when absent or computed."""
    ignore_changes: tuple[str, ...] = ()
    """`lifecycle.ignore_changes` entries as written (`all` included)."""
    replace_triggered_by: tuple[str, ...] = ()
    """`lifecycle.replace_triggered_by` references."""


class SourceIndex(msgspec.Struct, frozen=True, kw_only=True):
    """Everything read from the sources."""

    blocks: dict[str, SourceBlock] = {}
    """Config address → declaration."""
    locals: dict[tuple[str, ...], dict[str, list[str]]] = {}
    """Module path (call names) → local name → references of its value (sorted, unique)."""


def parse_sources(source_dir: Path) -> SourceIndex:
    """Read every `.tf` file under `source_dir` and the local modules it calls.

    Raises InputError naming the directory or file when it is missing, unreadable or not HCL.
    """
    if not source_dir.is_dir():
        raise InputError(
            "source directory not found", source=str(source_dir), hint="pass the Terraform root"
        )
    if not any(source_dir.glob("*.tf")):
        raise InputError(
            "no .tf files in the source directory",
            source=str(source_dir),
            hint="pass the directory that holds the root module's .tf files",
        )
    blocks: dict[str, SourceBlock] = {}
    local_refs: dict[tuple[str, ...], dict[str, list[str]]] = {}
    _read_module(source_dir.resolve(), source_dir.resolve(), (), blocks, local_refs, ())
    return SourceIndex(blocks=blocks, locals=local_refs)


def _read_module(
    root: Path,
    directory: Path,
    path: tuple[str, ...],
    blocks: dict[str, SourceBlock],
    local_refs: dict[tuple[str, ...], dict[str, list[str]]],
    stack: tuple[Path, ...],
) -> None:
    """Record one module directory's blocks under module path `path`, then its local calls."""
    module_locals = local_refs.setdefault(path, {})
    for tf_file in sorted(directory.glob("*.tf")):
        relative = (
            tf_file.relative_to(root).as_posix()
            if tf_file.is_relative_to(root)
            else (tf_file.as_posix())
        )
        for labels, line, body in _parse_file(tf_file, relative):
            kind = labels[0]
            if kind == "locals":
                for name, value in body.items():
                    module_locals[name] = sorted(set(references_in(value)))
            elif kind in ("resource", "data", "ephemeral") and len(labels) == 3:
                prefix = "" if kind == "resource" else kind + "."
                address = _module_prefix(path) + f"{prefix}{labels[1]}.{labels[2]}"
                blocks[address] = _block(address, relative, line, body)
            elif kind == "module" and len(labels) == 2:
                call = labels[1]
                address = _module_prefix(path) + f"module.{call}"
                blocks[address] = _block(address, relative, line, body)
                source = _unquote(str(body.get("source", "")))
                if source.startswith(("./", "../")):
                    child = (directory / source).resolve()
                    if child.is_dir() and child not in stack:
                        _read_module(
                            root, child, (*path, call), blocks, local_refs, (*stack, directory)
                        )


def _module_prefix(path: tuple[str, ...]) -> str:
    """`module.a.module.b.` for module path (`a`, `b`); empty in the root."""
    return "".join(f"module.{m}." for m in path)


def _parse_file(tf_file: Path, relative: str) -> list[tuple[list[str], int, dict[str, Any]]]:
    """Top-level blocks of one file as (labels, line, serialized body)."""
    import hcl2
    from hcl2.rules.base import BlockRule
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(
        with_comments=False,
        explicit_blocks=False,
        preserve_heredocs=False,
        strip_string_quotes=False,
    )
    try:
        text = tf_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError(f"cannot read .tf file ({reason})", source=relative, hint=_HINT) from None
    try:
        tree = hcl2.parses(text, discard_comments=True)
        result = []
        for child in tree.body._children:
            if isinstance(child, BlockRule):
                labels = [_unquote(str(label.serialize(options))) for label in child.labels]
                body = child.body.serialize(options)
                result.append((labels, int(getattr(child._meta, "line", 0) or 0), body))
    except Exception as exc:  # python-hcl2 raises lark and builtin errors for invalid HCL
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"invalid HCL: {detail}", source=relative, hint=_HINT) from None
    return result


def _block(address: str, file: str, line: int, body: dict[str, Any]) -> SourceBlock:
    """A SourceBlock with the lifecycle arguments of `body`."""
    lifecycle: dict[str, Any] = {}
    raw = body.get("lifecycle")
    if isinstance(raw, list) and raw and isinstance(raw[0], dict):
        lifecycle = raw[0]
    elif isinstance(raw, dict):
        lifecycle = raw
    return SourceBlock(
        address=address,
        file=file,
        line=line,
        prevent_destroy=_literal_bool(lifecycle.get("prevent_destroy")),
        create_before_destroy=_literal_bool(lifecycle.get("create_before_destroy")),
        ignore_changes=_expression_list(lifecycle.get("ignore_changes")),
        replace_triggered_by=_expression_list(lifecycle.get("replace_triggered_by")),
    )


def _literal_bool(value: Any) -> bool | None:
    """A literal boolean, else None (absent or computed)."""
    return value if isinstance(value, bool) else None


def _expression_list(value: Any) -> tuple[str, ...]:
    """A list of bare expressions (`tags`, `${aws_x.y.id}`) as plain text; `all` stays `all`."""
    items = value if isinstance(value, list) else ([value] if isinstance(value, str) else [])
    return tuple(_strip_interpolation(_unquote(item)) for item in items if isinstance(item, str))


def _unquote(text: str) -> str:
    """`"x"` → `x` (labels and literal strings as serialized)."""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


def _strip_interpolation(text: str) -> str:
    """`${expr}` → `expr`."""
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1]
    return text


def references_in(value: Any) -> list[str]:
    """Traversals (`aws_x.y.id`, `var.v`, `local.l`) in a serialized HCL value.

    Bare expressions are scanned whole; quoted strings only inside `${…}` interpolations.
    """
    found: list[str] = []
    if isinstance(value, dict):
        for item in value.values():
            found.extend(references_in(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(references_in(item))
    elif isinstance(value, str):
        for expression in _expressions(value):
            found.extend(m.group(0) for m in _TRAVERSAL.finditer(expression))
    return found


def _expressions(text: str) -> list[str]:
    """The expression parts of one serialized value."""
    if not text.startswith('"'):
        return [text]
    parts = []
    for match in _INTERPOLATION.finditer(text):
        depth, index = 1, match.end()
        while index < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        parts.append(text[match.end() : index - 1])
    return parts
