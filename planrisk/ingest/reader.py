"""Reading plan input (ingest stage): a path or raw bytes → one UTF-8 JSON buffer.

Input: a file path, or the bytes of a file as a CI job captured them. Output: bytes that start
at the first JSON value, with encoding noise removed:

- a UTF-8 byte-order mark is stripped; UTF-16LE/BE (with BOM, as PowerShell's `>` writes, or
  without one) is decoded and re-encoded as UTF-8;
- the `[command]…terraform-bin show -json …` line and the `::debug::` lines that
  hashicorp/setup-terraform's wrapper prints, and any other leading log lines (Terragrunt,
  `2>&1` warnings), are skipped: the buffer starts at the first line beginning with `{` or `[`
  followed by a JSON value.

The file is read once; when nothing needs stripping the very same bytes object is returned, so a
500 MB plan is never copied here. `first_document_end` finds where the first of several JSON
documents ends (NDJSON, concatenated events, or a wrapper's tail after the plan).
"""

from __future__ import annotations

import os
import re

import msgspec

from planrisk.errors import PlanFormatError

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_LE_BOM = b"\xff\xfe"
_UTF16_BE_BOM = b"\xfe\xff"
_ZIP_MAGIC = b"PK\x03\x04"
_SHOW_JSON_HINT = "run `terraform show -json PLANFILE > plan.json` or `pulumi preview --json`"

# A line that starts a JSON document: `{`, or `[` followed by a JSON value or the end of line.
# `[command]`, `[INFO]`, `[terragrunt]` log prefixes do not match.
JSON_LINE_START = re.compile(
    rb"[ \t]*(?:\{|\[[ \t]*(?:[\[\]{\"\-0-9]|true\b|false\b|null\b|\r?\n|$))"
)
"""A line that starts a JSON document: `{`, or `[` followed by a JSON value (not `[INFO]`)."""
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")


def read_file(path: str | os.PathLike[str]) -> bytes:
    """The whole file as bytes, read once; unreadable paths raise PlanFormatError."""
    source = os.fsdecode(path)
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise PlanFormatError(
            "no such file", source=source, hint=f"check the path; {_SHOW_JSON_HINT}"
        ) from None
    except IsADirectoryError:
        raise PlanFormatError(
            "is a directory, not a plan file",
            source=source,
            hint=f"pass the JSON file; {_SHOW_JSON_HINT}",
        ) from None
    except PermissionError:
        raise PlanFormatError(
            "cannot read the file (permission denied)",
            source=source,
            hint="check the file's permissions",
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PlanFormatError(
            f"cannot read the file ({reason})", source=source, hint="check the path"
        ) from None


def prepare(data: bytes, source: str) -> bytes:
    """Normalize encoding and skip leading log lines; the result starts at the first JSON value.

    Idempotent. Raises PlanFormatError for empty input, binary plan files, undecodable UTF-16
    and input in which no line starts a JSON document.
    """
    text = prepare_with_offset(data, source)[0]
    return text if isinstance(text, bytes) else bytes(text)


def prepare_with_offset(data: bytes, source: str) -> tuple[bytes | memoryview, int]:
    """`prepare` without copying, plus how many bytes of the UTF-8 input were skipped.

    When lines are skipped the result is a memoryview into `data` (a 500 MB plan behind a
    setup-terraform wrapper line is not copied); msgspec decodes it directly.
    """
    if data.startswith(_ZIP_MAGIC):
        raise PlanFormatError(
            "this is a binary plan file (a zip archive), not plan JSON",
            source=source,
            hint="run `terraform show -json plan.out > plan.json` and pass plan.json",
        )
    text = _to_utf8(data, source)
    if not text or text.isspace():
        raise PlanFormatError("the file is empty", source=source, hint=_SHOW_JSON_HINT)
    start = _json_start(text)
    if start is None:
        raise PlanFormatError(
            "no JSON document found (no line starts with `{` or `[`)",
            source=source,
            hint=_SHOW_JSON_HINT,
        )
    if start == 0:
        return text, 0
    return memoryview(text)[start:], start


def first_document_end(exc: msgspec.DecodeError) -> int | None:
    """Byte offset where the first JSON document ended, if `exc` reports trailing characters."""
    match = _TRAILING.search(str(exc))
    # msgspec reports the offset just past the first unexpected character.
    return max(int(match.group(1)) - 1, 0) if match else None


def _to_utf8(data: bytes, source: str) -> bytes:
    """UTF-8 bytes without BOM (the same object when the input already is)."""
    if data.startswith(_UTF8_BOM):
        return data[len(_UTF8_BOM) :]  # a copy, but BOM-prefixed plans come from small tools
    encoding = None
    if data.startswith(_UTF16_LE_BOM):
        encoding, data = "utf-16-le", data[2:]
    elif data.startswith(_UTF16_BE_BOM):
        encoding, data = "utf-16-be", data[2:]
    elif len(data) >= 2 and data[1] == 0 and data[0] in b"{[ \r\n\t":
        encoding = "utf-16-le"
    elif len(data) >= 2 and data[0] == 0 and data[1] in b"{[ \r\n\t":
        encoding = "utf-16-be"
    if encoding is None:
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeError:
        raise PlanFormatError(
            f"looks like {encoding.upper()} text but cannot be decoded",
            source=source,
            hint="re-save the file as UTF-8 (PowerShell: `| Out-File -Encoding utf8`)",
        ) from None


def _json_start(text: bytes) -> int | None:
    """Offset of the first line that begins a JSON document, or None."""
    pos = 0
    end = len(text)
    while pos < end:
        if JSON_LINE_START.match(text, pos):
            # Skip the leading blanks of that line so the buffer starts at the value.
            while text[pos] in b" \t":
                pos += 1
            return pos
        newline = text.find(b"\n", pos)
        if newline < 0:
            return None
        pos = newline + 1
    return None
