"""The store's tables in PostgreSQL (audit stage): the DDL of each schema version.

Input: nothing (data). Output: `MIGRATIONS[v]`, the statements that take a store from version
v-1 to v, run in one transaction by `planrisk store migrate` (or by the first writer when the
store has no tables at all). Tables are created unqualified, in the first schema on the
connection's search_path, all named `planrisk_*` so that they can share a schema.

Appends need only INSERT and SELECT: chains serialize on a transaction-scoped advisory lock
(not on a head row that would need UPDATE), evidence is keyed by its sha256 and inserted with
ON CONFLICT DO NOTHING (no sequence to grant). Triggers refuse UPDATE, DELETE and TRUNCATE on
both tables for every role, the owner included, until someone drops them; `audit verify` and
the checkpoints do not depend on them.
"""

from __future__ import annotations

from planrisk.gate.audit.jobs_schema import POSTGRES_V2
from planrisk.gate.audit.store_interface import SCHEMA_VERSION

RECORDS = "planrisk_records"
EVIDENCE = "planrisk_evidence"
META = "planrisk_meta"
DECISIONS_VIEW = "planrisk_decisions"

_APPEND_ONLY_FUNCTION = """CREATE FUNCTION planrisk_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the planrisk store is append-only (% on %)', TG_OP, TG_TABLE_NAME;
    END $$"""


def _append_only(table: str) -> tuple[str, str]:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION planrisk_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION planrisk_append_only()",
    )


MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        f"CREATE TABLE {META} (key text PRIMARY KEY, value text NOT NULL)",
        f"""CREATE TABLE {RECORDS} (
            stream text NOT NULL,
            seq bigint NOT NULL CHECK (seq > 0),
            time text NOT NULL,
            payload text NOT NULL,
            prev_hash text NOT NULL,
            hash text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (stream, seq)
        )""",
        f"""CREATE TABLE {EVIDENCE} (
            sha256 text PRIMARY KEY,
            kind text NOT NULL,
            plan_digest text NOT NULL,
            fingerprint text,
            envelope text NOT NULL,
            stream text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
        )""",
        f"CREATE INDEX {EVIDENCE}_plan_digest ON {EVIDENCE} (plan_digest)",
        f"CREATE INDEX {EVIDENCE}_fingerprint ON {EVIDENCE} (fingerprint)",
        _APPEND_ONLY_FUNCTION,
        *_append_only(RECORDS),
        *_append_only(EVIDENCE),
        # For queries ("every agent-initiated prod delete this month"); the payload stays
        # text because it is hashed byte for byte, and jsonb would reorder its keys.
        f"CREATE VIEW {DECISIONS_VIEW} AS SELECT stream, seq, time, payload::jsonb AS record, "
        f"hash FROM {RECORDS}",
    ),
    2: POSTGRES_V2,
}
assert max(MIGRATIONS) == SCHEMA_VERSION, "every schema version has its migration"

SET_VERSION = (
    f"INSERT INTO {META} (key, value) VALUES ('schema_version', %s) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
