"""Report stage: what every renderer takes, one value: an `Analysis`, or the `GateResult` of
`planrisk gate` (which carries its analysis).

Input: either value. Output: the analysis and, for a gate result, the result itself, so each
renderer reads the plan, graph and assessment from one place and the decision when there is one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from planrisk.gate.decide import GateResult
    from planrisk.pipeline import Analysis

Reported: TypeAlias = "Analysis | GateResult"
"""What a renderer reports on: an analysis, or a gate result with its analysis."""


def unpack(subject: Reported) -> tuple[Analysis, GateResult | None]:
    """The analysis of `subject` and its gate result (None for a bare analysis)."""
    # Imported here: both modules are loaded already whenever a value of theirs exists, and the
    # report package stays importable without the gate at module level.
    from planrisk.pipeline import Analysis

    if isinstance(subject, Analysis):
        return subject, None
    return subject.analysis, subject
