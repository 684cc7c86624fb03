"""Plan-bound approvals (evidence stage): a signed statement that one approver approves one plan.

Input: the plan's digest, the approver's name, a lifetime and the approver's private key.
Output: a DSSE envelope (payload type `application/vnd.planrisk.approval+json`) whose payload
binds approver, plan digest, issue and expiry times and a random nonce; and its decoder.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import msgspec

from planrisk.gate.evidence.dsse import Envelope, decode_payload, sign_envelope
from planrisk.gate.evidence.durations import format_utc

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PAYLOAD_TYPE = "application/vnd.planrisk.approval+json"
"""DSSE payload type of an approval."""
APPROVAL_TYPE = "https://planrisk.dev/approval/v1"
"""`_type` of an approval payload."""


class ApprovalPredicate(msgspec.Struct, frozen=True):
    """What the approver signs."""

    approver: str
    plan_digest: str
    issued_at: str
    expires_at: str
    nonce: str


class Approval(msgspec.Struct, frozen=True, rename={"type": "_type"}):
    """The approval payload."""

    type: str
    predicate: ApprovalPredicate


def build_approval(
    *, approver: str, plan_digest: str, now: datetime, lifetime: timedelta
) -> Approval:
    """An approval of `plan_digest` by `approver`, valid from `now` for `lifetime`."""
    import secrets

    return Approval(
        type=APPROVAL_TYPE,
        predicate=ApprovalPredicate(
            approver=approver,
            plan_digest=plan_digest,
            issued_at=format_utc(now),
            expires_at=format_utc(now + lifetime),
            nonce=secrets.token_hex(16),
        ),
    )


def sign_approval(approval: Approval, key: Ed25519PrivateKey) -> Envelope:
    """The approval as a signed DSSE envelope."""
    return sign_envelope(PAYLOAD_TYPE, msgspec.json.encode(approval), key)


def decode_approval(payload: bytes) -> Approval:
    """Read an approval payload; ValueError naming what is wrong."""
    approval = decode_payload(payload, Approval, "an approval")
    if approval.type != APPROVAL_TYPE:
        raise ValueError(f"_type is {approval.type!r}, expected {APPROVAL_TYPE}")
    return approval
