"""Recognizing what a JSON input is (ingest stage): plan, preview, event log, or a wrong file.

Input: a prepared buffer (`reader.prepare`: starts at the first JSON value). Output: a
`Sniffed` naming the reader to use, with the top-level members of the first document as
`msgspec.Raw` (one scan of the document, nothing decoded yet). Everything that is not a plan —
Terraform state, `terraform plan -json` UI logs, provider schemas, Pulumi state exports,
truncated JSON — raises PlanFormatError saying what the file looks like and what to run.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple

import msgspec
from msgspec import Raw

from planrisk.errors import PlanFormatError
from planrisk.ingest.buffer import PlanBuffer
from planrisk.ingest.reader import Buffer, first_document_end

_SHOW_HINT = (
    "save the plan with `terraform plan -out PLANFILE`, "
    "then run `terraform show -json PLANFILE > plan.json`"
)
_ANY_HINT = (
    "run `terraform show -json PLANFILE > plan.json` or `pulumi preview --json > preview.json`"
)

_PLAN_KEYS = ("resource_changes", "planned_values", "resource_drift", "output_changes")
_PULUMI_EVENT_KEYS = frozenset(
    {
        "preludeEvent",
        "resourcePreEvent",
        "resOutputsEvent",
        "resOpFailedEvent",
        "summaryEvent",
        "diagnosticEvent",
        "stdoutEvent",
        "cancelEvent",
        "policyEvent",
        "engineEvent",
        "startDebuggingEvent",
        "progressEvent",
        "errorEvent",
        "policyRemediationEvent",
        "policyLoadEvent",
        "policyAnalyzeSummaryEvent",
        "policyRemediateSummaryEvent",
        "policyAnalyzeStackSummaryEvent",
    }
)


PREVIEW_VETO_KEYS = frozenset({"@level", "@message", "events"}) | _PULUMI_EVENT_KEYS
"""Top-level keys that make a document with `steps` something other than a preview digest
(see `_classify`)."""
_PREVIEW_START = re.compile(rb'\{\s*"(?:config|steps)"\s*:')
"""How the Pulumi CLI's digest starts: `config` (when the stack has any), else `steps`."""


def looks_like_preview(text: Buffer) -> bool:
    """The prepared input starts like a `pulumi preview --json` digest (its first key), so
    decoding it whole as one is worth trying before splitting its members."""
    return _PREVIEW_START.match(memoryview(text)[:4096]) is not None


class InputKind(StrEnum):
    """Which reader handles the input."""

    TERRAFORM_PLAN = "terraform-plan"
    PULUMI_PREVIEW = "pulumi-preview"
    PULUMI_EVENTS = "pulumi-events"


class Sniffed(NamedTuple):
    """The recognized kind and the first document's top-level members."""

    kind: InputKind
    head: dict[str, Raw]
    """Top-level members of the first document (empty for a top-level array of events)."""
    document: Buffer
    """The first document only (a wrapper's trailing log lines cut off)."""


def sniff(buffer: PlanBuffer) -> Sniffed:
    """Recognize the prepared input of `buffer`.

    A mapped single JSON object is split one member at a time, the pages released after each
    (`PlanBuffer.split`); everything else is decoded whole.
    """
    text, source, offset = buffer.text, buffer.source, buffer.offset
    members = buffer.split()
    if members is not None:
        kind = _classify(members.head, source, several=False)
        return Sniffed(kind, members.head, text)
    try:
        head = msgspec.json.decode(text, type=dict[str, Raw])
    except msgspec.ValidationError:
        return _sniff_non_object(text, source, offset)
    except msgspec.DecodeError as exc:
        end = first_document_end(exc)
        if end is None:
            raise _invalid_json(exc, len(text), offset, source) from None
        return _sniff_several(text, end, source, offset)
    except RecursionError:
        raise PlanFormatError(
            "JSON nested too deeply to be a plan", source=source, hint=_ANY_HINT
        ) from None
    return Sniffed(_classify(head, source, several=False), head, text)


def _sniff_several(text: Buffer, end: int, source: str, offset: int) -> Sniffed:
    """Several JSON documents (NDJSON, concatenated events) or a plan followed by log lines."""
    first = memoryview(text)[:end]
    try:
        head = msgspec.json.decode(first, type=dict[str, Raw])
    except msgspec.ValidationError:
        raise PlanFormatError(
            "several JSON values, the first not an object: not a plan",
            source=source,
            hint=_ANY_HINT,
        ) from None
    except RecursionError:
        raise PlanFormatError(
            "JSON nested too deeply to be a plan", source=source, hint=_ANY_HINT
        ) from None
    kind = _classify(head, source, several=True)
    if kind is InputKind.PULUMI_EVENTS:
        return Sniffed(kind, head, text)
    return Sniffed(kind, head, first)


def _sniff_non_object(text: Buffer, source: str, offset: int) -> Sniffed:
    """A top-level JSON value that is not an object: an array of events, or not a plan."""
    try:
        items = msgspec.json.decode(text, type=list[Raw])
    except msgspec.ValidationError:
        raise PlanFormatError(
            "valid JSON but not a plan (a single scalar value)", source=source, hint=_ANY_HINT
        ) from None
    except msgspec.DecodeError as exc:
        if first_document_end(exc) is None:
            raise _invalid_json(exc, len(text), offset, source) from None
        raise PlanFormatError(
            "several JSON values, the first not an object: not a plan",
            source=source,
            hint=_ANY_HINT,
        ) from None
    if items:
        try:
            first = msgspec.json.decode(items[0], type=dict[str, Raw])
        except msgspec.ValidationError:
            first = {}
        if _PULUMI_EVENT_KEYS & first.keys():
            return Sniffed(InputKind.PULUMI_EVENTS, {}, text)
    raise PlanFormatError(
        f"valid JSON but not a plan (a JSON array of {len(items)} items)",
        source=source,
        hint=_ANY_HINT,
    )


def _classify(head: dict[str, Raw], source: str, *, several: bool) -> InputKind:
    """Kind of a document from its top-level keys; PlanFormatError for known wrong inputs."""
    keys = head.keys()
    if "@level" in keys or "@message" in keys:
        raise PlanFormatError(
            "this is `terraform plan -json` log output (one UI message per line), not a plan",
            source=source,
            hint=_SHOW_HINT,
        )
    if _PULUMI_EVENT_KEYS & keys or ("events" in keys and not several):
        return InputKind.PULUMI_EVENTS
    if "steps" in keys:
        return InputKind.PULUMI_PREVIEW
    if "plan_format_version" in keys and "provider_schemas" in keys:
        return InputKind.TERRAFORM_PLAN
    if (
        "serial" in keys
        or "lineage" in keys
        or ("values" in keys and "resource_changes" not in keys)
    ):
        raise PlanFormatError("this is Terraform state, not a plan", source=source, hint=_SHOW_HINT)
    if any(k in keys for k in _PLAN_KEYS) or ("format_version" in keys and "configuration" in keys):
        return InputKind.TERRAFORM_PLAN
    if "provider_schemas" in keys:
        raise PlanFormatError(
            "this is `terraform providers schema -json` output, not a plan",
            source=source,
            hint=_SHOW_HINT,
        )
    if "deployment" in keys or "checkpoint" in keys:
        raise PlanFormatError(
            "this is a Pulumi stack export (state), not a preview",
            source=source,
            hint="run `pulumi preview --json > preview.json`",
        )
    if "format_version" in keys:
        raise PlanFormatError(
            "Terraform JSON without plan content (an empty state?)", source=source, hint=_SHOW_HINT
        )
    shown = ", ".join(sorted(keys)[:6]) or "no keys"
    more = ", …" if len(keys) > 6 else ""
    raise PlanFormatError(
        f"valid JSON but not a plan (an object with keys {shown}{more})",
        source=source,
        hint=_ANY_HINT,
    )


def _invalid_json(
    exc: msgspec.DecodeError, length: int, offset: int, source: str
) -> PlanFormatError:
    """`truncated or invalid JSON at byte offset N` (N counted in the original file)."""
    message = str(exc)
    position = length
    if "(byte " in message:
        digits = message.rsplit("(byte ", 1)[1].rstrip(")")
        position = int(digits) if digits.isdigit() else length
    return PlanFormatError(
        f"truncated or invalid JSON at byte offset {position + offset}",
        source=source,
        hint="re-create the file: " + _ANY_HINT,
    )
