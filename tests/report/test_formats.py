"""Every Format member renders an analysis and a gate result, and has a file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from planrisk.report.formats import FILE_NAMES, Format, RenderOptions, render, render_pieces
from tests.report.helpers import HOSTILE
from tests.support.pipeline import analyze_and_gate


def test_every_format_has_a_distinct_file_name() -> None:
    assert set(FILE_NAMES) == set(Format)
    assert len(set(FILE_NAMES.values())) == len(Format)


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_analyze_and_gate(fmt: Format, tmp_path: Path) -> None:
    analysis, gate = analyze_and_gate(HOSTILE, tmp_path)
    plain = render(fmt, analysis, RenderOptions(plan_path=str(HOSTILE)))
    gated = render(fmt, gate, RenderOptions(plan_path=str(HOSTILE)))
    assert plain.strip() and gated.strip()
    assert gated != plain
    # Deterministic: the same input renders byte-identically.
    assert render(fmt, gate, RenderOptions(plan_path=str(HOSTILE))) == gated
    assert gate.decision.outcome in gated.lower()
    # The pieces the CLI writes one by one are the same text.
    for decision in (None, gate):
        pieces = list(
            render_pieces(fmt, decision or analysis, RenderOptions(plan_path=str(HOSTILE)))
        )
        assert "".join(pieces) == (plain if decision is None else gated)


def test_unknown_format_value_is_rejected() -> None:
    with pytest.raises(ValueError):
        Format("pdf")
