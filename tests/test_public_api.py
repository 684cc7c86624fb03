"""The public API: `planrisk.__all__` is sorted, complete and every name resolves."""

from __future__ import annotations

import subprocess
import sys

import planrisk


def test_all_is_sorted_and_resolves() -> None:
    assert planrisk.__all__ == sorted(planrisk.__all__)
    for name in planrisk.__all__:
        assert getattr(planrisk, name) is not None


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
