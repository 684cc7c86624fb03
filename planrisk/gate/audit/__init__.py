"""Audit trail (audit stage): every gate decision in an append-only, hash-chained store.

Input: gate decisions. Output: the stored records, the log, and its verification. The store is
a SQLite file or a PostgreSQL database (`locations` resolves --store, --audit-db and the
environment; `engines` opens either); the gate calls `append_decision(spec, record)`;
`planrisk audit log|verify|checkpoint` and `planrisk store …` read it.
"""

from __future__ import annotations

from planrisk.gate.audit.chain import GENESIS, AuditRecord, VerifyResult, record_hash
from planrisk.gate.audit.store import append_decision, default_audit_path, read_log, verify_log

__all__ = [
    "GENESIS",
    "AuditRecord",
    "VerifyResult",
    "append_decision",
    "default_audit_path",
    "read_log",
    "record_hash",
    "verify_log",
]
