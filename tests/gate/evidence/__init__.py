"""Tests of `planrisk.gate.evidence`: keys, approvals, attestations, durations, loading."""
