"""Pulumi names and values (ingest stage): URNs, provider references, property paths, secrets.

Input: strings and decoded JSON values from a Pulumi preview digest or engine event stream.
Output: the URN parts, the provider URN of a provider reference, property paths as tuples, and
values with every secret blinded to `"[secret]"` and every unknown removed, together with
Terraform-style masks (`true` marks a sensitive or unknown value) so later stages read Pulumi
values exactly like Terraform ones. Nothing here keeps a secret's plaintext.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import msgspec

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""Pulumi's placeholder for a value known only after apply (any type, even provider IDs)."""
SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
"""Key that marks a special object (secret, asset, archive, resource reference, output)."""
SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"
"""Signature value of a wrapped secret."""
SECRET_TEXT = "[secret]"
"""What the preview digest writes instead of a secret, and what planrisk keeps."""
STACK_TYPE = "pulumi:pulumi:Stack"
"""Type of the root stack resource."""
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
"""Type prefix of provider resources."""
_URN_PREFIX = "urn:pulumi:"


class Urn(NamedTuple):
    """The parts of `urn:pulumi:STACK::PROJECT::QUALIFIEDTYPE::NAME`."""

    stack: str
    project: str
    qualified_type: str
    name: str
    type: str
    """The resource's own type: the last `$` segment of the qualified type."""


def parse_urn(urn: str) -> Urn | None:
    """Split a URN (the name may contain `::`); None when it is not a Pulumi URN."""
    if not urn.startswith(_URN_PREFIX):
        return None
    parts = urn[len(_URN_PREFIX) :].split("::", 3)
    if len(parts) != 4:
        return None
    stack, project, qualified_type, name = parts
    return Urn(stack, project, qualified_type, name, qualified_type.rsplit("$", 1)[-1])


@functools.lru_cache(maxsize=1024)
def provider_urn(reference: str) -> str:
    """The provider URN of a `PROVIDER_URN::ID` reference (split at the last `::`); "" if none."""
    if not reference:
        return ""
    urn, sep, _ = reference.rpartition("::")
    if not sep or parse_urn(urn) is None:
        return ""
    return urn


def is_default_provider(urn: Urn) -> bool:
    """A provider the engine creates itself (`default` or `default_X_Y_Z`)."""
    return urn.type.startswith(PROVIDER_TYPE_PREFIX) and (
        urn.name == "default" or urn.name.startswith("default_")
    )


def parse_property_path(path: str) -> tuple[str | int, ...]:
    """`a.b[0]["x.y"]` → `("a", "b", 0, "x.y")` (Pulumi PropertyPath syntax).

    Unbalanced brackets or quotes end the path at the last complete step; the remainder is kept
    as one name so nothing is silently dropped.
    """
    steps: list[str | int] = []
    pos, end = 0, len(path)
    name: list[str] = []
    while pos < end:
        char = path[pos]
        if char == ".":
            if name:
                steps.append("".join(name))
                name = []
            pos += 1
        elif char == "[":
            if name:
                steps.append("".join(name))
                name = []
            step, pos = _bracket_step(path, pos)
            if step is None:
                steps.append(path[pos:])
                return tuple(steps)
            steps.append(step)
        else:
            name.append(char)
            pos += 1
    if name:
        steps.append("".join(name))
    return tuple(steps)


def _bracket_step(path: str, pos: int) -> tuple[str | int | None, int]:
    """Parse `[n]` or `["key"]` starting at `pos` (the `[`); None when malformed."""
    if path.startswith('["', pos):
        chars: list[str] = []
        cursor = pos + 2
        while cursor < len(path):
            char = path[cursor]
            if char == "\\" and cursor + 1 < len(path):
                chars.append(path[cursor + 1])
                cursor += 2
            elif path.startswith('"]', cursor):
                return "".join(chars), cursor + 2
            else:
                chars.append(char)
                cursor += 1
        return None, pos
    close = path.find("]", pos)
    digits = path[pos + 1 : close] if close > 0 else ""
    if digits.isascii() and digits.isdigit() and len(digits) <= _MAX_INDEX_DIGITS:
        return int(digits), close + 1
    return None, pos


_MAX_INDEX_DIGITS = 18
"""An index longer than this is no index (`int` of thousands of digits fails, and `isdigit`
also accepts digits that `int` refuses, like `²`): the step is then read as text."""


class Scrubbed(NamedTuple):
    """A value made safe for the model, with its masks (Terraform shapes)."""

    value: Any
    """Secrets as `"[secret]"`; unknown object members removed, unknown list items null."""
    sensitive: Any
    """`true` at secret paths; `{}`/`[]`/`false` when nothing is secret."""
    unknown: Any
    """`true` at unknown paths; `{}`/`[]`/`false` when everything is known."""


def is_secret(value: Any) -> bool:
    """A wrapped secret object (events) or the blinded secret string (preview digest)."""
    if isinstance(value, dict):
        return value.get(SIGNATURE_KEY) == SECRET_SIGNATURE
    return isinstance(value, str) and value == SECRET_TEXT


_SECRET_MARK, _SIGNATURE_MARK, _UNKNOWN_MARK = (
    text.encode() for text in (SECRET_TEXT, SIGNATURE_KEY, UNKNOWN)
)
"""What a secret or an unknown looks like in a value's JSON encoding (none needs escaping)."""
_EMPTY_MASK: dict[type, bytes] = {dict: b"{}", list: b"[]"}


class ScrubbedJson(NamedTuple):
    """`scrub`'s value and masks as compact JSON (object members in document order)."""

    value: bytes
    sensitive: bytes
    unknown: bytes


def scrub_json(value: Any) -> ScrubbedJson:
    """`scrub(value)` encoded, without walking a value whose encoding names no secret and no
    unknown: such a value is its own clean value, and its masks are the empty ones of its
    shape (`{}`, `[]`, `false`). Encoding is a small part of the cost of the walk."""
    encoded = _json(value)
    if _is_clean(encoded):
        empty = _EMPTY_MASK.get(type(value), b"false")
        return ScrubbedJson(encoded, empty, empty)
    part = scrub(value)
    return ScrubbedJson(_json(part.value), _json(part.sensitive), _json(part.unknown))


def scrub_raw(raw: msgspec.Raw) -> ScrubbedJson:
    """`scrub_json` of a value still in its raw JSON (null counts as `{}`, as absent inputs
    do). Only the objects and lists whose text names a secret or an unknown are split into
    their members (as raw JSON, by the decoder); every other member is copied as it is
    written, never decoded. A value with a wrapped secret's signature or a `\\u` escape (which
    could spell a marker) is decoded and scrubbed like any other."""
    compact = msgspec.json.format(raw, indent=-1)
    if compact == b"null":
        return scrub_json({})
    # (A lone backslash is searched for first: one byte is found far faster than two.)
    if (b"\\" in compact and b"\\u" in compact) or _SIGNATURE_MARK in compact:
        return scrub_json(msgspec.json.decode(compact))
    value, sensitive, unknown = _scrub_text(compact)
    if value is None:  # the whole value is unknown
        return ScrubbedJson(b"null", b"false", b"true")
    empty = _EMPTY_MASK_BY_START.get(compact[:1], b"false")
    return ScrubbedJson(
        value,
        _json(sensitive) if sensitive is not False else empty,
        _json(unknown) if unknown is not False else empty,
    )


_EMPTY_MASK_BY_START = {b"{": b"{}", b"[": b"[]"}
"""The empty masks of a raw value, by the character it starts with."""
_UNKNOWN_TEXT, _SECRET_TEXT = (b'"' + mark + b'"' for mark in (_UNKNOWN_MARK, _SECRET_MARK))
_UNKNOWN_RAW, _SECRET_RAW = msgspec.Raw(_UNKNOWN_TEXT), msgspec.Raw(_SECRET_TEXT)
_RAW_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_RAW_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])


def _scrub_text(text: bytes) -> tuple[bytes | None, Any, Any]:
    """`scrub` of compact JSON with no signature and no `\\u` escape: the clean value's JSON
    (None when the value is unknown) and the masks as values (False when nothing is marked)."""
    if text == _UNKNOWN_TEXT:
        return None, False, True
    if text == _SECRET_TEXT:
        return text, True, False
    if _UNKNOWN_MARK not in text and _SECRET_MARK not in text:
        return text, False, False
    start = text[:1]
    if start == b"{":
        return _scrub_members(text)
    if start == b"[":
        return _scrub_items(text)
    return text, False, False  # a string that only contains a marker


def _scrub_members(text: bytes) -> tuple[bytes, Any, Any]:
    """An object's members: unknown ones dropped, as in `_scrub_object`."""
    members = _RAW_MEMBERS.decode(text)
    # (Raw values compare by memcmp, length first: no member is copied or hashed here.)
    unknown_keys = [key for key, raw in members.items() if raw == _UNKNOWN_RAW]
    secret_keys = [key for key, raw in members.items() if raw == _SECRET_RAW]
    markers = text.count(_UNKNOWN_MARK) + text.count(_SECRET_MARK)
    if len(unknown_keys) + len(secret_keys) == markers:
        # Every marker is a whole member value (computed attributes of a replacement, say):
        # nothing nested to split.
        kept = [_name(key) + raw for key, raw in members.items() if raw != _UNKNOWN_RAW]
        return (
            b"{" + b",".join(kept) + b"}",
            dict.fromkeys(secret_keys, True) or False,
            dict.fromkeys(unknown_keys, True) or False,
        )
    pieces: list[bytes] = []
    sensitive: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    for key, raw in members.items():
        member = bytes(raw)
        value, member_sensitive, member_unknown = _scrub_text(member)
        if value is None:
            unknown[key] = True
            continue
        pieces.append(_name(key) + value)
        if member_sensitive:
            sensitive[key] = member_sensitive
        if member_unknown:
            unknown[key] = member_unknown
    return b"{" + b",".join(pieces) + b"}", sensitive or False, unknown or False


def _name(key: str) -> bytes:
    """A member name's JSON and the colon after it."""
    name = _MEMBER_NAMES.get(key)
    if name is None:
        name = _json(key) + b":"
        if len(_MEMBER_NAMES) < _MEMBER_NAMES_KEPT:
            _MEMBER_NAMES[key] = name
    return name


_MEMBER_NAMES: dict[str, bytes] = {}
"""A member name's JSON and colon, by name (a plan repeats a few hundred names; map keys
such as tag names are many more, so only the first `_MEMBER_NAMES_KEPT` are kept)."""
_MEMBER_NAMES_KEPT = 4096


def _scrub_items(text: bytes) -> tuple[bytes, Any, Any]:
    """A list's items: unknown ones become null, as in `_scrub_list`."""
    pieces: list[bytes] = []
    sensitive: list[Any] = []
    unknown: list[Any] = []
    for raw in _RAW_ITEMS.decode(text):
        value, item_sensitive, item_unknown = _scrub_text(bytes(raw))
        pieces.append(b"null" if value is None else value)
        sensitive.append(item_sensitive or False)
        unknown.append(item_unknown or False)
    return (
        b"[" + b",".join(pieces) + b"]",
        sensitive if any(sensitive) else False,
        unknown if any(unknown) else False,
    )


def _is_clean(encoded: bytes) -> bool:
    """True when a value's JSON names no secret and no unknown (so scrubbing changes nothing)."""
    return (
        _UNKNOWN_MARK not in encoded
        and _SECRET_MARK not in encoded
        and _SIGNATURE_MARK not in encoded
    )


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def scrub(value: Any) -> Scrubbed:
    """Blind every secret and remove every unknown in `value`, recording both in masks."""
    if is_secret(value):
        return Scrubbed(SECRET_TEXT, True, False)
    if value == UNKNOWN:
        return Scrubbed(None, False, True)
    if isinstance(value, dict):
        return _scrub_object(value)
    if isinstance(value, list):
        return _scrub_list(value)
    return Scrubbed(value, False, False)


_LEAVES = frozenset({str, int, float, bool, type(None)})
"""Types of the values JSON decodes to that hold nothing inside (scrubbed without a call)."""


def _scrub_object(value: dict[str, Any]) -> Scrubbed:
    """Object members: unknown members are dropped (a missing key is not a null).

    Leaf members are handled here rather than through `scrub` (most members are leaves).
    """
    clean: dict[str, Any] = {}
    sensitive: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    for key, member in value.items():
        if type(member) in _LEAVES:
            if member == UNKNOWN:
                unknown[key] = True
            elif member == SECRET_TEXT:
                clean[key] = SECRET_TEXT
                sensitive[key] = True
            else:
                clean[key] = member
            continue
        part = scrub(member)
        if part.unknown is True:
            unknown[key] = True
            continue
        clean[key] = part.value
        if part.sensitive:
            sensitive[key] = part.sensitive
        if part.unknown:
            unknown[key] = part.unknown
    return Scrubbed(clean, sensitive, unknown)


def _scrub_list(value: list[Any]) -> Scrubbed:
    """List items: unknown items become null so positions stay aligned with the masks."""
    values: list[Any] = []
    sensitive: list[Any] = []
    unknown: list[Any] = []
    for item in value:
        if type(item) in _LEAVES and item != UNKNOWN and item != SECRET_TEXT:
            values.append(item)
            sensitive.append(False)
            unknown.append(False)
            continue
        part = scrub(item)
        values.append(part.value)
        sensitive.append(part.sensitive or False)
        unknown.append(part.unknown or False)
    return Scrubbed(
        values,
        sensitive if any(sensitive) else [],
        unknown if any(unknown) else [],
    )


def config_text(value: Any) -> str:
    """A stack config value as text; secrets stay `[secret]`, non-strings as compact JSON."""
    if isinstance(value, str):
        return value
    clean = scrub(value)
    if clean.sensitive is True:
        return SECRET_TEXT
    return msgspec.json.encode(clean.value, order="sorted").decode()
