"""Compiled built-in risk model: current, equal to parsing, and never trusted when stale."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

import planrisk.score.risk_model_compiled as compiled_module
from planrisk.score.risk_model import load_risk_model
from planrisk.score.risk_model_compiled import (
    COMPILED_NAME,
    CompiledFile,
    compile_builtin,
    load_compiled,
    parsed_builtin,
)
from planrisk.score.risk_model_parse import (
    ParsedFile,
    builtin_model_directory,
    builtin_model_files,
    parse_model_file,
)
from tests.support.paths import REPO

SHIPPED = REPO / "risk_models"


def test_the_shipped_compiled_file_is_current() -> None:
    written = (SHIPPED / COMPILED_NAME).read_bytes()
    assert written == compile_builtin(SHIPPED), (
        "risk_models/compiled.json is stale: run `python -m planrisk.score.risk_model_compiled`"
    )


def test_every_compiled_file_equals_its_parsed_toml() -> None:
    compiled = load_compiled(builtin_model_directory())
    files = builtin_model_files()
    assert sorted(compiled) == sorted(file.name for _, file in files)
    for label, file in files:
        assert compiled[file.name].parsed == parse_model_file(label, file.read_bytes()), label


def test_the_model_loaded_from_the_compiled_file_equals_the_parsed_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from_compiled = load_risk_model()
    monkeypatch.setattr(compiled_module, "load_compiled", lambda directory: {})
    parsed = load_risk_model()
    assert from_compiled.entries() == parsed.entries()
    assert from_compiled.keys() == parsed.keys()
    assert from_compiled.default == parsed.default
    assert from_compiled.sources == parsed.sources
    assert from_compiled.digest == parsed.digest


def test_a_compiled_entry_for_other_bytes_is_not_used() -> None:
    label, file = builtin_model_files()[0]
    data = file.read_bytes()
    wrong = ParsedFile(entries=(), default=None)
    stale = {file.name: CompiledFile(sha256="0" * 64, parsed=wrong)}
    assert parsed_builtin(label, file.name, data, stale) == parse_model_file(label, data)
    current = load_compiled(builtin_model_directory())[file.name]
    edited = data + b"\n# edited after compiling\n"
    assert parsed_builtin(label, file.name, edited, {file.name: current}) == parse_model_file(
        label, edited
    )


@pytest.mark.parametrize("content", [None, b"", b"{not json", b'{"aws.toml": {"sha256": 1}}'])
def test_a_missing_or_damaged_compiled_file_means_parsing(
    tmp_path: Path, content: bytes | None
) -> None:
    if content is not None:
        (tmp_path / COMPILED_NAME).write_bytes(content)
    assert load_compiled(tmp_path) == {}


def test_compiling_a_directory_names_each_toml_with_its_digest(tmp_path: Path) -> None:
    source = SHIPPED / "default.toml"
    (tmp_path / "default.toml").write_bytes(source.read_bytes())
    (tmp_path / "notes.txt").write_text("not a model")
    document = msgspec.json.decode(compile_builtin(tmp_path), type=dict[str, CompiledFile])
    assert list(document) == ["default.toml"]
    import hashlib

    assert document["default.toml"].sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert document["default.toml"].parsed == parse_model_file(
        "risk_models/default.toml", source.read_bytes()
    )
