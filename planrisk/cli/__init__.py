"""CLI entry point: runs the Typer app and maps failures onto the exit-code contract.

Input: argv. Output: the command's output and exit code; a PlanriskError becomes one line on
stderr and exit 3, any other exception exit 4 (the gate fails closed: never exit 0).
"""

from __future__ import annotations

import sys

# Command modules register themselves on `app` when imported (one line per command module).
from planrisk.cli import (  # noqa: F401
    analyze_cmd,
    approve_cmd,
    attest_cmd,
    audit_cmd,
    checkpoint_cmd,
    gate_cmd,
    github_audit_cmd,
    github_cmd,
    graph_cmd,
    guard_cmd,
    keygen_cmd,
    policy_cmd,
    serve_cmd,
    shim_cmd,
    store_cmd,
)
from planrisk.cli.app import app
from planrisk.errors import ExitCode, PlanriskError

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Run planrisk; never let an exception escape as a traceback or as exit 0.

    Without `argv` (the `planrisk` script, `python -m planrisk`) it runs as the program: the
    process then ends right after the output is flushed, without freeing the analysis (see
    `planrisk.cli.fast_exit`). With `argv` it raises `SystemExit` as usual.
    """
    from planrisk._runtime.gc import run_without_cyclic_gc
    from planrisk.cli import fast_exit

    if argv is None:
        fast_exit.arm()
        run_without_cyclic_gc()
    try:
        _run(argv)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            fast_exit.exit_now(exc.code or 0)
        raise


def _run(argv: list[str] | None) -> None:
    """`main` without the fast exit: maps every failure onto the exit-code contract."""
    from planrisk.cli.one_command import app_for

    try:
        app_for(app, argv)(args=argv, prog_name="planrisk")
    except SystemExit as exc:
        code = exc.code
        if code is None or code == 0 or isinstance(code, int):
            raise
        # click passes a message as the exit "code" in a few paths: treat it as internal.
        sys.stderr.write(f"planrisk: error: {code}\n")
        raise SystemExit(ExitCode.INTERNAL_ERROR) from None
    except PlanriskError as exc:
        from planrisk.report.hygiene import safe_for_log

        # A message names plan files and keys, never their values, but the file names and
        # addresses in it are text someone chose: no control character or log command.
        sys.stderr.write(f"planrisk: error: {safe_for_log(exc.one_line())}\n")
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        sys.stderr.write("planrisk: interrupted\n")
        raise SystemExit(ExitCode.INTERNAL_ERROR) from None
    except Exception as exc:  # the gate fails closed
        name = type(exc).__name__
        sys.stderr.write(
            f"planrisk: internal error ({name}); nothing was allowed. "
            "Please report it with the command you ran.\n"
        )
        raise SystemExit(ExitCode.INTERNAL_ERROR) from None
