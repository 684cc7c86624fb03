"""Reading plan input (ingest stage): a path or raw bytes → one UTF-8 JSON buffer.

Input: a file path, or the bytes of a file as a CI job captured them. Output: bytes that start
at the first JSON value, with encoding noise removed:

- a UTF-8 byte-order mark is stripped; UTF-16LE/BE (with BOM, as PowerShell's `>` writes, or
  without one) is decoded and re-encoded as UTF-8;
- the `[command]…terraform-bin show -json …` line and the `::debug::` lines that
  hashicorp/setup-terraform's wrapper prints, and any other leading log lines (Terragrunt,
  `2>&1` warnings), are skipped: the buffer starts at the first line beginning with `{` or `[`
  followed by a JSON value.

A large regular file is memory-mapped read-only instead of read: its pages stay in the page
cache (no anonymous copy), the decoded `msgspec.Raw` values are slices of the mapping, and
`release_pages` drops the pages from this process after a pass over them (they fault back in,
from the cache, when a later stage reads a value; `gc_pause` drops them again after each bulk
stage). Small files, pipes, devices, and every file where madvise is missing (Windows) are read.
When nothing needs stripping the very same buffer is returned, so a 500 MB plan is never copied
here. `first_document_end` finds where the first of several JSON documents ends (NDJSON,
concatenated events, or a wrapper's tail after the plan).
"""

from __future__ import annotations

import mmap
import os
import re
import stat

import msgspec

from planrisk.errors import PlanFormatError
from planrisk.gc_pause import can_drop_pages, drop_pages, track_mapping

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_LE_BOM = b"\xff\xfe"
_UTF16_BE_BOM = b"\xfe\xff"
_ZIP_MAGIC = b"PK\x03\x04"
SHOW_JSON_HINT = "run `terraform show -json PLANFILE > plan.json` or `pulumi preview --json`"

# A line that starts a JSON document: `{`, or `[` followed by a JSON value or the end of line.
# `[command]`, `[INFO]`, `[terragrunt]` log prefixes do not match.
JSON_LINE_START = re.compile(
    rb"[ \t]*(?:\{|\[[ \t]*(?:[\[\]{\"\-0-9]|true\b|false\b|null\b|\r?\n|$))"
)
"""A line that starts a JSON document: `{`, or `[` followed by a JSON value (not `[INFO]`)."""
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")
_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")
_NEWLINE = re.compile(rb"\n")

Buffer = bytes | memoryview | mmap.mmap
"""Plan input as read: bytes, a slice of it, or a read-only mapping of the file."""

MMAP_MIN_BYTES = 1 << 20
"""Regular files at least this large are memory-mapped instead of read."""


def read_file(path: str | os.PathLike[str]) -> Buffer:
    """The whole file, read once (mapped when large); unreadable paths raise PlanFormatError."""
    source = os.fsdecode(path)
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if (
                stat.S_ISREG(info.st_mode)
                and info.st_size >= max(MMAP_MIN_BYTES, 1)
                and can_drop_pages()
            ):
                mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                track_mapping(mapping)
                return mapping
            return handle.read()
    except FileNotFoundError:
        raise PlanFormatError(
            "no such file", source=source, hint=f"check the path; {SHOW_JSON_HINT}"
        ) from None
    except IsADirectoryError:
        raise PlanFormatError(
            "is a directory, not a plan file",
            source=source,
            hint=f"pass the JSON file; {SHOW_JSON_HINT}",
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


def release_pages(data: Buffer) -> None:
    """Drop the mapped file pages of `data` from this process (no-op unless it is a mapping).

    The pages stay in the page cache; reading a value again faults them back in.
    """
    if isinstance(data, mmap.mmap):
        drop_pages(data)


def prepare(data: Buffer, source: str) -> bytes:
    """Normalize encoding and skip leading log lines; the result starts at the first JSON value.

    Idempotent. Raises PlanFormatError for empty input, binary plan files, undecodable UTF-16
    and input in which no line starts a JSON document.
    """
    text = prepare_with_offset(data, source)[0]
    return text if isinstance(text, bytes) else bytes(text)


def prepare_with_offset(data: Buffer, source: str) -> tuple[Buffer, int]:
    """`prepare` without copying, plus how many bytes of the UTF-8 input were skipped.

    When lines are skipped the result is a memoryview into `data` (a 500 MB plan behind a
    setup-terraform wrapper line is not copied); msgspec decodes it directly.
    """
    if data[: len(_ZIP_MAGIC)] == _ZIP_MAGIC:
        raise PlanFormatError(
            "this is a binary plan file (a zip archive), not plan JSON",
            source=source,
            hint="run `terraform show -json plan.out > plan.json` and pass plan.json",
        )
    text = _to_utf8(data, source)
    if _NOT_SPACE.search(text) is None:
        raise PlanFormatError("the file is empty", source=source, hint=SHOW_JSON_HINT)
    start = _json_start(text)
    if start is None:
        raise PlanFormatError(
            "no JSON document found (no line starts with `{` or `[`)",
            source=source,
            hint=SHOW_JSON_HINT,
        )
    if start == 0:
        return text, 0
    return memoryview(text)[start:], start


def first_document_end(exc: msgspec.DecodeError) -> int | None:
    """Byte offset where the first JSON document ended, if `exc` reports trailing characters."""
    match = _TRAILING.search(str(exc))
    # msgspec reports the offset just past the first unexpected character.
    return max(int(match.group(1)) - 1, 0) if match else None


def _to_utf8(data: Buffer, source: str) -> Buffer:
    """UTF-8 without BOM (the same object when the input already is; a BOM is sliced off)."""
    head = bytes(data[:3])
    if head.startswith(_UTF8_BOM):
        return memoryview(data)[len(_UTF8_BOM) :]
    encoding = None
    skip = 0
    if head.startswith(_UTF16_LE_BOM):
        encoding, skip = "utf-16-le", 2
    elif head.startswith(_UTF16_BE_BOM):
        encoding, skip = "utf-16-be", 2
    elif len(head) >= 2 and head[1] == 0 and head[0] in b"{[ \r\n\t":
        encoding = "utf-16-le"
    elif len(head) >= 2 and head[0] == 0 and head[1] in b"{[ \r\n\t":
        encoding = "utf-16-be"
    if encoding is None:
        return data
    try:
        # UTF-16 is re-encoded: the one input form that needs a copy.
        return bytes(memoryview(data)[skip:]).decode(encoding).encode("utf-8")
    except UnicodeError:
        raise PlanFormatError(
            f"looks like {encoding.upper()} text but cannot be decoded",
            source=source,
            hint="re-save the file as UTF-8 (PowerShell: `| Out-File -Encoding utf8`)",
        ) from None


def _json_start(text: Buffer) -> int | None:
    """Offset of the first line that begins a JSON document, or None."""
    pos = 0
    end = len(text)
    while pos < end:
        if JSON_LINE_START.match(text, pos):
            # Skip the leading blanks of that line so the buffer starts at the value.
            while text[pos] in b" \t":
                pos += 1
            return pos
        newline = _NEWLINE.search(text, pos)
        if newline is None:
            return None
        pos = newline.end()
    return None
