"""Many writers, one order: concurrent gates lose no record; a killed writer leaves no half one.

On both engines. The 8 × 50 run uses the real CLI: each of 8 processes calls
`planrisk.cli.main(["gate", …])` 50 times in one interpreter (the CLI's code path without 400
interpreter start-ups), all into one stream. The killed writer is a process whose append is
stopped right after its INSERT, inside the open transaction, and sent SIGKILL.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from planrisk.gate.audit import append_decision, read_log, verify_log
from tests.support.paths import REPO

from .stores import Engine

pytestmark = pytest.mark.slow

PROCESSES = 8
GATES = 50
PLAN = REPO / "fixtures" / "terraform" / "dev-tag-update" / "plan.json"
STREAM = "acme/infra"

_GATES = """
import sys
from planrisk.cli import main

worker, gates = sys.argv[1], int(sys.argv[2])
for n in range(gates):
    try:
        main(["gate", {plan!r}, "--actor", "human", "--initiator", f"{{worker}}-{{n}}",
              "--format", "json", "-o", "/dev/null"])
    except SystemExit as exc:
        if exc.code not in (0, 1):
            sys.exit(f"gate {{n}} of worker {{worker}} exited {{exc.code}}")
"""

_KILLED = """
import sys, time
from pathlib import Path
import planrisk.gate.audit.{module} as engine
from planrisk.gate.audit import append_decision
from planrisk.gate.audit.locations import parse_store

insert = engine._insert

def insert_then_hang(*args):
    insert(*args)
    print("inserted", flush=True)  # the row is written, the transaction still open
    time.sleep(600)

engine._insert = insert_then_hang
append_decision(parse_store(sys.argv[1], "default", Path.cwd(), "t"), {{"outcome": "killed"}})
"""


def test_eight_processes_of_fifty_gates_lose_no_record(engine: Engine, tmp_path: Path) -> None:
    env = engine.env(PLANRISK_STREAM=STREAM)
    script = _GATES.format(plan=str(PLAN))
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, f"w{w}", str(GATES)],
            cwd=tmp_path,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(PROCESSES)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
    records = read_log(engine.spec(), STREAM)
    assert [r.seq for r in records] == list(range(1, PROCESSES * GATES + 1))
    initiators = sorted(r.data["actor"]["identity"] for r in records)
    assert initiators == sorted(f"w{w}-{n}" for w in range(PROCESSES) for n in range(GATES))
    result = verify_log(engine.spec(), STREAM)
    assert (result.ok, result.count) == (True, PROCESSES * GATES)


def test_a_writer_killed_inside_its_transaction_leaves_a_log_that_verifies(
    engine: Engine, tmp_path: Path
) -> None:
    for n in range(3):
        append_decision(engine.spec(), {"outcome": "allow", "n": n})
    module = "sqlite_engine" if engine.kind == "sqlite" else "postgres_engine"
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED.format(module=module), engine.url],
        cwd=tmp_path,
        env=engine.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:  # closes its pipes
        try:
            assert child.stdout is not None
            ready, _, _ = select.select([child.stdout], [], [], 60)
            assert ready, "the writer never reached its INSERT"
            assert child.stdout.readline().strip() == "inserted"
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    result = verify_log(engine.spec())
    assert (result.ok, result.count) == (True, 3)
    # Nothing is left locked: the next writer appends record 4 on the same chain.
    stored = append_decision(engine.spec(), {"outcome": "allow", "n": 3})
    assert stored.seq == 4
    records = read_log(engine.spec())
    assert [r.data.get("n") for r in records] == [0, 1, 2, 3]
    assert verify_log(engine.spec()).ok
