"""Ingest stage: a plan file → one normalized `Plan` (the first stage of the pipeline).

Input: a Terraform/OpenTofu plan JSON (`terraform show -json`, HCP Terraform redacted form,
trimmed third-party plans), a `pulumi preview --json` digest, or Pulumi engine events (NDJSON,
concatenated, or a Pulumi Cloud events page). The format is detected from the content.
Output: `planrisk.model.Plan`. Bad input raises PlanFormatError (exit 3) naming the file, the
problem and what to run instead; nothing else escapes for bad input.
"""

from __future__ import annotations

import os

from planrisk.errors import PlanFormatError
from planrisk.ingest.reader import prepare_with_offset, read_file
from planrisk.ingest.sniff import InputKind, sniff
from planrisk.model import Plan

__all__ = ["load_plan", "parse_plan"]


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """Read and parse the plan at `path` (format auto-detected); the file is read once."""
    return parse_plan(read_file(path), os.fsdecode(path))


def parse_plan(data: bytes, source: str) -> Plan:
    """Parse plan bytes (format auto-detected); `source` names the input in messages."""
    try:
        return _parse(data, source)
    except UnicodeDecodeError:
        raise PlanFormatError(
            "the JSON text is not valid UTF-8 (binary data or a damaged file)",
            source=source,
            hint="run `terraform show -json PLANFILE > plan.json`",
        ) from None
    except RecursionError:
        raise PlanFormatError(
            "JSON nested too deeply to be a plan",
            source=source,
            hint="run `terraform show -json PLANFILE > plan.json`",
        ) from None


def _parse(data: bytes, source: str) -> Plan:
    text, offset = prepare_with_offset(data, source)
    sniffed = sniff(text, source, offset)
    if sniffed.kind is InputKind.PULUMI_PREVIEW:
        from planrisk.ingest.pulumi import parse_pulumi_preview

        return parse_pulumi_preview(bytes(sniffed.document), source)
    if sniffed.kind is InputKind.PULUMI_EVENTS:
        from planrisk.ingest.pulumi_events import parse_pulumi_events

        return parse_pulumi_events(bytes(sniffed.document), source)
    from planrisk.ingest.terraform import parse_terraform

    return parse_terraform(sniffed.head, source)
