"""Errors and exit codes shared by every stage.

Input: a problem found by any stage. Output: an exception that the CLI turns into one line on
stderr and a fixed exit code. The tree:

    PlanriskError                 exit 3 unless a subclass says otherwise
    ├── StoreUnavailable          the store cannot be reached: exit 4 (gate/audit/store_errors)
    └── InputError                a file given to planrisk is unusable
        ├── PlanFormatError       not a usable plan (binary plan, state file, truncated JSON…)
        ├── RiskModelError        a risk model TOML file is invalid
        ├── ConfigError           .planrisk.toml is invalid
        └── EvidenceError         a key, attestation or approval file is malformed
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit-code contract, documented in the README and fixed."""

    ALLOW = 0
    BLOCKED = 1
    USAGE = 2
    INPUT_ERROR = 3
    INTERNAL_ERROR = 4


class PlanriskError(Exception):
    """Base of every expected, user-fixable error."""

    exit_code: ExitCode = ExitCode.INPUT_ERROR

    def __init__(self, message: str, *, source: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.hint = hint

    def one_line(self) -> str:
        """`FILE: what is wrong; what to run instead` on a single line."""
        parts = []
        if self.source:
            parts.append(f"{self.source}: ")
        parts.append(self.message)
        if self.hint:
            parts.append(f"; {self.hint}")
        return " ".join("".join(parts).split())


class InputError(PlanriskError):
    """A file given to planrisk cannot be used."""


class PlanFormatError(InputError):
    """The input is not a usable Terraform, OpenTofu or Pulumi plan."""


class RiskModelError(InputError):
    """A risk model file is invalid (names file and key path)."""


class ConfigError(InputError):
    """The planrisk configuration file is invalid."""


class EvidenceError(InputError):
    """A key, attestation or approval file is malformed or unreadable."""
