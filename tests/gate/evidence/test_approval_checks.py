"""Plan-bound approvals: every way an approval counts or is ignored, with its reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest

from planrisk.gate.evidence.approval import build_approval, decode_approval, sign_approval
from planrisk.gate.evidence.dsse import Envelope, b64decode
from planrisk.gate.evidence.loading import load_evidence
from planrisk.gate.evidence.verify import (
    UNKNOWN_INITIATOR,
    EvidenceCheck,
    check_approvals,
    check_attestations,
)
from planrisk.model import Plan, TrustedKeyEntry
from tests.support.evidence import NOW, KeyRing, flip_payload_byte, flip_signature_byte

OTHER_DIGEST = "sha256:" + "ab12" * 16


def approve(
    plan: Plan,
    keys: KeyRing,
    approver: str,
    *,
    signer: str | None = None,
    digest: str | None = None,
    issued_ago: timedelta = timedelta(hours=1),
    lifetime: timedelta = timedelta(hours=24),
) -> Envelope:
    """An approval by `approver` (signed by `signer`, default the approver)."""
    approval = build_approval(
        approver=approver,
        plan_digest=digest or plan.digest,
        now=NOW - issued_ago,
        lifetime=lifetime,
    )
    return sign_approval(approval, keys.key(signer or approver))


def check(
    plan: Plan, trusted: list[TrustedKeyEntry], *paths: Path, initiator: str | None = "bob"
) -> tuple[list[EvidenceCheck], list[str]]:
    """Load `paths` and check their approvals against `plan` at NOW."""
    return check_approvals(
        load_evidence(list(paths)), plan=plan, trusted=trusted, initiator=initiator, now=NOW
    )


@pytest.fixture
def trusted(keys: KeyRing) -> list[TrustedKeyEntry]:
    """alice, bob and carol approve; sandbox-ci only attests."""
    return [
        keys.trust("alice", "approval"),
        keys.trust("bob", "approval"),
        keys.trust("carol", "approval"),
        keys.trust("sandbox-ci", "attestation"),
    ]


def test_approval_payload_binds_plan_and_expiry(plan: Plan, keys: KeyRing) -> None:
    envelope = approve(plan, keys, "alice")
    assert envelope.payload_type == "application/vnd.planrisk.approval+json"
    predicate = decode_approval(b64decode(envelope.payload)).predicate
    assert predicate.plan_digest == plan.digest
    assert predicate.issued_at == "2026-11-21T11:00:00Z"
    assert predicate.expires_at == "2026-11-22T11:00:00Z"
    assert len(predicate.nonce) == 32
    again = decode_approval(b64decode(approve(plan, keys, "alice").payload)).predicate
    assert predicate.nonce != again.nonce
    assert envelope.signatures[0].keyid == _keyid(keys, "alice")


def _keyid(keys: KeyRing, name: str) -> str:
    from planrisk.gate.evidence.keys import key_id

    return key_id(keys.key(name).public_key())


def test_two_distinct_approvers_count(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    a = write_envelope("alice.json", approve(plan, keys, "alice"))
    c = write_envelope("carol.json", approve(plan, keys, "carol"))
    checks, approvers = check(plan, trusted, a, c)
    assert approvers == ["alice", "carol"]
    assert [(c.accepted, c.approver, c.signer) for c in checks] == [
        (True, "alice", "alice"),
        (True, "carol", "carol"),
    ]
    assert checks[0].reason == "approved by 'alice' until 2026-11-22T11:00:00Z"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            lambda plan, keys: approve(plan, keys, "alice", signer="mallory"),
            "signature does not verify against any trusted approval key",
        ),
        (
            lambda plan, keys: approve(plan, keys, "sandbox-ci"),
            "signed by 'sandbox-ci' whose key is not trusted for approval",
        ),
        (
            lambda plan, keys: approve(plan, keys, "carol", signer="alice"),
            "approval names approver 'carol' but is signed by 'alice'",
        ),
        (
            lambda plan, keys: flip_payload_byte(
                approve(plan, keys, "alice"),
                b'"expires_at":"2026-11-22',
                b'"expires_at":"2027-11-22',
            ),
            "payload or signature was modified after signing: the signature by trusted key "
            "'alice' does not verify",
        ),
        (
            lambda plan, keys: flip_signature_byte(approve(plan, keys, "alice")),
            "payload or signature was modified after signing: the signature by trusted key "
            "'alice' does not verify",
        ),
        (
            lambda plan, keys: approve(
                plan, keys, "alice", issued_ago=timedelta(hours=30), lifetime=timedelta(hours=24)
            ),
            "expired 2026-11-21T06:00:00Z",
        ),
        (
            lambda plan, keys: approve(plan, keys, "alice", issued_ago=-timedelta(hours=2)),
            "issued in the future (2026-11-21T14:00:00Z)",
        ),
        (
            lambda plan, keys: approve(plan, keys, "alice", digest=OTHER_DIGEST),
            "approves plan sha256:ab12ab12ab12… but this plan is sha256:cd34cd34cd34…",
        ),
        (
            lambda plan, keys: approve(plan, keys, "bob"),
            "approver 'bob' is the initiator",
        ),
    ],
    ids=[
        "forged",
        "wrong-purpose",
        "signed-in-another-name",
        "payload-tampered",
        "signature-tampered",
        "expired",
        "future",
        "wrong-plan",
        "self-approval",
    ],
)
def test_rejected_approval_names_the_reason(
    plan: Plan,
    keys: KeyRing,
    trusted: list[TrustedKeyEntry],
    write_envelope: Callable[..., Path],
    make: Callable[[Plan, KeyRing], Envelope],
    reason: str,
) -> None:
    path = write_envelope("bad.json", make(plan, keys))
    checks, approvers = check(plan, trusted, path)
    assert approvers == []
    assert [(c.file, c.kind, c.accepted, c.reason) for c in checks] == [
        (str(path), "approval", False, reason)
    ]


def test_expiry_is_exclusive(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    path = write_envelope(
        "edge.json",
        approve(plan, keys, "alice", issued_ago=timedelta(hours=24), lifetime=timedelta(hours=24)),
    )
    checks, approvers = check(plan, trusted, path)
    assert (approvers, checks[0].reason) == ([], "expired 2026-11-21T12:00:00Z")


def test_self_approval_is_case_insensitive(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    path = write_envelope("bob.json", approve(plan, keys, "bob"))
    checks, approvers = check(plan, trusted, path, initiator="Bob")
    assert approvers == []
    assert checks[0].reason == "approver 'bob' is the initiator"


def test_duplicate_approver_counts_once(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    first = write_envelope("1.json", approve(plan, keys, "carol"))
    second = write_envelope("2.json", approve(plan, keys, "carol"))
    checks, approvers = check(plan, trusted, first, second)
    assert approvers == ["carol"]
    assert [(c.accepted, c.reason) for c in checks] == [
        (True, "approved by 'carol' until 2026-11-22T11:00:00Z"),
        (False, "approver 'carol' already counted"),
    ]


def test_without_initiator_no_approval_counts(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    # Attack: with no CI identity and USER unset the initiator is unknown, so a self-approval
    # by the initiator cannot be told apart from another human's. None counts until it is.
    path = write_envelope("bob.json", approve(plan, keys, "bob"))
    checks, approvers = check(plan, trusted, path, initiator=None)
    assert approvers == []
    assert [(c.accepted, c.reason) for c in checks] == [(False, UNKNOWN_INITIATOR)]
    assert "--initiator" in UNKNOWN_INITIATOR and "CI" in UNKNOWN_INITIATOR


def test_attestations_and_garbage_are_left_to_check_attestations(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], tmp_path: Path
) -> None:
    garbage = tmp_path / "x.json"
    garbage.write_text("not json")
    assert check(plan, trusted, garbage) == ([], [])


def test_signature_covers_the_payload_type(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    envelope = approve(plan, keys, "alice")
    retyped = msgspec.structs.replace(envelope, payload_type="application/vnd.in-toto+json")
    path = write_envelope("retyped.json", retyped)
    assert check(plan, trusted, path) == ([], [])
    checks, covered = check_attestations(
        load_evidence([path]), plan=plan, trusted=trusted, max_age=timedelta(days=7), now=NOW
    )
    assert covered is False
    assert checks[0].reason == (
        "payload or signature was modified after signing: the signature by trusted key "
        "'alice' does not verify"
    )
