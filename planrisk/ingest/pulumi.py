"""Pulumi preview digest reader (ingest stage): `pulumi preview --json` bytes → Plan.

Input: the bytes of one preview digest object (`steps`, `config`, `changeSummary`,
`diagnostics`, `duration`; every key optional), already prepared by
`planrisk.ingest.reader.prepare`. A wrapper's tail after the object is ignored.
Output: a `Plan` with `format_version="preview"`. Secrets are already blinded to `"[secret]"`
by the CLI; planrisk marks them sensitive. `replaceReasons` become `replace_paths`. A step
whose op cannot be read is an error, and `changeSummary` (when present) is held against the
steps: a summary that counts more steps of an op than are listed means steps were removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from planrisk.errors import PlanFormatError
from planrisk.ingest.pulumi_common import RawState, StepCollector, require_list
from planrisk.ingest.reader import Buffer, first_document_end
from planrisk.ingest.sniff import PREVIEW_VETO_KEYS
from planrisk.model import Plan

_HINT = "run `pulumi preview --json > preview.json` and pass that file"
_ERROR_SEVERITY = "error"


def parse_pulumi_preview(doc: bytes, source: str) -> Plan:
    """Parse a `pulumi preview --json` digest into the model."""
    top = _decode_first(doc, source)
    if not isinstance(top, dict):
        raise PlanFormatError(
            f"a Pulumi preview is a JSON object, this is {type(top).__name__}",
            source=source,
            hint=_HINT,
        )
    return _preview(top.get, source)


def parse_pulumi_preview_members(head: Mapping[str, msgspec.Raw], source: str) -> Plan:
    """`parse_pulumi_preview` of a digest already split into its top-level members (raw JSON,
    as `planrisk.ingest.sniff` gives them): only `steps`, `config` and `diagnostics` are
    decoded, straight from the input (a mapped file is not copied first)."""

    def member(key: str, default: Any = None) -> Any:
        raw = head.get(key)
        return default if raw is None else msgspec.json.decode(raw)

    raw_steps = head.get("steps")
    if raw_steps is not None:
        try:
            typed = _STEPS.decode(raw_steps)
        except msgspec.ValidationError:  # a step of another shape: one step at a time
            pass
        else:
            return _preview(member, source, typed)
        try:
            listed = _RAW_LIST.decode(raw_steps)
        except msgspec.ValidationError:  # not a list: the general path names what it is
            pass
        else:
            return _preview(member, source, map(_decode_step, listed))
    return _preview(member, source)


_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])


def parse_whole_preview(text: Buffer, source: str) -> Plan | None:
    """The plan of a preview digest decoded in one typed pass (no member split first), or None
    when `text` is not exactly one digest of the usual shape: not one valid JSON object, no
    `steps` list of step objects, or a key that makes it another kind of input. The caller then
    takes the general path (`sniff`), which names what is wrong."""
    try:
        digest: Any = _DIGEST.decode(text)  # a `_Digest` (made by defstruct: untyped here)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    if digest.steps is UNSET or any(getattr(digest, name) is not UNSET for name in _VETO_FIELDS):
        return None
    return _preview(lambda key, default=None: getattr(digest, key, default), source, digest.steps)


class _Step(msgspec.Struct, gc=False):
    """What the collector reads of a digest step (see `_add_step`); members keep the
    digest's own camelCase names, and a state that is not an object stays as it is."""

    op: Any = ""
    urn: Any = None
    provider: Any = ""
    oldState: Any = None
    newState: Any = None
    diffReasons: Any = None
    replaceReasons: Any = None
    deleteBeforeReplace: Any = False


class _TypedStep(_Step):
    """A step decoded straight from JSON: its states' inputs stay raw JSON and `outputs`
    and other unread members are skipped while decoding."""

    oldState: RawState | None = None
    newState: RawState | None = None


_STEP = msgspec.json.Decoder(_TypedStep)
_STEPS = msgspec.json.Decoder(list[_TypedStep])

_VETO_FIELDS = tuple(f"veto_{number}" for number in range(len(PREVIEW_VETO_KEYS)))
_Digest = msgspec.defstruct(
    "_Digest",
    [
        ("steps", list[_TypedStep] | UnsetType, UNSET),
        ("config", Any, None),
        ("diagnostics", Any, None),
        ("changeSummary", Any, None),
        *(
            (name, msgspec.Raw | UnsetType, msgspec.field(default=UNSET, name=key))
            for name, key in zip(_VETO_FIELDS, sorted(PREVIEW_VETO_KEYS), strict=True)
        ),
    ],
)
"""A whole digest: the members `_preview` reads, and the keys that would make the document
another kind of input (as raw JSON: only their presence matters); the rest is skipped."""
_DIGEST = msgspec.json.Decoder(_Digest)


def _decode_step(raw: msgspec.Raw) -> Any:
    """One step as a `_Step`; a step of another shape (a state that is not an object, say)
    is decoded whole, so `_add_step` names what is wrong with it as it would in any digest."""
    try:
        return _STEP.decode(raw)
    except msgspec.ValidationError:
        return _as_step(msgspec.json.decode(raw))


def _preview(member: Callable[..., Any], source: str, steps: Iterable[Any] | None = None) -> Plan:
    """The plan of a digest whose top-level members `member(key, default)` gives (`steps`,
    when given, are its steps)."""
    if steps is None:
        steps = map(_as_step, require_list(member("steps", []), "`steps`", source, _HINT))
    collector = StepCollector(source, custom_by_default=True)
    for number, step in enumerate(steps):
        _add_step(collector, step, number)
    summary = member("changeSummary")
    if summary is not None:
        collector.check_summary([summary], "`changeSummary`")
    config = member("config")
    return collector.plan(
        format_version="preview",
        config=config if isinstance(config, dict) else {},
        errored=_has_error(member("diagnostics")),
    )


def _as_step(value: Any) -> Any:
    """A decoded step object as a `_Step` (anything else as it is, for `_add_step` to name)."""
    return msgspec.convert(value, _Step) if isinstance(value, dict) else value


def _decode_first(doc: bytes, source: str) -> Any:
    """The first JSON document of `doc` (whatever follows it is a wrapper's tail)."""
    try:
        return msgspec.json.decode(doc)
    except msgspec.DecodeError as exc:
        end = first_document_end(exc)
        if end is None:
            raise PlanFormatError(f"not valid JSON ({exc})", source=source, hint=_HINT) from None
    return msgspec.json.decode(memoryview(doc)[:end])


def _add_step(collector: StepCollector, step: Any, number: int) -> None:
    """One digest step; a step without a usable URN or op is an error."""
    if not isinstance(step, _Step):
        raise PlanFormatError(
            f"steps[{number}] is {type(step).__name__}, expected an object",
            source=collector.source,
            hint=_HINT,
        )
    urn = step.urn
    if not isinstance(urn, str) or not urn.startswith("urn:pulumi:"):
        raise PlanFormatError(
            f"steps[{number}] has no Pulumi URN",
            source=collector.source,
            hint=_HINT,
        )
    collector.add(
        op=step.op,
        urn=urn,
        old=step.oldState,
        new=step.newState,
        provider=step.provider,
        diff_reasons=step.diffReasons,
        replace_keys=step.replaceReasons,
        delete_before_replace=step.deleteBeforeReplace,
    )


def _has_error(diagnostics: Any) -> bool:
    """True when the preview reported an error diagnostic (its steps are then partial)."""
    if not isinstance(diagnostics, list):
        return False
    return any(isinstance(d, dict) and d.get("severity") == _ERROR_SEVERITY for d in diagnostics)
