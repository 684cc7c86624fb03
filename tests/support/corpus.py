"""The shared corpus (`../shared/corpus` beside the checkout) as test data.

Tests skip with a clear reason when it is absent (a user's clone has no ../shared).
"""

from __future__ import annotations

import csv

from tests.support.paths import CORPUS

PLAN_FORMATS = frozenset({"terraform-plan", "pulumi-events", "pulumi-preview"})
"""MANIFEST.tsv formats that are plans planrisk reads."""


def corpus_plans() -> list[str]:
    """Paths (relative to CORPUS) of every plan in the manifest; [] without the corpus."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r["path"] for r in rows if r["format"] in PLAN_FORMATS]
