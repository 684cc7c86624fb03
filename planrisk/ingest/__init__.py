"""Ingest stage: a plan file → one normalized `Plan` (the first stage of the pipeline).

Input: a Terraform/OpenTofu plan JSON (`terraform show -json`, HCP Terraform redacted form,
trimmed third-party plans), a `pulumi preview --json` digest, or Pulumi engine events (NDJSON,
concatenated, or a Pulumi Cloud events page). The format is detected from the content.
Output: `planrisk.model.Plan`. Bad input raises PlanFormatError (exit 3) naming the file, the
problem and what to run instead; nothing else escapes for bad input. `complete_required`
(the default: the gate, approve, attest) refuses an input that is known to be cut off (a
Pulumi event log without its summary event); without it (`analyze`) such an input is read and
`Plan.warnings` says what is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import msgspec

from planrisk.errors import PlanFormatError
from planrisk.ingest.buffer import PlanBuffer
from planrisk.ingest.digest import PendingDigest, PlanReading
from planrisk.ingest.reader import SHOW_JSON_HINT, Buffer, read_file
from planrisk.ingest.sniff import InputKind, looks_like_preview, sniff
from planrisk.model import Plan

__all__ = ["finish_digest", "finish_reading", "load_plan", "parse_plan", "read_plan"]


def load_plan(path: str | os.PathLike[str], *, complete_required: bool = True) -> Plan:
    """Read and parse the plan at `path` (format auto-detected); the file is read once."""
    return parse_plan(read_file(path), os.fsdecode(path), complete_required=complete_required)


def parse_plan(data: Buffer, source: str, *, complete_required: bool = True) -> Plan:
    """Parse plan bytes or a mapped file (format auto-detected); `source` names the input."""
    reading = read_plan(data, source, complete_required=complete_required)
    pending = reading.pending
    plan = finish_reading(reading, source)
    return plan if pending is None else finish_digest(plan, pending, pending.compute())


def read_plan(data: Buffer, source: str, *, complete_required: bool = True) -> PlanReading:
    """Start reading a plan (`PlanReading`): its digest, when left to compute, can run beside
    the rest of the reading and the stages that follow (then `Plan.digest` is empty until
    `finish_digest`); `finish_reading` reads the rest."""
    with _bad_input_reported(source):
        return _parse(data, source, complete_required)


def finish_reading(reading: PlanReading, source: str) -> Plan:
    """`reading.finish()`, its bad input reported as `read_plan` reports it."""
    with _bad_input_reported(source):
        return reading.finish()


@contextmanager
def _bad_input_reported(source: str) -> Iterator[None]:
    """Decoder failures as one `PlanFormatError` naming `source` (never the offending value)."""
    try:
        yield
    except UnicodeDecodeError:
        raise PlanFormatError(
            "the JSON text is not valid UTF-8 (binary data or a damaged file)",
            source=source,
            hint=_HINT,
        ) from None
    except msgspec.DecodeError as exc:
        # A value the typed decoders read is not JSON text they accept (invalid UTF-8 in a
        # string, a number out of range): the message names the problem, not the value.
        raise PlanFormatError(f"not a valid plan: {exc}", source=source, hint=_HINT) from None
    except RecursionError:
        raise PlanFormatError(
            "JSON nested too deeply to be a plan", source=source, hint=_HINT
        ) from None


def finish_digest(plan: Plan, pending: PendingDigest, result: bytes | memoryview) -> Plan:
    """`plan` with the digest `pending.compute` returned (its input error when it found one)."""
    return msgspec.structs.replace(plan, digest=pending.finish(result))


_HINT = SHOW_JSON_HINT


def require_utf8(text: Buffer, source: str) -> None:
    """PlanFormatError naming the offset when `text` is not valid UTF-8 throughout (values
    stay undecoded until a later stage reads them: see `planrisk.ingest.text_check`)."""
    from planrisk.ingest.text_check import invalid_utf8_at

    at = invalid_utf8_at(text)
    if at is not None:
        raise PlanFormatError(
            f"the JSON text is not valid UTF-8 at byte {at} (binary data or a damaged file)",
            source=source,
            hint=_HINT,
        )


def _parse(data: Buffer, source: str, complete_required: bool) -> PlanReading:
    buffer = PlanBuffer(data, source)
    text = buffer.text
    if looks_like_preview(text):
        # Decoded whole in one typed pass: no member split, so the document is scanned once.
        from planrisk.ingest.pulumi import parse_whole_preview

        require_utf8(text, source)

        whole = parse_whole_preview(text, source)
        if whole is not None:
            buffer.release()
            return _read(whole)
    sniffed = sniff(buffer)
    if sniffed.kind is InputKind.TERRAFORM_PLAN:
        # (The Terraform reader checks the text beside its digest.)
        from planrisk.ingest.terraform import read_terraform

        return read_terraform(sniffed.head, buffer)
    require_utf8(sniffed.document, source)
    if sniffed.kind is InputKind.PULUMI_PREVIEW:
        from planrisk.ingest.pulumi import parse_pulumi_preview_members

        plan = parse_pulumi_preview_members(sniffed.head, source)
        buffer.release()
        return _read(plan)
    # The event reader takes bytes: a mapped file is copied once and its pages dropped.
    document = bytes(sniffed.document)
    buffer.release()
    from planrisk.ingest.pulumi_events import parse_pulumi_events

    return _read(parse_pulumi_events(document, source, complete_required=complete_required))


def _read(plan: Plan) -> PlanReading:
    """A plan read whole, digest included."""
    return PlanReading(pending=None, finish=lambda: plan)
