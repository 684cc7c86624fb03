"""Benchmark generator CLI: writes a deterministic large Terraform plan or Pulumi preview.

Input: `--tool terraform|pulumi`, `--resources N` (managed resource instances, or preview
steps for Pulumi), `--mix routine|vpc-cascade|teardown`, `--seed`, `-o PATH`. Output: the plan
file; the same arguments always give byte-identical output.

    python -m benchmarks.generate --tool terraform --resources 10000 --mix routine -o plan.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python benchmarks/generate.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.estate import MINIMUM_RESOURCES, build_estate
from benchmarks.mixes import MIXES
from benchmarks.pulumi_preview import write_pulumi_preview
from benchmarks.terraform_plan import write_terraform_plan

TOOLS = ("terraform", "pulumi")


def generate(tool: str, resources: int, mix: str, path: Path, seed: int = 1) -> Path:
    """Write one generated plan to `path` (parents created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if tool == "pulumi":
        write_pulumi_preview(seed, resources, mix, path)
    else:
        write_terraform_plan(build_estate(seed, resources), mix, path)
    return path


def default_name(tool: str, resources: int, mix: str, seed: int = 1) -> str:
    """File name the benchmark runner caches a generated plan under."""
    return f"{tool}-{resources}-{mix}-s{seed}.json"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and generate."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--tool", choices=TOOLS, default="terraform")
    parser.add_argument(
        "--resources",
        type=int,
        default=1000,
        help=f"managed resource instances (Pulumi: steps); >= {MINIMUM_RESOURCES}",
    )
    parser.add_argument("--mix", choices=MIXES, default="routine")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, help="output file (default: stdout name)")
    args = parser.parse_args(argv)
    if args.resources < MINIMUM_RESOURCES:
        parser.error(f"--resources must be at least {MINIMUM_RESOURCES}")
    path = args.output or Path(default_name(args.tool, args.resources, args.mix, args.seed))
    started = time.perf_counter()
    generate(args.tool, args.resources, args.mix, path, args.seed)
    size = path.stat().st_size
    sys.stderr.write(
        f"wrote {path} ({size / 1e6:.1f} MB, {size / args.resources / 1024:.1f} KiB per "
        f"resource) in {time.perf_counter() - started:.1f} s\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
