"""Benchmark command (a report, not a timed test): planrisk end to end against json.load.

Input: sizes, mixes, the planrisk command template, repeat count. Output: a table on stdout
with, per size and mix, the file size, the best wall time of `json.load` on the file, the best
wall time and the peak RSS of the planrisk command, their ratios and PASS/FAIL against the
targets; then the 100k/10k time ratio per mix and the `planrisk --help` time. Every measured
command runs in its own subprocess; its peak RSS comes from `os.wait4` (the child's own
rusage). Exit 0 always, unless `--check` is given and a target fails (exit 1).

    python -m benchmarks.run --sizes 1000,10000 --mixes routine --repeat 3
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import default_name
from benchmarks.mixes import MIXES

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
PULUMI_STEPS = 10_000
CANDIDATES = (
    "planrisk gate {plan} --format json -o /dev/null --audit-db {audit_db}",
    "planrisk analyze {plan} --format json -o /dev/null",
    "planrisk graph {plan} --format json -o /dev/null",
)
"""Tried in order when --command is not given: the first whose subcommand exists is used."""

TIME_TARGET = {100_000: 0.5}
"""Size → maximum planrisk/json.load wall-time ratio. The 10k rows (and the 10k-step Pulumi
previews) are reported, not targeted: at that size interpreter start-up, imports and process
exit are a large share of planrisk's time and none of `json.load`'s."""
RSS_TARGET = {100_000: 1.5}
"""Size → maximum planrisk peak RSS / file size ratio."""
SCALING_TARGET = 12.0
HELP_TARGET = 0.3


@dataclass(frozen=True, slots=True)
class Measure:
    """One subprocess run: wall seconds, peak RSS in bytes, exit status."""

    seconds: float
    peak_rss: int
    returncode: int
    error: str = ""
    """Last line the command wrote on stderr, when it failed."""


def measure(argv: list[str]) -> Measure:
    """Run `argv` with output discarded; wall time and the child's own peak RSS."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        lines = errors.read().decode("utf-8", "replace").strip().splitlines()
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    error = lines[-1] if lines and code not in (0, 1) else ""
    return Measure(seconds, rss, code, error)


def best_of(argv: list[str], repeat: int) -> Measure:
    """The fastest of `repeat` runs (its RSS is the largest seen: RSS is not noise)."""
    return _best([measure(argv) for _ in range(repeat)])


def best_of_groups(groups: list[tuple[Path, list[list[str]]]], repeat: int) -> list[list[Measure]]:
    """Each (plan, commands): every command, best of `repeat`. Within a group the commands
    alternate, so a slow spell of the machine hits them alike; the repeats go round-robin over
    the groups (round one runs every group once, then round two...), so one slow minute costs
    one attempt of several rows instead of every attempt of one row. The plan is read once,
    untimed, before each group: no command pays for reading it from disk."""
    runs: list[list[list[Measure]]] = [[[] for _ in commands] for _, commands in groups]
    for _ in range(repeat):
        for (plan, commands), group_runs in zip(groups, runs, strict=True):
            _read_through(plan)
            for argv, command_runs in zip(commands, group_runs, strict=True):
                command_runs.append(measure(argv))
    return [[_best(command_runs) for command_runs in group_runs] for group_runs in runs]


def _read_through(path: Path) -> None:
    """Read the whole file (into the page cache), discarding it."""
    with path.open("rb") as handle:
        while handle.read(1 << 23):
            pass


def _best(runs: list[Measure]) -> Measure:
    """The fastest run, with the largest RSS seen and the first failure, if any."""
    fastest = min(runs, key=lambda m: m.seconds)
    failed = next((m for m in runs if m.returncode not in (0, 1)), None)
    code = failed.returncode if failed else fastest.returncode
    error = failed.error if failed else ""
    return Measure(fastest.seconds, max(m.peak_rss for m in runs), code, error)


def planrisk_argv() -> list[str]:
    """How to start planrisk: the venv's console script, else `python -m planrisk`."""
    script = Path(sys.executable).with_name("planrisk")
    if script.exists():
        return [str(script)]
    found = shutil.which("planrisk")
    return [found] if found else [sys.executable, "-m", "planrisk"]


def _expand(template: str, plan: Path, audit_db: Path, program: str | None = None) -> list[str]:
    """The command for one plan; `program` runs it with another planrisk (`--baseline`)."""
    words = [w.format(plan=plan, audit_db=audit_db) for w in shlex.split(template)]
    if words and words[0] == "planrisk":
        return [*([program] if program else planrisk_argv()), *words[1:]]
    return words


def byte_compile_planrisk() -> str:
    """Write the bytecode of the planrisk package this interpreter imports, as installing a
    wheel does. An editable checkout run with PYTHONDONTWRITEBYTECODE (or from a read-only
    tree) would otherwise recompile every edited module on every measured run. Returns the
    package directory, or "" when there is none to compile."""
    spec = importlib.util.find_spec("planrisk")
    locations = list(spec.submodule_search_locations or ()) if spec else []
    for location in locations:
        compileall.compile_dir(location, quiet=1)
    return ", ".join(locations)


def choose_command(explicit: str | None) -> str:
    """The command template to measure (explicit, else the first existing candidate)."""
    if explicit:
        return explicit
    for template in CANDIDATES:
        subcommand = shlex.split(template)[1]
        probe = subprocess.run(
            [*planrisk_argv(), subcommand, "--help"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return template
    return CANDIDATES[-1]


@dataclass(slots=True)
class Row:
    """One measured (tool, size, mix)."""

    tool: str
    size: int
    mix: str
    file_bytes: int
    load: Measure
    planrisk: Measure
    baseline: Measure | None = None
    """The same command of another planrisk (`--baseline`), measured in the same rounds."""
    verdicts: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.planrisk.seconds / self.load.seconds if self.load.seconds else float("inf")

    @property
    def rss_ratio(self) -> float:
        return self.planrisk.peak_rss / self.file_bytes


def judge(row: Row) -> list[tuple[str, bool]]:
    """(target text, passed) for each target that applies to the row."""
    out: list[tuple[str, bool]] = []
    if row.planrisk.returncode not in (0, 1):
        out.append((f"exit {row.planrisk.returncode} ({row.planrisk.error})", False))
    limit = TIME_TARGET.get(row.size)
    if limit is not None:
        out.append((f"time<={limit}x", row.ratio <= limit))
    rss = RSS_TARGET.get(row.size)
    if rss is not None:
        out.append((f"rss<={rss}x", row.rss_ratio <= rss))
    return out


def _plan_path(out_dir: Path, tool: str, size: int, mix: str, made: list[Path]) -> Path:
    path = out_dir / default_name(tool, size, mix)
    if not path.exists():
        started = time.perf_counter()
        # In a child process: a forked child's peak RSS (wait4) starts from its parent's
        # resident size, so a benchmark process grown by generating plans would inflate every
        # measurement after it.
        subprocess.run(
            [sys.executable, "-m", "benchmarks.generate", "--tool", tool, "--resources",
             str(size), "--mix", mix, "-o", str(path)],
            check=True, cwd=Path(__file__).resolve().parents[1], stderr=subprocess.DEVNULL,
        )  # fmt: skip
        made.append(path)
        print(f"  generated {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def run(args: argparse.Namespace) -> int:
    """Generate, measure, print the report; the exit code (1 only with --check and a FAIL)."""
    sizes = [int(s) for s in args.sizes.split(",") if s]
    mixes = [m for m in args.mixes.split(",") if m]
    unknown = [m for m in mixes if m not in MIXES]
    if unknown:
        print(f"unknown mix {', '.join(unknown)}: choose from {', '.join(MIXES)}", file=sys.stderr)
        return 2
    compiled = byte_compile_planrisk()
    if compiled:
        print(f"byte-compiled {compiled} (as `pip install` does)")
    template = choose_command(args.command)
    print(f"planrisk command: {template}")
    # (The ratios depend on it: json.load of these Terraform plans is about twice as fast on
    # CPython 3.13 as on 3.11, while planrisk takes about as long on both.)
    print(f"interpreter: {platform.python_implementation()} {platform.python_version()}")
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    audit_dir = Path(tempfile.mkdtemp(prefix="planrisk-bench-"))
    made: list[Path] = []
    cases = [("terraform", size, mix) for size in sizes for mix in mixes]
    if args.pulumi:
        cases += [("pulumi", PULUMI_STEPS, mix) for mix in mixes]
    rows: list[Row] = []
    try:
        plans = [_plan_path(out_dir, tool, size, mix, made) for tool, size, mix in cases]
        groups = []
        for plan, (tool, size, mix) in zip(plans, cases, strict=True):
            audit_db = audit_dir / f"audit-{tool}-{size}-{mix}.db"
            commands = [
                [sys.executable, "-c", "import json,sys; json.load(open(sys.argv[1]))", str(plan)],
                _expand(template, plan, audit_db),
            ]
            if args.baseline:
                commands.append(_expand(template, plan, audit_db, args.baseline))
            groups.append((plan, commands))
        measured = best_of_groups(groups, args.repeat)
        for plan, (tool, size, mix), found in zip(plans, cases, measured, strict=True):
            baseline = found[2] if args.baseline else None
            rows.append(Row(tool, size, mix, plan.stat().st_size, found[0], found[1], baseline))
        help_time = best_of([*planrisk_argv(), "--help"], args.repeat)
    finally:
        shutil.rmtree(audit_dir, ignore_errors=True)
        if not args.keep:
            for path in made:
                path.unlink(missing_ok=True)
    failed = report(rows, help_time, mixes)
    return 1 if args.check and failed else 0


def report(rows: list[Row], help_time: Measure, mixes: list[str]) -> bool:
    """Print the table and the summary lines; True when any target failed."""
    header: tuple[str, ...] = (
        "tool",
        "size",
        "mix",
        "file MB",
        "json.load s",
        "planrisk s",
        "ratio",
        "peak RSS MB",
        "RSS/file",
        "targets",
    )
    with_baseline = any(row.baseline is not None for row in rows)
    if with_baseline:
        header = (*header, "baseline s", "vs baseline")
    table = [header]
    failed = False
    for row in rows:
        verdicts = judge(row)
        failed = failed or any(not ok for _, ok in verdicts)
        targets = " ".join(f"{text} {'PASS' if ok else 'FAIL'}" for text, ok in verdicts) or "-"
        table.append(
            (
                row.tool,
                str(row.size),
                row.mix,
                f"{row.file_bytes / 1e6:.1f}",
                f"{row.load.seconds:.3f}",
                f"{row.planrisk.seconds:.3f}",
                f"{row.ratio:.2f}",
                f"{row.planrisk.peak_rss / 1e6:.1f}",
                f"{row.rss_ratio:.2f}",
                targets,
                *(
                    (
                        f"{row.baseline.seconds:.3f}",
                        f"{row.planrisk.seconds / row.baseline.seconds:.2f}",
                    )
                    if row.baseline is not None
                    else ()
                ),
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    by_key = {(r.tool, r.size, r.mix): r for r in rows}
    for mix in mixes:
        big, small = by_key.get(("terraform", 100_000, mix)), by_key.get(("terraform", 10_000, mix))
        if big and small:
            scaling = big.planrisk.seconds / small.planrisk.seconds
            ok = scaling <= SCALING_TARGET
            failed = failed or not ok
            print(
                f"100k/10k time ratio ({mix}): {scaling:.2f} "
                f"(target <= {SCALING_TARGET:g}) {'PASS' if ok else 'FAIL'}"
            )
    ok = help_time.seconds <= HELP_TARGET and help_time.returncode == 0
    failed = failed or not ok
    print(
        f"planrisk --help: {help_time.seconds:.3f} s (target <= {HELP_TARGET} s) "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return failed


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="comma-separated resource counts"
    )
    parser.add_argument("--mixes", default=",".join(MIXES), help="comma-separated mixes")
    parser.add_argument(
        "--pulumi",
        action="store_true",
        help=f"also measure Pulumi previews of {PULUMI_STEPS} steps",
    )
    parser.add_argument(
        "--out-dir", type=Path, default=DEFAULT_OUT, help="where generated plans are cached"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the plans this run generated (reused by the next run)",
    )
    parser.add_argument(
        "--command",
        help='template, e.g. "planrisk analyze {plan} --format json"'
        " ({plan} and {audit_db} are filled in)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument(
        "--baseline",
        metavar="PLANRISK",
        help="another planrisk program (e.g. an older checkout's venv/bin/planrisk) to measure "
        "in the same rounds; the table adds its time and the ratio to it",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if any target fails")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
