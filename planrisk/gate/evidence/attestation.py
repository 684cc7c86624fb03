"""Sandbox-apply attestations (evidence stage): an in-toto Statement v1 in a DSSE envelope.

Input: the plan that was applied in a sandbox, the environment, the apply's exit code and the
CI context. Output: a signed envelope whose predicate records the environment, the plan digest,
the change fingerprint (address, type and action of every change beyond no-op/read, and
whether a destroy keeps the cloud object: Pulumi `retainOnDelete`), the time,
the apply result, the commit and the actor; and the decoder the verifier uses to read it back.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING

import msgspec

from planrisk.gate.evidence.ci_context import CiContext
from planrisk.gate.evidence.dsse import Envelope, decode_payload, sign_envelope
from planrisk.gate.evidence.durations import format_utc
from planrisk.model import Plan

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
"""DSSE payload type of an in-toto Statement."""
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
"""`_type` of an in-toto Statement v1."""
PREDICATE_TYPE = "https://planrisk.dev/attestation/sandbox-apply/v2"
"""`predicateType` of a planrisk sandbox-apply attestation (v2: entries say `kept_in_cloud`;
a v1 attestation cannot tell a delete that keeps the object from one that destroys it)."""


class FingerprintEntry(msgspec.Struct, frozen=True, order=True):
    """One change of the applied plan, as the gate compares it."""

    address: str
    type: str
    action: str
    kept_in_cloud: bool = False
    """A destroy that leaves the cloud object in place (Pulumi `retainOnDelete`): applying it
    in a sandbox says nothing about the destroy of the same resource without it."""


class ApplyResult(msgspec.Struct, frozen=True):
    """How the apply ended."""

    exit_code: int

    @property
    def succeeded(self) -> bool:
        """Exit code 0."""
        return self.exit_code == 0


class SandboxApply(msgspec.Struct, frozen=True):
    """The predicate of a sandbox-apply attestation."""

    environment: str
    plan_digest: str
    changes: tuple[FingerprintEntry, ...]
    time: str
    apply: ApplyResult
    commit: str | None = None
    actor: str | None = None


class Subject(msgspec.Struct, frozen=True):
    """An in-toto subject: the applied plan file."""

    name: str
    digest: dict[str, str]


class Statement(
    msgspec.Struct, frozen=True, rename={"type": "_type", "predicate_type": "predicateType"}
):
    """An in-toto Statement v1 carrying a `SandboxApply` predicate."""

    type: str
    subject: tuple[Subject, ...]
    predicate_type: str
    predicate: SandboxApply


def change_fingerprint(plan: Plan) -> tuple[FingerprintEntry, ...]:
    """Address, type and action of every change beyond no-op/read (drift excluded), sorted."""
    entries = {
        FingerprintEntry(
            change.address,
            change.type,
            change.action.value,
            change.is_destructive and change.pulumi is not None and change.pulumi.retain_on_delete,
        )
        for change in plan.changes
        if change.action.is_change and not change.drift
    }
    return tuple(sorted(entries))


def build_statement(
    plan: Plan,
    *,
    environment: str,
    apply_exit_code: int,
    context: CiContext,
    now: datetime,
) -> Statement:
    """The Statement describing an apply of `plan` in `environment`."""
    hex_digest = plan.digest.removeprefix("sha256:")
    return Statement(
        type=STATEMENT_TYPE,
        subject=(Subject(name=PurePath(plan.source).name, digest={"sha256": hex_digest}),),
        predicate_type=PREDICATE_TYPE,
        predicate=SandboxApply(
            environment=environment,
            plan_digest=plan.digest,
            changes=change_fingerprint(plan),
            time=format_utc(now),
            apply=ApplyResult(exit_code=apply_exit_code),
            commit=context.commit,
            actor=context.actor,
        ),
    )


def sign_statement(statement: Statement, key: Ed25519PrivateKey) -> Envelope:
    """The statement as a signed DSSE envelope."""
    return sign_envelope(PAYLOAD_TYPE, msgspec.json.encode(statement), key)


def decode_statement(payload: bytes) -> Statement:
    """Read a sandbox-apply Statement; ValueError naming what is wrong."""
    statement = decode_payload(payload, Statement, "a sandbox-apply statement")
    if statement.type != STATEMENT_TYPE:
        raise ValueError(f"_type is {statement.type!r}, expected {STATEMENT_TYPE}")
    if statement.predicate_type != PREDICATE_TYPE:
        raise ValueError(
            f"predicateType is {statement.predicate_type!r}, expected {PREDICATE_TYPE}"
        )
    return statement
