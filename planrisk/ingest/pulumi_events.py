"""Pulumi engine event reader (ingest stage): an event stream's bytes → Plan.

Input: engine events as `--event-log` writes them (NDJSON, appended live: a partial last line
is ignored), as display golden files hold them (pretty-printed objects back to back), as a
Pulumi Cloud events page (`{"events": [...], "continuationToken": ...}`), as a JSON array, or
as `pulumi.automation` delivers them to `on_event` callbacks (the same JSON). Bytes are already
prepared by `planrisk.ingest.reader.prepare`. Documents are decoded one at a time.
Output: a `Plan` with `format_version="events"`. Each step is normally reported twice
(`resourcePreEvent`, then `resOutputsEvent` or `resOpFailedEvent`); the pair counts once. A
`refresh` step completes with the op it found (same, update, delete): that result is drift
(`Plan.drift`, changed outside Pulumi), not a planned change.
Unknown payloads are skipped (new kinds of events appear often); a step event that cannot be
read (no metadata, an unknown op) is an error. The engine ends every preview with a
`summaryEvent`: a stream without one was cut off (or is still being written), so the steps
after the cut are missing. `complete_required` (the gate) refuses such a stream; otherwise
(`analyze`) it is read with a warning and `Plan.complete` False. The summary's count of steps
per op (`resourceChanges`) is held against the steps read. Wrapped secrets are blinded before
anything is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import msgspec

from planrisk.errors import PlanFormatError
from planrisk.ingest.pulumi_common import UNMODIFIED_HINT, StepCollector
from planrisk.ingest.reader import JSON_LINE_START, first_document_end
from planrisk.model import Plan

_HINT = "pass the file written by `pulumi preview --event-log FILE` (or `pulumi preview --json`)"
_WHITESPACE = b" \t\r\n"
_STEP_PAYLOADS = ("resourcePreEvent", "resOutputsEvent", "resOpFailedEvent")
_FAILED_RESULTS = frozenset({"failed", "canceled"})


_INCOMPLETE = "the event log has no summaryEvent: it was cut off or is still being written"


def parse_pulumi_events(data: bytes, source: str, *, complete_required: bool = True) -> Plan:
    """Parse a Pulumi engine event stream into the model (see the module docstring)."""
    reader = _EventReader(source)
    for document in iter_documents(data, source):
        for event in _events_of(document):
            reader.read(event)
    collector = reader.collector
    if not len(collector) and not reader.summaries:
        raise PlanFormatError(
            "no Pulumi resource events and no summary event in the stream",
            source=source,
            hint=_HINT,
        )
    warnings: tuple[str, ...] = ()
    if not reader.summaries:
        if complete_required:
            raise PlanFormatError(
                f"{_INCOMPLETE}, so steps may be missing",
                source=source,
                hint="let `pulumi preview --event-log FILE` finish and pass the whole file",
            )
        warnings = (f"{source}: {_INCOMPLETE}; steps after the cut are missing",)
    counts = [s["resourceChanges"] for s in reader.summaries if "resourceChanges" in s]
    if counts:  # (an old CLI's summary has none)
        collector.check_summary(counts, "the summaryEvent's resourceChanges")
    return collector.plan(
        format_version="events",
        config=reader.config,
        errored=reader.errored,
        complete=False if warnings else None,
        warnings=warnings,
    )


def iter_documents(data: bytes, source: str) -> Iterator[Any]:
    """Each JSON document of `data`, decoded one at a time.

    A line is tried alone first (NDJSON); otherwise the document starting there is decoded up to
    its end (pretty-printed objects). Lines that do not start with `{` or `[` are log noise and
    skipped. A document cut off by the end of the data (a log still being written) is ignored;
    malformed JSON elsewhere is an error.
    """
    view = memoryview(data)
    pos, size = 0, len(data)
    while pos < size:
        while pos < size and data[pos] in _WHITESPACE:
            pos += 1
        if pos >= size:
            return
        newline = data.find(b"\n", pos)
        line_end = size if newline < 0 else newline
        if not JSON_LINE_START.match(data, pos):
            pos = line_end + 1
            continue
        try:
            yield msgspec.json.decode(view[pos:line_end])
            pos = line_end + 1
            continue
        except msgspec.DecodeError:
            pass
        try:
            yield msgspec.json.decode(view[pos:])
            return
        except msgspec.DecodeError as exc:
            end = first_document_end(exc)
            if end is None:
                if "truncated" in str(exc):
                    return
                line = data.count(b"\n", 0, pos) + 1
                raise PlanFormatError(
                    f"line {line}: not valid JSON ({exc})", source=source, hint=_HINT
                ) from None
        yield msgspec.json.decode(view[pos : pos + end])
        pos += end


def _events_of(document: Any) -> Iterator[dict[str, Any]]:
    """The events of one document: itself, a Cloud page's `events`, or an array's items."""
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        items: list[Any] = document["events"]
    elif isinstance(document, list):
        items = document
    else:
        items = [document]
    for item in items:
        if isinstance(item, dict):
            yield item


class _EventReader:
    """Feeds step events to a StepCollector and remembers config, summary and failures."""

    def __init__(self, source: str) -> None:
        self.collector = StepCollector(source, custom_by_default=False)
        self.config: dict[str, Any] = {}
        self.summaries: list[dict[str, Any]] = []
        self.errored = False
        self._open_steps: Counter[tuple[str, str]] = Counter()

    def read(self, event: dict[str, Any]) -> None:
        """Handle one event; unknown payloads are ignored."""
        prelude = event.get("preludeEvent")
        if isinstance(prelude, dict) and isinstance(prelude.get("config"), dict):
            self.config = prelude["config"]
        summary = event.get("summaryEvent")
        if isinstance(summary, dict):
            self.summaries.append(summary)
            if summary.get("result") in _FAILED_RESULTS:
                self.errored = True
        diagnostic = event.get("diagnosticEvent")
        if isinstance(diagnostic, dict) and diagnostic.get("severity") == "error":
            self.errored = True
        for payload in _STEP_PAYLOADS:
            body = event.get(payload)
            if body is None:
                continue
            meta = body.get("metadata") if isinstance(body, dict) else None
            if not isinstance(meta, dict):
                raise PlanFormatError(
                    f"a {payload} has no step metadata object",
                    source=self.collector.source,
                    hint=UNMODIFIED_HINT,
                )
            self._step(payload, meta)
            if payload == "resOpFailedEvent":
                self.errored = True

    def _step(self, payload: str, meta: dict[str, Any]) -> None:
        """Record a step once: a completion event without its pre-event still counts."""
        op: Any = meta.get("op")
        urn: Any = meta.get("urn")
        if not isinstance(op, str) or not isinstance(urn, str):
            self.collector.check_step(op, urn)  # raises: such a step cannot be read
        key = (op, urn)
        if payload != "resourcePreEvent" and self._open_steps[key] > 0:
            self._open_steps[key] -= 1
            return
        refresh = ("refresh", key[1])
        if payload != "resourcePreEvent" and self._open_steps[refresh] > 0:
            # A refresh step completes with what it found: same, update or delete.
            self._open_steps[refresh] -= 1
            self.collector.add_refresh_result(
                op=key[0], urn=key[1], old=meta.get("old"), new=meta.get("new")
            )
            return
        self.collector.add(
            op=key[0],
            urn=key[1],
            old=meta.get("old"),
            new=meta.get("new"),
            provider=meta.get("provider", ""),
            diff_reasons=meta.get("diffs"),
            replace_keys=meta.get("keys"),
            delete_before_replace=meta.get("deleteBeforeReplace", False),
        )
        if payload == "resourcePreEvent":
            self._open_steps[key] += 1
