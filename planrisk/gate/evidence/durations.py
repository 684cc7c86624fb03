"""Durations and timestamps of signed evidence (evidence stage helpers).

Input: a duration written on the command line or in the policy (`90s`, `15m`, `24h`, `7d`), or
a timestamp from an attestation or approval. Output: a `timedelta` / an aware UTC `datetime`,
and their canonical text forms (`7d`, `2026-11-20T10:00:00Z`) used in every message.

A malformed duration raises `ValueError` with a message that says what is accepted; the CLI
turns it into a usage error (exit 2) because it is a command-line argument, and the config
loader turns it into a ConfigError (exit 3).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_UNITS: dict[str, int] = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d{1,6})([smhd])")
MAX_DURATION = timedelta(days=366)
"""The longest duration accepted (a year): longer-lived evidence is a mistake."""


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `24h`, `7d` → timedelta; anything else (zero, negative, `1w`) → ValueError."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"invalid duration {text!r}: write a whole number followed by s, m, h or d "
            "(90s, 15m, 24h, 7d)"
        )
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"invalid duration {text!r}: must be longer than zero")
    result = timedelta(seconds=seconds)
    if result > MAX_DURATION:
        raise ValueError(f"invalid duration {text!r}: at most 366d")
    return result


def format_duration(value: timedelta) -> str:
    """The shortest exact form in the largest unit: 7d, 36h, 15m, 90s."""
    seconds = int(value.total_seconds())
    for unit, size in sorted(_UNITS.items(), key=lambda item: -item[1]):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def format_utc(moment: datetime) -> str:
    """`2026-11-20T10:00:00Z` (UTC, whole seconds)."""
    if moment.tzinfo is None:
        raise ValueError("timestamp has no time zone")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    """An RFC 3339 timestamp with a zone (`Z` or an offset) → aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return moment.astimezone(UTC)


def utc_now() -> datetime:
    """The current time, aware, in UTC, whole seconds."""
    return datetime.now(UTC).replace(microsecond=0)
