"""Signed evidence (evidence stage): sandbox attestations and plan-bound approvals.

Input: evidence files (DSSE envelopes signed with Ed25519), the gated plan, the trusted keys
of the configuration. Output: `EvidenceCheck` verdicts the gate uses and shows. The gate
calls `load_evidence`, then `check_attestations` and `check_approvals`; the CLI commands
`keygen`, `attest` and `approve` create keys and evidence.
"""

from __future__ import annotations

from planrisk.evidence.durations import format_duration, parse_duration
from planrisk.evidence.loading import LoadedEvidence, load_evidence
from planrisk.evidence.verify import EvidenceCheck, check_approvals, check_attestations

__all__ = [
    "EvidenceCheck",
    "LoadedEvidence",
    "check_approvals",
    "check_attestations",
    "format_duration",
    "load_evidence",
    "parse_duration",
]
