"""Tests of `planrisk.gate.audit`: the log, its hash chain, the store engines, checkpoints."""
