"""The public API: every name in `planrisk.__all__` is the object its module defines, and the
example in the package docstring runs as written."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import planrisk
from tests.support.paths import FIXTURES

_EXAMPLE = re.compile(r"^    (\S.*)$", re.MULTILINE)


def test_every_exported_name_is_the_object_its_module_defines() -> None:
    """`_EXPORTS` names the module (or package) that defines each name, not one re-importing it."""
    exports: dict[str, str] = planrisk._EXPORTS
    for name, module in exports.items():
        value = getattr(planrisk, name)
        assert value is getattr(importlib.import_module(module), name), name
        defined_in = value.__module__
        assert defined_in == module or defined_in.startswith(f"{module}."), (name, defined_in)
    assert planrisk.__version__ == importlib.metadata.version("planrisk")


def docstring_example() -> list[str]:
    """The indented lines of `planrisk.__doc__`: the documented use of the API."""
    assert planrisk.__doc__ is not None
    return _EXAMPLE.findall(planrisk.__doc__)


def test_the_docstring_example_uses_public_names_only() -> None:
    imported = re.fullmatch(r"from planrisk import (.+)", docstring_example()[0])
    assert imported is not None
    names = [n.strip() for n in imported.group(1).split(",")]
    assert names and set(names) <= set(planrisk.__all__)


def test_the_docstring_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run on a recorded plan copied to `plan.json`; its last line names the outcomes."""
    shutil.copy(FIXTURES / "terraform" / "tag-only-update" / "plan.json", tmp_path / "plan.json")
    monkeypatch.chdir(tmp_path)
    for variable in [v for v in os.environ if v.startswith(("PLANRISK_", "GITHUB_"))]:
        monkeypatch.delenv(variable)  # the example reads the environment: not this one's store
    *statements, last = docstring_example()
    expression, _, comment = last.partition("#")
    outcomes = set(re.findall(r'"(\w+)"', comment))
    assert outcomes == {"allow", "pending", "deny"}
    namespace: dict[str, object] = {"Path": Path}
    exec("\n".join(statements), namespace)
    assert eval(expression, namespace) in outcomes


def test_public_api_is_imported_lazily() -> None:
    code = (
        "import sys, planrisk; "
        "print('networkx' in sys.modules, 'planrisk.gate.decide' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        planrisk.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
