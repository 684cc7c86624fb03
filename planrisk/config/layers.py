"""Reading the configuration layers (config stage): files on disk and at a revision → layers.

Input: `--config` (or the working directory's `.planrisk.toml`), the system configuration's
location, the base of the change under review and `--risk-model` paths. Output: `LayersRead`:
each layer's filtered TOML document and its validated `PlanriskConfig` (system first), the
`--risk-model` files, what `allowed_overrides` dropped, notes, and the gate inputs the change
modifies. `planrisk.config` merges the layers.

Under review (a base is known) the repository file and every file it names are read from the
base commit with git, never from the working tree; a base that is not in the clone is fetched
once from `origin`, and otherwise refused (exit 3) — fail closed. Files outside the run's
repository (the system file, an absolute `--config`) are not part of any change and are read
from disk.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from planrisk.config.git import fetch_revision, file_at, files_at, repository_root, resolve_commit
from planrisk.config.review_base import ReviewBase
from planrisk.config.schema import (
    CONFIG_FILENAME,
    REPOSITORY,
    SYSTEM,
    SYSTEM_CONFIG_ENV,
    ConfigFile,
    ConfigLayer,
    ConfigProvenance,
    GateInputChange,
    PlanriskConfig,
    decode_toml,
    file_digest,
    is_allowed,
    leaf_items,
    parse_layer,
    relative_posix,
)
from planrisk.errors import ConfigError
from planrisk.model import TrustedKeyEntry

COMMAND_LINE = "command line"
"""The layer of `--risk-model` files."""


class FileResolver:
    """Files named by a configuration file on disk: paths relative to its directory."""

    def __init__(self, directory: Path, layer: str) -> None:
        self.directory = directory
        self.layer = layer

    def risk_model(self, entry: str) -> list[ConfigFile]:
        """The risk model file or directory `entry` names (read when the model loads)."""
        path = str(self.directory / entry)
        return [ConfigFile(label=path, path=path, layer=self.layer)]

    def trusted_key(self, name: str, purpose: str, entry: str) -> TrustedKeyEntry:
        """The `[[trusted_keys]]` entry, its public key read from disk when it is needed."""
        return TrustedKeyEntry(
            name=name,
            purpose=purpose,
            public_key_path=str(self.directory / entry),
            origin=self.layer,
        )


class RevisionResolver:
    """Files named by a configuration file read at a commit: read from that commit too."""

    def __init__(
        self, root: Path, commit: str, ref: str, directory: str, source: str, layer: str
    ) -> None:
        self.root = root
        self.commit = commit
        self.ref = ref
        self.directory = directory
        self.source = source
        self.layer = layer

    def _relative(self, entry: str) -> str | None:
        """`entry` from the repository root, or None when it lies outside the repository."""
        if posixpath.isabs(entry) or Path(entry).is_absolute():
            absolute = Path(entry).resolve()
            try:
                return absolute.relative_to(self.root).as_posix()
            except ValueError:
                return None
        relative = relative_posix(posixpath.join(self.directory, entry))
        return None if relative == ".." or relative.startswith("../") else relative

    def risk_model(self, entry: str) -> list[ConfigFile]:
        """The risk model file, or each `*.toml` of the directory, `entry` names at the commit."""
        relative = self._relative(entry)
        if relative is None:
            return FileResolver(self.root / self.directory, self.layer).risk_model(entry)
        data = file_at(self.root, self.commit, relative)
        if data is not None:
            return [ConfigFile(label=f"{self.ref}:{relative}", data=data, layer=self.layer)]
        names = files_at(self.root, self.commit, relative)
        if names is None:
            raise ConfigError(
                f"risk model {entry!r} does not exist at {self.ref}",
                source=self.source,
                hint="add the risk model in a change of its own first (the gate reads the "
                "files of the change's base), or remove it from the list",
            )
        files = []
        for name in names:
            if name.endswith(".toml"):
                blob = file_at(self.root, self.commit, name)
                if blob is not None:
                    files.append(
                        ConfigFile(label=f"{self.ref}:{name}", data=blob, layer=self.layer)
                    )
        return files

    def trusted_key(self, name: str, purpose: str, entry: str) -> TrustedKeyEntry:
        """The `[[trusted_keys]]` entry with its public key's bytes at the commit."""
        relative = self._relative(entry)
        if relative is None:
            return FileResolver(self.root / self.directory, self.layer).trusted_key(
                name, purpose, entry
            )
        data = file_at(self.root, self.commit, relative)
        if data is None:
            raise ConfigError(
                f"public key {entry!r} of trusted key {name!r} does not exist at {self.ref}",
                source=self.source,
                hint="add the key in a change of its own first (the gate reads the keys of "
                "the change's base)",
            )
        return TrustedKeyEntry(
            name=name,
            purpose=purpose,
            public_key_path=f"{self.ref}:{relative}",
            public_key_pem=data,
            origin=self.layer,
        )


class LayersRead(msgspec.Struct, kw_only=True):
    """What `read_layers` found."""

    layers: list[tuple[str, dict[str, Any], PlanriskConfig]]
    """(layer name, its document after `allowed_overrides`, its validated config), system first."""
    layer_info: list[ConfigLayer]
    extra_risk_models: tuple[ConfigFile, ...]
    ignored: list[str]
    notes: list[str]
    base: ReviewBase | None
    base_commit: str | None
    gate_changes: tuple[GateInputChange, ...]
    policy_tables: list[tuple[str, dict[str, Any]]]

    def provenance(self, origins: dict[str, str] | None = None) -> ConfigProvenance:
        """The provenance of the effective configuration."""
        return ConfigProvenance(
            layers=tuple(self.layer_info),
            origins=origins or {},
            ignored=tuple(self.ignored),
            notes=tuple(self.notes),
            base=self.base,
            base_commit=self.base_commit,
            gate_changes=self.gate_changes,
            policy_tables=tuple(self.policy_tables),
        )


def read_layers(
    *,
    explicit: Path | None,
    cwd: Path,
    environ: Mapping[str, str],
    base: ReviewBase | None,
    system_path: Path,
    extra_risk_models: Sequence[Path],
) -> LayersRead:
    """Read the system and repository layers and the `--risk-model` files (see the docstring)."""
    read = LayersRead(
        layers=[],
        layer_info=[],
        extra_risk_models=(),
        ignored=[],
        notes=[],
        base=base,
        base_commit=None,
        gate_changes=(),
        policy_tables=[],
    )
    allowed: tuple[str, ...] | None = None
    system = _read_system(environ, system_path, read.notes)
    if system is not None:
        label, data = system
        document = decode_toml(data, label)
        config = parse_layer(
            document, label, FileResolver(Path(label).resolve().parent, SYSTEM), system=True
        )
        document.pop("allowed_overrides", None)
        allowed = config.allowed_overrides
        _add(read, SYSTEM, label, data, document, config)
    root = repository_root(cwd)
    if base is not None:
        if root is None:
            read.notes.append(
                f"reviewing a change against {base.ref} ({base.reason}), but {cwd} is not in a "
                "git checkout: no repository configuration is read"
            )
        else:
            read.base_commit = _base_commit(root, base)
    repo_file = explicit if explicit is not None else cwd / CONFIG_FILENAME
    inside = root is not None and _inside(repo_file, root)
    if read.base_commit is not None and root is not None and inside:
        _read_at_base(read, root, repo_file, allowed)
    elif base is not None and explicit is None and repo_file.is_file():
        raise ConfigError(
            f"reviewing a change against {base.ref} ({base.reason}), but this directory is not "
            "a git checkout, so the configuration's base version cannot be read",
            source=str(repo_file),
            hint="run the gate in a checkout of the repository (e.g. actions/checkout before "
            "it), or pass --config with a file outside the change",
        )
    else:
        _read_from_disk(read, repo_file, explicit is not None, allowed)
    read.extra_risk_models = tuple(
        file
        for path in extra_risk_models
        for file in _extra_resolver(read, root, path).risk_model(str(path.resolve()))
    )
    if read.base_commit is not None and root is not None:
        from planrisk.config.gate_inputs import find_gate_changes

        read.gate_changes = find_gate_changes(
            root,
            read.base_commit,
            config_file=repo_file if inside else None,
            extra_files=tuple(extra_risk_models),
        )
    return read


def _read_system(
    environ: Mapping[str, str], system_path: Path, notes: list[str]
) -> tuple[str, bytes] | None:
    named = environ.get(SYSTEM_CONFIG_ENV, "").strip()
    if system_path.exists():
        if named:
            notes.append(f"{SYSTEM_CONFIG_ENV} ignored: {system_path} exists")
        return str(system_path), _read_file(system_path, "system configuration")
    if named:
        return named, _read_file(Path(named), "system configuration")
    return None


def _read_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the {what} ({exc.strerror or exc})",
            source=str(path),
            hint="pass an existing file (the gate fails closed without it)"
            if what.startswith("system")
            else "pass an existing file with --config, or remove the option",
        ) from None


def _base_commit(root: Path, base: ReviewBase) -> str:
    commit = resolve_commit(root, base.ref)
    if commit is None and fetch_revision(root, base.ref):
        commit = resolve_commit(root, base.ref)
    if commit is None:
        target = base.ref.removeprefix("origin/")
        raise ConfigError(
            f"the base revision {base.ref} ({base.reason}) is not in this clone, so the gate "
            "cannot read the configuration it must judge the change by",
            source=str(root),
            hint=f"fetch it (`git fetch --depth=1 origin {target}`, or actions/checkout with "
            "fetch-depth: 0), or name the base with --config-ref REF",
        )
    return commit


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def _read_at_base(
    read: LayersRead, root: Path, repo_file: Path, allowed: tuple[str, ...] | None
) -> None:
    assert read.base is not None and read.base_commit is not None
    ref, commit = read.base.ref, read.base_commit
    relative = repo_file.resolve().relative_to(root).as_posix()
    data = file_at(root, commit, relative)
    if repo_file.is_file():
        read.notes.append(
            f"the working tree's {relative} is not read: the change is reviewed against "
            f"{ref} ({read.base.reason})"
        )
    if data is None:
        read.notes.append(f"{relative} does not exist at {ref}: no repository configuration")
        return
    source = f"{ref}:{relative}"
    document = decode_toml(data, source)
    if "allowed_overrides" in document:
        parse_layer(document, source, None, system=False)  # raises: system-only key
    kept = _filter(document, allowed, read.ignored)
    resolver = RevisionResolver(root, commit, ref, posixpath.dirname(relative), source, REPOSITORY)
    config = parse_layer(kept, source, resolver, system=False)
    _add(read, REPOSITORY, f"{relative} at {ref} ({commit[:7]})", data, kept, config, source)


def _read_from_disk(
    read: LayersRead, repo_file: Path, explicit: bool, allowed: tuple[str, ...] | None
) -> None:
    if not explicit and not repo_file.is_file():
        return
    data = _read_file(repo_file, "configuration file")
    source = str(repo_file)
    document = decode_toml(data, source)
    if "allowed_overrides" in document:
        parse_layer(document, source, None, system=False)  # raises: system-only key
    kept = _filter(document, allowed, read.ignored)
    resolver = FileResolver(repo_file.resolve().parent, REPOSITORY)
    config = parse_layer(kept, source, resolver, system=False)
    _add(read, REPOSITORY, source, data, kept, config)


def _extra_resolver(read: LayersRead, root: Path | None, path: Path) -> Any:
    """`--risk-model` files: from the base commit when they lie in the reviewed repository."""
    base, commit = read.base, read.base_commit
    if base is not None and commit is not None and root is not None and _inside(path, root):
        return RevisionResolver(root, commit, base.ref, "", f"--risk-model {path}", COMMAND_LINE)
    return FileResolver(Path.cwd(), COMMAND_LINE)


def _add(
    read: LayersRead,
    name: str,
    label: str,
    data: bytes,
    document: dict[str, Any],
    config: PlanriskConfig,
    source: str | None = None,
) -> None:
    read.layers.append((name, document, config))
    read.layer_info.append(ConfigLayer(name, label, file_digest(data)))
    if config.policy:
        read.policy_tables.append((source or label, config.policy))


def _filter(
    document: dict[str, Any], allowed: tuple[str, ...] | None, ignored: list[str]
) -> dict[str, Any]:
    """`document` without the key paths `allowed_overrides` does not allow (recorded)."""
    if allowed is None:
        return document
    kept: dict[str, Any] = {}
    for path, value in leaf_items(document):
        dotted = ".".join(path)
        if not is_allowed(dotted, allowed):
            ignored.append(dotted)
            continue
        table = kept
        for key in path[:-1]:
            table = table.setdefault(key, {})
        table[path[-1]] = value
    return kept
