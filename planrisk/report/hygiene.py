"""Report stage: output hygiene — plan strings that cannot drive a terminal or a CI log.

Input: text holding strings from a plan (addresses, tag values, variable values, URNs…).
Output: the same text with control characters shown as visible escapes (`\\x1b`, `\\u202e`)
instead of acting — C0 and C1 controls (ESC, so no terminal escape or OSC sequence), DEL, bidi
overrides and Unicode line separators; newlines are kept where the format has lines — and, for
text printed to a CI log, no line that GitHub Actions would read as a workflow command: a line
beginning with `::` (after spaces; `::add-mask::`, `::stop-commands::`) and `##[` anywhere (the
legacy form) get a zero-width space between their two marks, which the runner does not trim.

Every renderer calls one of these on what it emits, so a renderer added later cannot forget a
field.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_CONTROL_OR_NEWLINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_COMMAND_LINE = re.compile(r"^([ \t]*):(?=:)", re.MULTILINE)
_LEGACY_COMMAND = re.compile(r"#(?=#\[)")
_ZERO_WIDTH_SPACE = "\u200b"


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_controls(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with every control character (but `\\n` when kept) as a visible escape."""
    pattern = _CONTROL if keep_newlines else _CONTROL_OR_NEWLINE
    return pattern.sub(_visible, text)


def no_workflow_commands(text: str) -> str:
    """`text` in which no line starts a GitHub Actions workflow command."""
    text = _COMMAND_LINE.sub(lambda m: m.group(1) + ":" + _ZERO_WIDTH_SPACE, text)
    return _LEGACY_COMMAND.sub("#" + _ZERO_WIDTH_SPACE, text)


def safe_for_log(text: str) -> str:
    """Text for a terminal or a CI log: controls escaped, no workflow command."""
    return no_workflow_commands(clean_controls(text))
