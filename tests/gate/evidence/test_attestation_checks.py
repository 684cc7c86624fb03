"""Sandbox attestations: every way an attestation is accepted or ignored, with its reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from planrisk.errors import EvidenceError
from planrisk.gate.evidence.attestation import build_statement, change_fingerprint, sign_statement
from planrisk.gate.evidence.ci_context import CiContext
from planrisk.gate.evidence.dsse import Envelope
from planrisk.gate.evidence.loading import load_evidence
from planrisk.gate.evidence.verify import EvidenceCheck, check_attestations
from planrisk.model import Action, Plan, TrustedKeyEntry
from tests.support.builders import change
from tests.support.evidence import NOW, KeyRing, flip_payload_byte, flip_signature_byte, prod_plan

CONTEXT = CiContext(commit="0f" * 20, actor="ci-bot")
WEEK = timedelta(days=7)


def attest(
    plan: Plan,
    keys: KeyRing,
    signer: str = "sandbox-ci",
    *,
    environment: str = "sandbox",
    exit_code: int = 0,
    age: timedelta = timedelta(hours=1),
) -> Envelope:
    """A signed attestation of `plan` made `age` before NOW."""
    statement = build_statement(
        plan, environment=environment, apply_exit_code=exit_code, context=CONTEXT, now=NOW - age
    )
    return sign_statement(statement, keys.key(signer))


def check(
    plan: Plan, trusted: list[TrustedKeyEntry], *paths: Path
) -> tuple[list[EvidenceCheck], bool]:
    """Load `paths` and check their attestations against `plan` at NOW."""
    return check_attestations(
        load_evidence(list(paths)), plan=plan, trusted=trusted, max_age=WEEK, now=NOW
    )


@pytest.fixture
def trusted(keys: KeyRing) -> list[TrustedKeyEntry]:
    """The sandbox signer is trusted for attestations, alice for approvals."""
    return [keys.trust("sandbox-ci", "attestation"), keys.trust("alice", "approval")]


def test_fingerprint_lists_changes_beyond_noop_and_read(plan: Plan) -> None:
    entries = [(e.address, e.type, e.action) for e in change_fingerprint(plan)]
    assert entries == [
        ("aws_s3_bucket.logs", "aws_s3_bucket", "create"),
        ("module.db.aws_db_instance.main", "aws_db_instance", "delete"),
    ]


def test_statement_is_in_toto_v1_with_plan_subject(plan: Plan, keys: KeyRing) -> None:
    statement = build_statement(
        plan, environment="sandbox", apply_exit_code=0, context=CONTEXT, now=NOW
    )
    assert statement.type == "https://in-toto.io/Statement/v1"
    assert statement.subject[0].name == "prod.json"
    assert statement.subject[0].digest == {"sha256": "cd34" * 16}
    assert statement.predicate.plan_digest == plan.digest
    assert statement.predicate.commit == CONTEXT.commit
    assert statement.predicate.actor == "ci-bot"
    assert statement.predicate.time == "2026-11-21T12:00:00Z"


def test_valid_attestation_is_accepted_and_covers(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    path = write_envelope("ok.json", attest(plan, keys))
    checks, covered = check(plan, trusted, path)
    assert covered is True
    assert checks[0].accepted is True
    assert checks[0].signer == "sandbox-ci"
    assert checks[0].kind == "sandbox_attestation"
    assert "covers all 2 change(s)" in checks[0].reason


def test_attestation_from_a_sandbox_plan_with_extra_changes_covers(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    bigger = prod_plan(*plan.changes, change("aws_sqs_queue.extra", "aws_sqs_queue", Action.CREATE))
    path = write_envelope("ok.json", attest(bigger, keys))
    assert check(plan, trusted, path)[1] is True


def test_dev_environment_is_accepted(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    path = write_envelope("dev.json", attest(plan, keys, environment="dev"))
    assert check(plan, trusted, path)[1] is True


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            lambda plan, keys: attest(plan, keys, signer="mallory"),
            "signature does not verify against any trusted attestation key",
        ),
        (
            lambda plan, keys: attest(plan, keys, signer="alice"),
            "signed by 'alice' whose key is not trusted for attestation",
        ),
        (
            lambda plan, keys: flip_payload_byte(attest(plan, keys), b'"delete"', b'"update"'),
            "payload or signature was modified after signing: the signature by trusted key "
            "'sandbox-ci' does not verify",
        ),
        (
            lambda plan, keys: flip_signature_byte(attest(plan, keys)),
            "payload or signature was modified after signing: the signature by trusted key "
            "'sandbox-ci' does not verify",
        ),
        (
            lambda plan, keys: attest(plan, keys, environment="prod"),
            "attestation is for environment prod (must be sandbox or dev)",
        ),
        (
            lambda plan, keys: attest(plan, keys, exit_code=1),
            "apply failed (exit code 1)",
        ),
        (
            lambda plan, keys: attest(plan, keys, age=timedelta(days=8)),
            "older than 7d (made 2026-11-13T12:00:00Z)",
        ),
        (
            lambda plan, keys: attest(plan, keys, age=-timedelta(hours=1)),
            "made in the future (2026-11-21T13:00:00Z)",
        ),
        (
            lambda plan, keys: attest(prod_plan(*plan.changes[:2]), keys),
            "does not cover module.db.aws_db_instance.main (delete)",
        ),
    ],
    ids=[
        "forged",
        "wrong-purpose",
        "payload-tampered",
        "signature-tampered",
        "prod",
        "failed-apply",
        "too-old",
        "future",
        "missing-change",
    ],
)
def test_rejected_attestation_names_the_reason(
    plan: Plan,
    keys: KeyRing,
    trusted: list[TrustedKeyEntry],
    write_envelope: Callable[..., Path],
    make: Callable[[Plan, KeyRing], Envelope],
    reason: str,
) -> None:
    path = write_envelope("bad.json", make(plan, keys))
    checks, covered = check(plan, trusted, path)
    assert covered is False
    assert [(c.file, c.accepted, c.reason) for c in checks] == [(str(path), False, reason)]


def test_same_address_with_other_action_does_not_cover(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    sandbox = prod_plan(
        change("aws_s3_bucket.logs", "aws_s3_bucket", Action.CREATE),
        change("module.db.aws_db_instance.main", "aws_db_instance", Action.UPDATE),
    )
    path = write_envelope("update.json", attest(sandbox, keys))
    checks, covered = check(plan, trusted, path)
    assert covered is False
    assert checks[0].reason == "does not cover module.db.aws_db_instance.main (delete)"


def test_several_missing_changes_are_counted(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    path = write_envelope("empty.json", attest(prod_plan(), keys))
    checks, _ = check(plan, trusted, path)
    assert checks[0].reason == "does not cover aws_s3_bucket.logs (create) and 1 more change(s)"


def test_one_good_attestation_among_bad_ones_covers(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], write_envelope: Callable[..., Path]
) -> None:
    write_envelope("a-forged.json", attest(plan, keys, signer="mallory"))
    write_envelope("b-good.json", attest(plan, keys))
    folder = keys.root.parent / "evidence"
    checks, covered = check(plan, trusted, folder)
    assert covered is True
    assert [(Path(c.file).name, c.accepted) for c in checks] == [
        ("a-forged.json", False),
        ("b-good.json", True),
    ]


def test_malformed_file_is_ignored_and_named(
    plan: Plan, keys: KeyRing, trusted: list[TrustedKeyEntry], tmp_path: Path
) -> None:
    garbage = tmp_path / "truncated.json"
    garbage.write_text('{"payloadType": "application/vnd.in-toto+json", "payl')
    checks, covered = check(plan, trusted, garbage)
    assert covered is False
    assert [(c.kind, c.accepted, c.reason) for c in checks] == [
        ("unknown", False, "malformed: not valid JSON")
    ]


def test_unreadable_trusted_key_is_an_evidence_error(
    plan: Plan, keys: KeyRing, write_envelope: Callable[..., Path], tmp_path: Path
) -> None:
    not_a_key = tmp_path / "broken.pub"
    not_a_key.write_text("hello\n")
    path = write_envelope("ok.json", attest(plan, keys))
    trusted = [TrustedKeyEntry(name="ci", purpose="attestation", public_key_path=str(not_a_key))]
    with pytest.raises(EvidenceError) as info:
        check(plan, trusted, path)
    assert info.value.source == str(not_a_key)
    assert info.value.exit_code == 3


def test_without_configured_attestation_keys_the_reason_says_so(
    plan: Plan, keys: KeyRing, write_envelope: Callable[..., Path]
) -> None:
    path = write_envelope("ok.json", attest(plan, keys))
    checks, covered = check(plan, [keys.trust("alice", "approval")], path)
    assert covered is False
    assert checks[0].reason == (
        "signature does not verify against any trusted attestation key "
        '(none is configured: add [[trusted_keys]] with purpose = "attestation")'
    )
