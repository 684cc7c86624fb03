"""Loading evidence files: directories, JSON lines, malformed files, missing paths."""

from __future__ import annotations

import base64
from pathlib import Path

import msgspec
import pytest

from planrisk.errors import EvidenceError
from planrisk.gate.evidence.approval import build_approval, sign_approval
from planrisk.gate.evidence.dsse import encode_envelope, pae
from planrisk.gate.evidence.loading import load_evidence
from tests.support.evidence import NOW, KeyRing


def _approval_line(keys: KeyRing, approver: str) -> bytes:
    approval = build_approval(
        approver=approver, plan_digest="sha256:" + "0" * 64, now=NOW, lifetime=NOW - NOW
    )
    return encode_envelope(sign_approval(approval, keys.key(approver)))


def test_directory_is_read_sorted_and_filtered(keys: KeyRing, tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    folder.mkdir()
    (folder / "b.dsse").write_bytes(_approval_line(keys, "bob"))
    (folder / "a.json").write_bytes(_approval_line(keys, "alice"))
    (folder / "notes.txt").write_text("ignored")
    (folder / "sub").mkdir()
    (folder / "sub" / "c.json").write_bytes(_approval_line(keys, "carol"))
    loaded = load_evidence([folder])
    assert [Path(e.file).name for e in loaded] == ["a.json", "b.dsse"]
    assert {e.kind for e in loaded} == {"approval"}
    assert all(e.problem is None for e in loaded)


def test_payload_is_decoded_and_pae_is_dsse_v1(keys: KeyRing, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(_approval_line(keys, "alice"))
    [piece] = load_evidence([path])
    assert piece.payload.startswith(b'{"_type":"https://planrisk.dev/approval/v1"')
    expected = b"DSSEv1 38 application/vnd.planrisk.approval+json %d " % len(piece.payload)
    assert pae(piece.payload_type, piece.payload) == expected + piece.payload


def test_jsonl_holds_one_envelope_per_line(keys: KeyRing, tmp_path: Path) -> None:
    path = tmp_path / "all.intoto.jsonl"
    path.write_bytes(_approval_line(keys, "alice") + b"\n\n" + _approval_line(keys, "bob") + b"\n")
    loaded = load_evidence([path])
    assert [e.file for e in loaded] == [f"{path}:1", f"{path}:3"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "malformed: file is empty"),
        (b"\x00\x01binary", "malformed: not valid JSON"),
        (b'{"payloadType": "x", "payload": "e30="', "malformed: not valid JSON"),
        (b"[]", "malformed: not a DSSE envelope (Expected `object`, got `array`)"),
        (
            b'{"payloadType": "x", "payload": "e30=", "signatures": []}',
            "malformed: not a DSSE envelope (envelope has no signatures)",
        ),
        (
            b'{"payloadType": "x", "payload": "!!", "signatures": [{"sig": "AA=="}]}',
            "malformed: payload is not base64",
        ),
        (
            b'{"payloadType": "text/plain", "payload": "e30=", "signatures": [{"sig": "AA=="}]}',
            "unsupported payloadType 'text/plain'",
        ),
    ],
)
def test_unusable_files_are_loaded_with_their_problem(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    [piece] = load_evidence([path])
    assert (piece.kind, piece.problem) == ("unknown", problem)


def test_url_safe_base64_payload_is_accepted(tmp_path: Path) -> None:
    payload = base64.urlsafe_b64encode(b"\xfb\xff{}").decode().rstrip("=")
    path = tmp_path / "u.json"
    envelope = {
        "payloadType": "application/vnd.planrisk.approval+json",
        "payload": payload,
        "signatures": [{"sig": "AA=="}],
    }
    path.write_bytes(msgspec.json.encode(envelope))
    [piece] = load_evidence([path])
    assert piece.payload == b"\xfb\xff{}"


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="evidence file not found") as info:
        load_evidence([tmp_path / "missing.json"])
    assert info.value.exit_code == 3
    assert info.value.hint is not None
