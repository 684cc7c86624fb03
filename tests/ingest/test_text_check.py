"""Ingest stage: the UTF-8 check finds the first bad byte, across chunk boundaries too."""

from __future__ import annotations

import pytest

from planrisk.ingest import text_check
from planrisk.ingest.text_check import invalid_utf8_at


@pytest.mark.parametrize(
    ("text", "at"),
    [
        (b"plain ascii", None),
        ("h\u00e9llo w\u00f6rld \u20ac".encode(), None),
        (b"ab\xc3", 2),  # a character cut by the end of the text
        (b"abc\xc3\x28", 3),
        (b"a\xffb", 1),
        ("xx\u20ac".encode() + b"\xe2\x82", 5),
        (b"\xed\xa0\x80", 0),  # an encoded surrogate is not UTF-8
    ],
)
@pytest.mark.parametrize("chunk", [2, 3, 1 << 22])
def test_the_first_byte_that_is_not_utf8(
    monkeypatch: pytest.MonkeyPatch, text: bytes, at: int | None, chunk: int
) -> None:
    monkeypatch.setattr(text_check, "_CHUNK", chunk)
    assert invalid_utf8_at(text) == at


def test_release_is_called_while_a_long_text_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_check, "_CHUNK", 4)
    calls = []
    assert invalid_utf8_at(b"x" * 4 * 40, lambda: calls.append(1)) is None
    assert len(calls) == 40 // text_check._CHUNKS_PER_RELEASE
