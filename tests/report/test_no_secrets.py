"""Sensitive values never leave planrisk: sentinels planted in every corpus plan and fixture
never appear in any format of `analyze` or `gate`, nor in the audit log."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from planrisk.report.formats import Format, RenderOptions, render
from tests.report.planting import SENTINEL, planted_copy
from tests.support.paths import CORPUS, FIXTURES
from tests.support.pipeline import analyze_and_gate

_KINDS = {"terraform-plan": "terraform", "pulumi-preview": "pulumi", "pulumi-events": "events"}


def _corpus_plans() -> list[tuple[str, Path, str]]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        (f"corpus/{row['path']}", CORPUS / row["path"], _KINDS[row["format"]])
        for row in rows
        if row["format"] in _KINDS
    ]


def _fixture_plans() -> list[tuple[str, Path, str]]:
    plans = []
    for path in sorted((FIXTURES / "terraform").glob("*/*.json")):
        plans.append((str(path.relative_to(FIXTURES)), path, "terraform"))
    for path in sorted((FIXTURES / "pulumi").glob("*/*")):
        if path.name == "SOURCE.md" or not path.is_file():
            continue
        kind = "events" if path.suffix == ".ndjson" else "pulumi"
        plans.append((str(path.relative_to(FIXTURES)), path, kind))
    return plans


def _check(source: Path, kind: str, tmp_path: Path) -> None:
    planted = planted_copy(source, kind, tmp_path)
    analysis, gate = analyze_and_gate(planted, tmp_path)
    options = RenderOptions(plan_path=str(planted))
    for fmt in Format:
        for result in (None, gate):
            text = render(fmt, result or analysis, options)
            assert text.strip(), f"{fmt} rendered nothing"
            assert "SENTINEL" not in text, f"{fmt} ({'gate' if result else 'analyze'}) leaks"
    assert SENTINEL.encode() not in (tmp_path / "audit.db").read_bytes()


@pytest.mark.parametrize(
    ("source", "kind"),
    [pytest.param(p, k, id=name) for name, p, k in _fixture_plans()],
)
def test_fixture_secrets_never_leave(source: Path, kind: str, tmp_path: Path) -> None:
    _check(source, kind, tmp_path)


_CORPUS = _corpus_plans()


@pytest.mark.skipif(not _CORPUS, reason="shared corpus not present at ../shared/corpus")
@pytest.mark.parametrize(
    ("source", "kind"),
    [pytest.param(p, k, id=name) for name, p, k in _CORPUS] or [pytest.param(None, "", id="none")],
)
def test_corpus_secrets_never_leave_and_every_format_renders(
    source: Path, kind: str, tmp_path: Path
) -> None:
    _check(source, kind, tmp_path)


def test_planting_reaches_a_sensitive_leaf(tmp_path: Path) -> None:
    """The planting itself works: the sentinel is in the planted plan (so the test can fail)."""
    planted = planted_copy(
        FIXTURES / "terraform" / "hostile-names" / "plan.json", "terraform", tmp_path
    )
    text = planted.read_text(encoding="utf-8")
    assert text.count(SENTINEL) >= 3
