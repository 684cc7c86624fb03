"""Rendering the audit log (audit stage → CLI): one line per decision, or JSON.

Input: stored `AuditRecord`s. Output: text (`seq time outcome environment actor score plan
hash`) or deterministic JSON (sorted keys) with every record's decoded payload and chain fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from planrisk.gate.audit.chain import AuditRecord


def render_json(records: Sequence[AuditRecord]) -> str:
    """The log as a JSON array, sorted keys, indented."""
    items = [
        {
            "seq": r.seq,
            "stream": r.stream,
            "time": r.time,
            "prev_hash": r.prev_hash,
            "hash": r.hash,
            "record": r.data,
        }
        for r in records
    ]
    return msgspec.json.format(msgspec.json.encode(items, order="sorted"), indent=2).decode()


def render_text(records: Sequence[AuditRecord]) -> str:
    """One line per decision; a short note for an empty log."""
    if not records:
        return "audit log is empty"
    return "\n".join(_line(record) for record in records)


def _line(record: AuditRecord) -> str:
    """`#seq time outcome env=… actor=… score=… plan=… hash=…`."""
    try:
        data = record.data
    except msgspec.DecodeError:
        data = None
    if not isinstance(data, dict):
        data = {}
    kind = data.get("kind")
    if isinstance(kind, str):
        # Records the guard appends beside decisions: apply_result and state_command.
        parts = [f"#{record.seq}", record.time, kind]
        for key in ("command", "outcome", "exit_code", "actor"):
            if key in data:
                parts.append(f"{key}={_label(data[key])}")
        parts += [f"plan={_short(_label(data.get('plan_digest')))}", f"hash={record.hash[:12]}"]
        return " ".join(parts)
    parts = [
        f"#{record.seq}",
        record.time,
        _label(data.get("outcome")),
        f"env={_label(data.get('environment'))}",
        f"actor={_label(data.get('actor'))}",
        f"score={_label(data.get('score'))}",
        f"plan={_short(_label(data.get('plan_digest')))}",
        f"hash={record.hash[:12]}",
    ]
    return " ".join(parts)


def _label(value: Any) -> str:
    """A short label for a payload field that may be a scalar or an object."""
    if isinstance(value, dict):
        for key in ("name", "identity", "kind", "score"):
            if value.get(key) is not None:
                return _label(value[key])
        return "?"
    if value is None:
        return "-"
    return str(value)


def _short(digest: str) -> str:
    """`sha256:` and the first 12 hex digits."""
    algorithm, _, hex_digest = digest.partition(":")
    return f"{algorithm}:{hex_digest[:12]}" if hex_digest else digest
