"""Signed evidence (evidence stage): sandbox attestations and plan-bound approvals.

Input: evidence files (DSSE envelopes signed with Ed25519), the gated plan, the trusted keys
of the configuration. Output: `EvidenceCheck` verdicts the gate uses and shows. The gate
calls `load_evidence`, then `check_attestations` and `check_approvals`; the CLI commands
`keygen`, `attest` and `approve` create keys and evidence.

The names below are imported on first use: the gate imports `durations` on every run, and
loading or verifying evidence is needed only when there is some (cryptography only when a
trusted key is configured or something is signed).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "EvidenceCheck": "planrisk.gate.evidence.verify",
    "LoadedEvidence": "planrisk.gate.evidence.loading",
    "check_approvals": "planrisk.gate.evidence.verify",
    "check_attestations": "planrisk.gate.evidence.verify",
    "format_duration": "planrisk.gate.evidence.durations",
    "load_evidence": "planrisk.gate.evidence.loading",
    "parse_duration": "planrisk.gate.evidence.durations",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'planrisk.gate.evidence' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
