"""Audit log under concurrent gates: several processes append at once and lose nothing."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from planrisk.gate.audit import append_decision, read_log, verify_log

PROCESSES = 4
APPENDS = 25


def _writer(db: str, worker: int) -> None:
    """Append APPENDS decisions tagged with the worker number."""
    for n in range(APPENDS):
        append_decision(Path(db), {"worker": worker, "n": n, "outcome": "allow"})


@pytest.mark.slow
def test_four_processes_append_one_hundred_records(tmp_path: Path) -> None:
    db = tmp_path / ".planrisk" / "audit.db"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(db), w)) for w in range(PROCESSES)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    records = read_log(db)
    assert [r.seq for r in records] == list(range(1, PROCESSES * APPENDS + 1))
    seen = sorted((r.data["worker"], r.data["n"]) for r in records)
    assert seen == [(w, n) for w in range(PROCESSES) for n in range(APPENDS)]
    result = verify_log(db)
    assert (result.ok, result.count) == (True, PROCESSES * APPENDS)
