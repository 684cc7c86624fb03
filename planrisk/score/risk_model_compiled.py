"""Compiled built-in risk model (score stage, loading the model): TOML bytes → `ParsedFile`.

Input: one built-in `risk_models/*.toml` file's name and bytes. Output: the `ParsedFile` that
`parse_model_file` builds from them, read from `risk_models/compiled.json` when that file
records the same sha256 for the same name, else parsed from the TOML as usual. A TOML file
edited without compiling again is therefore parsed (slower), never misread.

Parsing and validating the built-in TOML files costs a noticeable part of a small run, on every
run of every command; decoding their compiled form is nearly free. Only the built-in files
are compiled: user files are always parsed. `python -m planrisk.score.risk_model_compiled` writes
`compiled.json` again; a test fails while it is not current.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from planrisk.score.risk_model_parse import (
    ParsedFile,
    builtin_model_directory,
    builtin_model_files,
    parse_model_file,
)

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

COMPILED_NAME = "compiled.json"
"""The compiled file, next to the TOML files it was compiled from."""


class CompiledFile(msgspec.Struct, frozen=True):
    """One TOML file's digest and its parsed entries."""

    sha256: str
    parsed: ParsedFile


_DECODER = msgspec.json.Decoder(dict[str, CompiledFile])


def load_compiled(directory: Traversable) -> dict[str, CompiledFile]:
    """The compiled files by TOML name; empty when there is no readable compiled file (the
    TOML files are then parsed)."""
    try:
        return _DECODER.decode((directory / COMPILED_NAME).read_bytes())
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return {}


def parsed_builtin(
    label: str, name: str, data: bytes, compiled: dict[str, CompiledFile]
) -> ParsedFile:
    """The `ParsedFile` of the built-in file `name` (labelled `label` in entries and errors)."""
    found = compiled.get(name)
    if found is not None and found.sha256 == _sha256(data):
        return found.parsed
    return parse_model_file(label, data)


def compile_builtin(directory: Traversable) -> bytes:
    """The compiled file's content for the TOML files in `directory` (stable: sorted keys,
    indented, so a regenerated file diffs by entry)."""
    files = {
        file.name: CompiledFile(_sha256(data), parse_model_file(label, data))
        for label, file in builtin_model_files(directory)
        for data in (file.read_bytes(),)
    }
    return msgspec.json.format(msgspec.json.encode(files, order="sorted"), indent=1) + b"\n"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main() -> None:
    """Write `compiled.json` for the built-in TOML files (run after editing one)."""
    directory = builtin_model_directory()
    if not isinstance(directory, Path):
        sys.exit("planrisk: the built-in risk models are not in a writable directory")
    target = directory / COMPILED_NAME
    target.write_bytes(compile_builtin(directory))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
