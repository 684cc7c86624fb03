"""Actor-list globs: literal patterns (compared as text) and wildcard patterns (a regex)."""

from __future__ import annotations

import pytest

from planrisk.classify.tokens import _glob_regex, any_glob, glob_match


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("dependabot[bot]", "dependabot[bot]", True),
        ("dependabot[bot]", "Dependabot[BOT]", True),
        ("dependabot[bot]", "dependabotb", False),
        ("Copilot", "copilot", True),
        ("Copilot", "copilot-swe-agent", False),
        ("AWS_EXECUTION_ENV=*AmazonQ*", "aws_execution_env=x-amazonq-y", True),
        ("*[bot]", "renovate[bot]", True),
        ("*[bot]", "renovate-bot", False),
        ("a?c", "abc", True),
        ("a?c", "a/c", True),
        ("a?c", "abbc", False),
        ("*", "", True),
        ("", "", True),
        ("", "x", False),
    ],
)
def test_glob_match(pattern: str, text: str, matches: bool) -> None:
    assert glob_match(pattern, text) is matches


@pytest.mark.parametrize("pattern", ["claude[bot]", "CODEX_SANDBOX", "a.b+c(d)", "ümlaut"])
@pytest.mark.parametrize(
    "text", ["claude[bot]", "CLAUDE[BOT]", "codex_sandbox", "a.b+c(d)", "ÜMLAUT", "x"]
)
def test_a_literal_pattern_matches_as_its_regex_does(pattern: str, text: str) -> None:
    assert glob_match(pattern, text) is (_glob_regex(pattern).fullmatch(text) is not None)


def test_any_glob_names_the_first_matching_pattern() -> None:
    assert any_glob(("x*", "claude[bot]", "*"), "Claude[bot]") == "claude[bot]"
    assert any_glob(["nope"], "claude[bot]") is None
