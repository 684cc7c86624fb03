"""Checkpoints of a store's streams (audit stage): sign each head, verify the log against them.

Input: a store, its streams, an Ed25519 private key (to sign) or checkpoint files and the public
key (to verify). Output: one signed C2SP checkpoint per stream whose chain verifies (a broken
chain is never signed), or one verdict line per stream and per checkpoint with 0 when every
chain is intact and the log extends every checkpoint, else 1. `planrisk audit checkpoint`,
`audit verify` and `github audit` print them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planrisk.gate.audit.chain import AuditRecord
    from planrisk.gate.audit.checkpoint import Checkpoint
    from planrisk.gate.audit.locations import StoreSpec
    from planrisk.gate.audit.store_interface import Store

MAX_CHECKPOINT_FILE = 1 << 20
"""Checkpoint files larger than this are refused unread."""


def sign_streams(
    spec: StoreSpec, streams: Sequence[str], key: Path, origin: str
) -> tuple[list[str], list[str]]:
    """(signed notes, problems): a checkpoint of each stream whose chain verifies (every stream
    when `streams` is empty); one problem line per broken chain, which is not signed."""
    from planrisk.gate.audit.chain import verify_records
    from planrisk.gate.audit.checkpoint import origin_for, sign_checkpoint
    from planrisk.gate.audit.engines import open_store
    from planrisk.gate.audit.store_interface import StreamHead
    from planrisk.gate.evidence.keys import load_private_key

    private_key = load_private_key(key)
    notes: list[str] = []
    problems: list[str] = []
    with open_store(spec) as opened:
        for name in streams or opened.streams():
            result = verify_records(opened.read(name))
            if not result.ok:
                problems.append(
                    f"{spec.label} [{name}]: audit log broken at record "
                    f"{result.first_broken_seq}: {result.reason}; no checkpoint signed"
                )
                continue
            head = StreamHead(name, result.count, result.head_hash)
            notes.append(sign_checkpoint(origin_for(origin, name), head, private_key))
    return notes, problems


def verify_streams(
    spec: StoreSpec,
    streams: Sequence[str],
    checkpoints: Sequence[Path],
    public_key_path: Path | None,
    origin: str,
) -> tuple[list[str], int]:
    """Verify the chains (and the log against each checkpoint): (the verdict lines, 0 when all
    hold else 1)."""
    from planrisk.gate.audit.chain import verify_records
    from planrisk.gate.audit.engines import open_store

    found = _checkpoints(checkpoints, public_key_path) if checkpoints else []
    code = 0
    lines: list[str] = []
    with open_store(spec) as opened:
        names = list(streams) or opened.streams()
        if not names and not found:
            lines.append(f"{spec.label}: audit log is empty")
        read: dict[str, list[AuditRecord]] = {}
        for name in names:
            records = read[name] = opened.read(name)
            result = verify_records(records)
            if result.ok:
                lines.append(
                    f"{spec.label} [{name}]: audit log intact: {result.count} record(s), "
                    f"head {result.head_hash}"
                )
            else:
                code = 1
                lines.append(
                    f"{spec.label} [{name}]: audit log broken at record "
                    f"{result.first_broken_seq}: {result.reason}"
                )
        for checkpoint in found:
            if isinstance(checkpoint, str):
                code = 1
                lines.append(checkpoint)
                continue
            line, ok = _against(checkpoint, origin, opened, read)
            code = code if ok else 1
            lines.append(line)
    return lines, code


def _against(
    checkpoint: Checkpoint, origin: str, opened: Store, read: dict[str, list[AuditRecord]]
) -> tuple[str, bool]:
    """The verdict line on one verified checkpoint, and whether the log extends it."""
    from planrisk.gate.audit.chain import verify_records
    from planrisk.gate.audit.checkpoint import extension_problem, stream_of

    where = f"checkpoint {checkpoint.source} ({checkpoint.origin}, size {checkpoint.size})"
    name = stream_of(checkpoint.origin, origin)
    if name is None:
        return f"{where}: not a checkpoint of this store (origin prefix {origin!r})", False
    if name not in read:
        read[name] = opened.read(name)
        if not verify_records(read[name]).ok:
            return f"{where}: stream {name!r} is broken (run `planrisk audit verify`)", False
    problem = extension_problem(checkpoint, read[name])
    if problem is not None:
        return f"{where}: {problem}", False
    return f"{where}: the log extends it", True


def _checkpoints(paths: Sequence[Path], public_key_path: Path | None) -> list[Checkpoint | str]:
    """Every note of every file, opened with the public key (a string: why one is refused)."""
    from planrisk.errors import InputError
    from planrisk.gate.audit.checkpoint import open_checkpoint, parse_notes
    from planrisk.gate.evidence.keys import load_public_key

    if public_key_path is None:
        raise InputError(
            "checkpoints given without the public key that signed them",
            hint="pass --checkpoint-key PREFIX.pub",
        )
    public_key = load_public_key(public_key_path)
    found: list[Checkpoint | str] = []
    for path in paths:
        try:
            if path.stat().st_size > MAX_CHECKPOINT_FILE:
                raise InputError("checkpoint file is too large", source=str(path))
            text = path.read_bytes().decode("utf-8")
        except OSError as exc:
            raise InputError(
                f"cannot read checkpoint ({exc.strerror})",
                source=str(path),
                hint="pass the file `planrisk audit checkpoint` wrote",
            ) from None
        except UnicodeDecodeError:
            raise InputError("checkpoint is not UTF-8 text", source=str(path)) from None
        for note in parse_notes(text, str(path)):
            opened = open_checkpoint(note, public_key)
            found.append(
                opened if not isinstance(opened, str) else f"checkpoint {note.source}: {opened}"
            )
    return found
