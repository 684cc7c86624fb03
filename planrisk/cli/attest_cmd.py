"""`planrisk attest PLAN --key KEY`: sign a sandbox-apply attestation after applying PLAN.

Input: the plan applied in a sandbox, the signing key, the environment and the apply's exit
code; commit and actor come from the CI environment. Output: a DSSE envelope (one JSON line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.app import app
from planrisk.cli.store_options import RecordOption


@app.command("attest")
def attest_command(
    plan: Annotated[Path, typer.Argument(help="The plan that was applied in the sandbox.")],
    key: Annotated[Path, typer.Option("--key", help="Private key (PREFIX.key from keygen).")],
    env: Annotated[
        str, typer.Option("--env", help="Environment the plan was applied in (sandbox or dev).")
    ] = "sandbox",
    apply_exit_code: Annotated[
        int, typer.Option("--apply-exit-code", help="Exit code of the apply (0: it succeeded).")
    ] = 0,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the attestation to FILE.")
    ] = None,
    store: RecordOption = False,
) -> None:
    """Attest that PLAN was applied in a sandbox: a signed in-toto statement for the gate."""
    import os

    from planrisk.gate.evidence.attestation import build_statement, sign_statement
    from planrisk.gate.evidence.ci_context import ci_context
    from planrisk.gate.evidence.dsse import encode_envelope
    from planrisk.gate.evidence.durations import utc_now
    from planrisk.gate.evidence.keys import load_private_key
    from planrisk.ingest import load_plan
    from planrisk.report.output import write_output

    environment = env.strip().lower()
    if not environment:
        raise typer.BadParameter("must not be empty", param_hint="--env")
    private_key = load_private_key(key)
    loaded = load_plan(plan)
    statement = build_statement(
        loaded,
        environment=environment,
        apply_exit_code=apply_exit_code,
        context=ci_context(os.environ, Path.cwd()),
        now=utc_now(),
    )
    envelope = encode_envelope(sign_statement(statement, private_key))
    write_output(envelope.decode(), output)
    typer.echo(
        f"attested {len(statement.predicate.changes)} change(s) of {loaded.digest} "
        f"applied in {environment} (exit code {apply_exit_code})",
        err=True,
    )
    if store:
        from planrisk.cli.store_options import record_in_store
        from planrisk.gate.evidence.loading import KIND_ATTESTATION

        predicate = statement.predicate
        record_in_store(
            envelope,
            kind=KIND_ATTESTATION,
            plan_digest=predicate.plan_digest,
            changes=predicate.changes,
        )
