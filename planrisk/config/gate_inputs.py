"""Changes to the gate itself (config stage): the change under review → `GateInputChange`s.

Input: the repository root, the base commit of the change under review, the configuration file
the run uses and the `--risk-model` paths. Output: every file of the gate's own inputs that the
change adds, modifies or deletes — its configuration (`.planrisk.toml` anywhere, and the file
this run uses), the risk models and public keys either version of that file names, the
workflow and CI files that run planrisk (`.github/workflows/*`, `.gitlab-ci.yml`,
`atlantis.yaml`), `action.yml` files, planrisk shims, and CODEOWNERS (which protects all of
them) — with, for a configuration file, the key paths that differ.

The change is what the working tree (committed, staged, unstaged and untracked files) holds
beyond the merge base of HEAD and the base commit, so that commits the base branch gained in
the meantime are not mistaken for the change. A change to any of these files is a change to
the gate that judges it (the policy rule `gate_config_changed`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from planrisk.config.git import changed_paths, file_at, merge_base, resolve_commit
from planrisk.config.schema import CONFIG_FILENAME, GateInputChange, leaf_items, relative_posix

MAX_DETAIL_KEYS = 8
"""Key paths named per configuration file; the rest are counted."""
SHIM_MARKER = b"planrisk-shim"
"""What the head of every planrisk shim carries (see `planrisk.guard.shim`)."""

_SHIM_NAMES = frozenset({"terraform", "tofu", "pulumi"})
_CODEOWNERS = frozenset(
    {"CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"}
)
_CI_FILES = frozenset({".gitlab-ci.yml", "atlantis.yaml", "atlantis.yml"})


def find_gate_changes(
    root: Path,
    base_commit: str,
    *,
    config_file: Path | None,
    extra_files: Sequence[Path] = (),
) -> tuple[GateInputChange, ...]:
    """The gate inputs the working tree changes relative to the change's base."""
    head = resolve_commit(root, "HEAD")
    since = (merge_base(root, base_commit, head) if head else None) or base_commit
    changed = changed_paths(root, since)
    if changed is None:
        return ()
    config_rel = _relative(config_file, root) if config_file is not None else None
    named: dict[str, str] = {}
    if config_rel is not None:
        for version in (file_at(root, since, config_rel), _read(root, config_rel)):
            named.update(_named_files(_toml(version), posixpath.dirname(config_rel)))
    for extra in extra_files:
        relative = _relative(extra, root)
        if relative is not None:
            named[relative] = "risk model"
    found = []
    for path in changed:
        what = _kind(path, config_rel, named)
        if what is None and posixpath.basename(path) in _SHIM_NAMES:
            what = "shim" if _is_shim(root, since, path) else None
        if what is None:
            continue
        before, after = file_at(root, since, path), _read(root, path)
        if before == after:
            continue  # a mode change or an identical untracked copy: nothing the gate reads
        change = "added" if before is None else "deleted" if after is None else "modified"
        detail = config_difference(before, after) if what == "gate configuration" else ""
        found.append(GateInputChange(path=path, what=what, change=change, detail=detail))
    return tuple(found)


def config_difference(before: bytes | None, after: bytes | None) -> str:
    """The key paths two versions of a configuration file differ in, as one phrase."""
    old_document, new_document = _toml(before), _toml(after)
    if after is not None and new_document is None:
        return "not valid TOML"
    old = {".".join(k): v for k, v in leaf_items(old_document or {})}
    new = {".".join(k): v for k, v in leaf_items(new_document or {})}
    words = []
    for key in sorted(old.keys() | new.keys()):
        if key not in old:
            words.append(f"{key} added")
        elif key not in new:
            words.append(f"{key} removed")
        elif old[key] != new[key]:
            words.append(f"{key} changed")
    if not words:
        return "formatting only"
    shown = words[:MAX_DETAIL_KEYS]
    more = len(words) - len(shown)
    return "; ".join(shown) + (f"; and {more} more key(s)" if more else "")


def _kind(path: str, config_rel: str | None, named: Mapping[str, str]) -> str | None:
    name = posixpath.basename(path)
    if path == config_rel or name == CONFIG_FILENAME:
        return "gate configuration"
    if path in named:
        return named[path]
    for directory, what in named.items():
        if what == "risk model" and path.startswith(directory.rstrip("/") + "/"):
            return what
    if path.startswith(".github/workflows/") or path in _CI_FILES:
        return "workflow"
    if name in ("action.yml", "action.yaml"):
        return "action"
    if path in _CODEOWNERS:
        return "code owners"
    return None


def _named_files(document: Mapping[str, Any] | None, directory: str) -> dict[str, str]:
    """Files a configuration document names, from the repository root → what they are."""
    if not document:
        return {}
    found: dict[str, str] = {}
    models = document.get("risk_models")
    for entry in models if isinstance(models, list) else ():
        if isinstance(entry, str):
            found[_join(directory, entry)] = "risk model"
    keys = document.get("trusted_keys")
    for item in keys if isinstance(keys, list) else ():
        if isinstance(item, dict) and isinstance(item.get("public_key"), str):
            found[_join(directory, item["public_key"])] = "trusted key"
    return found


def _join(directory: str, entry: str) -> str:
    return relative_posix(posixpath.join(directory, entry))


def _is_shim(root: Path, since: str, path: str) -> bool:
    heads: Iterable[bytes | None] = (file_at(root, since, path), _read(root, path))
    return any(head is not None and SHIM_MARKER in head[:256] for head in heads)


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def _read(root: Path, relative: str) -> bytes | None:
    try:
        return (root / relative).read_bytes()
    except OSError:
        return None


def _toml(data: bytes | None) -> dict[str, Any] | None:
    import tomllib

    if data is None:
        return None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
