"""What a job handler asks of the queue (serve layer): finish it, or run it again later.

Input: nothing (definitions). Output: `Done` (finished, or given up with its error kept) and
`Later` (back in the queue after `delay` seconds with a new payload: a retry with backoff, a
plan not ready yet, the next heartbeat), and the backoff every retry uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from planrisk.gate.audit.job_queue import DEAD, DONE

MAX_BACKOFF_SECONDS = 60.0


@dataclass(frozen=True)
class Done:
    """Finish the job (`DONE`, or `DEAD` with the error: given up)."""

    state: str = DONE
    error: str | None = None


@dataclass(frozen=True)
class Later:
    """Run the job again after `delay` seconds, with `payload`."""

    delay: float
    payload: str
    error: str | None = None


Step = Done | Later


def given_up(error: str) -> Done:
    """The job is abandoned: its error is kept in the table and logged."""
    return Done(DEAD, error)


def backoff(attempts: int, base: float) -> float:
    """Exponential backoff from `base` seconds, capped (attempts counts from 1)."""
    return float(min(base * 2 ** min(attempts, 16), MAX_BACKOFF_SECONDS))
