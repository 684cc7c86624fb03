"""Verifying evidence against the plan being gated (evidence stage → gate).

Input: loaded evidence, the gated plan, the configured trusted keys, the policy's limits and
the current time. Output: one `EvidenceCheck` per piece (accepted or not, with a specific
reason) plus what the gate needs: whether a valid sandbox attestation covers every change,
and which distinct approvers count.

Trust comes only from an Ed25519 signature that verifies against a configured key of the right
purpose; the keyid in an envelope is used only to explain a failure. Pieces of kind "unknown"
(malformed files, unsupported payload types) are reported by `check_attestations`, so each
piece is named exactly once when the gate shows both lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import msgspec

from planrisk.gate.evidence.approval import decode_approval
from planrisk.gate.evidence.attestation import (
    FingerprintEntry,
    change_fingerprint,
    decode_statement,
)
from planrisk.gate.evidence.dsse import b64decode, pae
from planrisk.gate.evidence.durations import format_duration, format_utc, parse_utc
from planrisk.gate.evidence.loading import KIND_APPROVAL, KIND_ATTESTATION, LoadedEvidence
from planrisk.model import EvidenceKind, EvidenceResult, Plan, TrustedKeyEntry

if TYPE_CHECKING:
    from planrisk.gate.evidence.keys import TrustedKey

SANDBOX_ENVIRONMENTS = ("sandbox", "dev")
"""Environments an attestation may come from."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a timestamp may be before the piece is rejected."""
MAX_SIGNATURES = 16
"""Signatures looked at per envelope."""
UNKNOWN_INITIATOR = (
    "the initiator is unknown, so a self-approval cannot be told apart: no approval counts "
    "until it is known (pass --initiator NAME or run in CI)"
)
"""Why a valid approval does not count when nobody knows who initiated the plan."""


class EvidenceCheck(msgspec.Struct, frozen=True):
    """The verdict on one piece of evidence."""

    file: str
    kind: EvidenceKind
    """sandbox_attestation, approval or unknown."""
    accepted: bool
    reason: str
    """Why it was accepted or, specifically, why it was ignored."""
    signer: str | None = None
    """Name of the trusted key whose signature verified."""
    approver: str | None = None
    """Approver named in an approval."""

    def to_result(self) -> EvidenceResult:
        """The model's `EvidenceResult` (what the decision and the reports carry)."""
        return EvidenceResult(
            file=self.file, kind=self.kind, accepted=self.accepted, reason=self.reason
        )


def check_attestations(
    evidence: Sequence[LoadedEvidence],
    *,
    plan: Plan,
    trusted: Sequence[TrustedKeyEntry],
    max_age: timedelta,
    now: datetime,
) -> tuple[list[EvidenceCheck], bool]:
    """Check every attestation (and every unusable piece) against `plan`.

    Returns the checks and whether at least one accepted attestation covers every change of
    the plan beyond no-op/read. An attestation that is valid but misses a change is rejected.
    """
    keys = _trusted_keys(trusted)
    needed = change_fingerprint(plan)
    checks = []
    for piece in evidence:
        if piece.kind == KIND_APPROVAL:
            continue
        if piece.kind != KIND_ATTESTATION or piece.problem is not None:
            reason = piece.problem or f"unsupported payloadType {piece.payload_type!r}"
            checks.append(EvidenceCheck(piece.file, piece.kind, False, reason))
            continue
        checks.append(_check_attestation(piece, keys, needed, max_age, now))
    return checks, any(check.accepted for check in checks)


def _check_attestation(
    piece: LoadedEvidence,
    keys: Sequence[TrustedKey],
    needed: tuple[FingerprintEntry, ...],
    max_age: timedelta,
    now: datetime,
) -> EvidenceCheck:
    """The verdict on one sandbox attestation."""
    signer = _find_signer(piece, keys, "attestation")
    if isinstance(signer, str):
        return EvidenceCheck(piece.file, piece.kind, False, signer)

    def reject(reason: str) -> EvidenceCheck:
        return EvidenceCheck(piece.file, piece.kind, False, reason, signer=signer.name)

    try:
        predicate = decode_statement(piece.payload).predicate
        made = parse_utc(predicate.time)
    except ValueError as exc:
        return reject(f"malformed: {exc}")
    if predicate.environment not in SANDBOX_ENVIRONMENTS:
        return reject(
            f"attestation is for environment {predicate.environment} (must be sandbox or dev)"
        )
    if not predicate.apply.succeeded:
        return reject(f"apply failed (exit code {predicate.apply.exit_code})")
    if made > now + CLOCK_SKEW:
        return reject(f"made in the future ({format_utc(made)})")
    if now - made > max_age:
        return reject(f"older than {format_duration(max_age)} (made {format_utc(made)})")
    covered = set(predicate.changes)
    missing = [entry for entry in needed if entry not in covered]
    if missing:
        first = missing[0]
        more = f" and {len(missing) - 1} more change(s)" if len(missing) > 1 else ""
        return reject(f"does not cover {first.address} ({first.action}){more}")
    return EvidenceCheck(
        piece.file,
        piece.kind,
        True,
        f"signed by {signer.name!r}: {predicate.environment} apply at {format_utc(made)} "
        f"covers all {len(needed)} change(s)",
        signer=signer.name,
    )


def check_approvals(
    evidence: Sequence[LoadedEvidence],
    *,
    plan: Plan,
    trusted: Sequence[TrustedKeyEntry],
    initiator: str | None,
    now: datetime,
) -> tuple[list[EvidenceCheck], list[str]]:
    """Check every approval against `plan`; returns the checks and the distinct approvers.

    Names are compared case-insensitively (logins are): an approval by the initiator or by an
    approver already counted is rejected. While the initiator is unknown (`initiator` None)
    no approval counts. Pieces are judged in the order given.
    """
    keys = _trusted_keys(trusted)
    initiator_key = initiator.casefold() if initiator else None
    counted: list[str] = []
    checks = []
    for piece in evidence:
        if piece.kind != KIND_APPROVAL:
            continue
        check = _check_approval(piece, keys, plan.digest, now)
        if check.accepted and check.approver is not None:
            name = check.approver
            if initiator_key is None:
                # Whether the approver is the initiator cannot be told: a self-approval
                # must not count, so none does.
                check = _rejected(check, UNKNOWN_INITIATOR)
            elif name.casefold() == initiator_key:
                check = _rejected(check, f"approver {name!r} is the initiator")
            elif name.casefold() in {c.casefold() for c in counted}:
                check = _rejected(check, f"approver {name!r} already counted")
            else:
                counted.append(name)
        checks.append(check)
    return checks, counted


def _check_approval(
    piece: LoadedEvidence, keys: Sequence[TrustedKey], digest: str, now: datetime
) -> EvidenceCheck:
    """The verdict on one approval, before the initiator and duplicate rules."""
    if piece.problem is not None:
        return EvidenceCheck(piece.file, piece.kind, False, piece.problem)
    try:
        predicate = decode_approval(piece.payload).predicate
    except ValueError:
        predicate = None
    preferred = predicate.approver if predicate is not None else None
    signer = _find_signer(piece, keys, "approval", prefer=preferred)
    if isinstance(signer, str):
        return EvidenceCheck(piece.file, piece.kind, False, signer, approver=preferred)
    if predicate is None:
        return EvidenceCheck(
            piece.file,
            piece.kind,
            False,
            "malformed: payload is not an approval",
            signer=signer.name,
        )

    def reject(reason: str) -> EvidenceCheck:
        return EvidenceCheck(
            piece.file, piece.kind, False, reason, signer=signer.name, approver=predicate.approver
        )

    if predicate.approver.casefold() != signer.name.casefold():
        return reject(
            f"approval names approver {predicate.approver!r} but is signed by {signer.name!r}"
        )
    if predicate.plan_digest != digest:
        return reject(
            f"approves plan {_short(predicate.plan_digest)} but this plan is {_short(digest)}"
        )
    try:
        issued = parse_utc(predicate.issued_at)
        expires = parse_utc(predicate.expires_at)
    except ValueError as exc:
        return reject(f"malformed: {exc}")
    if issued > now + CLOCK_SKEW:
        return reject(f"issued in the future ({format_utc(issued)})")
    if now >= expires:
        return reject(f"expired {format_utc(expires)}")
    return EvidenceCheck(
        piece.file,
        piece.kind,
        True,
        f"approved by {predicate.approver!r} until {format_utc(expires)}",
        signer=signer.name,
        approver=predicate.approver,
    )


def _trusted_keys(trusted: Sequence[TrustedKeyEntry]) -> list[TrustedKey]:
    """The configured keys, loaded; cryptography is imported only when there is one."""
    if not trusted:
        return []
    from planrisk.gate.evidence.keys import load_trusted_keys

    return load_trusted_keys(trusted)


def _rejected(check: EvidenceCheck, reason: str) -> EvidenceCheck:
    """`check` turned into a rejection for `reason`."""
    return msgspec.structs.replace(check, accepted=False, reason=reason)


def _short(digest: str) -> str:
    """`sha256:ab12cd34ef56…` (12 hex digits)."""
    algorithm, _, hex_digest = digest.partition(":")
    if not hex_digest:
        return digest[:19] + "…"
    return f"{algorithm}:{hex_digest[:12]}…"


def _find_signer(
    piece: LoadedEvidence, keys: Sequence[TrustedKey], purpose: str, prefer: str | None = None
) -> TrustedKey | str:
    """The trusted key of `purpose` that signed `piece`, or the specific reason there is none."""
    message = pae(piece.payload_type, piece.payload)
    verified: list[TrustedKey] = []
    for signature in piece.signatures[:MAX_SIGNATURES]:
        try:
            raw = b64decode(signature.sig)
        except ValueError:
            continue
        verified.extend(key for key in keys if key.verifies(message, raw))
    fitting = sorted((k for k in verified if k.purpose == purpose), key=lambda k: k.name)
    if fitting:
        for key in fitting:
            if prefer is not None and key.name.casefold() == prefer.casefold():
                return key
        return fitting[0]
    if verified:
        return f"signed by {verified[0].name!r} whose key is not trusted for {purpose}"
    hinted = sorted(
        {k.name for s in piece.signatures for k in keys if s.keyid and s.keyid == k.keyid}
    )
    if hinted:
        return (
            f"payload or signature was modified after signing: the signature by trusted key "
            f"{hinted[0]!r} does not verify"
        )
    if not any(key.purpose == purpose for key in keys):
        return (
            f"signature does not verify against any trusted {purpose} key "
            f'(none is configured: add [[trusted_keys]] with purpose = "{purpose}")'
        )
    return f"signature does not verify against any trusted {purpose} key"
