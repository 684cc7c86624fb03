"""Signed checkpoints: the C2SP signed-note format, and a rewritten log caught by an earlier one.

The note format is checked against the reference vector of golang.org/x/mod/sumdb/note (the
PeterNeumann key: Ed25519 is deterministic, so the note must come out byte for byte). The log
tests run the real CLI (`audit checkpoint`, `audit verify --checkpoint`) on both engines.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from planrisk.errors import InputError
from planrisk.gate.audit import append_decision, read_log
from planrisk.gate.audit.chain import GENESIS, AuditRecord, record_hash
from planrisk.gate.audit.checkpoint import (
    Checkpoint,
    extension_problem,
    key_id,
    open_checkpoint,
    parse_notes,
    sign_checkpoint,
    sign_note,
)
from planrisk.gate.audit.store_interface import StreamHead
from tests.support.cli import run_main

from .stores import Engine

# golang.org/x/mod/sumdb/note's test key and note.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def go_key() -> Ed25519PrivateKey:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])  # the key itself may hold a +
    assert seed[0] == 1  # the Ed25519 signature type
    return Ed25519PrivateKey.from_private_bytes(seed[1:])


def test_notes_match_the_reference_implementation_byte_for_byte() -> None:
    key = go_key()
    assert key_id("PeterNeumann", key.public_key()).hex() == "c74f20a3"
    assert sign_note(GO_TEXT, "PeterNeumann", key) == GO_NOTE
    [note] = parse_notes(GO_NOTE, "go")
    assert note.text == GO_TEXT
    assert note.signatures[0][0] == "PeterNeumann"


def test_a_checkpoint_opens_only_with_its_key_and_unchanged() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    head = StreamHead("acme/infra", 42, "ab" * 32)
    note = sign_checkpoint("audit.example.com/acme/infra", head, key)
    lines = note.splitlines()
    assert lines[:3] == [
        "audit.example.com/acme/infra",
        "42",
        base64.b64encode(bytes.fromhex("ab" * 32)).decode(),
    ]
    assert lines[3] == "" and lines[4].startswith("— audit.example.com/acme/infra ")
    [parsed] = parse_notes(note, "cp")
    opened = open_checkpoint(parsed, key.public_key())
    assert opened == Checkpoint(
        source="cp", origin="audit.example.com/acme/infra", size=42, head_hash="ab" * 32
    )
    assert "not signed by the given key" in str(open_checkpoint(parsed, other.public_key()))
    [changed] = parse_notes(note.replace("\n42\n", "\n43\n"), "cp")
    assert "does not verify" in str(open_checkpoint(changed, key.public_key()))


def test_files_of_several_notes_and_malformed_files() -> None:
    key = Ed25519PrivateKey.generate()
    notes = [sign_checkpoint(f"p/s{n}", StreamHead(f"s{n}", n, GENESIS), key) for n in (1, 2)]
    parsed = parse_notes("\n".join(notes), "f")
    assert [n.source for n in parsed] == ["f#1", "f#2"]
    for text, problem in [
        ("", "holds no checkpoint"),
        ("origin\n1\nAAAA\n", "no signature line"),
        ("origin\n1\nAAAA\n\n— origin !!!\n", "not base64"),
        ("a\x07b\n\n— a AAAAAAA=\n", "control characters"),
    ]:
        with pytest.raises(InputError, match=problem):
            parse_notes(text, "f")


def test_extension_compares_the_record_at_the_signed_size() -> None:
    records = []
    previous = GENESIS
    for n in range(1, 4):
        payload = json.dumps({"n": n, "time": "t"}, sort_keys=True, separators=(",", ":"))
        record = AuditRecord(
            seq=n,
            time="t",
            payload=payload,
            prev_hash=previous,
            hash=record_hash(previous, payload),
        )
        records.append(record)
        previous = record.hash
    signed = Checkpoint(source="c", origin="p/default", size=2, head_hash=records[1].hash)
    assert extension_problem(signed, records) is None
    assert "no record 2" in str(extension_problem(signed, records[:1]))
    forged = Checkpoint(source="c", origin="p/default", size=2, head_hash="00" * 32)
    assert "rewritten at or before record 2" in str(extension_problem(forged, records))


def gate_records(engine: Engine, count: int, start: int = 1) -> None:
    for n in range(start, start + count):
        append_decision(
            engine.spec(), {"time": f"2026-11-21T10:{n:02d}:00Z", "n": n, "outcome": "pending"}
        )


def checkpoint(engine: Engine, tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    code = run_main("audit", "checkpoint", "--key", str(tmp_path / "ck.key"), "--store",
                    engine.url, "--origin", "audit.example.com", "-o", str(out))  # fmt: skip
    assert code == 0
    return out


def verify(engine: Engine, tmp_path: Path, *files: Path) -> int:
    args = ["audit", "verify", "--store", engine.url, "--origin", "audit.example.com"]
    args += ["--checkpoint-key", str(tmp_path / "ck.pub")]
    for file in files:
        args += ["--checkpoint", str(file)]
    return run_main(*args)


def test_a_log_rewritten_consistently_is_caught_by_an_earlier_checkpoint(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main("keygen", str(tmp_path / "ck")) == 0
    gate_records(engine, 5)
    early = checkpoint(engine, tmp_path, "early.txt")
    gate_records(engine, 3, start=6)
    late = checkpoint(engine, tmp_path, "late.txt")
    capsys.readouterr()
    assert verify(engine, tmp_path, early, late) == 0
    out = capsys.readouterr().out
    assert "(audit.example.com/default, size 5): the log extends it" in out
    assert "(audit.example.com/default, size 8): the log extends it" in out

    # Whoever administers the database rewrites records 3…8 with fresh, consistent hashes.
    records = read_log(engine.spec())
    statements = [f"DELETE FROM {engine.table} WHERE seq >= 3"]
    previous = records[1].hash
    for record in records[2:]:
        payload = record.payload.replace('"pending"', '"allow"')
        digest = record_hash(previous, payload)
        statements.append(
            f"INSERT INTO {engine.table} (stream, seq, time, payload, prev_hash, hash) VALUES "
            f"('default', {record.seq}, '{record.time}', '{payload}', '{previous}', '{digest}')"
        )
        previous = digest
    engine.tamper(*statements)
    assert run_main("audit", "verify", "--store", engine.url) == 0  # the chain alone holds
    capsys.readouterr()
    assert verify(engine, tmp_path, early) == 1
    out = capsys.readouterr().out
    assert "audit log intact: 8 record(s)" in out
    assert "size 5): record 5 has hash" in out and "rewritten at or before record 5" in out


def test_removed_newest_records_are_caught_by_the_checkpoint(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main("keygen", str(tmp_path / "ck")) == 0
    gate_records(engine, 4)
    signed = checkpoint(engine, tmp_path, "cp.txt")
    engine.tamper(f"DELETE FROM {engine.table} WHERE seq = 4")
    capsys.readouterr()
    assert verify(engine, tmp_path, signed) == 1
    assert "has no record 4 (3 record(s))" in capsys.readouterr().out


def test_a_checkpoint_by_another_key_or_of_another_store_proves_nothing(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main("keygen", str(tmp_path / "ck")) == 0
    assert run_main("keygen", str(tmp_path / "mallory")) == 0
    gate_records(engine, 2)
    forged = tmp_path / "forged.txt"
    head = StreamHead("default", 2, read_log(engine.spec())[-1].hash)
    from planrisk.gate.evidence.keys import load_private_key

    mallory = load_private_key(tmp_path / "mallory.key")
    forged.write_text(sign_checkpoint("audit.example.com/default", head, mallory))
    other = checkpoint(engine, tmp_path, "other.txt")
    other.write_text(other.read_text().replace("audit.example.com/", "elsewhere.example/"))
    capsys.readouterr()
    assert verify(engine, tmp_path, forged) == 1
    assert "not signed by the given key" in capsys.readouterr().out
    assert verify(engine, tmp_path, other) == 1
    assert "not signed by the given key" in capsys.readouterr().out


def test_checkpoint_refuses_to_sign_a_broken_chain(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main("keygen", str(tmp_path / "ck")) == 0
    gate_records(engine, 3)
    engine.tamper(f"DELETE FROM {engine.table} WHERE seq = 2")
    out = tmp_path / "cp.txt"
    code = run_main("audit", "checkpoint", "--key", str(tmp_path / "ck.key"), "--store",
                    engine.url, "-o", str(out))  # fmt: skip
    assert code == 1
    assert "no checkpoint signed" in capsys.readouterr().err
    assert not out.exists()
