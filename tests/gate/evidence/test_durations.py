"""Durations (`--expires`, policy max age) and evidence timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from planrisk.gate.evidence.durations import format_duration, format_utc, parse_duration, parse_utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        (" 1d ", timedelta(days=1)),
        ("366d", timedelta(days=366)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "7", "d", "1w", "1.5h", "-5m", "0s", "5 m", "1h30m", "367d", "10D"]
)
def test_bad_durations_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(days=7), "7d"),
        (timedelta(hours=36), "36h"),
        (timedelta(minutes=15), "15m"),
        (timedelta(seconds=90), "90s"),
        (timedelta(hours=24), "1d"),
    ],
)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_duration(text) == value


def test_timestamps_are_utc_whole_seconds() -> None:
    moment = datetime(2026, 11, 20, 11, 0, 0, 999, tzinfo=timezone(timedelta(hours=1)))
    assert format_utc(moment) == "2026-11-20T10:00:00Z"
    assert parse_utc("2026-11-20T10:00:00Z") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert parse_utc("2026-11-20T12:00:00+02:00") == datetime(2026, 11, 20, 10, tzinfo=UTC)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        parse_utc("2026-11-20T10:00:00")
    with pytest.raises(ValueError, match="no time zone"):
        format_utc(datetime(2026, 11, 20, 10))
