"""Fuzz command: mutated real plans through the real gate; counts exit codes and bad allows.

Run: `python -m tests.support.fuzz_plans [--count 3000] [--seed 1]` from the repository root (a
command, not a timed test). Seeds are the plans under `fixtures/` and the corpus plans of
`../shared/corpus` (when present). Each mutated plan (`tests.support.mutations`) is gated twice with
the real CLI in-process: `planrisk gate --actor agent --env prod` and `--actor human
--initiator fuzz-human --env prod`. A run fails (exit 1) when any gate exits other than 0, 1
or 3, prints a traceback, or allows (exit 0) a plan that the independent reader
(`tests.support.independent_reader`) says still destroys an unguarded data-bearing resource.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from planrisk.cli import main
from tests.support.corpus import corpus_plans
from tests.support.independent_reader import destroys_data
from tests.support.mutations import mutate
from tests.support.paths import CORPUS, REPO

MAX_SEED_BYTES = 256 * 1024
"""Larger corpus plans are left out (thousands of runs must stay minutes long)."""
ACTORS = {
    "agent": ("--actor", "agent", "--env", "prod"),
    "human": ("--actor", "human", "--initiator", "fuzz-human", "--env", "prod"),
}


def seeds() -> list[Path]:
    """Every fixture plan and every small corpus plan."""
    found = [
        p
        for p in sorted((REPO / "fixtures").glob("*/*/*"))
        if p.suffix in (".json", ".ndjson") and p.parts[-3] in ("terraform", "pulumi")
    ]
    found += [CORPUS / p for p in corpus_plans() if (CORPUS / p).stat().st_size <= MAX_SEED_BYTES]
    return found


def gate(plan: Path, actor: str, audit: Path) -> tuple[int, str]:
    """Exit code and stderr of one in-process `planrisk gate`."""
    err = io.StringIO()
    code: object = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(["gate", str(plan), *ACTORS[actor], "--audit-db", str(audit), "-o", "/dev/null"])
        except SystemExit as exc:
            code = exc.code
    return (code if isinstance(code, int) else -1), err.getvalue()


def run(count: int, seed: int) -> int:
    plans = seeds()
    rng = random.Random(seed)
    exits: dict[str, Counter[int]] = {actor: Counter() for actor in ACTORS}
    kinds: Counter[str] = Counter()
    destroying = 0
    bad: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="planrisk-fuzz-") as folder:
        work = Path(folder)
        audit = work / "audit.db"
        for number in range(count):
            source = plans[number % len(plans)]
            name, data = mutate(source.read_bytes(), random.Random(rng.random()))
            kinds[name] += 1
            plan = work / f"plan{source.suffix}"
            plan.write_bytes(data)
            destroys = destroys_data(data)
            destroying += destroys is True
            for actor in ACTORS:
                code, err = gate(plan, actor, audit)
                exits[actor][code] += 1
                broken = code not in (0, 1, 3) or "Traceback" in err
                if broken or (code == 0 and destroys is True):
                    what = "bad allow" if code == 0 else f"exit {code}"
                    where = source.relative_to(source.parents[2])
                    bad.append(f"{what}: #{number} {name} of {where} ({actor})")
                    (work.parent / f"planrisk-fuzz-{number}{source.suffix}").write_bytes(data)
    elapsed = time.monotonic() - started
    print(f"mutated plans: {count} from {len(plans)} seeds, seed {seed}, {elapsed:.0f} s")
    print("mutations: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    for actor, seen in exits.items():
        print(f"exit codes ({actor}): " + ", ".join(f"{c}: {n}" for c, n in sorted(seen.items())))
    print(f"plans the independent reader says destroy data: {destroying}")
    allows = sum(1 for line in bad if line.startswith("bad allow"))
    print(f"bad allows (exit 0 of such a plan): {allows}")
    print(f"other failures (exit not 0/1/3, or a traceback): {len(bad) - allows}")
    for line in bad[:20]:
        print("  " + line)
    return 1 if bad else 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=3000, help="mutated plans to gate")
    parser.add_argument("--seed", type=int, default=1, help="random seed (deterministic)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args(sys.argv[1:])
    sys.exit(run(args.count, args.seed))
