"""Store benchmark command (a report, not a timed test): appends per second, the gate's time.

Input: the PostgreSQL server (`--postgres URL`, default $PLANRISK_TEST_POSTGRES or
postgresql://postgres@127.0.0.1:5432/test), appends per writer, gate repeats. Output, on
stdout: appends per second for 1, 4 and 8 concurrent writer processes into one stream, on the
SQLite log and on PostgreSQL, each append through `append_decision` as the gate makes it (a
connection and a transaction per decision), and on PostgreSQL also through one kept
connection per writer (the lock-serialized rate a long-running writer would see); then the
wall time of `planrisk gate` end to end (a fresh process each run) on the SQLite log and on a
PostgreSQL store, without and with a trusted key (a key makes the gate look up evidence in the
store: one more connection).
Every PostgreSQL run gets a schema of its own, dropped afterwards. Exit 0 always.

    python -m benchmarks.store --appends 200 --repeat 7
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

if __package__ in (None, ""):  # `python benchmarks/store.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
PLAN = REPO / "fixtures" / "terraform" / "forced-replace" / "plan.json"
WRITERS = (1, 4, 8)
STREAM = "bench/infra"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def decision(worker: int, n: int) -> dict[str, Any]:
    """A record shaped and sized like the gate's."""
    actor = {"kind": "agent", "treated_as": "agent", "identity": f"bot-{worker}"}
    config: dict[str, Any] = {
        "layers": [],
        "base": None,
        "base_commit": None,
        "ignored": [],
        "gate_changes": [],
    }
    return {
        "actor": actor | {"evidence": ["CLAUDECODE is set"]},
        "environment": {"name": "prod", "treated_as": "prod", "evidence": ["workspace prod"]},
        "plan_digest": "sha256:" + f"{worker:04d}{n:060d}",
        "plan_source": "plans/prod.json",
        "counts": {"create": 1, "update": 3, "delete": 1, "replace": 2},
        "score": 71,
        "level": "high",
        "outcome": "pending",
        "rules": [{"name": "agent_prod_sandbox_first", "effect": "require"}],
        "evidence": [],
        "policy_digest": "sha256:" + "ef" * 32,
        "config": config,
        "planrisk_version": "bench",
    }  # fmt: skip


def _writer(store: str, worker: int, appends: int, kept: bool, barrier: Any, results: Any) -> None:
    """Append `appends` decisions after the barrier; report (start, end) on monotonic time.

    As the gate does (`append_decision`: a connection per decision), or through one kept
    connection (`kept`: what a long-running writer such as `planrisk serve` would see).
    """
    from planrisk.gate.audit import append_decision
    from planrisk.gate.audit.chain import canonical_payload
    from planrisk.gate.audit.engines import open_store
    from planrisk.gate.audit.locations import parse_store

    spec = parse_store(store, STREAM, Path.cwd(), "bench")
    barrier.wait()
    start = time.monotonic()
    if kept:
        with open_store(spec) as opened:
            for n in range(appends):
                record = decision(worker, n) | {"time": "2026-01-01T00:00:00Z"}
                opened.append(STREAM, record["time"], canonical_payload(record))
    else:
        for n in range(appends):
            append_decision(spec, decision(worker, n))
    results.put((start, time.monotonic()))


def appends_per_second(store: str, writers: int, appends: int, *, kept: bool = False) -> float:
    """Total appends / wall time of `writers` processes appending concurrently."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(writers)
    results = context.Queue()
    processes = [
        context.Process(target=_writer, args=(store, w, appends, kept, barrier, results))
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    spans = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        if process.exitcode != 0:
            raise SystemExit(f"a writer failed (exit {process.exitcode})")
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return float(writers * appends / elapsed)


@contextmanager
def postgres_schema(server: str) -> Iterator[str]:
    """A store URL on a fresh schema of `server`, dropped afterwards."""
    import psycopg

    name = f"planrisk_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    joiner = "&" if "?" in server else "?"
    try:
        yield f"{server}{joiner}options={quote(f'-csearch_path={name}')}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def gate_seconds(store: str, work: Path, repeat: int, *, trusted_key: bool) -> list[float]:
    """Wall seconds of `planrisk gate PLAN` in a fresh process, `repeat` times (after one)."""
    cwd = work / ("keyed" if trusted_key else "plain")
    cwd.mkdir(parents=True, exist_ok=True)
    if trusted_key:
        from planrisk.gate.evidence.keys import write_keypair

        if not (cwd / "ops.pub").exists():
            write_keypair(cwd / "ops")
        (cwd / ".planrisk.toml").write_text(
            '[[trusted_keys]]\nname = "ops"\npurpose = "approval"\npublic_key = "ops.pub"\n'
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLANRISK_", "GITHUB_"))}
    env["PLANRISK_STORE"] = store
    command = [sys.executable, "-m", "planrisk", "gate", str(PLAN), "--actor", "agent"]
    command += ["--format", "json", "-o", os.devnull]
    times = []
    for attempt in range(repeat + 1):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(f"planrisk gate failed: {done.stderr.strip()}")
        if attempt:  # the first run warms the file cache and creates the store
            times.append(elapsed)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANRISK_TEST_POSTGRES") or DEFAULT_POSTGRES
    )
    parser.add_argument("--appends", type=int, default=200, help="appends per writer")
    parser.add_argument("--repeat", type=int, default=7, help="gate runs per row")
    args = parser.parse_args(argv)
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU(s)"
    print(f"python {platform.python_version()} on {machine}")
    print(f"appends per second, one stream, {args.appends} appends per writer "
          "(a connection and a transaction per append)")  # fmt: skip
    print(f"{'engine':<12}" + "".join(f"{f'{n} writer(s)':>14}" for n in WRITERS))
    with tempfile.TemporaryDirectory(prefix="planrisk-bench-") as scratch:
        work = Path(scratch)
        rates = []
        for n in WRITERS:
            rates.append(appends_per_second(str(work / f"w{n}.db"), n, args.appends))
        print(f"{'sqlite':<12}" + "".join(f"{rate:>14.0f}" for rate in rates))
        for label, kept in (("postgresql", False), ("  kept conn.", True)):
            rates = []
            for n in WRITERS:
                with postgres_schema(args.postgres) as url:
                    rates.append(appends_per_second(url, n, args.appends, kept=kept))
            print(f"{label:<12}" + "".join(f"{rate:>14.0f}" for rate in rates))
        print()
        print(f"planrisk gate end to end, {PLAN.relative_to(REPO)}, {args.repeat} runs "
              "(median / best, seconds)")  # fmt: skip
        with postgres_schema(args.postgres) as url:
            for label, store, keyed in (
                ("sqlite log", str(work / "gate.db"), False),
                ("sqlite log, trusted key", str(work / "gate.db"), True),
                ("postgresql", url, False),
                ("postgresql, trusted key", url, True),
            ):
                times = gate_seconds(store, work, args.repeat, trusted_key=keyed)
                print(f"{label:<26}{statistics.median(times):>8.3f}{min(times):>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
