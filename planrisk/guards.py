"""Guard evaluation (score stage): the protections of a destroy, and those an update removes.

Input: a `TypeRisk` from the risk model and DECODED attribute values with their masks (Terraform
`before`/`after`, `before_sensitive`, `after_unknown`; Pulumi inputs), optionally the provider
block's configuration expressions (azurerm `features`), or a Pulumi step.
Output: `GuardHit`s (kind, attribute, text) that the scorer turns into reasons.

Rules: an unknown value (after_unknown, the Pulumi unknown placeholder, a Pulumi secret) never
counts as a guard being on; a sensitive value never appears in a hit's text, which says
`(sensitive)` instead. Attribute paths are written in Terraform snake_case; when a path is absent
the camelCase name is tried, and a `[0]` index is skipped on an object, so the same guard reads
Pulumi values (`skipFinalSnapshot`, flattened single nested blocks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import msgspec

from planrisk.model import Expression, PulumiStep
from planrisk.risk_model import Condition, Guard, PathStep, TypeRisk
from planrisk.values import MISSING, REDACTED

PROTECTIVE_KINDS: frozenset[str] = frozenset({"blocking", "recovery", "kept"})
"""Guard kinds that protect the object; the fourth kind, destructive, makes a delete worse."""

PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""Pulumi's placeholder for a value known only after the update."""

_PULUMI_SECRET_KEY = "4dabf18193072939515e22adb298388d"
_PULUMI_SECRET_TEXT = "[secret]"
_UNKNOWN_TEXT = "(known after apply)"
_UNSET_TEXT = "(unset)"
_MAX_VALUE_TEXT = 60
_PULUMI_KEEPS_NEW_STATE = frozenset({"same", "update", "replace", "create-replacement"})


class GuardHit(msgspec.Struct, frozen=True, kw_only=True):
    """One guard found on an object (or removed by an update)."""

    kind: str
    """blocking, recovery, destructive or kept."""
    attribute: str
    """The guard's attribute (`deletion_protection`, `features.key_vault.…`, `protect`)."""
    text: str
    """What the reason says, e.g. `skip_final_snapshot=true`; never a sensitive value."""


class _Redact:
    """Marker default of a sensitivity mask: without a mask, every value is treated as sensitive."""

    def __repr__(self) -> str:
        return "REDACT_ALL"


REDACT_ALL: Any = _Redact()
"""Pass as a mask to treat every value as sensitive (the default when no mask is given)."""


class _Read(NamedTuple):
    """One attribute as read from one side of a change."""

    value: Any
    unknown: bool
    sensitive: bool
    defaulted: bool


def evaluate_guards(
    risk: TypeRisk,
    before: Any,
    before_sensitive: Any,
    *,
    provider_config: Any = None,
) -> tuple[GuardHit, ...]:
    """The guards active on the object being destroyed, read from its `before` values.

    `provider_config` is the provider block's `expressions` (e.g. azurerm `features`); when it
    is None, provider-scope guards use the provider's defaults.
    """
    hits: list[GuardHit] = []
    for guard in risk.guards:
        reads = [_read(c, before, before_sensitive, None, provider_config) for c in _conds(guard)]
        if all(_holds(c, r) for c, r in zip(_conds(guard), reads, strict=True)):
            hits.append(
                GuardHit(
                    kind=guard.kind,
                    attribute=guard.attribute,
                    text=guard.text or _state_text(guard.condition, reads[0]),
                )
            )
    return _unique(hits)


def guard_weakening(
    risk: TypeRisk,
    before: Any,
    after: Any,
    after_unknown: Any,
    *,
    before_sensitive: Any = REDACT_ALL,
    after_sensitive: Any = REDACT_ALL,
    provider_config: Any = None,
) -> tuple[GuardHit, ...]:
    """The protections an UPDATE removes, with `attribute before→after` texts.

    A protective guard (blocking, recovery, kept) is removed when it was active before and its
    main condition no longer holds after (an unknown after value counts as not holding); a
    destructive flag is added when it is active after and was not before. Nothing counts as
    removed while a kept guard is active after (a delete would only forget the object).
    Provider-scope guards are not compared: a plan holds only the new provider configuration.
    Pass the sensitivity masks: without them every value is shown as `(sensitive)`.
    """
    hits: list[GuardHit] = []
    states = []
    for guard in risk.guards:
        if guard.condition.scope == "provider" or guard.condition.when == "always":
            continue
        conds = _conds(guard)
        old = [_read(c, before, before_sensitive, None, provider_config) for c in conds]
        new = [_read(c, after, after_sensitive, after_unknown, provider_config) for c in conds]
        was_on = all(_holds(c, r) for c, r in zip(conds, old, strict=True))
        is_on = all(_holds(c, r) for c, r in zip(conds, new, strict=True))
        states.append((guard, old[0], new[0], was_on, is_on))
    kept_after = any(g.kind == "kept" and is_on for g, _, _, _, is_on in states)
    for guard, old_main, new_main, was_on, is_on in states:
        if guard.kind in PROTECTIVE_KINDS:
            removed = was_on and not _holds(guard.condition, new_main) and not kept_after
        else:
            removed = is_on and not was_on
        if removed:
            text = f"{guard.attribute} {_value_text(old_main)}→{_value_text(new_main)}"
            hits.append(GuardHit(kind=guard.kind, attribute=guard.attribute, text=text))
    seen: set[tuple[str, str]] = set()
    result = []
    for hit in hits:
        if (hit.attribute, hit.text) not in seen:
            seen.add((hit.attribute, hit.text))
            result.append(hit)
    return tuple(result)


def guard_attribute_names(risk: TypeRisk) -> frozenset[str]:
    """Top-level attribute names the resource-scope guards read, snake_case and camelCase.

    For decoding only these members of a large `before`/`after` object (every condition counts,
    `also` conditions included).
    """
    names: set[str] = set()
    for guard in risk.guards:
        for cond in _conds(guard):
            if cond.scope == "resource" and cond.path and isinstance(cond.path[0], str):
                names.update((cond.path[0], _camel(cond.path[0])))
    return frozenset(names)


def pulumi_guards(step: PulumiStep) -> tuple[GuardHit, ...]:
    """Pulumi options that guard a delete: `protect` (blocking), `retainOnDelete` (kept)."""
    hits = []
    if step.protect_before:
        hits.append(GuardHit(kind="blocking", attribute="protect", text="protect=true"))
    if step.retain_on_delete:
        hits.append(GuardHit(kind="kept", attribute="retainOnDelete", text="retainOnDelete=true"))
    return tuple(hits)


def pulumi_guard_weakening(step: PulumiStep) -> tuple[GuardHit, ...]:
    """`protect` removed by a step that keeps a resource (same, update or replacement)."""
    keeps_resource = bool(_PULUMI_KEEPS_NEW_STATE.intersection(step.ops))
    if step.protect_before and not step.protect_after and keeps_resource:
        return (GuardHit(kind="blocking", attribute="protect", text="protect true→false"),)
    return ()


# -- reading values ---------------------------------------------------------------------------


def _conds(guard: Guard) -> tuple[Condition, ...]:
    """The main condition followed by the `also` conditions."""
    return (guard.condition, *guard.also)


def _read(
    cond: Condition, values: Any, sensitive: Any, unknown: Any, provider_config: Any
) -> _Read:
    """Read a condition's attribute from resource values or from provider configuration."""
    if cond.when == "always":
        return _Read(None, unknown=False, sensitive=False, defaulted=False)
    if cond.scope != "provider" and not isinstance(values, dict):
        # The object's values are absent altogether (a side the plan left out): nothing is
        # known of it, so no default is credited (fail closed).
        return _Read(MISSING, unknown=True, sensitive=False, defaulted=False)
    if cond.scope == "provider":
        value = _expression_value(provider_config, cond.path)
        is_unknown = value is _REFERENCE
        is_sensitive = False
    else:
        value = _resolve(values, cond.path)
        is_secret = _is_secret(value)
        is_unknown = is_secret or value == PULUMI_UNKNOWN or _flag_at(unknown, cond.path)
        is_sensitive = is_secret or sensitive is REDACT_ALL or _flag_at(sensitive, cond.path)
    if is_unknown:
        return _Read(MISSING, unknown=True, sensitive=is_sensitive, defaulted=False)
    if (value is MISSING or value is None) and cond.default is not None:
        return _Read(cond.default, unknown=False, sensitive=is_sensitive, defaulted=True)
    return _Read(value, unknown=False, sensitive=is_sensitive, defaulted=False)


def _steps(node: Any, step: PathStep) -> tuple[Any, bool]:
    """One path step (snake_case, then camelCase; `[0]` skipped on an object); (node, advanced)."""
    if isinstance(step, int):
        if isinstance(node, list):
            return (node[step], True) if 0 <= step < len(node) else (MISSING, True)
        if isinstance(node, dict) and step == 0:
            return node, False
        return MISSING, True
    if isinstance(node, dict):
        if step in node:
            return node[step], True
        camel = _camel(step)
        if camel in node:
            return node[camel], True
    return MISSING, True


def _resolve(value: Any, path: tuple[PathStep, ...]) -> Any:
    """The value at `path`, or MISSING."""
    current = value
    for step in path:
        current, _ = _steps(current, step)
        if current is MISSING:
            return MISSING
    return current


def _flag_at(mask: Any, path: tuple[PathStep, ...]) -> bool:
    """True when a mask (`true` covers a subtree) marks `path` or one of its ancestors."""
    current = mask
    for step in path:
        if current is True:
            return True
        current, _ = _steps(current, step)
        if current is MISSING:
            return False
    return current is True


_REFERENCE: Any = object()
"""An expression that references something (its value is not known from the configuration)."""


def _expression_value(expressions: Any, path: tuple[PathStep, ...]) -> Any:
    """A constant from provider configuration expressions (nested blocks are lists of dicts)."""
    current = expressions
    for step in path:
        if isinstance(current, list):
            current = current[0] if current else MISSING
        if isinstance(step, int):
            continue
        if not isinstance(current, dict) or step not in current:
            return MISSING
        current = current[step]
    if isinstance(current, list) and len(current) == 1:
        current = current[0]
    if isinstance(current, Expression):
        return _REFERENCE if current.references else current.constant_value
    if isinstance(current, dict):
        if current.get("references"):
            return _REFERENCE
        if "constant_value" in current:
            return current["constant_value"]
    return MISSING


def _is_secret(value: Any) -> bool:
    """A Pulumi secret: the `[secret]` placeholder or a signature-wrapped value."""
    if value == _PULUMI_SECRET_TEXT:
        return True
    return isinstance(value, dict) and _PULUMI_SECRET_KEY in value


def _camel(name: str) -> str:
    """`skip_final_snapshot` → `skipFinalSnapshot`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# -- conditions and texts ---------------------------------------------------------------------


def _holds(cond: Condition, read: _Read) -> bool:
    """Whether a condition holds for a value read (an unknown value never holds)."""
    if cond.when == "always":
        return True
    if read.unknown:
        return False
    value = read.value
    absent = value is MISSING or value is None
    match cond.when:
        case "true":
            return value is True
        case "false":
            return value is False
        case "nonempty":
            return not absent and value not in ("", [], {})
        case "empty":
            return absent or value in ("", [], {})
        case "equals":
            return not absent and _same(value, cond.value)
        case "not_equals":
            return not absent and not _same(value, cond.value)
        case "at_least" | "at_most":
            number, bound = _number(value), _number(cond.value)
            if number is None or bound is None:
                return False
            return number >= bound if cond.when == "at_least" else number <= bound
    return False


def _same(value: Any, expected: Any) -> bool:
    """Equality that keeps booleans apart from numbers."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value is expected
    if isinstance(value, int | float) and isinstance(expected, int | float):
        return value == expected
    return type(value) is type(expected) and bool(value == expected)


def _number(value: Any) -> float | None:
    """A JSON number as float; None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _state_text(cond: Condition, read: _Read) -> str:
    """`attribute=value` for an active guard (`(default)` when the provider default applied)."""
    suffix = " (default)" if read.defaulted else ""
    return f"{cond.attribute}={_value_text(read)}{suffix}"


def _value_text(read: _Read) -> str:
    """A value for a reason: `(sensitive)`, `(known after apply)`, `(unset)` or the value."""
    if read.sensitive:
        return REDACTED
    if read.unknown:
        return _UNKNOWN_TEXT
    value = read.value
    if value is MISSING or value is None:
        return _UNSET_TEXT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int | str):
        text = str(value)
    else:
        text = msgspec.json.encode(value, order="sorted").decode()
    return text if len(text) <= _MAX_VALUE_TEXT else text[: _MAX_VALUE_TEXT - 1] + "…"


def _unique(hits: Iterable[GuardHit]) -> tuple[GuardHit, ...]:
    """Hits without exact duplicates, in order."""
    return tuple(dict.fromkeys(hits))
