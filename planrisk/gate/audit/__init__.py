"""Audit trail (audit stage): every gate decision in an append-only, hash-chained SQLite log.

Input: gate decisions. Output: the stored records, the log, and its verification. The gate
calls `append_decision(default_audit_path(os.environ, Path.cwd()) or --audit-db, record)`;
`planrisk audit log` and `planrisk audit verify` read it.
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
