"""Fixtures for the evidence tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from planrisk.gate.evidence.dsse import Envelope, encode_envelope
from planrisk.model import Action, Plan
from tests.support.builders import change
from tests.support.evidence import KeyRing, prod_plan


@pytest.fixture
def plan() -> Plan:
    """A prod plan: a create, a delete in a module, a no-op and a read."""
    return prod_plan(
        change("aws_iam_role.ci", "aws_iam_role", Action.NOOP),
        change("aws_s3_bucket.logs", "aws_s3_bucket", Action.CREATE),
        change("data.aws_caller_identity.me", "aws_caller_identity", Action.READ),
        change("module.db.aws_db_instance.main", "aws_db_instance", Action.DELETE),
    )


@pytest.fixture
def keys(tmp_path: Path) -> KeyRing:
    """A fresh key ring."""
    ring = tmp_path / "keys"
    ring.mkdir()
    return KeyRing(ring)


@pytest.fixture
def write_envelope(tmp_path: Path) -> Callable[[str, Envelope], Path]:
    """Write an envelope to tmp_path/evidence/NAME and return the path."""
    folder = tmp_path / "evidence"
    folder.mkdir()

    def write(name: str, envelope: Envelope) -> Path:
        path = folder / name
        path.write_bytes(encode_envelope(envelope))
        return path

    return write
