"""Ingest: the plan digest computed in a forked child equals the one computed in-process.

Input: every Terraform fixture and corpus plan, read by `load_plan` (the digest computed here)
and analyzed by the pipeline with the fork threshold at 1 change (the digest computed in a
forked child beside the later stages). Checked: the same digest, for every plan.
"""

from __future__ import annotations

import pytest

from planrisk._runtime import forked
from planrisk.ingest import load_plan
from planrisk.ingest import terraform as terraform_ingest
from tests.support import paths
from tests.support.corpus import corpus_plans
from tests.support.paths import CORPUS
from tests.support.pipeline import analyze_isolated
from tests.support.side_jobs import ChildOnly

FIXTURES = paths.FIXTURES / "terraform"
PLANS = sorted(FIXTURES.glob("*/plan.json")) + [
    CORPUS / p for p in corpus_plans() if "terraform" in p or p.endswith(".tfplan.json")
]


@pytest.mark.skipif(not forked.can_fork(), reason="forks only on Linux")
def test_forked_digest_equals_in_process_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "SideJob", ChildOnly)
    monkeypatch.setattr(terraform_ingest, "FORK_MIN_CHANGES", 1)
    checked = 0
    for path in PLANS:
        try:
            here = load_plan(path)
        except Exception:  # a corpus file that is not a Terraform plan, or a bad one
            continue
        if here.tool.value not in ("terraform", "opentofu"):
            continue
        forked_plan = analyze_isolated(path, path.parent).plan
        assert forked_plan.digest == here.digest, path
        checked += 1
    assert checked >= len(list(FIXTURES.glob("*/plan.json")))
