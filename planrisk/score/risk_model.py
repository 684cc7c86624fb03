"""Risk model loader (score stage): the built-in and user risk model files → `RiskModel`.

Input: the built-in TOML files shipped as `planrisk/risk_models/*.toml` (the repository's
top-level `risk_models/` in a source checkout; their compiled form when current, see
`planrisk.score.risk_model_compiled`) plus optional user files or directories.
Output: a `RiskModel` that maps every Terraform type (and alias) and every Pulumi token to a
`TypeRisk`: its class, guards, credential attributes and the file it came from. Unknown types get
the default entry (class standard, `known=False`): an unlisted type is never treated as safe.
Each file is parsed and validated by `planrisk.score.risk_model_parse`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import msgspec

from planrisk.errors import RiskModelError
from planrisk.score.risk_model_compiled import load_compiled, parsed_builtin
from planrisk.score.risk_model_parse import (
    _BUILTIN_LABEL,
    ParsedFile,
    TypeRisk,
    builtin_model_directory,
    builtin_model_files,
    entry_keys,
    parse_model_file,
)


class RiskModel:
    """The effective risk model: built-in entries overridden by user files."""

    def __init__(self, entries: Mapping[str, TypeRisk], default: TypeRisk, sources: Sequence[str]):
        self._entries = dict(entries)
        self.default = default
        """The entry used for unknown types (`known=False`)."""
        self.sources = tuple(sources)
        """Every file read, in load order."""
        self.digest = _digest(self._entries, default)
        """`sha256:<hex>` of the effective model (for the audit log)."""

    def lookup(self, type_or_token: str) -> TypeRisk:
        """The entry for a Terraform type, alias or Pulumi token; the default entry if unknown."""
        entry = self._entries.get(type_or_token)
        if entry is not None:
            return entry
        return msgspec.structs.replace(self.default, type=type_or_token, known=False)

    def lookup_manifest(self, api_version: str, kind: str) -> TypeRisk:
        """The entry for a Kubernetes object by apiVersion and kind (`kubernetes_manifest`).

        The object is looked up by its Pulumi token (`kubernetes:apps/v1:StatefulSet`, core group
        objects as `kubernetes:core/v1:Secret`); an unlisted kind gets `kubernetes_manifest`'s
        entry when the model has one, else the default entry.
        """
        group, _, version = api_version.rpartition("/")
        token = f"kubernetes:{group or 'core'}/{version}:{kind}"
        entry = self._entries.get(token)
        if entry is not None:
            return entry
        return self.lookup("kubernetes_manifest")

    def entries(self) -> tuple[TypeRisk, ...]:
        """Every distinct entry, sorted by type."""
        unique = {id(e): e for e in self._entries.values()}
        return tuple(sorted(unique.values(), key=lambda e: e.type))

    def keys(self) -> tuple[str, ...]:
        """Every type, alias and token the model knows, sorted."""
        return tuple(sorted(self._entries))


def load_risk_model(extra_paths: Sequence[Path | str | tuple[str, bytes]] = ()) -> RiskModel:
    """Load the built-in model, then each user file or directory in order (later wins).

    An entry is a path, or (label, bytes) of a file read elsewhere (from a revision).
    """

    directory = builtin_model_directory()
    compiled = load_compiled(directory)
    documents: list[tuple[str, ParsedFile]] = [
        (label, parsed_builtin(label, f.name, f.read_bytes(), compiled))
        for label, f in builtin_model_files(directory)
    ]
    user = [
        document
        for path in extra_paths
        for document in ([path] if isinstance(path, tuple) else _read_user_path(Path(path)))
    ]
    documents.extend((label, parse_model_file(label, data)) for label, data in user)
    entries: dict[str, TypeRisk] = {}
    default: TypeRisk | None = None
    for _label, parsed in documents:
        if parsed.default is not None:
            default = parsed.default
        for entry in parsed.entries:
            for key in entry_keys(entry):
                entries[key] = entry
    if default is None:
        raise RiskModelError(
            "no [default] entry: the class of unknown types is undefined",
            source=_BUILTIN_LABEL,
            hint="restore risk_models/default.toml",
        )
    return RiskModel(entries, default, [label for label, _ in documents])


def _read_user_path(path: Path) -> list[tuple[str, bytes]]:
    """(label, bytes) of a user file, or of every `*.toml` in a user directory (sorted)."""
    try:
        if path.is_dir():
            return [(str(p), p.read_bytes()) for p in sorted(path.glob("*.toml")) if p.is_file()]
        return [(str(path), path.read_bytes())]
    except OSError as exc:
        raise RiskModelError(
            f"cannot read risk model file: {exc.strerror or exc}",
            source=str(path),
            hint="pass an existing .toml file or a directory of .toml files",
        ) from None


def _digest(entries: Mapping[str, TypeRisk], default: TypeRisk) -> str:
    """sha256 over the effective key → entry mapping (sources excluded)."""
    effective = {
        key: msgspec.structs.replace(entry, source="") for key, entry in sorted(entries.items())
    }
    document = {"default": msgspec.structs.replace(default, source=""), "entries": effective}
    encoded = msgspec.json.encode(msgspec.to_builtins(document), order="sorted")
    return "sha256:" + hashlib.sha256(encoded).hexdigest()
