"""Text renderer: colour only on a TTY, never with NO_COLOR, and never in files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from planrisk.report.formats import Format, RenderOptions, render
from planrisk.report.text import use_colour
from tests.report.helpers import HOSTILE
from tests.support.pipeline import analyze_and_gate


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(_Tty()) is True
    assert use_colour(io.StringIO()) is False


def test_no_color_wins_over_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_colour(_Tty()) is False


def test_colour_option_adds_ansi_and_plain_has_none(tmp_path: Path) -> None:
    _analysis, gate = analyze_and_gate(HOSTILE, tmp_path, env="prod")
    coloured = render(Format.TEXT, gate, RenderOptions(colour=True))
    plain = render(Format.TEXT, gate, RenderOptions())
    assert "\033[" in coloured and "\033[" not in plain
    assert plain.splitlines()[0].startswith(gate.decision.outcome.upper())


def test_terminal_view_is_drawn_with_rich_and_prints_plan_strings_literally(
    tmp_path: Path,
) -> None:
    from planrisk.report.text_rich import render_rich

    analysis, gate = analyze_and_gate(HOSTILE, tmp_path, env="prod")
    out = render_rich(gate, width=200)
    assert "┏" in out and "╭" in out  # a rich table and the verdict panel
    assert gate.decision.outcome.upper() in out
    # Addresses holding rich markup characters are printed as written, not interpreted.
    for scored in analysis.assessment.changes:
        assert scored.change.address.split("[")[0] in out
    assert "[link](x)" in out
