"""`planrisk audit checkpoint --key KEY`, and the verification `audit verify` runs.

Input: the store, the streams (default: every stream) and an Ed25519 private key; for verify,
checkpoint files and the public key. Output: `checkpoint` verifies each stream's chain, then
prints (or writes with -o) one signed C2SP checkpoint per stream; it signs no broken chain
(exit 1). `verify_streams` prints one line per stream and per checkpoint and returns the exit
code: 0 when every chain is intact and the log extends every checkpoint, else 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from planrisk.cli.audit_cmd import DEFAULT_ORIGIN, AuditDbOption, OriginOption, audit_app
from planrisk.cli.store_options import StoreOption, StreamsOption, cli_store

if TYPE_CHECKING:
    from planrisk.audit.chain import AuditRecord
    from planrisk.audit.checkpoint import Checkpoint
    from planrisk.audit.engines import Store
    from planrisk.audit.locations import StoreSpec

MAX_CHECKPOINT_FILE = 1 << 20
"""Checkpoint files larger than this are refused unread."""


@audit_app.command("checkpoint")
def audit_checkpoint_command(
    key: Annotated[Path, typer.Option("--key", help="Private key (PREFIX.key from keygen).")],
    store: StoreOption = None,
    audit_db: AuditDbOption = None,
    stream: StreamsOption = None,
    origin: OriginOption = DEFAULT_ORIGIN,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the checkpoints to FILE.")
    ] = None,
) -> None:
    """Sign the head of each stream as a C2SP checkpoint; keep it where the DB admin cannot."""
    from planrisk.cli.output import write_output

    spec = cli_store(store, audit_db)
    notes, problems = sign_streams(spec, stream or (), key, origin)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    if not notes:
        typer.echo(f"{spec.label}: no records yet, nothing to sign", err=True)
        return
    write_output("\n".join(notes), output)


def sign_streams(
    spec: StoreSpec, streams: Sequence[str], key: Path, origin: str
) -> tuple[list[str], list[str]]:
    """(signed notes, problems): a checkpoint of each stream whose chain verifies (every stream
    when `streams` is empty); one problem line per broken chain, which is not signed."""
    from planrisk.audit.chain import verify_records
    from planrisk.audit.checkpoint import origin_for, sign_checkpoint
    from planrisk.audit.engines import StreamHead, open_store
    from planrisk.evidence.keys import load_private_key

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
) -> int:
    """Verify the chains (and the log against each checkpoint); print the verdicts; 0 or 1."""
    from planrisk.audit.chain import verify_records
    from planrisk.audit.engines import open_store

    found = _checkpoints(checkpoints, public_key_path) if checkpoints else []
    code = 0
    with open_store(spec) as opened:
        names = list(streams) or opened.streams()
        if not names and not found:
            typer.echo(f"{spec.label}: audit log is empty")
        read: dict[str, list[AuditRecord]] = {}
        for name in names:
            records = read[name] = opened.read(name)
            result = verify_records(records)
            if result.ok:
                typer.echo(
                    f"{spec.label} [{name}]: audit log intact: {result.count} record(s), "
                    f"head {result.head_hash}"
                )
            else:
                code = 1
                typer.echo(
                    f"{spec.label} [{name}]: audit log broken at record "
                    f"{result.first_broken_seq}: {result.reason}"
                )
        for checkpoint in found:
            if isinstance(checkpoint, str):
                code = 1
                typer.echo(checkpoint)
                continue
            line, ok = _against(checkpoint, origin, opened, read)
            code = code if ok else 1
            typer.echo(line)
    return code


def _against(
    checkpoint: Checkpoint, origin: str, opened: Store, read: dict[str, list[AuditRecord]]
) -> tuple[str, bool]:
    """The verdict line on one verified checkpoint, and whether the log extends it."""
    from planrisk.audit.chain import verify_records
    from planrisk.audit.checkpoint import extension_problem, stream_of

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
    from planrisk.audit.checkpoint import open_checkpoint, parse_notes
    from planrisk.errors import InputError
    from planrisk.evidence.keys import load_public_key

    if public_key_path is None:
        raise typer.BadParameter(
            "pass the public key that signed them", param_hint="--checkpoint-key"
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
