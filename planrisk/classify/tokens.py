"""Whole-token name matching shared by the classifiers (environment and actor stages).

Input: names as written (workspaces, stacks, paths, tag values, logins) and glob patterns.
Output: the environment a name points at, by whole tokens, and glob matches.

Names are split on every non-alphanumeric character and on camelCase boundaries, then compared
token by token, never by substring: `product` is not `prod`. The rules (documented in the README
section on environments):

- prod: `prod`, `production`, `prd`, and `live` only as a value (a tag, variable, workspace or
  stack), never as a path segment: in `live/prod/vpc`, `live` is the root of every environment.
- staging: `staging`, `stage`, `stg`, `preprod`/`pre-prod`, `uat`, `qa`, and the negations
  `nonprod`, `non-prod`, `nonproduction`, `non-production`, `notprod`, which are *not* prod
  (they name the pre-production side, so they are classified as its most severe member).
- dev: `dev`, `development`, `develop`, `test`, `tst`, `testing`, `integration`.
- sandbox: `sandbox`, `sandboxes`, `sbx`, `playground`, `scratch`, `ephemeral`, `preview`,
  `experiment`, `poc`, `demo`, and numbered review stacks `pr-123`, `pr123`, `review-42`.

A trailing number on a known token keeps its meaning (`prod1`, `stg02`). When one name holds
tokens of several environments, the most severe one is reported.
"""

from __future__ import annotations

import re
from functools import lru_cache

from planrisk.model import NAMED_ENVIRONMENTS, Environment

ENVIRONMENTS: tuple[Environment, ...] = NAMED_ENVIRONMENTS
"""Environment names, most severe first."""

UNKNOWN = Environment.UNKNOWN
"""The environment when there is no evidence."""

_SEVERITY = {"prod": 3, "staging": 2, "dev": 1, "sandbox": 0, UNKNOWN: 3}

_WORDS: dict[str, str] = {
    "prod": "prod",
    "production": "prod",
    "prd": "prod",
    "staging": "staging",
    "stage": "staging",
    "stg": "staging",
    "preprod": "staging",
    "preproduction": "staging",
    "uat": "staging",
    "qa": "staging",
    "nonprod": "staging",
    "nonproduction": "staging",
    "notprod": "staging",
    "dev": "dev",
    "development": "dev",
    "develop": "dev",
    "test": "dev",
    "tst": "dev",
    "testing": "dev",
    "integration": "dev",
    "sandbox": "sandbox",
    "sandboxes": "sandbox",
    "sbx": "sandbox",
    "playground": "sandbox",
    "scratch": "sandbox",
    "ephemeral": "sandbox",
    "preview": "sandbox",
    "experiment": "sandbox",
    "poc": "sandbox",
    "demo": "sandbox",
}

_PAIRS: dict[tuple[str, str], str] = {
    ("non", "prod"): "staging",
    ("non", "production"): "staging",
    ("not", "prod"): "staging",
    ("pre", "prod"): "staging",
    ("pre", "production"): "staging",
}

_NUMBERED = frozenset({"pr", "review", "mr"})
"""Tokens that name an ephemeral review environment when a number follows (`pr-123`)."""

_SPLIT = re.compile(r"[^0-9A-Za-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_GLUED_NUMBER = re.compile(r"^(pr|mr|review)\d+$")
_TRAILING_DIGITS = re.compile(r"^([a-z]+?)\d+$")


def severity(environment: str) -> int:
    """Severity rank: prod and unknown 3, staging 2, dev 1, sandbox 0."""
    return _SEVERITY[environment]


def split_tokens(text: str) -> list[str]:
    """Lower-case tokens of `text`, split on non-alphanumerics and camelCase boundaries."""
    result: list[str] = []
    for part in _SPLIT.split(text):
        if part:
            result.extend(piece.lower() for piece in _CAMEL.split(part) if piece)
    return result


def _word_environment(token: str, *, path: bool) -> str | None:
    if token == "live":
        return None if path else "prod"
    if token in _WORDS:
        return _WORDS[token]
    if _GLUED_NUMBER.match(token):
        return "sandbox"
    stem = _TRAILING_DIGITS.match(token)
    if stem and stem.group(1) in _WORDS:
        return _WORDS[stem.group(1)]
    return None


def environments_in(text: str, *, path: bool = False) -> tuple[str, ...]:
    """Every environment whose tokens occur in `text`, most severe first.

    `path=True` reads `text` as a directory path, where `live` is a root and not prod.
    """
    tokens = split_tokens(text)
    found: set[str] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (token, following) in _PAIRS:
            found.add(_PAIRS[(token, following)])
            i += 2
            continue
        if token in _NUMBERED and following.isdigit():
            found.add("sandbox")
            i += 2
            continue
        env = _word_environment(token, path=path)
        if env is not None:
            found.add(env)
        i += 1
    return tuple(e for e in ENVIRONMENTS if e in found)


def environment_of(text: str, *, path: bool = False) -> str | None:
    """The most severe environment named in `text`, or None."""
    found = environments_in(text, path=path)
    return found[0] if found else None


@lru_cache(maxsize=1024)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def glob_match(pattern: str, text: str) -> bool:
    """Case-insensitive whole-string glob: `*` any run of characters (`/` included), `?` one.

    Brackets are literal, so `dependabot[bot]` matches itself. A pattern without `*` or `?`
    (most of them) is compared as lower-case text, without compiling a regex.
    """
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == text.lower()
    return _glob_regex(pattern).fullmatch(text) is not None


def any_glob(patterns: tuple[str, ...] | list[str], text: str) -> str | None:
    """The first pattern that matches `text`, or None."""
    for pattern in patterns:
        if glob_match(pattern, text):
            return pattern
    return None
