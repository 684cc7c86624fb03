"""The store through the real CLI: evidence across processes, fail closed, copy, roles, guard.

Each test runs `python -m planrisk …` in fresh processes (a sandbox job and a prod job are two
processes that share only the store), on SQLite and on PostgreSQL where both apply.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from planrisk.gate.audit import GENESIS, read_log, verify_log
from planrisk.gate.audit.chain import record_hash
from planrisk.gate.audit.engines import open_store
from planrisk.gate.audit.evidence_store import fingerprint_digest
from planrisk.gate.audit.store_interface import SCHEMA_VERSION, EvidenceRow
from planrisk.gate.evidence.attestation import FingerprintEntry
from planrisk.gate.evidence.keys import write_keypair
from tests.guard.fakes import DEV_TAG_UPDATE, make_world
from tests.support.builders import tf_change, tf_plan_json

from .stores import Engine, PostgresSchema, planrisk

pytestmark = pytest.mark.slow


def plan_json(*buckets: str, tag: str) -> str:
    """A Terraform plan creating one S3 bucket per name (values differ by `tag`)."""
    return tf_plan_json(
        *(
            tf_change(
                f"aws_s3_bucket.{name}",
                "aws_s3_bucket",
                ["create"],
                after={"bucket": f"{name}-{tag}"},
                after_unknown={"id": True},
            )
            for name in buckets
        )
    )


@pytest.fixture
def jobs(tmp_path: Path) -> Path:
    """A repository trusting a sandbox key and carol's, with a sandbox plan and two prod plans."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("sandbox", "carol"):
        write_keypair(root / name)
    (root / "sandbox.json").write_text(plan_json("logs", "assets", tag="sandbox"))
    (root / "prod.json").write_text(plan_json("logs", "assets", tag="prod"))
    (root / "prod-other.json").write_text(plan_json("logs", "assets", "extra", tag="prod"))
    (root / ".planrisk.toml").write_text(
        '[[trusted_keys]]\nname = "sandbox"\npurpose = "attestation"\npublic_key = "sandbox.pub"\n'
        '[[trusted_keys]]\nname = "carol"\npurpose = "approval"\npublic_key = "carol.pub"\n'
    )
    return root


def gate(engine: Engine, cwd: Path, plan: str, *args: str) -> tuple[int, dict[str, Any], str]:
    done = planrisk(
        "gate", plan, "--actor", "agent", "--env", "prod", "--format", "json", *args,
        env=engine.env(), cwd=cwd,
    )  # fmt: skip
    document = json.loads(done.stdout) if done.stdout.strip() else {}
    return done.returncode, document, done.stderr


def test_a_sandbox_attestation_from_one_job_is_found_by_the_prod_gate_of_another(
    engine: Engine, jobs: Path
) -> None:
    before = gate(engine, jobs, "prod.json")
    assert before[0] == 1 and before[1]["decision"]["outcome"] == "pending"

    attest = planrisk(
        "attest", "sandbox.json", "--key", "sandbox.key", "--store", "-o", "att.json",
        env=engine.env(), cwd=jobs,
    )  # fmt: skip
    assert attest.returncode == 0, attest.stderr
    assert "kept in " in attest.stderr
    (jobs / "att.json").unlink()  # the prod job has only the store

    code, document, err = gate(engine, jobs, "prod.json")
    assert code == 0, err
    [evidence] = document["decision"]["evidence"]
    assert evidence["file"].startswith("store:") and evidence["accepted"]
    assert "covers all 2 change(s)" in evidence["reason"]

    # Another change set finds no attestation in the store: the gate stays pending.
    code, document, _ = gate(engine, jobs, "prod-other.json")
    assert (code, document["decision"]["outcome"]) == (1, "pending")
    assert document["decision"]["evidence"] == []
    records = [r.data for r in read_log(engine.spec())]
    assert [r["outcome"] for r in records] == ["pending", "allow", "pending"]
    assert records[1]["evidence"][0]["file"] == evidence["file"]


def test_a_row_that_lies_about_its_change_set_is_found_and_refused(
    engine: Engine, jobs: Path
) -> None:
    attest = planrisk(
        "attest", "sandbox.json", "--key", "sandbox.key", "-o", "att.json",
        env=engine.env(), cwd=jobs,
    )  # fmt: skip
    assert attest.returncode == 0, attest.stderr
    # Someone with INSERT on the store files the sandbox's attestation under the fingerprint
    # of the larger prod change set.
    larger = [
        FingerprintEntry(f"aws_s3_bucket.{n}", "aws_s3_bucket", "create")
        for n in ("logs", "assets", "extra")
    ]
    with open_store(engine.spec()) as store:
        store.put_evidence(
            EvidenceRow(
                sha256="f" * 64,
                kind="sandbox_attestation",
                plan_digest="sha256:" + "0" * 64,
                fingerprint=fingerprint_digest(larger),
                envelope=(jobs / "att.json").read_text().strip(),
                stream="default",
            )
        )
    code, document, _ = gate(engine, jobs, "prod-other.json")
    assert (code, document["decision"]["outcome"]) == (1, "pending")
    [evidence] = document["decision"]["evidence"]
    assert evidence["file"] == "store:ffffffffffffffff" and not evidence["accepted"]
    assert evidence["reason"] == "does not cover aws_s3_bucket.extra (create)"


def test_an_approval_kept_in_the_store_counts_for_its_plan(engine: Engine, jobs: Path) -> None:
    approve = planrisk(
        "approve", "prod.json", "--approver", "carol", "--key", "carol.key", "--store",
        env=engine.env(), cwd=jobs,
    )  # fmt: skip
    assert approve.returncode == 0, approve.stderr
    with open_store(engine.spec()) as store:
        [row] = store.evidence()
    assert (row.kind, row.fingerprint) == ("approval", None)
    # An approval counts only once the initiator is known (not carol).
    code, document, _ = gate(engine, jobs, "prod.json", "--initiator", "dave")
    assert code == 1  # the attestation is still missing, the approval is counted
    [evidence] = document["decision"]["evidence"]
    assert evidence["accepted"] and evidence["reason"].startswith("approved by 'carol'")


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("where", ["user", "query"])
def test_an_unreachable_store_fails_the_gate_closed_without_the_password(
    tmp_path: Path, where: str
) -> None:
    port = unused_port()
    secret = "hunter2-s3cr3t"
    if where == "user":
        url = f"postgresql://gate:{secret}@127.0.0.1:{port}/audit"
    else:
        url = f"postgresql://gate@127.0.0.1:{port}/audit?password={secret}"
    env = Engine("postgresql", url, "planrisk_records").env()
    plan = str(DEV_TAG_UPDATE)
    done = planrisk("gate", plan, "--format", "json", env=env, cwd=tmp_path)
    assert done.returncode == 4
    [line] = done.stderr.splitlines()
    assert line.startswith(
        f"planrisk: error: postgresql://gate@127.0.0.1:{port}/audit: cannot reach the planrisk "
        "store ("
    )
    assert "nothing was allowed" in line and "Traceback" not in done.stderr
    assert secret not in done.stderr + done.stdout
    assert planrisk("audit", "verify", env=env, cwd=tmp_path).returncode == 4
    # analyze records nothing: it does not need the store.
    assert planrisk("analyze", plan, "--format", "json", env=env, cwd=tmp_path).returncode == 0
    assert not (tmp_path / ".planrisk").exists()


def test_store_copy_moves_a_sqlite_log_into_postgresql_with_its_chain(
    postgres: PostgresSchema, jobs: Path, tmp_path: Path
) -> None:
    local = Engine.sqlite(tmp_path / "local.db")
    central = Engine.on_postgres(postgres)
    for _ in range(3):
        assert gate(local, jobs, "prod.json")[0] == 1
    approve = planrisk(
        "approve", "prod.json", "--approver", "carol", "--key", "carol.key", "--store",
        env=local.env(), cwd=jobs,
    )  # fmt: skip
    assert approve.returncode == 0, approve.stderr
    head = verify_log(local.spec()).head_hash

    done = planrisk("store", "copy", local.url, env=central.env(), cwd=jobs)
    assert done.returncode == 0, done.stderr
    assert f"[default] → {central.spec().label} [default]: 3 record(s) copied" in done.stdout
    assert "1 evidence envelope(s) copied" in done.stdout
    assert read_log(central.spec()) == read_log(local.spec())
    result = verify_log(central.spec())
    assert (result.ok, result.head_hash) == (True, head)
    again = planrisk("store", "copy", local.url, env=central.env(), cwd=jobs)
    assert "0 record(s) copied, 3 in all" in again.stdout
    # The central gate finds the copied approval and continues the copied chain.
    found = gate(central, jobs, "prod.json", "--initiator", "dave")[1]
    assert found["decision"]["evidence"][0]["accepted"]
    assert [r.seq for r in read_log(central.spec())] == [1, 2, 3, 4]
    # The local log went on with another decision: copying it again would fork the chain.
    assert gate(local, jobs, "prod-other.json")[0] == 1
    forked = planrisk("store", "copy", local.url, env=central.env(), cwd=jobs)
    assert forked.returncode == 3 and "are not the first of" in forked.stderr
    renamed = planrisk(
        "store", "copy", local.url, "--stream", "default", "--as", "laptop/alice",
        env=central.env(), cwd=jobs,
    )  # fmt: skip
    assert renamed.returncode == 0 and "[laptop/alice]: 4 record(s) copied" in renamed.stdout


def test_a_broken_log_is_not_copied(postgres: PostgresSchema, tmp_path: Path) -> None:
    local = Engine.sqlite(tmp_path / "local.db")
    for _ in range(3):
        planrisk("gate", str(DEV_TAG_UPDATE), "-o", "/dev/null", env=local.env(), cwd=tmp_path)
    local.tamper("DELETE FROM records WHERE seq = 2")
    central = Engine.on_postgres(postgres)
    done = planrisk("store", "copy", local.url, central.url, env=local.env(), cwd=tmp_path)
    assert done.returncode == 1
    assert "stream 'default' is broken at record 2" in done.stderr
    assert postgres.admin("SELECT to_regclass('planrisk_records') IS NULL") == [(True,)]


def test_a_gate_role_with_only_select_and_insert_works(
    postgres: PostgresSchema, jobs: Path
) -> None:
    # The README's recipe: an owner role owns the schema and migrates; it grants the gate
    # role USAGE, SELECT and INSERT, nothing else.
    owner_role = postgres.role("planrisk_owner")
    postgres.admin(f'ALTER SCHEMA "{postgres.name}" OWNER TO {owner_role}')
    owner = Engine("postgresql", postgres.url_as(owner_role), "planrisk_records", postgres)
    migrated = planrisk("store", "migrate", env=owner.env(), cwd=jobs)
    assert migrated.returncode == 0, migrated.stderr
    assert "created the planrisk tables" in migrated.stdout
    gate_role = postgres.role("planrisk_gate")
    postgres.admin(
        f'GRANT USAGE ON SCHEMA "{postgres.name}" TO {gate_role}',
        f"GRANT SELECT, INSERT ON planrisk_records, planrisk_evidence TO {gate_role}",
        f"GRANT SELECT ON planrisk_meta TO {gate_role}",
        role=owner_role,
    )
    restricted = Engine("postgresql", postgres.url_as(gate_role), "planrisk_records", postgres)
    for _ in range(2):  # the second envelope is the same: ON CONFLICT DO NOTHING, no UPDATE
        attest = planrisk(
            "attest", "sandbox.json", "--key", "sandbox.key", "--store", "-o", "att.json",
            env=restricted.env(), cwd=jobs,
        )  # fmt: skip
        assert attest.returncode == 0, attest.stderr
    code, _, err = gate(restricted, jobs, "prod.json")
    assert code == 0, err
    verified = planrisk("audit", "verify", env=restricted.env(), cwd=jobs)
    assert verified.returncode == 0 and "intact: 1 record(s)" in verified.stdout
    # It may append but not rewrite, and it cannot create or migrate tables.
    import psycopg

    with (
        psycopg.connect(restricted.url) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("UPDATE planrisk_records SET payload = '{}'")
    other = PostgresSchema.create(postgres.server)
    try:
        other.admin(f'GRANT USAGE ON SCHEMA "{other.name}" TO {gate_role}')
        empty = Engine("postgresql", other.url_as(gate_role), "planrisk_records", other)
        done = planrisk("gate", "prod.json", "-o", "/dev/null", env=empty.env(), cwd=jobs)
        assert done.returncode == 3
        assert f"role '{gate_role}' may not do this" in done.stderr
        assert "planrisk store migrate" in done.stderr
    finally:
        other.drop()


def test_the_guard_records_its_decision_and_apply_result_in_postgresql(
    postgres: PostgresSchema, tmp_path: Path
) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=False)
    central = Engine.on_postgres(postgres)
    world.env["PLANRISK_STORE"] = central.url
    world.env["FAKE_EXIT"] = "0"
    result = world.guard("--", "terraform", "apply", "-auto-approve")
    assert result.returncode == 0, result.stderr
    assert not world.audit_db.exists()
    kinds = [r.data.get("kind", r.data.get("outcome")) for r in read_log(central.spec())]
    assert kinds == ["allow", "apply_result"]
    assert verify_log(central.spec()).ok


def test_a_log_from_before_streams_is_read_and_migrated_by_the_next_gate(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript(LEGACY_LOG)
    conn.close()
    local = Engine.sqlite(path)
    before = verify_log(local.spec())
    assert (before.ok, before.count) == (True, 1)
    listed = planrisk("audit", "log", "--audit-db", str(path), env=local.env(), cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.startswith("#1 2026-11-21T10:00:00Z allow")
    gated = planrisk("gate", str(DEV_TAG_UPDATE), "-o", "/dev/null", env=local.env(), cwd=tmp_path)
    assert gated.returncode in (0, 1), gated.stderr
    after = verify_log(local.spec())
    assert (after.ok, after.count) == (True, 2)
    assert read_log(local.spec())[0].hash == before.head_hash
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


# The layout `planrisk gate` wrote before streams (schema version 0), with one decision.
LEGACY_PAYLOAD = '{"outcome":"allow","time":"2026-11-21T10:00:00Z"}'
LEGACY_LOG = f"""
CREATE TABLE records (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER records_no_update BEFORE UPDATE ON records
    BEGIN SELECT RAISE(ABORT, 'the planrisk audit log is append-only'); END;
CREATE TRIGGER records_no_delete BEFORE DELETE ON records
    BEGIN SELECT RAISE(ABORT, 'the planrisk audit log is append-only'); END;
PRAGMA application_id = 1886154354;
INSERT INTO records VALUES (1, '2026-11-21T10:00:00Z', '{LEGACY_PAYLOAD}', '{GENESIS}',
    '{record_hash(GENESIS, LEGACY_PAYLOAD)}');
"""


def test_store_status_and_migrate(engine: Engine, tmp_path: Path) -> None:
    env = engine.env()
    empty = planrisk("store", "status", env=env, cwd=tmp_path)
    assert empty.returncode == 3
    assert ("audit log not found" if engine.kind == "sqlite" else "no planrisk tables") in (
        empty.stderr
    )
    created = planrisk("store", "migrate", env=env, cwd=tmp_path)
    assert f"created the planrisk tables (schema version {SCHEMA_VERSION})" in created.stdout
    again = planrisk("store", "migrate", env=env, cwd=tmp_path)
    assert again.stdout.endswith(f": schema version {SCHEMA_VERSION} is current\n")
    for stream in ("acme/web", "acme/infra", "acme/web"):
        done = planrisk(
            "gate",
            str(DEV_TAG_UPDATE),
            "--stream",
            stream,
            "-o",
            "/dev/null",
            env=env,
            cwd=tmp_path,
        )
        assert done.returncode in (0, 1), done.stderr
    status = planrisk("store", "status", env=env, cwd=tmp_path)
    label = engine.spec().label
    lines = status.stdout.splitlines()
    assert [line.split(", head ")[0] for line in lines] == [
        f"{label} [acme/infra]: 1 record(s)",
        f"{label} [acme/web]: 2 record(s)",
    ]
    document = json.loads(
        planrisk("store", "status", "--format", "json", env=env, cwd=tmp_path).stdout
    )
    assert document["store"] == label and document["engine"] == engine.kind
    assert [(s["stream"], s["size"]) for s in document["streams"]] == [
        ("acme/infra", 1),
        ("acme/web", 2),
    ]
    assert document["streams"][1]["head_hash"] == read_log(engine.spec(), "acme/web")[-1].hash


def test_migrate_upgrades_a_log_from_before_streams(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript(LEGACY_LOG)
    conn.close()
    local = Engine.sqlite(path)
    done = planrisk("store", "migrate", "--audit-db", str(path), env=local.env(), cwd=tmp_path)
    assert done.stdout == f"{path}: upgraded from schema version 0 to {SCHEMA_VERSION}\n"
    assert verify_log(local.spec()).count == 1
