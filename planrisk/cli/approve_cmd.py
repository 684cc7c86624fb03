"""`planrisk approve PLAN|--digest D --approver NAME --key KEY`: sign an approval of one plan.

Input: the plan (or, with `--digest`, the digest of a plan reviewed elsewhere: the guard keeps
the plans it gated under `.planrisk/plans/`), the approver's name and private key, a lifetime
(`--expires`, default 24h). Output: a DSSE envelope (one JSON line) bound to the plan's digest.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.app import app
from planrisk.cli.store_options import RecordOption


def _duration(text: str) -> timedelta:
    """Parse --expires; a bad value is a usage error (exit 2)."""
    from planrisk.gate.evidence.durations import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@app.command("approve")
def approve_command(
    approver: Annotated[
        str, typer.Option("--approver", help="Your name, as in the config's trusted_keys.")
    ],
    key: Annotated[Path, typer.Option("--key", help="Your private key (PREFIX.key).")],
    expires: Annotated[
        timedelta,
        typer.Option(
            "--expires",
            parser=_duration,
            metavar="DURATION",
            help="Lifetime: 90s, 15m, 24h, 7d.",
        ),
    ] = "24h",  # type: ignore[assignment]  # typer parses the default through _duration
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the approval to FILE.")
    ] = None,
    plan: Annotated[
        Path | None, typer.Argument(help="The plan being approved (or pass --digest).")
    ] = None,
    digest: Annotated[
        str | None,
        typer.Option(
            "--digest",
            metavar="sha256:HEX",
            help="Approve the plan with this digest (as the gate printed it) instead of PLAN.",
        ),
    ] = None,
    store: RecordOption = False,
) -> None:
    """Approve PLAN: a signed approval that counts only for this exact plan digest."""
    from planrisk.gate.evidence.approval import build_approval, sign_approval
    from planrisk.gate.evidence.dsse import encode_envelope
    from planrisk.gate.evidence.durations import utc_now
    from planrisk.gate.evidence.keys import load_private_key
    from planrisk.ingest import load_plan
    from planrisk.report.output import write_output

    name = approver.strip()
    if not name:
        raise typer.BadParameter("must not be empty", param_hint="--approver")
    if (plan is None) == (digest is None):
        raise typer.BadParameter(
            "pass the plan file or --digest sha256:HEX (one of them)", param_hint="PLAN"
        )
    if digest is not None and not _DIGEST.match(digest.strip()):
        raise typer.BadParameter(
            "must be sha256: followed by 64 lower-case hex digits, as the gate prints it",
            param_hint="--digest",
        )
    private_key = load_private_key(key)
    if digest is not None:
        plan_digest = digest.strip()
    else:
        assert plan is not None  # one of the two, checked above
        plan_digest = load_plan(plan).digest
    approval = build_approval(
        approver=name, plan_digest=plan_digest, now=utc_now(), lifetime=expires
    )
    envelope = encode_envelope(sign_approval(approval, private_key))
    write_output(envelope.decode(), output)
    typer.echo(
        f"approved {plan_digest} as {name!r} until {approval.predicate.expires_at}", err=True
    )
    if store:
        from planrisk.cli.store_options import record_in_store
        from planrisk.gate.evidence.loading import KIND_APPROVAL

        record_in_store(envelope, kind=KIND_APPROVAL, plan_digest=plan_digest)
